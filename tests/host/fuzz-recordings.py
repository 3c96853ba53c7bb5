#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""fuzz-recordings.py SEED OUTDIR RECORDING: mutated recordings (recfile.h)
for the fuzz suite (tests/host/test-fuzz.sh), deterministic for a seed.

  - byte flips anywhere (the CRCs catch most) and truncations
  - the file header: magic, version, byte order
  - section headers: type, cpu, length (payload CRCs recomputed)
  - section-aware, with valid CRCs: INFO and SKELETON JSON (type confusion
    at every path, deletions, windows, specs, not JSON), HEADER_PAGE and
    FORMAT text (offsets and sizes, lines dropped, bytes flipped), PAGE
    bytes (commit word, event headers, field values, lengths), STATS text;
    sections dropped, repeated, reordered, unknown ones added

Writes OUTDIR/NNNN.dpr and OUTDIR/manifest.tsv: "NNNN<TAB>what".
"""
import copy
import json
import os
import random
import re
import struct
import sys
import zlib

from fuzzjson import concrete, get, put, walk

seed = int(sys.argv[1])
outdir = sys.argv[2]
rng = random.Random(seed)
data = open(sys.argv[3], "rb").read()
os.makedirs(outdir, exist_ok=True)
manifest = []

NAMES = {1: "INFO", 2: "HEADER_PAGE", 3: "FORMAT", 4: "PAGE", 5: "STATS",
         6: "SKELETON", 7: "END"}
HDR = data[:16]
secs = []  # [type, cpu, payload]
off = 16
while off < len(data):
    t, cpu, ln, crc = struct.unpack_from("<IIII", data, off)
    secs.append([t, cpu, data[off + 16:off + 16 + ln]])
    off += 16 + ln
assert secs[-1][0] == 7, "the recording must end with END"

n = 0


def build(sections, header=HDR):
    """The file; each section's CRC is that of its payload."""
    out = bytearray(header)
    for s in sections:
        t, cpu, p = s[0], s[1], s[2]
        ln = s[3] if len(s) > 3 else len(p)
        out += struct.pack("<IIII", t, cpu, ln, zlib.crc32(p) & 0xffffffff) + p
    return bytes(out)


def emit(what, blob):
    global n
    name = f"{n:04d}"
    with open(os.path.join(outdir, name + ".dpr"), "wb") as f:
        f.write(blob)
    manifest.append(f"{name}\t{what}")
    n += 1


def idx(t):
    return [i for i, s in enumerate(secs) if s[0] == t]


def with_payload(i, payload):
    s = copy.deepcopy(secs)
    s[i][2] = payload
    return build(s)


def flip(b, count):
    b = bytearray(b)
    for _ in range(count):
        if b:
            k = rng.randrange(len(b))
            b[k] ^= 1 << rng.randrange(8)
    return bytes(b)


# --- raw bytes ------------------------------------------------------------
for i in range(150):
    k = rng.choice([1, 1, 2, 4, 16])
    emit(f"{k} bit flips anywhere", flip(data, k))
for i in range(100):
    cut = rng.randrange(len(data))
    emit(f"truncated at {cut} of {len(data)}", data[:cut])
for cut in (0, 1, 7, 8, 15, 16, 17, 31, 32, len(data) - 16, len(data) - 1):
    emit(f"truncated at {cut}", data[:cut])
emit("16 bytes appended", data + bytes(16))
emit("garbage appended", data + bytes(rng.randrange(256) for _ in range(100)))

# --- the file header ----------------------------------------------------------
for what, h in (("magic", b"DPBRAW2\n" + HDR[8:]), ("version 2", HDR[:8] + struct.pack("<II", 2, 0x01020304)),
                ("version 0", HDR[:8] + struct.pack("<II", 0, 0x01020304)),
                ("byte order", HDR[:8] + struct.pack("<II", 1, 0x04030201))):
    emit(f"header: {what}", h + data[16:])

# --- section headers, CRCs recomputed ---------------------------------------------
for i in range(150):
    s = copy.deepcopy(secs)
    j = rng.randrange(len(s))
    kind = i % 5
    if kind == 0:
        s[j][0] = rng.choice([0, 8, 9, 255, 2**31, 2**32 - 1] + list(range(1, 8)))
        what = f"section {j} type {s[j][0]}"
    elif kind == 1:
        s[j][1] = rng.choice([1, 2, 3, 63, 4095, 4096, 2**31, 2**32 - 2, 2**32 - 1])
        what = f"section {j} ({NAMES.get(s[j][0])}) cpu {s[j][1]}"
    elif kind == 2:
        # A length that disagrees with the payload: the rest shifts.
        ln = len(s[j][2])
        s[j].append(max(0, ln + rng.choice([-17, -4, -1, 1, 4, 17, 4096, 2**31])))
        what = f"section {j} ({NAMES.get(s[j][0])}) length {s[j][3]} of {ln}"
    elif kind == 3:
        del s[j]
        what = f"section {j} dropped"
    else:
        s.insert(rng.randrange(len(s)), copy.deepcopy(s[j]))
        what = f"section {j} ({NAMES.get(s[j][0])}) repeated"
    emit(what, build(s))
