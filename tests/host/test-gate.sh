#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: `dmapool-bench gate`.
#   - on files: the committed deterministic baseline against itself passes;
#     doctored copies of it (slower mean, a new fallback route) fail with
#     exit 1 naming the metric; other modes, kernels or specs exit 3
#   - --paired in a deterministic guest: a candidate with the module's
#     test-only spin in the alloc path fails with exit 1 naming "mean"
#   - --paired A/A of a tiny non-deterministic workload exits 2 (--format
#     ktap: 4, passed on from the guest)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=build/dmapool-bench
out=build/test-gate
base=results/baseline/result.json
rm -rf "$out"
mkdir -p "$out"

# gate_rc ARGS...: run the gate, stdout to $out/last.txt; echo the status
gate_rc() {
	$B gate "$@" >"$out/last.txt" 2>"$out/last.err"
	echo $?
}
verdict() { # verdict METRIC CASES: the verdict of that row of last.txt (JSON)
	jq -r --arg m "$1" --arg c "$2" \
		'.metrics[] | select(.metric == $m and .cases == $c) | .verdict' "$out/last.txt"
}

is "$(jq -r .meta.deterministic "$base")" true "the committed baseline is deterministic"
cmp_ok "$(jq '.runs | length' "$base")" -ge 5 "the baseline has at least 5 runs"

is "$(gate_rc "$base" "$base")" 0 "the baseline against itself passes (exit 0)"
grep -q '^gate: PASS' "$out/last.txt"
ok $? "the table ends with PASS"
grep -q '^mean  *op=alloc ' "$out/last.txt"
ok $? "the table has a row per rule"
is "$(gate_rc --json "$base" "$base")" 0 "--json: exit 0"
is "$(jq -r .verdict "$out/last.txt")" pass "--json: verdict pass"
cmp_ok "$(jq '.metrics | length' "$out/last.txt")" -ge 7 "--json: every default rule reported"

# A candidate 5 % slower in every allocation: the deterministic hard tier.
jq '(.runs[].cases[] | select(.op == "alloc") | .sum_ns) |= (. * 1.05 | floor)' \
	"$base" >"$out/slow.json"
is "$(gate_rc "$base" "$out/slow.json")" 1 "mean alloc +5% (deterministic) -> exit 1"
grep -q '^gate: REGRESSION in mean (op=alloc)' "$out/last.txt"
ok $? "the verdict names the metric: mean (op=alloc)"
grep -q '^mean  *op=alloc .*regression (hard: deterministic' "$out/last.txt"
ok $? "it is the hard tier (instruction-time per op > 2%)"
is "$(gate_rc --json "$base" "$out/slow.json")" 1 "--json: exit 1"
is "$(verdict mean op=alloc)" regression "--json: mean op=alloc is the regression"
is "$(verdict mean op=free)" pass "--json: mean op=free is unchanged"

# Only +1 %: below the 2 % hard limit and the 2 % rule.
jq '(.runs[].cases[] | select(.op == "alloc") | .sum_ns) |= (. * 1.01 | floor)' \
	"$base" >"$out/slower1.json"
is "$(gate_rc "$base" "$out/slower1.json")" 0 "mean alloc +1% -> pass"

# A fallback route the baseline never had.
jq '.runs[2].module_stats.fallback_dma32_dma = 3 | .runs[2].module_stats.fallback_kernel_dma = 1' \
	"$base" >"$out/fb.json"
is "$(jq '[.runs[].module_stats.fallback_kernel_dma] | add' "$base")" 0 \
	"(the baseline has no kernel->dma fallback)"
is "$(gate_rc "$base" "$out/fb.json")" 1 "a new fallback route -> exit 1"
grep -q 'REGRESSION in.* fallback kernel->dma' "$out/last.txt"
ok $? "the verdict names the fallback route"

# A failure of either of the kernel's kinds the baseline never had.
is "$(jq '[.runs[].module_stats | .result_no_pool, .result_exhausted, .result_addr_rejected] | add' "$base")" 0 \
	"(the baseline has no failure of either kind)"
jq '.runs[1].module_stats.result_no_pool = 2 | .runs[1].module_stats.fails = 2' \
	"$base" >"$out/nopool.json"
is "$(gate_rc "$base" "$out/nopool.json")" 1 "a new 'no suitable pool' failure -> exit 1"
grep -q '^gate: REGRESSION in.* fail no_suitable_pool' "$out/last.txt"
ok $? "the verdict names the kind: fail no_suitable_pool"
gate_rc --json "$base" "$out/nopool.json" >/dev/null
is "$(verdict 'fail no_suitable_pool' 'all runs') $(verdict 'fail exhausted' 'all runs')" \
	"regression pass" "--json: that kind regresses, the other passes"
jq '.runs[3].module_stats.result_exhausted = 1 | .runs[4].module_stats.result_addr_rejected = 3' \
	"$base" >"$out/exh.json"
is "$(gate_rc --json "$base" "$out/exh.json")" 1 "a new 'exhausted' failure -> exit 1"
is "$(verdict 'fail exhausted' 'all runs') $(verdict 'fail no_suitable_pool' 'all runs')" \
	"regression pass" "--json: exhausted (and addr_rejected) regress, no_suitable_pool passes"
is "$(jq '.metrics[] | select(.metric == "fail exhausted") | .candidate' "$out/last.txt")" 4 \
	"exhausted counts result_exhausted and result_addr_rejected"

