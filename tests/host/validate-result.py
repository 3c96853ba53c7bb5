#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""validate-result.py SCHEMA RESULT...: check result files against the JSON
schema (Debian's python3-jsonschema); one line per file, exit 1 on any error."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path))), key=str)
    for e in errors[:5]:
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    bad += bool(errors)
sys.exit(1 if bad else 0)
