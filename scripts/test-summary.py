#!/usr/bin/python3
"""test-summary.py - one closing line over several meson build dirs.

Reads each DIR/meson-logs/testlog.json (one JSON object per test) and prints
'N passed, N failed, N skipped'. Exits 1 when any test failed or timed out.
"""
import json
import os
import sys

passed = failed = skipped = 0
for d in sys.argv[1:]:
    path = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        continue
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line).get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
