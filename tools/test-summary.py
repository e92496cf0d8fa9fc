#!/usr/bin/env python3
"""Counts the individual TAP results of every meson test log given, prints the failures and the skips
with their reasons, and ends with the plain line 'N passed, N failed, N skipped'. Exits 1 on any failure
or when no test ran at all."""
import json
import re
import sys

passed = failed = skipped = 0
problems = []
skips = []
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError as e:
        print("test log missing: %s (%s)" % (path, e))
        failed += 1
        continue
    if path.endswith(".tap"):
        # A plain TAP file (the fuzz run): wrap it as one test entry.
        lines = [json.dumps({"name": path.split("/")[-1], "stdout": "\n".join(lines), "result": "OK"})]
    for raw in lines:
        t = json.loads(raw)
        name = "%s:%s" % (path.split("/")[0], t["name"])
        out = t.get("stdout") or t.get("stdo") or ""
        tap_fail = 0
        tap_any = 0
        running = None
        for line in (out + "\n" + (t.get("stderr") or "")).splitlines():
            if line.startswith("# SKIP "):
                skips.append("%s: %s" % (name, line[7:]))
                continue
            # cmocka's standard output: "[ RUN      ] name" then "[       OK ] name" / FAILED / SKIPPED / ERROR
            c = re.match(r"^\[\s*(RUN|OK|FAILED|SKIPPED|ERROR)\s*\] (\S+)", line)
            if c:
                state, test = c.groups()
                if state == "RUN":
                    running = test
                elif test == running:
                    running = None
                    tap_any += 1
                    if state == "OK":
                        passed += 1
                    elif state == "SKIPPED":
                        skipped += 1
                        skips.append("%s: %s" % (name, test))
                    else:
                        failed += 1
                        tap_fail += 1
                        problems.append("%s: %s %s" % (name, test, state))
                continue
            m = re.match(r"^(not ok|ok)\b\s*\d*\s*-?\s*(.*)$", line)
            if not m:
                continue
            tap_any += 1
            desc = m.group(2)
            if "# SKIP" in desc.upper():
                skipped += 1
                skips.append("%s: %s" % (name, desc))
            elif m.group(1) == "not ok":
                failed += 1
                tap_fail += 1
                problems.append("%s: not ok %s" % (name, desc))
            else:
                passed += 1
        if t.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL") and tap_fail == 0:
            failed += 1
            problems.append("%s: %s (exit %s)" % (name, t.get("result"), t.get("returncode")))
        if tap_any == 0 and t.get("result") == "SKIP":
            skipped += 1
            skips.append("%s: skipped" % name)
for s in skips:
    print("skipped: " + s)
for p in problems:
    print("FAILED: " + p)
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or passed == 0 else 0)