s = copy.deepcopy(secs)
rng.shuffle(s)
emit("sections shuffled", build(s))
for t in range(1, 8):
    s = [x for x in secs if x[0] != t]
    emit(f"every {NAMES[t]} dropped", build(s))
emit("an END first", build([[7, 2**32 - 1, b""]] + secs))
emit("an unknown section with a bad CRC", build(secs[:1]) + struct.pack("<IIII", 99, 0, 3, 5) +
     b"xyz" + build(secs[1:], header=b""))
emit("an unknown section", build(secs[:1] + [[99, 0, b"future"]] + secs[1:]))

# --- JSON sections: INFO and SKELETON ------------------------------------------------
CORE = [None, "x", -1, 0, 2**53, 2**64 - 1, [], {}, True, 1.5]


for t, per_path in ((1, 10), (6, 3)):
    i = idx(t)[0]
    doc = json.loads(secs[i][2])
    paths = []
    walk(doc, (), paths)
    for p in paths:
        for v in rng.sample(CORE, per_path):
            d = put(copy.deepcopy(doc), p, copy.deepcopy(v))
            emit(f"{NAMES[t]} {concrete(p) or '.'} = {json.dumps(v)}",
                 with_payload(i, json.dumps(d).encode()))
        if p:
            d = copy.deepcopy(doc)
            del get(d, p[:-1])[p[-1]]
            emit(f"{NAMES[t]} del {concrete(p)}", with_payload(i, json.dumps(d).encode()))
    for what, payload in (("not JSON", b"\xff{garbage"), ("empty", b""),
                          ("an array", b"[1,2]"), ("truncated", secs[i][2][:len(secs[i][2]) // 2]),
                          ("NUL inside", secs[i][2][:10] + b"\x00" + secs[i][2][10:]),
                          ("deep", b"[" * 100000 + b"]" * 100000)):
        emit(f"{NAMES[t]} {what}", with_payload(i, payload))
info_i = idx(1)[0]
info = json.loads(secs[info_i][2])
for ps in (0, 63, 64, 100, 4095, 4097, 8192, 2**20, 2**20 + 1, 2**31, -4096):
    d = dict(info, page_size=ps)
    emit(f"INFO page_size {ps}", with_payload(info_i, json.dumps(d).encode()))
for ls in (0, 1, 4, 16, -8):
    d = dict(info, long_size=ls)
    emit(f"INFO long_size {ls}", with_payload(info_i, json.dumps(d).encode()))
for nc in (0, 1, 2, 3, 4096, 4097):
    d = dict(info, ncpus=nc)
    emit(f"INFO ncpus {nc}", with_payload(info_i, json.dumps(d).encode()))
skel_i = idx(6)[0]
skel = json.loads(secs[skel_i][2])
for k in range(60):
    d = copy.deepcopy(skel)
    r = rng.randrange(len(d["runs"]))
    run = d["runs"][r]
    kind = k % 6
    if kind == 0:
        run["t0_ns"], run["t1_ns"] = run["t1_ns"], run["t0_ns"]
        what = f"run {r}: t0 and t1 swapped"
    elif kind == 1:
        run["t1_ns"] = rng.choice([run["t0_ns"], run["t0_ns"] + 1, 2**53 - 1])
        what = f"run {r}: t1 {run['t1_ns']}"
    elif kind == 2:
        run["t0_ns"] = rng.choice([0, 1, run["t1_ns"] - 1])
        what = f"run {r}: t0 {run['t0_ns']}"
    elif kind == 3:
        spec = d["meta"]["spec"]
        toks = spec.split(" ")
        j = rng.randrange(len(toks))
        toks[j] = rng.choice(["cpus=9999", "ops=-1", "ctx=nmi", "size=0", "x", "=", "size=4K:99999"])
        d["meta"]["spec"] = " ".join(toks)
        what = f"spec token {j} = {toks[j]}"
    elif kind == 4:
        d["runs"] = d["runs"] * rng.choice([2, 3])
        what = "runs repeated (overlapping windows)"
    else:
        for key in ("ops", "allocs", "frees", "fallbacks"):
            run["module_stats"][key] = rng.choice([0, 1, 2**53 - 1])
        what = f"run {r}: module counters changed (the cross-check)"
    emit(f"SKELETON {what}", with_payload(skel_i, json.dumps(d).encode()))

# --- text sections: HEADER_PAGE, FORMAT, STATS ------------------------------------------
NUMS = ["0", "1", "2", "3", "4", "7", "8", "9", "16", "64", "255", "4080", "4096",
        "65535", "65536", "2147483647", "4294967295", "-1", "-8", "99999999999"]


def mutate_text(b):
    text = b.decode("latin-1")
    k = rng.randrange(6)
    if k <= 2:
        nums = list(re.finditer(r"-?\d+", text))
        if nums:
            m = rng.choice(nums)
            v = rng.choice(NUMS)
            return (text[:m.start()] + v + text[m.end():]).encode("latin-1"), \
                f"number at {m.start()} '{m.group()}' -> {v}"
    if k == 3:
        lines = text.split("\n")
        j = rng.randrange(len(lines))
        del lines[j]
        return "\n".join(lines).encode("latin-1"), f"line {j} dropped"
    if k == 4:
        cut = rng.randrange(len(b) + 1)
        return b[:cut], f"cut at {cut}"
    return flip(b, rng.choice([1, 2, 8])), "bits flipped"


for t, count in ((2, 100), (3, 250), (5, 40)):
    ii = idx(t)
    for k in range(count):
        i = rng.choice(ii)
        payload, what = mutate_text(secs[i][2])
        emit(f"{NAMES[t]} (section {i}): {what}", with_payload(i, payload))

# --- PAGE sections: the ring-buffer pages ------------------------------------------------
pages = idx(4)
long_size = info["long_size"]


def page_words(p):
    """Offsets of the event headers of page payload p."""
    hdr = 8 + long_size
    commit = int.from_bytes(p[8:8 + long_size], "little") & ((1 << 27) - 1)
    offs, o = [], hdr
    while o + 4 <= min(len(p), hdr + commit):
        w = int.from_bytes(p[o:o + 4], "little")
        tl = w & 31
        offs.append(o)
        if tl == 0:
            if o + 8 > len(p):
                break
            ln = int.from_bytes(p[o + 4:o + 8], "little")
            o += 4 + max(ln, 4)
        elif tl <= 28:
            o += 4 + 4 * tl
        elif tl == 29:  # padding: length follows
            if o + 8 > len(p):
                break
            o += 4 + max(int.from_bytes(p[o + 4:o + 8], "little"), 4)
        else:  # time extend / stamp
            o += 8
    return offs


for k in range(300):
    i = rng.choice(pages)
    p = bytearray(secs[i][2])
    kind = k % 10
    if kind == 0:
        v = rng.choice([0, 1, 4095, 4096, 4080, (1 << 27) - 1, 1 << 31, 1 << 30, (1 << 31) | (1 << 30),
                        len(p) - 8 - long_size + 8])
        p[8:8 + long_size] = v.to_bytes(8, "little")[:long_size]
        what = f"commit {v:#x}"
    elif kind == 1:
        p[0:8] = rng.choice([0, 1, 2**63, 2**64 - 1]).to_bytes(8, "little")
        what = "page timestamp"
    elif kind in (2, 3, 4):
        offs = page_words(p)
        if not offs:
            continue
        o = rng.choice(offs)
        w = int.from_bytes(p[o:o + 4], "little")
        tl = rng.choice([0, 1, 2, 5, 28, 29, 30, 31, rng.randrange(32)])
        w = (w & ~31) | tl
        p[o:o + 4] = w.to_bytes(4, "little")
        if tl == 0 and o + 8 <= len(p) and rng.random() < 0.5:
            p[o + 4:o + 8] = rng.choice([0, 3, 4, 5, 4096, 2**31, 2**32 - 1]).to_bytes(4, "little")
        what = f"event header at {o}: type_len {tl}"
    elif kind in (5, 6, 7):
        # An event's payload: its common_type or a field (pool, ctx, ...).
        offs = page_words(p)
        if not offs:
            continue
        o = rng.choice(offs) + 4 + rng.randrange(40)
        if o < len(p):
            p[o] = rng.choice([0, 1, 2, 3, 4, 5, 9, 0x7f, 0x80, 0xfe, 0xff])
        what = f"event byte at {o}"
    elif kind == 8:
        cut = rng.randrange(len(p))
        p = p[:cut]
        what = f"page cut to {cut}"
    else:
        p += bytes(rng.choice([1, 8, 64, 4096]))
        what = "page longer than its data"
    emit(f"PAGE (section {i}): {what}", with_payload(i, bytes(p)))
for k in range(60):
    i = rng.choice(pages)
    emit(f"PAGE (section {i}): bits flipped", with_payload(i, flip(secs[i][2], rng.choice([1, 4, 32]))))

with open(os.path.join(outdir, "manifest.tsv"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(n)
