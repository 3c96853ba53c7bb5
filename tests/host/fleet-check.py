#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""fleet-check.py FORMAT FILE: check what `gate/run --format FORMAT` printed
against that format's grammar, and print its tests as "RESULT NAME" lines
(pass, fail, skip) so that the formats can be compared with each other.

  ktap   tests/host/ktap-check.py's strict KTAP version 1 reader
  lkp    every line "KEY: NUMBER", KEY ^[A-Za-z0-9_.:-]+$, one space; each
         test one "NAME.pass|fail|skip: 1" key (lkp-tests adds the
         test's own name in front when it collects the stats)
  lava   every line ^[A-Za-z0-9_.-]+ (pass|fail|skip)( NUMBER UNITS)?$ and
         matched by the parse pattern of contrib/lava/dmapool-bench.yaml
  kcidb  tests/data/kcidb-tests.schema.json (python3-jsonschema), ids and
         paths unique

One line naming the problem and exit 1 on any."""
import importlib.util
import json
import os
import re
import sys

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
LKP = re.compile(rf"^([A-Za-z0-9_.:-]+): ({NUMBER})$")
LKP_RESULT = re.compile(r"^([A-Za-z0-9_.-]+)\.(pass|fail|skip)$")
LAVA = re.compile(rf"^([A-Za-z0-9_.-]+) (pass|fail|skip)(?: ({NUMBER}) (ns|ops/s|count))?$")


class Bad(Exception):
    pass


def ktap(text):
    spec = importlib.util.spec_from_file_location(
        "ktap_check", os.path.join(TOP, "tests/host/ktap-check.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if text and not text.endswith("\n"):
        raise Bad("the last line is not terminated")
    tests, err = mod.check(text.split("\n")[:-1] if text else [])
    if err:
        raise Bad(f"line {err[0]}: {err[1]}")
    return tests


def lkp(text):
    tests = []
    for no, line in enumerate(text.splitlines(), 1):
        m = LKP.match(line)
        if not m:
            raise Bad(f"line {no}: not an LKP 'key: number' line: {line!r}")
        r = LKP_RESULT.match(m.group(1))
        if r:
            if m.group(2) != "1":
                raise Bad(f"line {no}: a result key's value is 1")
            tests.append((r.group(2), r.group(1)))
    return tests


def lava(text):
    import yaml
    with open(os.path.join(TOP, "contrib/lava/dmapool-bench.yaml")) as f:
        pattern = re.compile(yaml.safe_load(f)["parse"]["pattern"])
    tests = []
    for no, line in enumerate(text.splitlines(), 1):
        m, p = LAVA.match(line), pattern.match(line)
        if not m:
            raise Bad(f"line {no}: not a LAVA result line: {line!r}")
        if not p or p.group("test_case_id") != m.group(1) or \
                p.group("result") != m.group(2) or \
                p.group("measurement") != m.group(3) or p.group("units") != m.group(4):
            raise Bad(f"line {no}: the LAVA definition's pattern reads it otherwise")
        tests.append((m.group(2), m.group(1)))
    return tests


def kcidb(text):
    import jsonschema
    with open(os.path.join(TOP, "tests/data/kcidb-tests.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    if text.count("\n") != 1 or not text.endswith("\n"):
        raise Bad("not one JSON document on one line")
    doc = json.loads(text)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
    if errors:
        e = errors[0]
        raise Bad(f"{'/'.join(map(str, e.absolute_path))}: {e.message}")
    for key in ("id", "path"):
        seen = [t[key] for t in doc["tests"]]
        if len(seen) != len(set(seen)):
            raise Bad(f"duplicate test {key}s")
    status = {"PASS": "pass", "FAIL": "fail", "SKIP": "skip"}
    tests = []
    for t in doc["tests"]:
        if t["status"] not in status:
            raise Bad(f"status {t['status']} is not one we write")
        prefix = "dmapool_bench."
        if not t["path"].startswith(prefix) or not t["id"].startswith(t["origin"] + ":"):
            raise Bad(f"{t['path']}: path not under dmapool_bench. or id not under "
                      f"origin {t['origin']}")
        # dmapool_bench.SUITE.NAME: the name as the other formats give it
        tests.append((status[t["status"]], t["path"][len(prefix):].split(".", 1)[1]))
    return tests


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("ktap", "lkp", "lava", "kcidb"):
        print("usage: fleet-check.py ktap|lkp|lava|kcidb FILE")
        return 2
    fmt, path = sys.argv[1:]
    text = sys.stdin.read() if path == "-" else open(path).read()
    try:
        tests = globals()[fmt](text)
    except (Bad, ValueError) as e:
        print(f"{path}: {fmt}: {e}")
        return 1
    names = [n for _, n in tests]
    if len(names) != len(set(names)):
        print(f"{path}: {fmt}: duplicate test names")
        return 1
    for result, name in tests:
        if not re.match(r"^[A-Za-z0-9_.-]+$", name):
            print(f"{path}: {fmt}: bad name {name!r}")
            return 1
        print(result, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
