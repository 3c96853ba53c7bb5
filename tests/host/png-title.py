#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""png-title.py IMAGE.png...: does each plot's heading fit the image?

A heading cut off at the image's edge leaves ink in the outermost columns.
For each image: some ink in the top rows (a heading is there), and no ink
in the EDGE leftmost and rightmost columns of the top third (where the
heading is; nothing else of our plots reaches the edges there). Ink is a
pixel with a channel below 160 (anti-aliasing fringes are lighter).
Prints one line per image and exits 1 if any fails. Reads 8-bit PNGs
(grey, RGB, palette, grey+alpha, RGBA; not interlaced): what gnuplot's
pngcairo and png terminals write. Standard library only.
"""
import struct
import sys
import zlib

EDGE = 6
TOP_ROWS = 40
INK = 160


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path, nrows):
    """(width, height, rows): the first nrows(height) rows, of (r, g, b)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, palette = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'PLTE':
            palette = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
    if depth != 8 or interlace:
        raise ValueError(f'bit depth {depth}, interlace {interlace}: not read here')
    bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    nrows = min(h, nrows(h))
    raw = zlib.decompressobj().decompress(idat, nrows * (w * bpp + 1))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(nrows):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 255
        prev = line
        px = []
        for x in range(w):
            p = line[x * bpp:(x + 1) * bpp]
            if ctype == 3:
                px.append(palette[p[0]])
            elif ctype in (0, 4):
                px.append((p[0],) * 3)
            else:
                px.append(tuple(p[:3]))
        rows.append(px)
    return w, h, rows


def ink(p):
    return min(p) < INK


def check(path):
    w, h, rows = read_png(path, lambda h: max(TOP_ROWS, h // 3))
    top = [x for y in range(min(TOP_ROWS, h)) for x in range(w) if ink(rows[y][x])]
    if not top:
        return f'no heading in the top {TOP_ROWS} rows'
    edges = [(x, y) for y in range(h // 3) for x in
             list(range(EDGE)) + list(range(w - EDGE, w)) if ink(rows[y][x])]
    if edges:
        x, y = edges[0]
        return f'{len(edges)} ink pixels in the outer {EDGE} columns of the top third, first at x={x} y={y}: cut off'
    return None


def main():
    bad = 0
    for path in sys.argv[1:]:
        try:
            why = check(path)
        except (OSError, ValueError, KeyError, zlib.error, struct.error) as e:
            why = f'cannot read: {e}'
        print(f'{path}: {why or "the heading fits"}')
        bad += why is not None
    return 1 if bad or len(sys.argv) < 2 else 0


if __name__ == '__main__':
    sys.exit(main())
