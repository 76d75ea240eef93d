#!/usr/bin/env python3
"""check-imports.py: every Swift target imports exactly the modules Package.swift declares as its
dependencies -- no undeclared import (it would build only by luck of the build order) and no
declared dependency that is not imported (an arrow in the drawing of the house that is not in
the code). Also: every import points down the house's layers (LAYER below, drawn in Package.swift and
docs/architecture.md): a target imports only targets of a lower layer -- never one of its own
layer, never one above -- and the core depends on nothing that links a C library or does I/O.
A test target may import any library target and the test support targets.

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
CORE = {"ThinPoolCore"}
CORE_ALLOWED = CORE | {"SystemPackage"}
# The layers, from the core out. C targets and products of other packages are below everything.
LAYER = {
    "ThinPoolCore": 0,
    "SystemIO": 1,
    "ConfigFiles": 2,
    "DeviceMapper": 3, "Web": 3,
    "Reader": 4, "Workloads": 4, "WebTLS": 4,
    "Alerting": 5, "Autoextend": 5, "SpaceScan": 5,
    "Collectors": 6,
    "CLI": 7, "thinpool-exporter": 8,
    # Test support sits above the modules it helps test.
    "TestSupport": 1, "ReaderTestSupport": 5,
}
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
        if t["type"] in ("system", "plugin"):
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
        if t["type"] != "test":
            if name not in LAYER:
                problems.append(f"{name}: no layer in check-imports.py's LAYER: say where it belongs")
            else:
                for m in sorted(declared | imported):
                    if m in LAYER and LAYER[m] >= LAYER[name]:
                        where = "the same layer" if LAYER[m] == LAYER[name] else "a higher layer"
                        problems.append(f"{name} (layer {LAYER[name]}) imports {m}, which is in {where} ({LAYER[m]}): imports point down")
        if name in CORE:
            for m in sorted(declared - CORE_ALLOWED):
                problems.append(f"{name} is core (pure, links nothing) but depends on {m}")
    for p in problems:
        print("check-imports: " + p)
    print(f"check-imports: {checked} targets, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
