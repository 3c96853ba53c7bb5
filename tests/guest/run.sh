#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: `dmapool-bench run` inside the guest. BPF counts must equal the
# module's counters and the events ftrace saw; results validate against the
# schema; both attach modes work.
# shellcheck disable=SC2154 # set by jget (lib.sh)
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
# After each run, one `jget` (lib.sh) reads what the checks below it need:
# $jN_M is the value of block N's filter M.

unload
# Load as run would (no reload then), so the events exist for ftrace too.
load state_period_ms=50
# ftrace alongside BPF: a buffer large enough that it drops nothing.
echo 32768 >$T/buffer_size_kb
trace_on pool_alloc pool_free
$B run --ctx softirq --cpus 0-1 --ops 5000 --size 4K,16K:3 --hold ops:8 -o "$out" >$out/log 2>&1
ok $? "run --ctx softirq --ops 5000 on 2 CPUs"
trace_off
jget "$r" \
	j1_1='.meta.bpf_attach' \
	j1_2='.runs[0].module_stats.ops' \
	j1_3='.runs[0].counters.events.pool_alloc' \
	j1_4='.runs[0].counters.events.pool_free' \
	j1_5='.runs[0].counters.frees' \
	j1_6='.runs[0].module_stats.frees' \
	j1_7='.runs[0].crosscheck.ok' \
	j1_8='.runs[0].lost.recursion_misses_by_event.pool_alloc' \
	j1_9='[.runs[0].cases[] | select(.op == "alloc") | .n] | add' \
	j1_10='.runs[0].cases | length' \
	j1_11='.runs[0].lost.recursion_misses' \
	j1_12='.runs[0].lost.samples_dropped'
is "$j1_1" tp_btf "the module has BTF: tp_btf programs used"
is "$j1_2" 10000 "module counted 10000 operations"
is "$j1_3" 10000 "BPF saw 10000 pool_alloc events"
is "$(grep -c ' pool_alloc: ' $T/trace)" 10000 "ftrace saw 10000 pool_alloc events"
is "$j1_4" "$(grep -c ' pool_free: ' $T/trace)" \
	"BPF and ftrace agree on pool_free"
is "$j1_5" "$j1_6" "BPF frees = module frees"
is "$(cat $T/per_cpu/cpu*/stats | awk '/^overrun/ { s += $2 } END { print s + 0 }')" 0 \
	"ftrace lost nothing (the comparison is fair)"
is "$j1_7" true "built-in cross-check passed"
is "$j1_8" 0 "tp_btf lost no pool_alloc events"
is "$j1_9" 10000 \
	"histogram counts add up to the operations"
tests/host/validate-result.py $SCHEMA "$r"
ok $? "result.json validates against the schema"
for f in spectrum hist_log2 timeline expansions; do
	check "$f.csv written" -- test -s "$out/$f.csv"
done
# What a person reads (stdout and stderr into one file, as a terminal would
# show them): the workload, one table row per case with sizes in binary
# units, then fallbacks, expansions, lost events; no histograms without
# --hist; "wrote" last, after the summary it follows.
grep -qE "^alloc kernel  softirq +4 KiB +[0-9]+ " $out/log &&
	grep -qE "^alloc kernel  softirq +16 KiB +[0-9]+ " $out/log
ok $? "summary table printed, sizes in binary units"
is "$(grep -cE '^(alloc|free) +(dma|dma32|kernel|failed) +(hardirq|softirq|atomic|process) +[0-9.]+ (B|KiB|MiB) +[0-9]+ ' $out/log)" \
	"$j1_10" "a table row per case"
grep -qx "workload: softirq on cpus 0-1, 5000 ops per cpu, sizes 4 KiB, 16 KiB weighted 1:3, hold 8 ops, zone auto, 64-bit mask" $out/log
ok $? "the workload in words"
grep -qE "^(fallbacks: none|fallback [a-z0-9]+ -> [a-z0-9]+ \([a-z_]+\): [0-9]+)$" $out/log &&
	grep -qE "^expansions(: none| [0-9]+ \(failed [0-9]+\), .* in all)$" $out/log &&
	grep -qx "lost events: $j1_11 (BPF recursion), $j1_12 samples" $out/log
ok $? "fallbacks, expansions and lost events printed"
! grep -qE "nsecs|alloc latency" $out/log
ok $? "no histograms without --hist"
wrote=$(grep -nx "dmapool-bench: wrote /.*/result.json" $out/log | cut -d: -f1)
lost=$(grep -n "^lost events: " $out/log | cut -d: -f1)
[ -n "$wrote" ] && [ -n "$lost" ] && [ "$wrote" -gt "$lost" ] && [ "$wrote" -eq "$(wc -l <$out/log)" ]
ok $? "'wrote .../result.json' comes after the summary (line ${wrote:-none} of $(wc -l <$out/log))"

