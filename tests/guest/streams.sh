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
j() { jq -r "$1" "$r"; }

USB='stream=usb ctx=hardirq cpus=0 ops=1500 size=uniform:4K-64K hold=ops:16'
MBOX='stream=mbox ctx=atomic cpus=1 ops=1000 size=4K hold=ops:4 seed=7'

reload state_period_ms=50
diag "t=$SECONDS s: loaded"
# --- the control file --------------------------------------------------------
echo "$USB;$MBOX" >$D/control
ok $? "two streams in one control write"
wait_idle
ok $? "the run ends"
is "$(lstat state)" done "state: done"
is "$(lstat streams)" 2 "stats: streams: 2"
is "$(lstat stream.usb.ops)" 1500 "stream usb: 1500 ops (1 CPU)"
is "$(lstat stream.mbox.ops)" 1000 "stream mbox: 1000 ops (1 CPU)"
is "$(lstat stream.usb.ctx):$(lstat stream.mbox.ctx)" hardirq:atomic "each stream its own context"
for k in ops allocs fails frees bytes outstanding fallbacks ctx_violations forced_frees \
	result_ok result_exhausted; do
	is "$(($(lstat stream.usb.$k) + $(lstat stream.mbox.$k)))" "$(lstat $k)" \
		"per-stream $k sum to the aggregate"
done
is "$(lstat stream.usb.ctx_violations)" 0 "stream usb: no operation outside hardirq"
is "$(lstat stream.mbox.ctx_violations)" 0 "stream mbox: no operation outside atomic"
is "$(lstat cpu0_ops):$(lstat cpu1_ops)" 1500:1000 "per-CPU ops: one stream each"
# Only mbox's sizes are all 4 KiB: its bytes are exactly 4 KiB per allocation.
is "$(lstat stream.mbox.bytes)" "$(($(lstat stream.mbox.allocs) * 4096))" "stream mbox: 4 KiB blocks"
[ "$(lstat stream.usb.bytes)" -gt "$(($(lstat stream.usb.allocs) * 4096))" ]
ok $? "stream usb: larger blocks (uniform 4K-64K)"
line=$(cat $D/control)
case "$line" in
"stream=usb ctx=hardirq cpus=0 "*" ; stream=mbox ctx=atomic cpus=1 "*) ok 0 "control reads back the whole line" ;;
*) ok 1 "control reads back the whole line: $line" ;;
esac
# The same seeds give the same sequences: each stream's digest is its own,
# whatever runs beside it.
d_usb=$(lstat stream.usb.digest)
d_mbox=$(lstat stream.mbox.digest)
echo "$MBOX" | sed 's/stream=mbox //' >$D/control && wait_idle
is "$(lstat digest)" "$d_mbox" "stream mbox alone: the digest it had beside usb"
is "$(lstat streams):$(lstat stream.default.ops)" 1:1000 "a lone spec is the stream default"
case "$(cat $D/control)" in
"ctx=atomic cpus=1 "*) ok 0 "a lone spec reads back without stream=" ;;
*) ok 1 "a lone spec reads back without stream=: $(cat $D/control)" ;;
esac
# Two streams on one CPU: each gets its own kthread and timer.
echo "stream=a ctx=softirq cpus=0 ops=500 ; stream=b ctx=process cpus=0 ops=700 seed=3" >$D/control &&
	wait_idle
ok $? "two streams sharing CPU 0"
is "$(lstat stream.a.ops):$(lstat stream.b.ops):$(lstat cpu0_ops)" 500:700:1200 \
	"both ran there, cpu0_ops is their sum"
is "$(($(lstat stream.a.ctx_violations) + $(lstat stream.b.ctx_violations)))" 0 \
	"each in its own context"

