#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: driver profiles (profiles/*.json). Every profile runs through
# `run --profile` (timed profiles shortened with --duration) with no context
# violation, every allocation freed, BPF = module counts and meta.profile
# recorded; the profile's coherent_pool applies unless --coherent-pool is
# given; `compare --recommend --profile rpi-dwc-otg` finds a size with its
# evidence: nothing fails or falls back at it, something does one page
# below, and the pool it reserves holds the eight 64K buffers the profile
# keeps.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
export DMAPOOL_IN_VM=1
B=build/dmapool-bench
SCHEMA=tools/dmapool-bench/result.schema.json
out=$(mktemp -d)

unload
results=()
for p in $($B profiles --json | jq -r '.profiles[].name'); do
	r=$out/$p/result.json
	# Few processes: each one is slow under TCG.
	# (No process substitution: the guest has no /dev/fd.)
	read -r nstreams timed nsrc <<<"$($B profiles --json "$p" |
		jq -r '[(.streams | length), (.line | test("duration_ms=")), (.sources | length)] | @tsv')"
	short=()
	[ "$timed" = true ] && short=(--duration 300ms)
	t0=$SECONDS
	$B run --profile "$p" "${short[@]}" -o "$out/$p" >"$out/$p.log" 2>&1
	rc=$?
	diag "$p: $((SECONDS - t0)) s"
	ok $rc "run --profile $p ${short[*]}"
	[ $rc -eq 0 ] || { sed 's/^/#   /' "$out/$p.log" | tail -5; continue; }
	results+=("$r")
	read -r name msrc viol ops allocs frees cc <<<"$(jq -r '[.meta.profile.name,
		(.meta.profile.sources | length), ([.runs[].module_stats.ctx_violations] | add),
		([.runs[].module_stats.ops] | add), ([.runs[].module_stats.allocs] | add),
		([.runs[].module_stats.frees] | add), .runs[0].crosscheck.ok] | @tsv' "$r")"
	is "$name" "$p" "$p: meta.profile names it"
	is "$msrc" "$nsrc" "$p: meta.profile carries every source"
	is "$viol" 0 "$p: 0 context violations"
	if [ "$nstreams" -gt 1 ]; then
		is "$(jq -r '[.runs[0].streams[] | select(.module_stats.ctx_violations == 0
			and .module_stats.allocs > 0)] | length' "$r")" "$nstreams" \
			"$p: its $nstreams streams ran at once, each with allocations and 0 context violations"
	fi
	cmp_ok "$ops" -gt 0 "$p: operations ran"
	is "$allocs" "$frees" "$p: allocs = frees (every held block freed at the end)"
	is "$cc" true "$p: BPF counts = module counters"
done
tests/host/validate-result.py $SCHEMA "${results[@]}" >"$out/validate.txt" 2>&1
ok $? "every profile's result.json validates against the schema (${#results[@]} files)"
sed 's/^/#   /' "$out/validate.txt" | head -5

# The profile's figures reach the module: rpi-dwc-otg keeps eight 64K buffers.
r=$out/rpi-dwc-otg/result.json
is "$(jq -r '.meta.spec | capture("size=(?<s>[^ ]+)").s + " " + capture("hold=(?<h>[^ ]+)").h' "$r")" \
	"65536 ops:8" "rpi-dwc-otg: the module ran size=64K hold=ops:8"
is "$(jq '[.runs[].cases[] | select(.op == "alloc") | .n] | add' "$r")" 8 \
	"rpi-dwc-otg: 8 allocations in the histograms"

# coherent_pool: the profile's (probe-large: 128K, too small for 172,928
# bytes), unless given.
r=$out/probe-large/result.json
is "$(jq -r '.meta.coherent_pool_param' "$r")" 128K "probe-large: the profile's coherent_pool=128K applied"
is "$(jq '.runs[0].module_stats.fails' "$r")" 1 "probe-large: 172,928 bytes fail in 128K pools"
$B run --profile probe-large --coherent-pool 256K -o "$out/pl256" >"$out/pl256.log" 2>&1
ok $? "run --profile probe-large --coherent-pool 256K"
is "$(jq -r '.meta.coherent_pool_param' "$out/pl256/result.json")" 256K \
	"--coherent-pool overrides the profile's"
is "$(jq '.runs[0].module_stats.fails + .runs[0].module_stats.fallbacks' "$out/pl256/result.json")" 0 \
	"probe-large: served at 256K"

# The recommendation for rpi-dwc-otg, with its evidence.
# (Not DMAPOOL_IN_VM: this compare runs its trials here and then reports.)
t0=$SECONDS
env -u DMAPOOL_IN_VM $B compare --recommend --profile rpi-dwc-otg --from 256K --max 1M \
	-o "$out/rec" >"$out/rec.txt" 2>&1
ok $? "compare --recommend --profile rpi-dwc-otg"
diag "recommend: $((SECONDS - t0)) s"
rec=$(ls "$out"/rec/*/recommend.json 2>/dev/null | head -1)
[ -n "$rec" ] || { sed 's/^/#   /' "$out/rec.txt" | tail -20; rec=/dev/null; }
read -r found best below at_best at_below reserved <<<"$(jq -r '(.coherent_pool_bytes // 0) as $b |
	(.largest_too_small // 0) as $l | [.found, $b, $l,
	([.trials[] | select(.coherent_pool_bytes == $b) | .fails + .fallbacks] | add),
	([.trials[] | select(.coherent_pool_bytes == $l) | .fails + .fallbacks] | add),
	.reserved_bytes] | @tsv' "$rec")"
is "$found" true "a size was found"
is "$at_best" 0 "no failure, no fallback at the recommended size"
cmp_ok "$at_below" -gt 0 "failures or fallbacks at the largest size too small"
is "$((best - below))" 4096 "too small and enough are one page apart"
cmp_ok "$reserved" -ge $((8 * 65536)) "the pool it reserves holds the 8 held 64K buffers"
grep -q "^recommend (.*): coherent_pool=$((best / 1024))K$" "$out/rec.txt"
ok $? "the kernel parameter is printed"
grep -q 'evidence (every trial' "$out/rec.txt" && grep -q 'too small$' "$out/rec.txt" &&
	grep -q 'enough$' "$out/rec.txt"
ok $? "every trial printed as evidence"
grep -q '^workload: profile rpi-dwc-otg' "$out/rec.txt"
ok $? "the recommendation names the profile"
is "$(jq -r '.profile.name' "$out/rec/compare.json")" rpi-dwc-otg "compare.json records the profile"
sed 's/^/# /' "$out/rec.txt" | grep -v 'dmapool-bench: recommend:'

unload
rm -rf "$out"
tap_done