$B run --attach tracepoint --hist --ctx hardirq --cpus 0-1 --ops 3000 -o "$out" >$out/log 2>&1
ok $? "run --attach tracepoint --hist"
jget "$r" \
	j2_1='[.runs[0].cases[] | select(.op == "alloc")] | length' \
	j2_2='.meta.bpf_attach' \
	j2_3='.runs[0].counters.events.pool_alloc' \
	j2_4='.runs[0].lost.recursion_misses_by_event.pool_alloc' \
	j2_5='.runs[0].crosscheck.exact' \
	j2_6='.runs[0].crosscheck.ok'
is "$(grep -cE "^(alloc latency, pool (dma|dma32|kernel)|failed alloc latency), hardirq, [0-9.]+ (KiB|MiB):$" $out/log)" \
	"$j2_1" \
	"--hist: a histogram per alloc case, titled in binary units"
grep -qx "alloc latency, pool kernel, hardirq, 64 KiB:" $out/log
ok $? "--hist: ... such as pool kernel, 64 KiB"
grep -q "nsecs *: count *distribution" $out/log
ok $? "--hist: log2 histograms printed in the libbpf-tools layout"
[ "$(grep -n "nsecs" $out/log | head -n 1 | cut -d: -f1)" -gt "$(grep -n "^lost events: " $out/log | cut -d: -f1)" ] &&
	[ "$(grep -nx "dmapool-bench: wrote /.*/result.json" $out/log | cut -d: -f1)" -eq "$(wc -l <$out/log)" ]
ok $? "--hist: the histograms after the summary, 'wrote' after them"
is "$j2_2" tracepoint "classic tracepoint programs used"
seen=$j2_3
missed=$j2_4
if [ "$j2_5" = true ]; then
	# 6.7 and later count what trace_call_bpf() drops.
	is $((seen + missed)) 6000 "classic programs saw every allocation but the $missed reported missed"
else
	cmp_ok "$seen" -le 6000 "classic programs saw at most every allocation ($seen; drops uncounted before 6.7)"
fi
is "$j2_6" true "cross-check passed with classic tracepoints"

$B run --ctx process --cpus 0 --ops 2000 --seed 9 --repeat 3 -o "$out" >$out/log 2>&1
ok $? "run --repeat 3"
jget "$r" \
	j3_1='.runs | length' \
	j3_2='[.runs[].module_stats.digest] | unique | length' \
	j3_3='[.runs[].crosscheck.ok] | all'
is "$j3_1" 3 "three runs in the file"
is "$j3_2" 1 "same seed, same sequence in every repeat"
is "$j3_3" true "every repeat cross-checked"

$B run --coherent-pool 128K --ctx hardirq --cpus 0-1 --ops 3000 --size 16K --hold ops:64 \
	--zone kernel -o "$out" >$out/log 2>&1
ok $? "run --coherent-pool 128K: an exhausting workload"
jget "$r" \
	j4_1='.meta.coherent_pool' \
	j4_2='.meta.pools_at_start.kernel.size' \
	j4_3='[.runs[0].counters.fallbacks[] | select(.from == "kernel" and .to == "dma32") | .count] | add' \
	j4_4='.runs[0].module_stats.fallback_kernel_dma32' \
	j4_5='.runs[0].expansions | length' \
	j4_6='.runs[0].timeline | length' \
	j4_7='.meta.pools_at_end.kernel.size' \
	j4_8='[.runs[0].counters.fallbacks[] | select(.from == "kernel" and .to == "dma32" and .reason == "exhausted") | .count] | add' \
	j4_9='.runs[0].counters.expansions' \
	j4_10='.runs[0].counters.expand_fails' \
	j4_11='[.runs[0].expansions | length, 8] | min'
is "$j4_1" 131072 "module reloaded with coherent_pool=128K"
is "$j4_2" 131072 "kernel pool started at 128K"
is "$j4_3" \
	"$j4_4" "fallbacks kernel -> dma32: BPF = module"
cmp_ok "$j4_5" -gt 0 "expansions recorded with their latency"
cmp_ok "$j4_6" -gt 0 "pool_state timeline recorded"
cmp_ok "$j4_7" -gt 131072 "the kernel pool grew"
grep -qx "fallback kernel -> dma32 (exhausted): $j4_8" $out/log
ok $? "the summary prints the fallbacks"
grep -qx "expansions $j4_9 (failed $j4_10), .* in all" $out/log
ok $? "the summary prints the expansions"
bytes='def b: if . >= 1048576 then "\(. / 1048576) MiB" elif . >= 1024 then "\(. / 1024) KiB" else "\(.) B" end;'
e=$(j "$bytes [.runs[0].expansions[] | select(.result == 0)][0] | \"\(.pool) grew by \(.obtained | b) to \(.size_after | b)\"")
grep -qE "^  at [0-9.]+ (ns|us|ms|s): $e in [0-9.]+ (ns|us|ms|s)$" $out/log
ok $? "... each (up to 8) with when, how much in binary units, and how long"
is "$(grep -c '^  at ' $out/log)" "$j4_11" "... up to 8 of them"

