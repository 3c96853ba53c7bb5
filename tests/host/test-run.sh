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
# What a person reads: the summary table (one row per case, sizes in
# binary units, latencies in ns), fallbacks, expansions and lost events; no
# histograms without --hist.
is "$(grep -cE '^(alloc|free) +(dma|dma32|kernel|failed) +[a-z]+ +[0-9.]+ (B|KiB|MiB) +[0-9]+ ' "$out.log")" \
	"$(jq '.runs[0].cases | length' "$out/result.json")" "a table row per case, sizes in binary units"
grep -q "^workload: hardirq on cpus 0-1, 2000 ops per cpu, sizes 4 KiB, 8 KiB, 16 KiB, 64 KiB weighted 8:4:2:1, hold 32 ops, zone auto, 64-bit mask$" "$out.log"
ok $? "the workload in words, sizes in binary units"
grep -qE '^(fallbacks: none|fallback (dma|dma32|kernel) -> (dma|dma32|kernel) \((exhausted|addr_rejected)\): [0-9]+)$' "$out.log" &&
	grep -qE '^expansions(: none| [0-9]+ \(failed [0-9]+\), .* in all)$' "$out.log" &&
	grep -qx "lost events: $(jq .runs[0].lost.recursion_misses "$out/result.json") (BPF recursion), $(jq .runs[0].lost.samples_dropped "$out/result.json") samples" "$out.log"
ok $? "fallbacks, expansions and lost events printed"
! grep -qE 'nsecs|alloc latency' "$out.log"
ok $? "no histograms by default"
for p in spectrum hist timeline; do
	r=$(tests/host/png-title.py "$out/$p.png")
	ok $? "$p.png: the heading fits ($r)"
	sed -e 's/<[^>]*>/ /g' "$out/$p.svg" | tr -s ' \t' '\n\n' >"$out/$p.words"
	missing=
	for w in spec: $(jq -r .meta.spec "$out/result.json"); do
		grep -qxF -- "$w" "$out/$p.words" || missing="$missing $w"
	done
	is "$missing" "" "$p.svg: the full spec in the subtitle"
	grep -q ">$(jq -r .meta.kernel "$out/result.json") (tcg): hardirq on cpus 0-1, 4 sizes 4 KiB..64 KiB, hold 32 ops<" "$out/$p.svg"
	ok $? "$p.svg: the title says kernel, accelerator and workload in short"
done
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
# The default title: the workload in short, sizes in binary units, for
# each kind of size and hold spec (the full spec stays the subtitle).
k=$(jq -r .meta.kernel "$out/result.json")
while IFS='|' read -r size hold want; do
	jq --arg s "$size" --arg h "$hold" \
		'.meta.spec |= (sub("size=[^ ]*"; "size=\($s)") | sub("hold=[^ ]*"; "hold=\($h)"))' \
		"$out/result.json" >"$out/spec.json"
	# The SVG's text, its lines joined: a title may wrap.
	build/dmapool-bench plot "$out/spec.json" -o "$out/spec" --format svg >/dev/null 2>&1 &&
		sed -e 's/<[^>]*>/ /g' "$out/spec/spectrum.svg" | tr -s ' \t\n' '   ' >"$out/spec.txt" &&
		grep -qF " $k (tcg): hardirq on cpus 0-1, $want spec: " "$out/spec.txt" &&
		grep -qF " size=$size hold=$hold " "$out/spec.txt"
	ok $? "plot title for size=$size hold=$hold: '... $want'"
done <<'EOF'
loguniform:4096-262144|us:50|sizes 4 KiB..256 KiB log-uniform, hold 50 us
uniform:512-1048576|deferred|sizes 512 B..1 MiB uniform, hold deferred
8192,65536:3|0|sizes 8 KiB, 64 KiB, no hold
1536|ops:2|size 1.5 KiB, hold 2 ops
EOF

build/dmapool-bench run --ops 2000 --hist -o "$out/hist" >"$out/hist.log" 2>&1
ok $? "run --ops 2000 --hist (through the guest)"
is "$(grep -c "^alloc latency, pool kernel, hardirq, [0-9]* KiB:$" "$out/hist.log")" 4 \
	"--hist: a histogram per alloc case, titled with the size in binary units"
grep -q "nsecs *: count *distribution" "$out/hist.log"
ok $? "--hist: log2 histograms in the libbpf-tools layout"
tap_done
