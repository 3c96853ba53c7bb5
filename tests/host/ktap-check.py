#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""ktap-check.py [--names] [--spaces] [FILE]: a strict KTAP version 1 reader for what
we print (Documentation/dev-tools/ktap.rst, kselftest's usage of it).

Accepted, in this order and nothing else:
  - "KTAP version 1" as the first line;
  - the plan "1..N" as the next line that is not a diagnostic;
  - test lines "ok N NAME", "not ok N NAME", "ok N NAME # SKIP [reason]"
    (also the directives TODO, XFAIL, TIMEOUT, ERROR in capitals), numbered
    1, 2, 3... with a NAME of no whitespace and no '#';
  - diagnostic lines "# text" (or a lone "#") anywhere after the version.
No blank line, indented subtest, other directive, "TAP version" line or
unknown line; exactly N test lines. Prints "tests N pass P fail F skip S"
(with --names one "RESULT NAME" line a test before it), exit 0; else one
line "FILE:LINE: problem", exit 1."""
import re
import sys

TEST = re.compile(r"^(ok|not ok) ([0-9]+) ([^\s#]+)(?: # ([A-Z]+)(?: (.*))?)?$")
# --spaces: KTAP's own rule, as kselftest's runner uses it: a description of
# any text but '#' ("selftests: dmapool-bench: PROG"), and after " # " a
# directive or free diagnostic data ("# exit=1").
TEST_SPACES = re.compile(r"^(ok|not ok) ([0-9]+) ([^#]*[^\s#])(?: # (.*))?$")
DIRECTIVE = re.compile(r"^([A-Z]+)(?: (.*))?$")
PLAN = re.compile(r"^1\.\.([0-9]+)$")
DIRECTIVES = {"SKIP", "TODO", "XFAIL", "TIMEOUT", "ERROR"}


def check(lines, spaces=False):
    """Returns (tests, None) or (None, (line number, problem))."""
    if not lines or lines[0] != "KTAP version 1":
        return None, (1, "the first line is not 'KTAP version 1'")
    plan, tests = None, []
    for no, line in enumerate(lines[1:], start=2):
        if line == "#" or line.startswith("# "):
            continue
        if plan is None:
            m = PLAN.match(line)
            if not m:
                return None, (no, f"expected the plan '1..N', got {line!r}")
            plan = int(m.group(1))
            continue
        m = (TEST_SPACES if spaces else TEST).match(line)
        if not m:
            return None, (no, f"not a KTAP test or diagnostic line: {line!r}")
        if spaces:
            result, num, name, tail = m.groups()
            d = DIRECTIVE.match(tail or "")
            directive = d.group(1) if d and d.group(1) in DIRECTIVES else None
        else:
            result, num, name, directive, _ = m.groups()
        if int(num) != len(tests) + 1 or num != str(int(num)):
            return None, (no, f"test number {num}, expected {len(tests) + 1}")
        if directive is not None and directive not in DIRECTIVES:
            return None, (no, f"unknown directive {directive!r}")
        if directive == "SKIP" and result != "ok":
            return None, (no, "a SKIP must be 'ok'")
        kind = "skip" if directive == "SKIP" else \
            "pass" if result == "ok" else "fail"
        tests.append((kind, name))
    if plan is None:
        return None, (len(lines), "no plan")
    if len(tests) != plan:
        return None, (len(lines), f"{len(tests)} tests, the plan says {plan}")
    return tests, None


def main():
    args = sys.argv[1:]
    names = "--names" in args
    spaces = "--spaces" in args
    args = [a for a in args if a not in ("--names", "--spaces")]
    path = args[0] if args else "-"
    text = sys.stdin.read() if path == "-" else open(path).read()
    if text and not text.endswith("\n"):
        print(f"{path}: the last line is not terminated")
        return 1
    tests, err = check(text.split("\n")[:-1] if text else [], spaces)
    if err:
        print(f"{path}:{err[0]}: {err[1]}")
        return 1
    if names:
        for kind, name in tests:
            print(kind, name)
    count = {k: sum(1 for t in tests if t[0] == k) for k in ("pass", "fail", "skip")}
    print(f"tests {len(tests)} pass {count['pass']} fail {count['fail']} "
          f"skip {count['skip']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