# The kernel's two failure kinds: a zone without a pool (dma32 is not
# created) is "no suitable pool"; a 256K request, larger than every 128K pool,
# is "exhausted". Module, BPF, ftrace and the result count them alike.
# Loaded as run will want it (no reload), so that ftrace has its events.
reload state_period_ms=50 coherent_pool=128K zones=kernel,dma
trace_on pool_exhausted
$B run --zones kernel,dma --coherent-pool 128K --ctx softirq --cpus 0-1 --ops 1500 \
	--size 4K:2,256K --zone kernel:2,dma32 --hold 0 -o "$out" >$out/log 2>&1
ok $? "run --zones kernel,dma --zone kernel:2,dma32 --size 4K:2,256K: both failure kinds"
trace_off
jget "$r" \
	j5_1='.meta.pools_at_start.dma32.present' \
	j5_2='.meta.pools_at_start.kernel.present' \
	j5_3='.runs[0].module_stats.result_no_pool' \
	j5_4='.runs[0].module_stats.result_exhausted' \
	j5_5='.runs[0].module_stats.result_addr_rejected' \
	j5_6='.runs[0].module_stats.fails' \
	j5_7='.runs[0].counters.no_suitable_pool' \
	j5_8='.runs[0].counters.exhausted' \
	j5_9='.runs[0].crosscheck.ok'
is "$j5_1 $j5_2" "0 1" \
	"the module was loaded without a dma32 pool"
np=$j5_3
ex=$(( $j5_4 + $j5_5 ))
cmp_ok "$np" -gt 0 "module: failures with no suitable pool ($np)"
cmp_ok "$ex" -gt 0 "module: failures with the pools exhausted ($ex)"
is "$j5_6" $((np + ex)) "the two kinds add up to the module's fails"
is "$j5_7" "$np" "BPF no_suitable_pool = module"
is "$j5_8" "$ex" "BPF exhausted = module (exhausted + addr_rejected)"
is "$(grep -c ' pool_exhausted: .* result=no_pool$' $T/trace)" "$np" "ftrace: as many pool_exhausted result=no_pool"
is "$(grep -Ec ' pool_exhausted: .* result=(exhausted|addr_rejected)$' $T/trace)" "$ex" \
	"ftrace: as many pool_exhausted result=exhausted or addr_rejected"
is "$(pval config no_suitable_pool) $(pval config exhausted)" "$np $ex" \
	"the pools file counts them apart (nothing else allocated since the load)"
is "$j5_9" true "the built-in cross-check covers both kinds"
grep -q "(no suitable pool $np, exhausted $ex)" $out/log
ok $? "the summary names both kinds"
grep -qE "^alloc failed  softirq +256 KiB +[0-9]+ " $out/log && grep -qE "^alloc failed  softirq +4 KiB +[0-9]+ " $out/log
ok $? "failed allocations are labelled as failures, by size"
! grep -qE "^(alloc|free) +none " $out/log && grep -q 'pool "failed": the allocations that failed' $out/log
ok $? "... never as pool 'none', and the table says what 'failed' means"
tests/host/validate-result.py $SCHEMA "$r"
ok $? "result.json with both kinds validates against the schema"
# The classic tracepoint programs read the kind from the trace record.
$B run --attach tracepoint --zones kernel,dma --coherent-pool 128K --ctx softirq --cpus 0-1 \
	--ops 1500 --size 4K:2,256K --zone kernel:2,dma32 --hold 0 -o "$out" >$out/log 2>&1
ok $? "run --attach tracepoint with both failure kinds"
jget "$r" \
	j6_1='.meta.bpf_attach' \
	j6_2='.runs[0].module_stats.result_no_pool' \
	j6_3='.runs[0].module_stats.result_exhausted' \
	j6_4='.runs[0].module_stats.result_addr_rejected' \
	j6_5='.runs[0].lost.recursion_misses_by_event.pool_exhausted' \
	j6_6='.runs[0].counters.no_suitable_pool' \
	j6_7='.runs[0].counters.exhausted' \
	j6_8='.runs[0].crosscheck.exact' \
	j6_9='.runs[0].crosscheck.ok'
is "$j6_1" tracepoint "classic tracepoint programs used"
np=$j6_2
ex=$(( $j6_3 + $j6_4 ))
missed=$j6_5
got=$j6_6
gex=$j6_7
# Before 6.7 the kernel does not count what a nested classic-tracepoint
# program drops (the cross-check says exact=false): there only the upper
# bounds hold; from 6.7 every event is seen or counted missed.
if [ "$j6_8" = true ]; then
	[ "$got" -gt 0 ] && [ "$got" -le "$np" ] && [ "$gex" -le "$ex" ] &&
		[ $((got + gex + missed)) -ge $((np + ex)) ]
