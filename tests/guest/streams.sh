#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: several streams in one run (one control line, ';' between
# specs). The module's per-stream stats sum to its aggregate lines, each
# stream runs in its own context, the tracepoints carry the stream so that
# BPF's per-stream counts equal the module's exactly (tp_btf and classic
# tracepoints), `run` writes both streams into a result that validates, and
# a bad multi-stream line is refused with -EINVAL and one pr_err naming the
# stream and the field.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
export DMAPOOL_IN_VM=1
B=build/dmapool-bench
SCHEMA=tools/dmapool-bench/result.schema.json
out=$(mktemp -d)
r=$out/result.json
# Few processes: each exec of a host binary costs the TCG guest dearly.
declare -A S
snap() { # snap: the stats file into S[KEY]
	local k v
	S=()
	while IFS=': ' read -r k v; do S[$k]=$v; done <$D/stats
}

USB='stream=usb ctx=hardirq cpus=0 ops=1500 size=uniform:4K-64K hold=ops:16'
MBOX='stream=mbox ctx=atomic cpus=1 ops=1000 size=4K hold=ops:4 seed=7'

reload state_period_ms=50
# --- the control file --------------------------------------------------------
echo "$USB;$MBOX" >$D/control
ok $? "two streams in one control write"
wait_idle
ok $? "the run ends"
snap
is "${S[state]}" done "state: done"
is "${S[streams]}" 2 "stats: streams: 2"
is "${S[stream.usb.ops]}" 1500 "stream usb: 1500 ops (1 CPU)"
is "${S[stream.mbox.ops]}" 1000 "stream mbox: 1000 ops (1 CPU)"
is "${S[stream.usb.ctx]}:${S[stream.mbox.ctx]}" hardirq:atomic "each stream its own context"
for k in ops allocs fails frees bytes outstanding fallbacks ctx_violations forced_frees \
	result_ok result_exhausted alloc_lat_sum_ns; do
	is "$((S[stream.usb.$k] + S[stream.mbox.$k]))" "${S[$k]}" \
		"per-stream $k sum to the aggregate"
done
is "${S[stream.usb.ctx_violations]}" 0 "stream usb: no operation outside hardirq"
is "${S[stream.mbox.ctx_violations]}" 0 "stream mbox: no operation outside atomic"
is "${S[cpu0_ops]}:${S[cpu1_ops]}" 1500:1000 "per-CPU ops: one stream each"
# Only mbox's sizes are all 4 KiB: its bytes are exactly 4 KiB per allocation.
is "${S[stream.mbox.bytes]}" "$((S[stream.mbox.allocs] * 4096))" "stream mbox: 4 KiB blocks"
cmp_ok "${S[stream.usb.bytes]}" -gt "$((S[stream.usb.allocs] * 4096))" \
	"stream usb: larger blocks (uniform 4K-64K)"
line=$(<$D/control)
case "$line" in
"stream=usb ctx=hardirq cpus=0 "*" ; stream=mbox ctx=atomic cpus=1 "*) ok 0 "control reads back the whole line" ;;
*) ok 1 "control reads back the whole line: $line" ;;
esac
# Each stream's sequence is its own, whatever runs beside it: the same
# spec alone gives the same digest.
d_mbox=${S[stream.mbox.digest]}
echo "${MBOX#stream=mbox }" >$D/control && wait_idle
snap
is "${S[digest]}" "$d_mbox" "stream mbox alone: the digest it had beside usb"
is "${S[streams]}:${S[stream.default.ops]}" 1:1000 "a lone spec is the stream default"
case "$(<$D/control)" in
"ctx=atomic cpus=1 "*) ok 0 "a lone spec reads back without stream=" ;;
*) ok 1 "a lone spec reads back without stream=: $(<$D/control)" ;;
esac
# Two streams on one CPU: each gets its own kthread and timer.
echo "stream=a ctx=softirq cpus=0 ops=500 ; stream=b ctx=process cpus=0 ops=700 seed=3" >$D/control &&
	wait_idle
ok $? "two streams sharing CPU 0"
snap
is "${S[stream.a.ops]}:${S[stream.b.ops]}:${S[cpu0_ops]}" 500:700:1200 \
	"both ran there, cpu0_ops is their sum"
is "$((S[stream.a.ctx_violations] + S[stream.b.ctx_violations]))" 0 \
	"each in its own context"

# --- refused lines: -EINVAL and one pr_err naming stream and field --------
refused() { # refused LINE WANT
	local err
	dmesg -C
	err=$(printf '%s\n' "$1" 2>&1 >$D/control)
	[ $? -ne 0 ] && [[ $err == *"Invalid argument"* ]]
	ok $? "refused with EINVAL: $1"
	err=$(dmesg | grep 'dmapool_bench: control: ')
	[[ $err == *"dmapool_bench: control: $2"* && $err != *$'\n'* ]]
	ok $? "one pr_err naming stream and field: $2"
}
refused "stream=usb size=4K ; stream=mbox size=0" "stream mbox: size: invalid value '0'"
refused "stream=usb ; stream=usb ctx=atomic" "stream usb: stream: name given to streams #1 and #2"
refused "stream=usb ; ctx=atomic" "stream #2: stream: missing"
refused "stream=usb ; stream=mbox cpus=63" "stream mbox: cpus: CPU 63 is not online"
snap
is "${S[state]}:${S[stream.a.ops]}" done:500 "the last run is still the one shown"

