#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: `dmapool-bench compare` through the guest.
#   1. two coherent_pool sizes x remap on/off and --recommend in one boot:
#      a 64 KiB pool cannot hold four 64 KiB blocks (failures, fallbacks),
#      1 MiB can; the search ends on adjacent pages, good above, bad below
#   2. one setting on two kernels: one boot each, labelled by kernel
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=build/dmapool-bench
out=build/test-compare
rm -rf "$out"
mkdir -p "$out"
W=(--ctx hardirq --cpus 0 --ops 300 --size 64K --hold ops:4 --zone kernel --seed 3 --state-period 1)

$B compare --coherent-pool 64K,1M --remap off,on --recommend --from 64K --max 1M \
	"${W[@]}" -o "$out/c" >"$out/c.txt" 2>"$out/c.err"
ok $? "compare --coherent-pool 64K,1M --remap off,on --recommend"
[ -s "$out/c/compare.json" ] || sed 's/^/#   /' "$out/c.err" | tail -20
cj=$out/c/compare.json
is "$(jq -r '[.settings[].label] | join(" ")' "$cj")" "64K 64K+remap 1M 1M+remap" \
	"four settings, in order"
is "$(jq -r '[.settings[].result] | map(test("/cp-(64K|1M)(-remap)?/result.json$")) | all' "$cj")" \
	true "each setting has its own result file"
for r in $(jq -r '.settings[].result' "$cj"); do
	tests/host/validate-result.py tools/dmapool-bench/result.schema.json "$out/c/$r" ||
		echo "#   $r does not validate"
done >"$out/validate.txt" 2>&1
! grep -q 'does not validate' "$out/validate.txt"
ok $? "every setting's result.json validates against the schema"
is "$(for r in $(jq -r '.settings[].result' "$cj"); do jq -r .meta.spec "$out/c/$r"; done | sort -u | wc -l)" \
	1 "the same workload and seed under every setting"
is "$(for r in $(jq -r '.settings[].result' "$cj"); do jq -r .meta.remap "$out/c/$r"; done | tr '\n' ' ')" \
	"false true false true " "remap recorded as asked"
is "$(jq '.settings[0].coherent_pool_bytes' "$cj")" 65536 "64K setting: the module's pool target is 64K"
cmp_ok "$(jq '.settings[0].fails + .settings[0].fallbacks' "$cj")" -gt 0 \
	"64K: four held 64K blocks cause failures or fallbacks"
is "$(jq '.settings[2].fails + .settings[2].fallbacks' "$cj")" 0 "1M: no failure, no fallback"
cmp_ok "$(jq '.settings[2].pool_size_reached.kernel' "$cj")" -ge 1048576 "1M: the kernel pool is at least 1M"
cmp_ok "$(jq '.settings[2].peak_live_bytes' "$cj")" -ge 262144 "peak live bytes: the four held 64K blocks"
cmp_ok "$(jq '.settings[2].alloc_p50' "$cj")" -gt 0 "latency quantiles filled in"
[ -s "$cj" ] && jq -e '.settings[] | .frag_index_end_max >= 0 and .frag_index_end_max <= 1' "$cj" >/dev/null
ok $? "fragmentation index in [0, 1]"
grep -q '^SETTING ' "$out/c.txt" && grep -q '^1M+remap ' "$out/c.txt"
ok $? "the table has a row per setting"
is "$(grep -c '^SETTING ' "$out/c.txt")" 1 "the table is printed once"
is "$(grep -vc '^#' "$out/c/compare.csv")" 4 "compare.csv: one row per setting"
for p in spectrum compare-bars compare-timeline; do
	[ "$(head -c 8 "$out/c/$p.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	ok $? "$p.png is a PNG"
	grep -q "<svg" "$out/c/$p.svg" 2>/dev/null
	ok $? "$p.svg is an SVG"
done

# The recommendation: good at R, bad at R - 4K (or R is where it started).
rec=$(ls "$out"/c/*/recommend.json 2>/dev/null | head -1)
is "$(jq -r .found "$rec" 2>/dev/null)" true "--recommend found a size"
R=$(jq '.coherent_pool_bytes' "$rec")
L=$(jq '.largest_too_small // 0' "$rec")
is "$(jq --argjson r "$R" '[.trials[] | select(.coherent_pool_bytes == $r) | .ok] | all' "$rec")" \
	true "every trial at the recommended size had 0 failures and 0 fallbacks"
is "$(jq --argjson l "$L" '[.trials[] | select(.coherent_pool_bytes == $l) | .ok] | any' "$rec")" \
	false "the largest size found too small had failures or fallbacks"
is "$((R - L))" 4096 "the search ends one page apart"
is "$(jq -r '[.trials[0:2][].coherent_pool_bytes] | join(",")' "$rec")" "65536,131072" \
	"it starts by doubling from --from"
grep -q "^recommend (.*): coherent_pool=$((R / 1024))K$" "$out/c.txt"
ok $? "prints the kernel command line: coherent_pool=$((R / 1024))K"
grep -q '  evidence' "$out/c.txt"
ok $? "with the evidence"
is "$(jq '.recommend | length' "$cj")" 1 "compare.json carries the recommendation"

# Deterministic: one vCPU under icount, recorded as such.
$B compare --deterministic --coherent-pool 256K --no-plot --ops 200 --size 4K \
	-o "$out/d" >"$out/d.txt" 2>&1
ok $? "compare --deterministic"
is "$(jq -r '.deterministic' "$out/d/compare.json")" true "compare.json records deterministic mode"
is "$(jq -r '.latency_unit' "$out/d/compare.json")" "instruction-time ns (icount)" \
	"latencies labelled instruction-time"
is "$(jq -r '.meta.cpus' "$out/d/$(jq -r '.settings[0].result' "$out/d/compare.json")")" 1 \
	"one vCPU"

# One setting on both kernels: a boot each, labels carry the kernel.
mapfile -t kv < <(tools/dmapool-vm --list-kernels)
if [ "${#kv[@]}" -ge 2 ]; then
	$B compare --coherent-pool 256K --kernel "${kv[0]},${kv[1]}" --no-plot \
		--ctx softirq --cpus 0 --ops 200 -o "$out/k" >"$out/k.txt" 2>&1
	ok $? "compare on two kernels (${kv[0]}, ${kv[1]})"
	is "$(jq -r '[.settings[].kernel] | join(" ")' "$out/k/compare.json")" "${kv[0]} ${kv[1]}" \
		"one setting per kernel, in order"
	is "$(jq -r '.settings[0].label' "$out/k/compare.json")" "${kv[0]%%-*}/256K" \
		"labels name the kernel"
	is "$(ls "$out"/k/*.png 2>/dev/null | wc -l)" 0 "--no-plot: no images"
else
	ok 1 "two guest kernels installed (make deps installs them)"
fi
tap_done
