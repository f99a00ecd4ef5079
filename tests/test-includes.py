#!/usr/bin/env python3
"""Unit (TAP): the include graph of core/ has no cycles between modules, and the layers include
only what is below them.

A module is core/NAME.c with core/NAME.h; its private header NAME-private.h belongs to it. An
edge A -> B means A's .c or .h includes B's header. A cycle (the store needing the volume
writer, which needs the store) means neither can be understood, tested or replaced alone.

The layers are read from the compiler's own dependency records (ninja keeps the -MD files in
its deps log; `ninja -t deps` prints them), so every header an object was really built with
counts, however it was reached: a front end (builder/, golden/, spawn/, consolidate/) may use
its own folder, cli/, core/, the generated configuration header and system headers; cli/ only
itself and core/; core/ only itself. FVM_BUILD_ROOT names the build directory."""
import glob
import json
import os
import re
import subprocess
import sys

root = os.environ.get("FVM_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..")
core = os.path.join(root, "core")


def module(name):
    return name[: -len("-private")] if name.endswith("-private") else name


edges = {}
for path in glob.glob(os.path.join(core, "*.[ch]")):
    m = module(os.path.basename(path).rsplit(".", 1)[0])
    with open(path, encoding="utf-8") as f:
        for inc in re.findall(r'^#include "([^"/]+)\.h"', f.read(), re.M):
            if os.path.exists(os.path.join(core, inc + ".h")) and module(inc) != m:
                edges.setdefault(m, set()).add(module(inc))

# Tarjan's strongly connected components: any of more than one module is a cycle.
index, low, stack, on_stack, cycles = {}, {}, [], set(), []


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on_stack.add(v)
    for w in sorted(edges.get(v, ())):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on_stack.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            cycles.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in sorted(edges):
    if v not in index:
        visit(v)

n_modules = len(set(edges) | {w for ws in edges.values() for w in ws})
failed = False
print("1..5")
if n_modules > 20:
    print(f"ok 1 - read the includes of {n_modules} core modules")
else:
    failed = True
    print(f"not ok 1 - read the includes of core modules (only {n_modules}: wrong directory?)")
if cycles:
    failed = True
    print("not ok 2 - no include cycles between core modules")
    for c in cycles:
        print("# cycle: " + " <-> ".join(c))
else:
    print("ok 2 - no include cycles between core modules")

# --- layers, from the compiler's dependency records ------------------------------------------
FRONT_ENDS = ("builder", "golden", "spawn", "consolidate")
ALLOWED = {"core": {"core"}, "cli": {"cli", "core"}}
for fe in FRONT_ENDS:
    ALLOWED[fe] = {fe, "cli", "core"}

build = os.path.realpath(os.environ.get("FVM_BUILD_ROOT") or os.path.join(root, "build"))
src = os.path.realpath(root)


def layer(path):
    """The top folder of the source tree PATH is in; "" for the build directory's generated
    headers; None for a system header."""
    if path == build or path.startswith(build + os.sep):
        return ""
    if path.startswith(src + os.sep):
        return os.path.relpath(path, src).split(os.sep)[0]
    return None


try:
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        commands = json.load(f)
except OSError as e:
    commands = []
    print(f"# {e}")
objects = {}
for c in commands:
    source = os.path.realpath(os.path.join(c["directory"], c["file"]))
    if layer(source) in ALLOWED:
        objects[c["output"]] = layer(source)
deps = {}
if objects:
    out = subprocess.run([os.environ.get("NINJA", "ninja"), "-C", build, "-t", "deps"]
                         + sorted(objects), capture_output=True, text=True, check=False).stdout
    target = None
    for line in out.splitlines():
        if line and not line[0].isspace():
            target = line.split(":", 1)[0]
            deps[target] = []
        elif line.strip() and target is not None:
            deps[target].append(os.path.realpath(os.path.join(build, line.strip())))

read = {obj: lay for obj, lay in objects.items() if deps.get(obj)}
n_front = sum(1 for lay in read.values() if lay in FRONT_ENDS)
n_core = sum(1 for lay in read.values() if lay == "core")
n_cli = sum(1 for lay in read.values() if lay == "cli")
if n_front >= 20 and n_core > 20 and n_cli >= 3:
    print(f"ok 3 - read the compiler's dependencies of {len(read)} objects "
          f"({n_core} core, {n_cli} cli, {n_front} front end)")
else:
    failed = True
    print(f"not ok 3 - read the compiler's dependencies (core {n_core}, cli {n_cli}, front ends "
          f"{n_front} of {len(objects)} objects: not built, or no ninja?)")

wrong = {}
for obj, lay in sorted(read.items()):
    for dep in deps[obj]:
        dep_layer = layer(dep)
        if dep_layer is None or dep_layer == "" or dep_layer in ALLOWED[lay]:
            continue
        wrong.setdefault(lay, []).append(f"{obj} includes {os.path.relpath(dep, src)}")
bad_front = [w for lay in FRONT_ENDS for w in wrong.get(lay, [])]
bad_lib = wrong.get("core", []) + wrong.get("cli", [])
if bad_front:
    failed = True
    print("not ok 4 - front ends include only their own folder, cli/, core/ and system headers")
    for w in bad_front:
        print("# " + w)
else:
    print("ok 4 - front ends include only their own folder, cli/, core/ and system headers")
if bad_lib:
    failed = True
    print("not ok 5 - core includes only core/; cli/ only cli/ and core/")
    for w in bad_lib:
        print("# " + w)
else:
    print("ok 5 - core includes only core/; cli/ only cli/ and core/")
sys.exit(1 if failed else 0)
