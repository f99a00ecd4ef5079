#!/usr/bin/env python3
"""Unit (TAP): no code outside the storage backends' own files names a backend.

A backend's name is what its ops table says (`.name = "KIND"` in core/fvm-backend-*.c). Outside
core/fvm-backend*.[ch] no C file of core/ or the front ends may hold that name as a string: a
caller that compares it (`g_str_equal (backend, "thinlv")`) is a place a new backend must be
taught, which the FvmBackend interface exists to prevent. Image formats that share a name with a
backend ("qcow2" as qemu-img says it) are FVM_IMAGE_FORMAT_* in core/fvm-image-info.h, and the zfs
command is FVM_ZFS_COMMAND in core/fvm-zfs.h."""
import glob
import os
import re
import sys

root = os.environ.get("FVM_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..")
core = os.path.join(root, "core")

names = set()
for path in glob.glob(os.path.join(core, "fvm-backend-*.c")):
    with open(path, encoding="utf-8") as f:
        names.update(re.findall(r'^\s*\.name = "([^"]+)",', f.read(), re.M))

scanned = 0
offences = []
for folder in ("core", "cli", "builder", "golden", "spawn"):
    for path in sorted(glob.glob(os.path.join(root, folder, "*.[ch]"))):
        rel = os.path.relpath(path, root)
        if rel.startswith(os.path.join("core", "fvm-backend")):
            continue
        scanned += 1
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if rel == os.path.join("core", "fvm-image-info.h") and line.startswith(
                    "#define FVM_IMAGE_FORMAT_"
                ):
                    continue
                # The zfs command shares its name with the backend that drives it.
                if rel == os.path.join("core", "fvm-zfs.h") and line.startswith(
                    "#define FVM_ZFS_COMMAND "
                ):
                    continue
                for name in names:
                    if f'"{name}"' in line:
                        offences.append(f"{rel}:{number}: {line.strip()}")

print("1..2")
if len(names) >= 2 and scanned > 50:
    print(f"ok 1 - found {len(names)} backends ({', '.join(sorted(names))}), scanned {scanned} files")
else:
    print(f"not ok 1 - found backends {sorted(names)} and {scanned} files: wrong directory?")
if offences:
    print("not ok 2 - no backend name outside the backends' files")
    for o in offences:
        print("# " + o)
    sys.exit(1)
print("ok 2 - no backend name outside the backends' files")
sys.exit(0 if len(names) >= 2 and scanned > 50 else 1)
