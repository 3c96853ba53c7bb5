#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: `dmapool-bench run --plot` on this host, which cannot load
# modules: it must run itself in the guest and leave results and plots here.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
out=build/test-run
rm -rf "$out"
build/dmapool-bench run --ops 2000 --plot -o "$out" >"$out.log" 2>&1
ok $? "run --ops 2000 --plot (through the guest)"
grep -q "cannot load modules: running in a guest" "$out.log"
ok $? "says in one line that it runs in a guest"
tests/host/validate-result.py tools/dmapool-bench/result.schema.json "$out/result.json"
ok $? "result.json on the host validates against the schema"
is "$(jq -r '.runs[0].crosscheck.ok' "$out/result.json")" true "BPF = module counters"
is "$(jq -r '.meta.accel' "$out/result.json")" tcg "the result records the accelerator"
for p in spectrum hist timeline; do
	[ -s "$out/$p.png" ] && [ "$(head -c 8 "$out/$p.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	ok $? "$p.png is a non-empty PNG"
	grep -q "<svg" "$out/$p.svg"
	ok $? "$p.svg is an SVG"
done
build/dmapool-bench plot "$out/result.json" "$out/result.json" -o "$out/overlay" --format png >/dev/null 2>&1
ok $? "plot overlays two result files"
check "overlay spectrum written" -- test -s "$out/overlay/spectrum.png"
grep -q '^# 2:kernel/hardirq' "$out/overlay/spectrum.csv"
ok $? "overlaid series are named by file"
tap_done