# Results that must not be compared: exit 3, one line naming what differs.
jq '.meta.deterministic = false' "$base" >"$out/nondet.json"
is "$(gate_rc "$base" "$out/nondet.json")" 3 "deterministic vs not -> exit 3"
grep -q 'mode' "$out/last.err" && [ "$(wc -l <"$out/last.err")" -eq 1 ]
ok $? "one line naming the mode"
jq '.meta.kernel = "6.1.0-56-amd64"' "$base" >"$out/kern.json"
is "$(gate_rc "$base" "$out/kern.json")" 3 "another kernel -> exit 3"
grep -q 'kernel differs' "$out/last.err"
ok $? "names the kernel"
jq '.meta.spec |= sub("seed=1"; "seed=2")' "$base" >"$out/spec.json"
is "$(gate_rc "$base" "$out/spec.json")" 3 "another spec -> exit 3"
is "$(gate_rc --allow-mismatch "$base" "$out/kern.json")" 0 "--allow-mismatch compares anyway"
jq '.meta.buckets.sub_bits = 3' "$base" >"$out/buckets.json"
is "$(gate_rc --allow-mismatch "$base" "$out/buckets.json")" 3 "other histogram buckets -> exit 3 always"

# Bad input: exit 3 and one line naming it.
bad3() { # bad3 NEEDLE ARGS...
	local needle=$1 rc
	shift
	rc=$(gate_rc "$@")
	[ "$rc" = 3 ] && [ "$(wc -l <"$out/last.err")" -eq 1 ] && grep -qF -- "$needle" "$out/last.err"
	ok $? "gate $* -> exit 3 naming '$needle'"
	[ "$rc" = 3 ] || echo "#   exit $rc: $(cat "$out/last.err")"
}
bad3 "nope.json" "$base" "$out/nope.json"
bad3 "baseline and a candidate" "$base"
printf 'p42 op=alloc 5%%\n' >"$out/r1"
bad3 "p42" --rules "$out/r1" "$base" "$base"
printf 'p50 op=alloc 5\n' >"$out/r2"
bad3 "'5'" --rules "$out/r2" "$base" "$base"
printf 'p50 pool=dma64 5%%\n' >"$out/r3"
bad3 "pool=dma64" --rules "$out/r3" "$base" "$base"
bad3 "--rounds" --paired --rounds 2 a b
bad3 "'nmi'" --paired 'ctx=nmi' 'ops=10'

# A rules file: a looser mean rule still fails deterministically (hard tier),
# a p50-only rule set passes the +5 % mean candidate if p50 did not move.
printf '# comment\nmean op=alloc pool=kernel 10%%\n' >"$out/rules"
is "$(gate_rc --rules "$out/rules" "$base" "$out/slow.json")" 1 \
	"--rules: mean pool=kernel fails in the hard tier"
grep -q '^mean  *op=alloc pool=kernel' "$out/last.txt"
ok $? "--rules: the row shows the selector"
printf 'p50 op=free 5%%\n' >"$out/rules2"
is "$(gate_rc --rules "$out/rules2" "$base" "$out/slow.json")" 0 \
	"--rules: a rule on frees does not see the alloc slowdown"

# --paired, deterministic: the module's test-only spin in the alloc path.
rc=$(gate_rc --paired --deterministic -o "$out/spin" 'duration_ms=300' \
	'duration_ms=300 test_spin_ns=150')
is "$rc" 1 "--paired --deterministic, B spins 150 ns per alloc -> exit 1"
grep -q '^gate: REGRESSION in.* mean (op=alloc)' "$out/last.txt"
ok $? "names mean (op=alloc)"
[ "$rc" = 1 ] || sed 's/^/#   /' "$out/last.txt" "$out/last.err"
for f in a b aa; do
	is "$(jq '.runs | length' "$out/spin/$f.json" 2>/dev/null)" 5 "$f.json has 5 runs"
done
is "$(jq -r '.meta.test_spin_ns' "$out/spin/b.json")" 150 "B's result records the spin"
is "$(jq -r '.meta.test_spin_ns' "$out/spin/a.json")" 0 "A's does not spin"
is "$(jq -r '.meta.deterministic' "$out/spin/a.json")" true "the runs were deterministic"
# Determinism: every A run has the same alloc instruction-time (within 0.5 %).
jq -e '[.runs[] | ([.cases[] | select(.op == "alloc") | .sum_ns] | add) /
	([.cases[] | select(.op == "alloc") | .n] | add)] | (max / min) < 1.005' \
	"$out/spin/a.json" >/dev/null
ok $? "deterministic A runs agree on mean alloc time within 0.5%"
# The A/A' pass of that boot is a gate pass.
is "$(gate_rc "$out/spin/a.json" "$out/spin/aa.json")" 0 "A against A' passes"

# --paired A/A, not deterministic, a tiny workload: too few events, exit 2.
rc=$(gate_rc --paired -o "$out/aa" 'ops=200 size=4K cpus=0' 'ops=200 size=4K cpus=0')
is "$rc" 2 "--paired A/A with 200 ops a run -> exit 2 (inconclusive)"
grep -q 'too few events' "$out/last.txt"
ok $? "says: too few events"
[ "$rc" = 2 ] || sed 's/^/#   /' "$out/last.txt" "$out/last.err"

# The same in ktap mode: the guest's gate exits 4 (kselftest's skip) and the
# host passes it on, with the guest's KTAP on stdout.
rc=$(gate_rc --paired --format ktap -o "$out/aak" 'ops=200 size=4K cpus=0' \
	'ops=200 size=4K cpus=0')
is "$rc" 4 "--paired --format ktap, inconclusive A/A -> exit 4 through the guest"
grep -q ' # SKIP inconclusive: .*too few events' "$out/last.txt" &&
	tests/host/ktap-check.py "$out/last.txt" >/dev/null
ok $? "valid KTAP, the inconclusive rules skipped: too few events"
tap_done
