#!/usr/bin/env python3
"""Unit (TAP): the include graph of core/ has no cycles between modules.

A module is core/NAME.c with core/NAME.h; its private header NAME-private.h belongs to it. An
edge A -> B means A's .c or .h includes B's header. A cycle (the store needing the volume
writer, which needs the store) means neither can be understood, tested or replaced alone."""
import glob
import os
import re
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
print("1..2")
if n_modules > 20:
    print(f"ok 1 - read the includes of {n_modules} core modules")
else:
    print(f"not ok 1 - read the includes of core modules (only {n_modules}: wrong directory?)")
if cycles:
    print("not ok 2 - no include cycles between core modules")
    for c in cycles:
        print("# cycle: " + " <-> ".join(c))
    sys.exit(1)
print("ok 2 - no include cycles between core modules")
sys.exit(0 if n_modules > 20 else 1)
