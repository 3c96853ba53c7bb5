#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: `dmapool-bench bench --quick` in a deterministic guest, the
# quick variant of make bench's overhead and lost-event parts. It asserts
# only what holds on any machine in instruction-time:
#   - every tracer costs hardirq time per operation, ours less than bpftrace's
#   - at the generator's highest rate, every tracer that keeps counts has the
#     module's counts exactly, and no tracer reports a drop
#   - tracepoints compiled out vs compiled in but disabled: within 2 %
#   - one call into the kernel's own pool (holders): ours costs less than
#     bpftrace's dmapool-holders.bt, both more than untraced
# and that bad options exit 2 with one line naming the value.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=build/dmapool-bench
out=build/test-bench
rm -rf "$out"
mkdir -p "$out"

# bad VALUE ARGS...: exit 2, one line on stderr that names VALUE
bad() {
	local v=$1 err rc
	shift
	err=$($B bench "$@" -o "$out/bad" 2>&1 >/dev/null)
	rc=$?
	is "$rc" 2 "bench $* exits 2"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ $err == *"'$v'"* ]]
	ok $? "bench $*: one line naming '$v' ($err)"
}
bad 0 --reps 0
bad 51 --reps 51
bad x --ops x
bad fast --only fast
bad --bogus --bogus

$B bench --quick --only deterministic -o "$out" --json >"$out/stdout.json" 2>"$out/stderr.txt"
rc=$?
is "$rc" 0 "bench --quick --only deterministic exits 0"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$out/stderr.txt" | tail -20
r=$out/deterministic.json
is "$(jq -r .schema "$r")" dmapool-bench-bench/1 "deterministic.json has the bench schema"
is "$(jq -r .meta.deterministic "$r")" true "the guest was deterministic"
is "$(jq -r '.deterministic.meta.mode' "$out/stdout.json")" deterministic "--json prints the results"
[ -s "$out/table.txt" ] && grep -q '^Tracing overhead' "$out/table.txt"
ok $? "table.txt written"
! ls "$out"/.bench* >/dev/null 2>&1
ok $? "no scratch files left (bpftrace output, recording)"

ov='.overhead[0]'
is "$(jq "$ov.runs | length" "$r")" 10 "overhead: 5 tracers x 2 interleaved repetitions"
is "$(jq "[$ov.runs[] | select(.tracer == \"none\")] | map(.batch_ops) | unique" -c "$r")" \
	"[2000]" "the untraced runs did exactly the 2000 operations asked for"
t() { jq -r "$ov.tracers[\"$1\"].$2" "$r"; }
for tr in bpf bpftrace ftrace-hist record; do
	check "$tr adds hardirq time per operation ($(t "$tr" added_ns_median) ns)" -- \
		awk -v a="$(t "$tr" added_ns_min)" 'BEGIN { exit !(a > 0) }'
done
check "our BPF adds less than bpftrace ($(t bpf added_ns_median) < $(t bpftrace added_ns_median))" -- \
	awk -v b="$(t bpf added_ns_max)" -v c="$(t bpftrace added_ns_min)" 'BEGIN { exit !(b < c) }'
check "instruction-time: the untraced runs agree within 1 %" -- \
	awk -v lo="$(t none ns_per_op_min)" -v hi="$(t none ns_per_op_max)" \
	'BEGIN { exit !(hi <= lo * 1.01) }'
check "pool operations are part of the hardirq time per operation" -- \
	awk -v p="$(jq "$ov.runs[0].pool_ns_per_op" "$r")" -v n="$(jq "$ov.runs[0].ns_per_op" "$r")" \
	'BEGIN { exit !(p > 0 && p < n) }'
is "$(jq -r "[$ov.runs[] | select(.tracer == \"bpf\")][0].attach" "$r")" tp_btf \
	"our BPF attached with tp_btf"

is "$(jq '.lost | length' "$r")" 4 "lost: every tracer at the highest rate"
for tr in bpf bpftrace ftrace-hist record; do
	l=".lost[] | select(.tracer == \"$tr\")"
	is "$(jq "$l | .lost_events" "$r")" 0 "$tr: 0 lost events at $(jq "$l | .ops_per_sec" "$r") ops/s"
	is "$(jq "$l | .lost.tracer_drops" "$r")" 0 "$tr: its own drop counters are 0"
done
for tr in bpf bpftrace ftrace-hist; do
	l=".lost[] | select(.tracer == \"$tr\") | .lost"
	is "$(jq "$l | [.traced_ops, .traced_frees] == [.module_ops, .module_frees]" "$r")" true \
		"$tr counted the module's $(jq "$l | .module_ops" "$r") allocations and frees"
done
is "$(jq '.lost[0].lost.module_ops' "$r")" 5000 "the lost-event runs did 5000 operations"

# holders: one call into the kernel's own pool (real_pool_test), untraced,
# under our monitor and under bpftrace's dmapool-holders.bt.
h=.holders
is "$(jq -r "$h.skipped // \"ran\"" "$r")" ran "holders: the section ran (real_pool_test=1 loaded)"
is "$(jq "$h.runs | length" "$r")" 6 "holders: 3 tracers x 2 interleaved repetitions"
is "$(jq -c "[$h.runs[] | .alloc_calls, .free_calls] | unique" "$r")" "[256]" \
	"holders: every run made 256 allocations and 256 frees (16 x alloc 4K count=16)"
ht() { jq -r "$h.tracers[\"$1\"].$2" "$r"; }
check "holders: untraced, a call costs time ($(ht none ns_per_call_median) ns)" -- \
	awk -v a="$(ht none ns_per_call_min)" 'BEGIN { exit !(a > 0) }'
for tr in ours bpftrace; do
	check "holders: $tr adds time per call ($(ht "$tr" added_ns_median) ns)" -- \
		awk -v a="$(ht "$tr" added_ns_min)" 'BEGIN { exit !(a > 0) }'
done
check "holders: ours costs less than bpftrace per call ($(ht ours ns_per_call_median) < $(ht bpftrace ns_per_call_median))" -- \
	awk -v b="$(ht ours ns_per_call_max)" -v c="$(ht bpftrace ns_per_call_min)" \
	'BEGIN { exit !(b < c) }'
is "$(jq -r "$h.targets.ours_below_bpftrace" "$r")" true "holders: the target says so too"
check "holders: ours/bpftrace ratio reported ($(jq "$h.ours_vs_bpftrace.ns_per_call_ratio_median" "$r"))" -- \
	awk -v x="$(jq "$h.ours_vs_bpftrace.ns_per_call_ratio_median" "$r")" 'BEGIN { exit !(x > 0 && x < 1) }'
grep -q "^Cost of one call into the kernel's pool" "$out/table.txt"
ok $? "holders: in table.txt"

off=.instrumentation_off
is "$(jq "$off.runs | length" "$r")" 4 "compiled out vs in: 2 interleaved loads each"
is "$(jq -r "$off.target_met" "$r")" true \
	"disabled tracepoints cost at most 2 % of alloc time ($(jq "$off.alloc_diff_pct" "$r") %)"
tap_done
