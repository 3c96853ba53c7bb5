#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""fuzz-results.py SEED OUTDIR SOURCE.json...: mutated result files for the
fuzz suite (tests/host/test-fuzz.sh), deterministic for a seed.

Writes OUTDIR/source-K.json, each real SOURCE with its arrays shortened
(every path kept), the files the mutants came from.

Walks the JSON tree of each real result file and, at every distinct path
(array indices folded: .runs[].cases[].buckets[][]), replaces one concrete
instance with other types, null, empty containers, huge and negative numbers,
or deletes it; adds unknown keys; then truncations, deep nesting, numbers
json-c clamps or Python cannot write (1e400, NaN, 2^64+), semantic breakage
of the histograms, and several mutations at once.

Writes OUTDIR/NNNN.json and OUTDIR/manifest.tsv: "NNNN<TAB>SOURCE<TAB>what".
"""
import copy
import json
import os
import random
import sys

from fuzzjson import concrete, delete, get, put, walk

seed = int(sys.argv[1])
outdir = sys.argv[2]
sources = sys.argv[3:]
rng = random.Random(seed)
docs = [json.load(open(p)) for p in sources]
# Shorter arrays, the same paths: each run keeps a few cases (alloc and
# free), timeline points and expansions, so that an invocation is quick.
for d in docs:
    for run in d["runs"]:
        cases = run["cases"]
        run["cases"] = [c for c in cases if c["op"] == "alloc"][:3] + \
            [c for c in cases if c["op"] == "free"][:2]
        run["timeline"] = run["timeline"][:4]
        run["expansions"] = run["expansions"][:3]
texts = [json.dumps(d, indent=1) for d in docs]
os.makedirs(outdir, exist_ok=True)
manifest = []

# Replacement values; RAW ones go into the text as written.
CORE = [None, "x", -1, 2**53, [], {}]
EXTRA = [True, False, 0, 1, 1.5, -2**63, 2**64 - 1, [7], [[]], [None, 1], "",
         "alloc", {"x": 1}, [[0, 1]], 2**53 - 1]
RAW = ["1e400", "-1e400", "NaN", "Infinity", "99999999999999999999999",
       "-99999999999999999999999", "18446744073709551616", "-0", "1.0e2"]


def generic(path):
    return "".join("[]" if isinstance(k, int) else "." + k for k in path)


n = 0


def emit(src, what, doc=None, text=None):
    global n
    name = f"{n:04d}"
    if text is None:
        text = json.dumps(doc, allow_nan=True)
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        f.write(text)
    manifest.append(f"{name}\t{os.path.join(outdir, f'source-{src}.json')}\t{what}")
    n += 1


# Every distinct path of every source, with its concrete instances.
by_generic = {}
for s, d in enumerate(docs):
    paths = []
    walk(d, (), paths)
    for p in paths:
        by_generic.setdefault(generic(p), []).append((s, p))
gpaths = sorted(by_generic)
for s, d in enumerate(docs):
    with open(os.path.join(outdir, f"source-{s}.json"), "w") as f:
        json.dump(d, f)


def pick(g):
    return rng.choice(by_generic[g])


MARK = "\"@@RAW@@\""
for g in gpaths:
    values = CORE + [rng.choice(EXTRA)]
    for v in values:
        s, p = pick(g)
        d = put(copy.deepcopy(docs[s]), p, copy.deepcopy(v))
        emit(s, f"{concrete(p) or '.'} = {json.dumps(v)}", d)
    s, p = pick(g)
    if p:
        emit(s, f"del {concrete(p)}", delete(copy.deepcopy(docs[s]), p))
    s, p = pick(g)
    if isinstance(get(docs[s], p), (int, float)) and not isinstance(get(docs[s], p), bool):
        raw = rng.choice(RAW)
        d = put(copy.deepcopy(docs[s]), p, "@@RAW@@")
        emit(s, f"{concrete(p)} = {raw} (raw)", text=json.dumps(d).replace(MARK, raw))
    if isinstance(get(docs[s], p), dict):
        key = rng.choice(["x", "fallback_x", "fallback_kernel", "fallback_", "", "\u0000",
                          "fallback_dma_dma_dma"])
        d = copy.deepcopy(docs[s])
        get(d, p)[key] = rng.choice([1, -1, None, "x", 2**53])
        emit(s, f"{concrete(p)}[{json.dumps(key)}] added", d)

# Strings with an embedded NUL where enums are compared.
for g in ("runs[].cases[].op", "runs[].cases[].pool", "runs[].cases[].ctx",
          "runs[].timeline[].pool", "schema", "meta.accel"):
    g = "." + g
    if g in by_generic:
        s, p = pick(g)
        d = put(copy.deepcopy(docs[s]), p, get(docs[s], p) + "\u0000x")
        emit(s, f"{concrete(p)} += NUL", d)

# Truncations, at random points and just inside the end.
for i in range(40):
    s = rng.randrange(len(texts))
    t = texts[s]
    cut = rng.randrange(len(t)) if i % 4 else len(t) - rng.randrange(1, 16)
    emit(s, f"truncated at {cut} of {len(t)}", text=t[:cut])
emit(0, "empty file", text="")
emit(0, "not JSON", text="\x00\xff garbage")
emit(0, "a JSON array", text="[1, 2, 3]")
emit(0, "a JSON string", text='"dmapool-bench/1"')

# Deep nesting in place of a value (json-c refuses more than 32 levels).
for depth in (8, 30, 31, 32, 33, 64, 1000, 100000):
    for where in (("runs",), ("meta", "buckets"), ("runs", 0, "cases", 0, "buckets")):
        s = 0
        d = put(copy.deepcopy(docs[s]), where, "@@RAW@@")
        emit(s, f"{concrete(where)} nested {depth} deep",
             text=json.dumps(d).replace(MARK, "[" * depth + "1" + "]" * depth))

# The histograms: layout and consistency.
for i in range(40):
    s = rng.randrange(len(docs))
    d = copy.deepcopy(docs[s])
    r = rng.randrange(len(d["runs"]))
    cases = d["runs"][r]["cases"]
    c = rng.randrange(len(cases))
    b = cases[c]["buckets"]
    k = rng.randrange(len(b))
    kind = i % 8
    if kind == 0:
        b[k][0] = rng.choice([607, 608, 609, 4095, 2**32, 2**53 - 1])
        what = f"bucket index {b[k][0]}"
    elif kind == 1:
        cases[c]["n"] += rng.choice([1, -1, 2**40])
        what = "n off by some"
    elif kind == 2:
        b.reverse()
        b.append(b[0])
        what = "buckets out of order / repeated"
    elif kind == 3:
        b[k].append(1)
        what = "a bucket triple"
    elif kind == 4:
        d["meta"]["buckets"]["sub_bits"] = rng.choice([0, 3, 5, 8])
        what = "other sub_bits"
    elif kind == 5:
        d["meta"]["buckets"]["max_pow"] = rng.choice([8, 39, 41, 63])
        what = "other max_pow"
    elif kind == 6:
        cases[c]["buckets"] = []
        what = "no buckets"
    else:
        d["runs"][r]["cases"] = []
        what = "a run without cases"
    emit(s, f".runs[{r}].cases[{c}]: {what}", d)

# Several mutations at once, each a type confusion or a deletion.
for i in range(60):
    s = rng.randrange(len(docs))
    d = copy.deepcopy(docs[s])
    whats = []
    for _ in range(rng.randint(2, 4)):
        paths = []
        walk(d, (), paths)
        p = rng.choice(paths[1:])
        if rng.random() < 0.2:
            delete(d, p)
            whats.append(f"del {concrete(p)}")
        else:
            v = rng.choice(CORE + EXTRA)
            put(d, p, copy.deepcopy(v))
            whats.append(f"{concrete(p)} = {json.dumps(v)}")
    emit(s, "; ".join(whats), d)

with open(os.path.join(outdir, "manifest.tsv"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(n)
