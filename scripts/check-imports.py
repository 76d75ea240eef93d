#!/usr/bin/env python3
"""check-imports.py: every Swift target imports exactly the modules Package.swift declares as its
dependencies -- no undeclared import (it would build only by luck of the build order) and no
declared dependency that is not imported (an arrow in the drawing of the house that is not in
the code). Also: the core targets depend on nothing that links a C library or does I/O.

Reads the manifest with `swift package dump-package`. Exit 1 with the differences listed.
"""
import json
import os
import re
import subprocess
import sys

# Modules of the toolchain and the platform: never declared.
SYSTEM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Dispatch", "Testing", "XCTest",
          "Synchronization", "_Concurrency", "Darwin"}
# The pure core: what it may depend on (targets of its own, and swift-system's Errno).
CORE = {"ThinPool", "AgentConfig", "Planning", "Bolt", "JSON", "Exposition", "PoolViews"}
CORE_ALLOWED = CORE | {"SystemPackage"}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_exported\s+|@preconcurrency\s+)*(?:public\s+|internal\s+|package\s+)?import\s+(?:struct\s+|class\s+|enum\s+|func\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=root, check=True,
                                         capture_output=True, text=True).stdout)
    problems = []
    checked = 0
    # An executable a test target declares is there to be built before the tests run it.
    executables = {t["name"] for t in manifest["targets"] if t["type"] == "executable"}
    for t in manifest["targets"]:
        if t["type"] in ("system",):
            continue
        name = t["name"]
        path = t.get("path") or os.path.join("Tests" if t["type"] == "test" else "Sources", name)
        files = []
        for d, _, fs in os.walk(os.path.join(root, path)):
            files += [os.path.join(d, f) for f in fs if f.endswith(".swift")]
        if not files:
            continue   # a C target
        declared = set()
        for dep in t["dependencies"]:
            for kind in ("byName", "target", "product"):
                if kind in dep:
                    declared.add(dep[kind][0])
        imported = set()
        for f in files:
            # Multi-line string literals hold text (a test's script), not imports.
            text = re.sub(r'"""(?:.|\n)*?"""', "", open(f, encoding="utf-8").read())
            imported |= set(IMPORT.findall(text))
        imported -= SYSTEM
        imported.discard(name)
        checked += 1
        for m in sorted(imported - declared):
            problems.append(f"{name}: imports {m}, which Package.swift does not declare")
        for m in sorted(declared - imported - executables):
            problems.append(f"{name}: declares {m}, which it does not import")
        if name in CORE:
            for m in sorted(declared - CORE_ALLOWED):
                problems.append(f"{name} is core (pure, links nothing) but depends on {m}")
    for p in problems:
        print("check-imports: " + p)
    print(f"check-imports: {checked} targets, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