# --- refused lines: -EINVAL and one pr_err naming stream and field --------
refused() { # refused LINE WANT
	local before err
	before=$(dmesg | wc -l)
	err=$(printf '%s\n' "$1" 2>&1 >$D/control)
	[ $? -ne 0 ] && echo "$err" | grep -q "Invalid argument"
	ok $? "refused with EINVAL: $1"
	is "$(dmesg | tail -n +$((before + 1)) | grep -c 'dmapool_bench: control: ')" 1 "one pr_err"
	dmesg | tail -n +$((before + 1)) | grep -q "dmapool_bench: control: $2"
	ok $? "it names stream and field: $2"
}
refused "stream=usb size=4K ; stream=mbox size=0" "stream mbox: size: invalid value '0'"
refused "stream=usb ; stream=usb ctx=atomic" "stream usb: stream: name given to streams #1 and #2"
refused "stream=usb ; ctx=atomic" "stream #2: stream: missing"
refused "stream=usb ; stream=mbox cpus=63" "stream mbox: cpus: CPU 63 is not online"
is "$(lstat state)" done "the last run is still the one shown"

# --- run: result with both streams, exact BPF cross-check per stream ------
diag "t=$SECONDS s: control tests done"
for attach in tp_btf tracepoint; do
	$B run --attach $attach --spec "$USB ; $MBOX" -o "$out" >$out/log 2>&1
	ok $? "run --attach $attach --spec 'usb ; mbox'"
	is "$(j .meta.bpf_attach)" $attach "$attach programs used"
	is "$(j '[.runs[0].streams[].name] | join(",")')" usb,mbox "result: both streams"
	is "$(j '.runs[0].crosscheck.ok')" true "cross-check passed"
	for s in 0 1; do
		n=$(j ".runs[0].streams[$s].name")
		is "$(j ".runs[0].streams[$s].crosscheck.exact")" true "stream $n: cross-check exact"
		is "$(j ".runs[0].streams[$s].crosscheck.ok")" true "stream $n: cross-check ok"
		for k in allocs frees fails; do
			is "$(j ".runs[0].streams[$s].counters.$k")" \
				"$(j ".runs[0].streams[$s].module_stats.$k")" \
				"stream $n: BPF $k = module $k"
		done
		is "$(j "[.runs[0].cases[] | select(.stream == \"$n\" and .op == \"alloc\") | .n] | add")" \
			"$(j ".runs[0].streams[$s].module_stats.ops")" \
			"stream $n: its alloc cases add up to its ops"
		is "$(j ".runs[0].streams[$s].latency.alloc.n")" \
			"$(j ".runs[0].streams[$s].module_stats.ops")" \
			"stream $n: latency summary over all its allocations"
	done
	is "$(j '[.runs[0].cases[] | select(.stream == "usb" and .op == "alloc") | .ctx] | unique | join(",")')" hardirq \
		"stream usb allocates in hardirq only"
	is "$(j '[.runs[0].cases[] | select(.stream == "mbox" and .op == "alloc") | .ctx] | unique | join(",")')" atomic \
		"stream mbox allocates in atomic context only"
	is "$(j '[.runs[0].cases[] | select(.stream == "mbox") | .size_order] | unique | join(",")')" 0 \
		"stream mbox's cases: 4 KiB only"
	is "$(j '[.runs[0].cases[] | select(has("stream") | not)] | length')" 0 \
		"every case is keyed by its stream"
	is "$(j '.runs[0].streams[0].module_stats.ops + .runs[0].streams[1].module_stats.ops')" \
		"$(j .runs[0].module_stats.ops)" "result: stream ops sum to the aggregate"
	is "$(j '.runs[0].module_stats | keys | map(select(startswith("stream"))) | length')" 0 \
		"module_stats keeps the aggregate lines only"
	tests/host/validate-result.py $SCHEMA "$r"
	ok $? "result.json validates against the schema"
done
grep -qE "^stream +ctx +ops +allocs +fails" $out/log &&
	grep -qE "^usb +hardirq +3000 " $out/log && grep -qE "^mbox +atomic +2000 " $out/log
ok $? "plain output: a per-stream table"
$B run --ctx atomic --spec "$USB ; $MBOX" -o "$out" >$out/log 2>&1
is $? 2 "a workload option with several streams: usage error"
grep -q "applies to a single-stream run" $out/log
ok $? "it says why"

unload
ok $? "rmmod after the runs"
tap_done