else
	[ "$got" -gt 0 ] && [ "$got" -le "$np" ] && [ "$gex" -gt 0 ] && [ "$gex" -le "$ex" ]
fi
ok $? "classic: no_suitable_pool $got of $np, exhausted $gex of $ex, $missed missed (exact: $j6_8)"
is "$j6_9" true "classic: the cross-check of both kinds passed"

$B --json run --remap --ctx atomic --cpus 1 --ops 500 -o "$out" >$out/stdout 2>$out/log
ok $? "--json run --remap"
[ -s $out/stdout ] && jq -e '.schema == "dmapool-bench/1" and .meta.remap == true' $out/stdout >/dev/null
ok $? "--json prints the result object on stdout"
is "$(j '.meta.pools_at_start.config.remap')" 1 "the module was reloaded with remap=1"

# Fleet formats (fleet.c): the run's cases as tests, read as fleets would.
$B run --ctx atomic --cpus 0 --ops 2000 --size 4K,16K --repeat 2 --format ktap \
	-o "$out/fk" >$out/ktap 2>$out/log
is $? 0 "run --repeat 2 --format ktap exits 0"
tests/host/fleet-check.py ktap $out/ktap >$out/ktap.list
ok $? "its stdout passes the strict KTAP reader (tests/host/ktap-check.py)"
jget "$out/fk/result.json" \
	j7_1='[.runs[].cases | length] | add' \
	j7_2='.runs[1].cases[0] | "\(.op).\(.pool).\(.ctx)"' \
	j7_3='.runs[1].cases[0].size_order'
is "$(wc -l <$out/ktap.list)" $((3 * j7_1 + 2)) \
	"a test per case and metric (p50, p99, ops_per_sec) and a cross-check per run"
grep -qx 'pass run1.crosscheck' $out/ktap.list && grep -qx 'pass run2.crosscheck' $out/ktap.list
ok $? "each run's cross-check is a passing test"
is "$(grep -vc '^pass ' $out/ktap.list)" 0 "nothing fails or skips"
size=$((4 << j7_3))K
grep -qx "pass run2.ops_per_sec.$j7_2.$size" $out/ktap.list
ok $? "names: run2.ops_per_sec.$j7_2.$size"
$B run --ctx atomic --cpus 0 --ops 2000 --size 4K --format kcidb --kcidb-origin guest_ci \
	-o "$out/fc" >$out/kcidb 2>$out/log
is $? 0 "run --format kcidb exits 0"
tests/host/fleet-check.py kcidb $out/kcidb >$out/kcidb.list
ok $? "its stdout passes the KCIDB schema of our fields, ids unique"
jget "$out/fc/result.json" \
	j8_1='.runs[0].cases[0] | "\(.op).\(.pool).\(.ctx).4K"' \
	j8_2='.runs[0].cases[0].p50' \
	j8_3='.meta.time' \
	j8_4='.runs[0].module_stats.ops'
jq -e --arg n "dmapool_bench.run.p50.$j8_1" --argjson v "$j8_2" --arg t "$j8_3" --argjson ops "$j8_4" \
	'(.tests[] | select(.path == $n) | .number == {"value": $v, "unit": "ns"} and
	  .status == "PASS" and .start_time == $t and .origin == "guest_ci" and
	  (.id | startswith("guest_ci:"))) and
	 (.tests[] | select(.path == "dmapool_bench.run.crosscheck") | .status == "PASS" and
	  .number.value == $ops)' $out/kcidb >/dev/null
ok $? "kcidb: p50.$j8_1 is the result's p50 ($j8_2 ns), the cross-check passes on $j8_4 ops"

echo "ctx=hardirq cpus=0 duration_ms=30000" >$D/control
$B run -vv --ops 10 -o "$out" >$out/log 2>&1
is $? 1 "a run while another is in progress fails"
grep -q "already in progress" $out/log
ok $? "... saying so"
# ... before it loads BPF (-vv prints libbpf's debug lines): attaching would
# live-patch the tracepoints under the other run's hardirq load.
is "$(grep -c '^libbpf:' $out/log)" 0 "... before loading any BPF"
echo stop >$D/control
unload
# A run that fails before it has tests (no module to load): one failing test.
$B run --ops 10 --module /nonexistent.ko --format ktap -o "$out/fx" >$out/ktap 2>$out/log
is $? 1 "run --format ktap that cannot load its module exits 1"
is "$(tests/host/fleet-check.py ktap $out/ktap)" "fail run" "... and says so as one failing KTAP test"
tap_done