# --- run: result with both streams, exact BPF cross-check per stream ------
# One jq per result: every value compared, one line each.
for attach in tp_btf tracepoint; do
	$B run --attach $attach --spec "$USB ; $MBOX" -o "$out" >$out/log 2>&1
	ok $? "run --attach $attach --spec 'usb ; mbox'"
	mapfile -t v <<<"$(jq -r '.runs[0] as $r | $r.streams as $s |
		$r.cases as $c | [
		"bpf_attach=\(.meta.bpf_attach)",
		"names=\([$s[].name] | join(","))",
		"crosscheck=\($r.crosscheck.ok)",
		"ops_sum=\($s[0].module_stats.ops + $s[1].module_stats.ops == $r.module_stats.ops)",
		"unkeyed=\([$c[] | select(has("stream") | not)] | length)",
		"stream_lines=\($r.module_stats | keys | map(select(startswith("stream"))) | length)",
		"usb_ctx=\([$c[] | select(.stream == "usb" and .op == "alloc") | .ctx] | unique | join(","))",
		"mbox_ctx=\([$c[] | select(.stream == "mbox" and .op == "alloc") | .ctx] | unique | join(","))",
		"mbox_orders=\([$c[] | select(.stream == "mbox") | .size_order] | unique | join(","))",
		($s[] | . as $t | "\($t.name): exact=\($t.crosscheck.exact) ok=\($t.crosscheck.ok) allocs=\($t.counters.allocs == $t.module_stats.allocs) frees=\($t.counters.frees == $t.module_stats.frees) fails=\($t.counters.fails == $t.module_stats.fails) cases=\([$c[] | select(.stream == $t.name and .op == "alloc") | .n] | add == $t.module_stats.ops) latency=\($t.latency.alloc.n == $t.module_stats.ops)")
		] | .[]' "$r")"
	is "${v[0]}" "bpf_attach=$attach" "$attach programs used"
	is "${v[1]}" names=usb,mbox "result: both streams, in order"
	is "${v[2]}" crosscheck=true "run cross-check passed"
	is "${v[3]}" ops_sum=true "result: stream ops sum to the aggregate"
	is "${v[4]}" unkeyed=0 "every case is keyed by its stream"
	is "${v[5]}" stream_lines=0 "module_stats keeps the aggregate lines only"
	is "${v[6]}" usb_ctx=hardirq "stream usb allocates in hardirq only"
	is "${v[7]}" mbox_ctx=atomic "stream mbox allocates in atomic context only"
	is "${v[8]}" mbox_orders=0 "stream mbox's cases: 4 KiB only"
	for i in 9 10; do
		is "${v[$i]}" "${v[$i]%%:*}: exact=true ok=true allocs=true frees=true fails=true cases=true latency=true" \
			"stream ${v[$i]%%:*}: exact cross-check; BPF allocs, frees, fails = the module's; its cases and latency cover its ops"
	done
done
# The schema: once (python under TCG is slow); the tracepoint run's result.
tests/host/validate-result.py $SCHEMA "$r"
ok $? "result.json validates against the schema"
grep -qE "^stream +ctx +ops +allocs +fails" $out/log &&
	grep -qE "^usb +hardirq +1500 " $out/log && grep -qE "^mbox +atomic +1000 " $out/log
ok $? "plain output: a per-stream table"
# gate: each rule per stream, never across them (A/A on one result: one run
# a side is inconclusive, exit 2; what matters is which cases it judged).
$B gate --json "$r" "$r" >$out/gate.json 2>&1
is "$?:$(jq -r '[.metrics[].cases | select(endswith(" stream=usb"))] | length' $out/gate.json):$(jq -r '[.metrics[].cases | select(endswith(" stream=mbox"))] | length' $out/gate.json)" \
	2:7:7 "gate: the 7 default rules judged for each stream apart"
# A warmup in the second stream only: the sums are checked with it (the
# module leaves warmup operations out, BPF sees them all).
$B run --spec "$USB ; stream=mbox ctx=atomic cpus=1 duration_ms=600 warmup_ms=300 size=4K" \
	-o "$out" >$out/log 2>&1
is "$?:$(jq -r '.runs[0] | "\(.crosscheck.ok):\([.streams[].crosscheck.ok] | all)"' "$r" 2>/dev/null)" \
	0:true:true "stream mbox's warmup only: run and every cross-check pass"
$B run --ctx atomic --spec "$USB ; $MBOX" -o "$out" >$out/log 2>&1
is $? 2 "a workload option with several streams: usage error"
grep -q "applies to a single-stream run" $out/log
ok $? "it says why"

unload
ok $? "rmmod after the runs"
tap_done
