#!/usr/bin/python3
"""Test fixture (not part of fvm): a loopback HTTP mirror that gives debian-installer a
consistent view of a Debian mirror whose installer index runs ahead of its pool.

  di-mirror.py prepare --upstream URL --suite trixie --cache DIR        (prints the state dir)
  di-mirror.py serve   --upstream URL --state DIR --cache DIR --log FILE
                       [--listen 127.0.0.1:0] [--unix PATH]
  di-mirror.py relay   --listen 127.0.0.1:PORT --unix PATH      (TCP -> the server's socket)
  di-mirror.py stats   --log FILE                               (what was fetched, by suite)

prepare, reading the upstream indexes (nothing here names a version):
  1. groups the kernel-module udebs of main/debian-installer/binary-amd64 by kernel ABI and
     keeps the ABIs whose udebs all answer a HEAD request;
  2. takes the netboot builds (debian-installer-N-netboot-amd64) the indexes name, and the
     earlier point releases of them (+debNNuK counted down), newest first, and picks the first
     whose .deb exists and whose kernel (its Built-Using, read from the index or from the
     .deb's control member with a Range request) is one of those ABIs;
  3. rewrites the installer index: every udeb whose file is missing is replaced by a version
     the pool has (candidates from the netboot build's Built-Using, the suite's other indexes
     and the udeb index itself, each checked with HEAD), or dropped when none is found;
  4. writes Release with the new index's sizes and hashes, signs it (Release.gpg) with a key
     made for this state directory, and writes a tree (current/images/netboot/...) with the
     build's kernel and its initrd with that key appended to the installer's keyring.
serve answers the rewritten Release, Release.gpg and installer index; everything else (the
Debian-signed InRelease that debootstrap and apt use, the other indexes, the pool) is passed
through from upstream, pool files cached under --cache.
"""
import argparse
import concurrent.futures
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DI_INDEX = "main/debian-installer/binary-amd64/Packages"
MODULE_RE = re.compile(r"-modules-(\d+\.\d+\.\d+)(\+deb\d+)?-amd64-di$|^kernel-image-(\d+\.\d+\.\d+)(\+deb\d+)?-amd64-di$")


