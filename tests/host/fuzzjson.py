# SPDX-License-Identifier: GPL-2.0
"""JSON tree paths for the fuzz generators (fuzz-results.py and
fuzz-recordings.py): a path is a tuple of keys and array indices."""


def concrete(path):
    """The path as the CLI's error messages name it: .runs[0].cases[3]."""
    return "".join(f"[{k}]" if isinstance(k, int) else "." + k for k in path)


def walk(v, path, out):
    """Append every path in @v (below @path, itself included) to @out."""
    out.append(path)
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + (k,), out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, path + (i,), out)


def get(doc, path):
    for k in path:
        doc = doc[k]
    return doc


def put(doc, path, value):
    """Set the value at @path; returns the document (@value for the root)."""
    if not path:
        return value
    get(doc, path[:-1])[path[-1]] = value
    return doc


def delete(doc, path):
    parent = get(doc, path[:-1])
    del parent[path[-1]]
    return doc