def log(msg):
    print(f"di-mirror: {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"di-mirror: error: {msg}", file=sys.stderr)
    sys.exit(1)


def http(url, method="GET", headers=None, timeout=60):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    return urllib.request.urlopen(req, timeout=timeout)


def exists(url):
    try:
        with http(url, "HEAD") as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


def get_bytes(url):
    with http(url) as r:
        return r.read()


def stanzas(text):
    for block in text.split("\n\n"):
        if block.strip():
            yield block


def field(stanza, name):
    m = re.search(rf"^{name}: (.*)$", stanza, re.M)
    return m.group(1).strip() if m else None


def set_field(stanza, name, value):
    return re.sub(rf"^{name}: .*$", f"{name}: {value}", stanza, count=1, flags=re.M)


def index(upstream, path):
    """An index's text, from its .xz, .gz or plain form; '' when the suite has none."""
    for suffix, unpack in ((".xz", lzma.decompress), (".gz", gzip.decompress), ("", bytes)):
        try:
            return unpack(get_bytes(f"{upstream}/{path}{suffix}")).decode()
        except urllib.error.HTTPError:
            continue
    return ""


def vercmp(a, b):
    if a == b:
        return 0
    r = subprocess.run(["dpkg", "--compare-versions", a, "gt", b])
    return 1 if r.returncode == 0 else -1


def sort_newest_first(versions):
    import functools

    return sorted(set(versions), key=functools.cmp_to_key(vercmp), reverse=True)


def no_epoch(v):
    return v.split(":", 1)[1] if ":" in v else v


def predecessors(version):
    """Versions the archive would have used before VERSION: earlier binNMUs (+bN), earlier
    stable updates (+debNNuK, ~debNNuK), the version without them, and binNMUs of those."""
    out = set()
    v = version
    m = re.fullmatch(r"(.*)\+b(\d+)", v)
    if m:
        v = m.group(1)
        out.update(f"{v}+b{k}" for k in range(1, int(m.group(2))))
        out.add(v)
    bases = {v}
    m = re.fullmatch(r"(.*[+~]deb\d+u)(\d+)", v)
    if m:
        bases.update(f"{m.group(1)}{k}" for k in range(1, int(m.group(2))))
        bases.add(re.sub(r"[+~]deb\d+u$", "", m.group(1)))
    for b in bases:
        out.add(b)
        out.update(f"{b}+b{k}" for k in range(1, 13))
    out.discard(version)
    return out


def built_using(stanza_or_control):
    bu = field(stanza_or_control, "Built-Using") or ""
    return {m.group(1): m.group(2) for m in re.finditer(r"(?:^|, )([^ ,]+) \(= ([^)]+)\)", bu)}


def control_of_deb(url):
    """The control file of a remote .deb, from its first bytes (ar: debian-binary, control.tar)."""
    data = get_bytes_range(url, 0, 262143)
    if not data.startswith(b"!<arch>\n"):
        raise ValueError(f"{url} is not a .deb")
    off = 8
    while off + 60 <= len(data):
        hdr = data[off : off + 60]
        name = hdr[:16].decode().strip().rstrip("/")
        size = int(hdr[48:58].decode().strip())
        body = data[off + 60 : off + 60 + size]
        if name.startswith("control.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as t:
                for m in t.getmembers():
                    if m.name.lstrip("./") == "control":
                        return t.extractfile(m).read().decode()
        off += 60 + size + (size & 1)
    raise ValueError(f"no control member in the first bytes of {url}")


def get_bytes_range(url, start, end):
    with http(url, headers={"Range": f"bytes={start}-{end}"}) as r:
        return r.read()


def kernel_abi(version):
    """'6.12.94-1' -> '6.12.94'."""
    return version.split("-", 1)[0]


class Cache:
    """Pool files, kept outside the repo by path; written whole or not at all."""

    def __init__(self, root):
        self.root = os.path.join(root, "upstream")

    def path(self, rel):
        return os.path.join(self.root, rel)

    def has(self, rel):
        return os.path.isfile(self.path(rel))

    def fetch(self, upstream, rel):
        p = self.path(rel)
        if os.path.isfile(p):
            return p
        os.makedirs(os.path.dirname(p), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(p), prefix=".part.")
        try:
            with os.fdopen(fd, "wb") as out, http(f"{upstream}/{rel}", timeout=300) as r:
                shutil.copyfileobj(r, out, 1 << 20)
            os.replace(tmp, p)
        except BaseException:
            os.unlink(tmp)
            raise
        return p


def digests(data):
    return {
        "size": len(data),
        "MD5Sum": hashlib.md5(data).hexdigest(),
        "SHA256": hashlib.sha256(data).hexdigest(),
    }


def prepare(a):
    """Prints the state directory: under --cache, keyed by the upstream Release and this
    script, so an unchanged mirror is prepared once."""
    up = a.upstream.rstrip("/")
    cache = Cache(a.cache)
    release = get_bytes(f"{up}/dists/{a.suite}/Release").decode()
    key = hashlib.sha256((up + a.suite + release).encode() + open(__file__, "rb").read()).hexdigest()[:16]
    state = os.path.join(a.cache, "state", f"{a.suite}-{key}")
    if os.path.isfile(os.path.join(state, "report.json")):
        print(state)
        return
    final = state
    os.makedirs(os.path.dirname(final), exist_ok=True)
    state = tempfile.mkdtemp(dir=os.path.dirname(final), prefix=f".{a.suite}-{key}.")
    os.chmod(state, 0o755)
    report = {"suite": a.suite}
    codename = field(release, "Codename") or a.suite
    di_text = index(up, f"dists/{a.suite}/{DI_INDEX}")
    if not di_text:
        die(f"{a.suite} has no {DI_INDEX}")
    di = list(stanzas(di_text))
    report["udebs_listed"] = len(di)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        present = dict(zip(range(len(di)), pool.map(lambda s: exists(f"{up}/{field(s, 'Filename')}"), di)))
    report["udebs_missing"] = sum(1 for ok in present.values() if not ok)

    # 1. kernel ABIs whose module udebs are all there
    abis = {}
    for i, s in enumerate(di):
        m = MODULE_RE.search(field(s, "Package"))
        if m:
            abi = m.group(1) or m.group(3)
            abis.setdefault(abi, []).append(present[i])
    good_abis = sorted(abi for abi, oks in abis.items() if all(oks))
    report["kernel_abis"] = {abi: f"{sum(oks)}/{len(oks)} module udebs present" for abi, oks in abis.items()}
    if not good_abis:
        die("no kernel ABI in the installer index has all its module udebs in the pool")

    # 2. the netboot build
    builds = {}
    for comp in ("main/binary-all", "main/binary-amd64"):
        for s in stanzas(index(up, f"dists/{a.suite}/{comp}/Packages")):
            p = field(s, "Package") or ""
            if re.fullmatch(r"debian-installer-\d+-netboot-amd64", p):
                builds[field(s, "Version")] = (p, field(s, "Filename"), s)
    if not builds:
        die(f"no debian-installer-N-netboot-amd64 in {a.suite}'s indexes")
    newest = sort_newest_first(builds)[0]
    pkg, filename, _ = builds[newest]
    candidates = set(builds)
    m = re.fullmatch(r"(.*\+deb\d+u)(\d+)", newest)
    if m:
        candidates.update(f"{m.group(1)}{k}" for k in range(1, int(m.group(2))))
        candidates.add(re.sub(r"\+deb\d+u$", "", m.group(1)))
    chosen = None
    tried = []
    for v in sort_newest_first(candidates):
        fn = builds[v][1] if v in builds else filename.replace(f"_{newest}_", f"_{v}_")
        url = f"{up}/{fn}"
        if v in builds:
            bu = built_using(builds[v][2])
        elif cache.has(fn) or exists(url):
            try:
                bu = built_using(control_of_deb(url) if not cache.has(fn) else subprocess.run(
                    ["dpkg-deb", "-f", cache.path(fn)], capture_output=True, text=True, check=True).stdout)
            except (ValueError, urllib.error.URLError, subprocess.CalledProcessError) as e:
                tried.append(f"{v}: {e}")
                continue
        else:
            tried.append(f"{v}: not in the pool")
            continue
        kernel = bu.get("linux")
        if kernel is None or kernel_abi(kernel) not in good_abis:
            tried.append(f"{v}: kernel {kernel}, module udebs incomplete")
            continue
        chosen = (v, fn, bu, kernel)
        break
    report["netboot_tried"] = tried
    if chosen is None:
        die("no netboot build whose kernel's module udebs are all in the pool: " + "; ".join(tried))
    version, fn, bu, kernel = chosen
    report["netboot"] = f"{pkg} {version} (kernel {kernel})"
    log(f"netboot build {version}, kernel {kernel}")
    deb = cache.fetch(up, fn)
    tree = os.path.join(state, "tree")
    images = os.path.join(tree, "current/images/netboot/debian-installer/amd64")
    os.makedirs(images, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=state) as tmp:
        subprocess.run(f"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{tmp}' --wildcards "
                       f"'./usr/lib/debian-installer/images/*/amd64/text/debian-installer/amd64/linux' "
                       f"'./usr/lib/debian-installer/images/*/amd64/text/debian-installer/amd64/initrd.gz'",
                       shell=True, check=True)
        src = subprocess.run(["find", tmp, "-name", "linux", "-path", "*/text/*"], capture_output=True,
                             text=True, check=True).stdout.split()[0]
        shutil.copy(src, os.path.join(images, "linux"))
        shutil.copy(os.path.join(os.path.dirname(src), "initrd.gz"), os.path.join(state, "initrd.orig.gz"))

    # 3. the installer index, every udeb a file the pool has
    other = {}  # source or package name -> versions the suite's other indexes name
    for comp in ("main/binary-amd64", "main/binary-all"):
        for s in stanzas(index(up, f"dists/{a.suite}/{comp}/Packages")):
            src = (field(s, "Source") or field(s, "Package")).split(" ")[0]
            other.setdefault(src, set()).add(field(s, "Version"))
            m = re.search(r"\((.*)\)", field(s, "Source") or "")
            if m:
                other[src].add(m.group(1))
    out = []
    replaced, dropped = [], []
    for i, s in enumerate(di):
        if present[i]:
            out.append(s)
            continue
        name, ver, f = field(s, "Package"), field(s, "Version"), field(s, "Filename")
        src = (field(s, "Source") or name).split(" ")[0]
        cands = set(other.get(src, ())) | {v for v in [bu.get(src)] if v}
        cands |= {field(t, "Version") for t in di if field(t, "Package") == name}
        cands |= predecessors(ver)
        found = None
        for v in sort_newest_first(c for c in cands if c and vercmp(c, ver) < 0):
            g = f.replace(f"_{no_epoch(ver)}_", f"_{no_epoch(v)}_")
            if g != f and exists(f"{up}/{g}"):
                found = (v, g)
                break
        if found is None:
            dropped.append(f"{name} {ver}")
            continue
        v, g = found
        data = open(cache.fetch(up, g), "rb").read()
        d = digests(data)
        t = set_field(set_field(s, "Version", v), "Filename", g)
        t = set_field(set_field(set_field(t, "Size", str(d["size"])), "MD5sum", d["MD5Sum"]), "SHA256", d["SHA256"])
        t = "\n".join(line for line in t.split("\n") if not line.startswith(("SHA1:", "Description-md5:")))
        out.append(t)
        replaced.append(f"{name} {ver} -> {v}")
    report["udebs_replaced"] = replaced
    report["udebs_dropped"] = len(dropped)
    report["udebs_dropped_modules_only"] = all(MODULE_RE.search(x.split(" ")[0]) for x in dropped)
    text = ("\n\n".join(x.strip("\n") for x in out) + "\n").encode()
    forms = {"": text, ".gz": gzip.compress(text, mtime=0), ".xz": lzma.compress(text)}
    dists = os.path.join(state, "dists", a.suite)
    idx_dir = os.path.join(dists, os.path.dirname(DI_INDEX))
    os.makedirs(idx_dir, exist_ok=True)
    for suffix, data in forms.items():
        with open(os.path.join(idx_dir, "Packages" + suffix), "wb") as fh:
            fh.write(data)

    # 4. Release with the new index, signed by a key of this state directory
    lines = []
    section = None
    for line in release.split("\n"):
        if re.match(r"^[A-Za-z0-9-]+:", line):
            section = line.split(":")[0]
            if section in ("Valid-Until",):
                continue
        elif line.startswith(" ") and section in ("MD5Sum", "SHA1", "SHA256", "SHA512"):
            parts = line.split()
            if len(parts) == 3 and parts[2].startswith(DI_INDEX):
                suffix = parts[2][len(DI_INDEX):]
                if section not in ("MD5Sum", "SHA256") or suffix not in forms:
                    continue
                d = digests(forms[suffix])
                line = f" {d[section]} {d['size']:>16} {parts[2]}"
            elif len(parts) == 3 and parts[2].startswith(DI_INDEX.replace("/Packages", "/by-hash")):
                continue
        lines.append(line)
    with open(os.path.join(dists, "Release"), "w") as fh:
        fh.write("\n".join(lines))
    gnupg = os.path.join(state, "gnupg")
    os.makedirs(gnupg, mode=0o700, exist_ok=True)
    env = dict(os.environ, GNUPGHOME=gnupg)
    if subprocess.run(["gpg", "--batch", "--list-secret-keys", "fvm-test-mirror"], env=env,
                      capture_output=True).returncode != 0:
        subprocess.run(["gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "",
                        "--quick-gen-key", "fvm test mirror <fvm-test-mirror@localhost>", "ed25519", "sign",
                        "1d"], env=env, check=True, capture_output=True)
    subprocess.run(["gpg", "--batch", "--yes", "--quiet", "--detach-sign", "--output",
                    os.path.join(dists, "Release.gpg"), os.path.join(dists, "Release")], env=env, check=True)
    key = subprocess.run(["gpg", "--batch", "--export", "fvm-test-mirror"], env=env, check=True,
                         capture_output=True).stdout
    subprocess.run(["gpgconf", "--kill", "all"], env=env)
    # the keyring debian-archive-keyring-udeb links archive.gpg to, with the key appended: a
    # second cpio member of the same path replaces the first when the kernel unpacks them
    with tempfile.TemporaryDirectory(dir=state) as tmp:
        ring = "usr/share/keyrings/debian-archive-keyring.pgp"
        r = subprocess.run(f"zcat '{state}/initrd.orig.gz' | cpio -i --quiet -d '{ring}'", shell=True,
                           cwd=tmp)
        if r.returncode != 0 or not os.path.isfile(os.path.join(tmp, ring)):
            die(f"the initrd has no {ring}")
        with open(os.path.join(tmp, ring), "ab") as fh:
            fh.write(key)
        extra = subprocess.run(f"printf '%s\\n' usr usr/share usr/share/keyrings {ring} | cpio -o -H newc "
                               "--quiet -R 0:0 | gzip -9n", shell=True, cwd=tmp, check=True,
                               capture_output=True).stdout
    with open(os.path.join(images, "initrd.gz"), "wb") as fh:
        fh.write(open(os.path.join(state, "initrd.orig.gz"), "rb").read())
        fh.write(extra)
    report["codename"] = codename
    with open(os.path.join(state, "report.json"), "w") as fh:
        json.dump(report, fh, indent=1)
    log(json.dumps(report, indent=1))
    try:
        os.rename(state, final)
    except OSError:  # another run prepared it meanwhile
        shutil.rmtree(state)
    print(final)


class Handler(BaseHTTPRequestHandler):
    server_version = "fvm-di-mirror"

    def address_string(self):
        return "unix" if not self.client_address else str(self.client_address[0])

    def log_message(self, fmt, *args):
        pass

    def record(self, path, source, status):
        with self.server.lock:
            with open(self.server.request_log, "a") as fh:
                fh.write(f"{status} {source} {path}\n")

    def do_HEAD(self):
        self.answer(head=True)

    def do_GET(self):
        self.answer(head=False)

    def answer(self, head):
        path = self.path.split("?", 1)[0]
        prefix = self.server.prefix
        if not path.startswith(prefix + "/") or ".." in path:
            self.send_error(404)
            return
        rel = path[len(prefix) + 1 :]
        local = None
        m = re.match(r"dists/([^/]+)/(.*)$", rel)
        if m and m.group(1) in self.server.suites:
            inner = m.group(2)
            if inner in ("Release", "Release.gpg") or inner.startswith(os.path.dirname(DI_INDEX) + "/Packages"):
                local = os.path.join(self.server.state, "dists", self.server.suite, inner)
                if not os.path.isfile(local):
                    self.record(rel, "local", 404)
                    self.send_error(404)
                    return
                self.record(rel, "local", 200)
        if local is None and rel.startswith("pool/") and self.server.cache.has(rel):
            local = self.server.cache.path(rel)
            self.record(rel, "cache", 200)
        if local is not None:
            size = os.path.getsize(local)
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if not head:
                with open(local, "rb") as fh:
                    shutil.copyfileobj(fh, self.wfile, 1 << 20)
            return
        url = f"{self.server.upstream}/{rel}"
        try:
            r = http(url, "HEAD" if head else "GET", timeout=300)
        except urllib.error.HTTPError as e:
            self.record(rel, "upstream", e.code)
            self.send_error(e.code)
            return
        except urllib.error.URLError as e:
            self.record(rel, "upstream", 502)
            self.send_error(502, str(e.reason))
            return
        self.record(rel, "upstream", 200)
        with r:
            self.send_response(200)
            for h in ("Content-Length", "Content-Type", "Last-Modified"):
                if r.headers.get(h):
                    self.send_header(h, r.headers[h])
            self.end_headers()
            if head:
                return
            keep = rel.startswith("pool/")
            tmp = None
            if keep:
                d = os.path.dirname(self.server.cache.path(rel))
                os.makedirs(d, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=d, prefix=".part.")
                out = os.fdopen(fd, "wb")
            try:
                while True:
                    chunk = r.read(1 << 20)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    if keep:
                        out.write(chunk)
                if keep:
                    out.close()
                    os.replace(tmp, self.server.cache.path(rel))
                    tmp = None
            finally:
                if tmp is not None:
                    out.close()
                    os.unlink(tmp)


def make_server(a, cls, addr):
    srv = cls(addr, Handler)
    srv.daemon_threads = True
    srv.upstream = a.upstream.rstrip("/")
    srv.prefix = "/" + a.prefix.strip("/")
    srv.state = a.state
    srv.cache = Cache(a.cache)
    srv.lock = threading.Lock()
    srv.request_log = a.log
    report = json.load(open(os.path.join(a.state, "report.json")))
    srv.suite = report["suite"]
    srv.suites = {report["suite"], report["codename"]}
    return srv


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(a):
    servers = []
    if a.unix:
        if os.path.exists(a.unix):
            os.unlink(a.unix)
        servers.append(make_server(a, UnixHTTPServer, a.unix))
        os.chmod(a.unix, 0o600)
    if a.listen:
        host, port = a.listen.rsplit(":", 1)
        srv = make_server(a, ThreadingHTTPServer, (host, int(port)))
        servers.append(srv)
        print(f"listening on port {srv.server_address[1]}", flush=True)
    if a.unix:
        print(f"listening on {a.unix}", flush=True)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def relay(a):
    host, port = a.listen.rsplit(":", 1)

    class H(socketserver.BaseRequestHandler):
        def handle(self):
            up = socket.socket(socket.AF_UNIX)
            up.connect(a.unix)

            def pump(src, dst):
                try:
                    while True:
                        b = src.recv(1 << 16)
                        if not b:
                            break
                        dst.sendall(b)
                except OSError:
                    pass
                finally:
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

            t = threading.Thread(target=pump, args=(up, self.request), daemon=True)
            t.start()
            pump(self.request, up)
            t.join()
            up.close()

    class S(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = S((host, int(port)), H)
    print(f"relaying port {srv.server_address[1]} to {a.unix}", flush=True)
    srv.serve_forever()


def stats(a):
    by = {}
    try:
        lines = open(a.log).read().split("\n")
    except FileNotFoundError:
        lines = []
    for line in lines:
        if not line:
            continue
        status, source, path = line.split(" ", 2)
        m = re.match(r"dists/([^/]+)/", path)
        where = m.group(1) if m else ("pool (.udeb)" if path.endswith(".udeb") else "pool (.deb)" if path.endswith(".deb") else "other")
        k = (where, source, status)
        by[k] = by.get(k, 0) + 1
    for (where, source, status), n in sorted(by.items()):
        print(f"{n} {where} {source} {status}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="verb", required=True)
    for verb in ("prepare", "serve"):
        s = sub.add_parser(verb)
        s.add_argument("--upstream", required=True)
        s.add_argument("--cache", required=True)
        if verb == "prepare":
            s.add_argument("--suite", default="trixie")
        else:
            s.add_argument("--state", required=True)
            s.add_argument("--listen")
            s.add_argument("--unix")
            s.add_argument("--prefix", default="/debian")
            s.add_argument("--log", required=True, help="one line per request: status, source, path")
    s = sub.add_parser("relay")
    s.add_argument("--listen", required=True)
    s.add_argument("--unix", required=True)
    s = sub.add_parser("stats")
    s.add_argument("--log", required=True)
    a = p.parse_args()
    {"prepare": prepare, "serve": serve, "relay": relay, "stats": stats}[a.verb](a)


if __name__ == "__main__":
    main()
