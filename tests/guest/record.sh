#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: `dmapool-bench record` + `report`, the raw-event path without
# BPF. The same seeded workload measured by `run` (BPF) and recorded through
# ftrace counts alike, and both equal the module's counters; results
# validate; ftrace's lost counters are reported; --repeat splits by time; the
# private ftrace instance is gone afterwards, even after Ctrl-C or a failed
# run, and the top-level buffer is left alone; bad input exits 2.
# shellcheck disable=SC2154 # set by jget (lib.sh)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
export DMAPOOL_IN_VM=1
B=build/dmapool-bench
SCHEMA=tools/dmapool-bench/result.schema.json
out=$(mktemp -d)

instances() { find $T/instances -maxdepth 1 -name 'dmapool_bench_record_*' | wc -l; }
# run 0's counters that must not depend on the tracer
counts='.runs[0].counters | {allocs, fails, frees, exhausted, no_suitable_pool, expansions,
	expand_fails, events, results, fallbacks}'
msum='[.runs[0].counters.fallbacks[].count] | add // 0'

# bad NAME ARGS...: exit 2 with exactly one line on stderr
bad() {
	local name=$1 rc
	shift
	$B "$@" >/dev/null 2>$out/bad.err
	rc=$?
	is "$rc:$(wc -l <$out/bad.err)" "2:1" "$name: exit 2, one line ($(head -c 120 $out/bad.err))"
}

unload
trace_off	# the top level stays off: record must not touch it
: >$T/trace

# compare NAME WORKLOAD...: run (BPF) and record the same workload, each on
# a freshly loaded module so that the pools start alike.
compare() {
	local name=$1 bpf=$out/$1-bpf/result.json rep=$out/$1/result.json
	shift
	unload
	$B run "$@" -o $out/$name-bpf >$out/$name-bpf.log 2>&1
	ok $? "$name: run (BPF)"
	unload
	$B record "$@" -o $out/$name/rec.dpr >$out/$name-rec.log 2>&1
	ok $? "$name: record"
	grep -q "ftrace lost: 0 events missed, overrun 0, commit overrun 0, dropped 0" \
		$out/$name-rec.log
	ok $? "$name: record reports that ftrace lost nothing"
	grep -qE "^recorded 1 run: [0-9]+ ring-buffer pages from [0-9]+ CPUs, [0-9.]+ (B|KiB|MiB)$" \
		$out/$name-rec.log
	ok $? "$name: record's summary gives the recording's size in binary units"
	is "$(tail -n 1 $out/$name-rec.log)" "dmapool-bench: wrote $out/$name/rec.dpr (dmapool-bench report $out/$name/rec.dpr)" \
		"$name: 'wrote' comes after record's summary"
	$B report $out/$name/rec.dpr >$out/$name-rep.log 2>&1
	ok $? "$name: report"
	# One jq per file (jget, lib.sh) for what follows.
	jget $bpf b_digest='.runs[0].module_stats.digest' b_counts="$counts"
	jget $rep r_attach=.meta.bpf_attach r_digest='.runs[0].module_stats.digest' \
		r_counts="$counts" r_msum="$msum" r_fallbacks=.runs[0].module_stats.fallbacks \
		r_cc='.runs[0].crosscheck | [.ok, .exact]' \
		r_n='[.runs[0].cases[] | select(.op == "alloc") | .n] | add' \
		r_ops=.runs[0].module_stats.ops \
		r_lost='.runs[0].lost | [.ftrace_missed_events, .ftrace_overrun, .ftrace_dropped]' \
		r_c_allocs=.runs[0].counters.allocs r_m_allocs=.runs[0].module_stats.allocs \
		r_c_frees=.runs[0].counters.frees r_m_frees=.runs[0].module_stats.frees \
		r_c_fails=.runs[0].counters.fails r_m_fails=.runs[0].module_stats.fails \
		r_c_expansions=.runs[0].counters.expansions \
		r_m_expansions=.runs[0].module_stats.expansions
	is "$r_attach" ftrace-raw "$name: meta says ftrace-raw"
	is "$r_digest" "$b_digest" \
		"$name: same seed, same sequence in both"
	is "$r_counts" "$b_counts" \
		"$name: report's counters and events per type = the BPF run's"
	diag "$name: $r_counts"
	for k in allocs frees fails expansions; do
		c=r_c_$k m=r_m_$k
		is "${!c}" "${!m}" \
			"$name: report $k = module $k"
	done
	is "$r_msum" "$r_fallbacks" "$name: report fallbacks = module fallbacks"
	is "$r_cc" "[true,true]" \
		"$name: exact cross-check passed"
	is "$r_n" \
		"$r_ops" "$name: alloc histograms add up to the operations"
	is "$r_lost" \
		"[0,0,0]" "$name: ftrace lost counters reported, all 0"
	tests/host/validate-result.py $SCHEMA $rep
	ok $? "$name: result.json validates against the schema"
	is "$(instances)" 0 "$name: the private ftrace instance is gone"
}

# Held blocks keep the kernel pool below its threshold from the first
# allocation until the expansion worker runs, which then expands it exactly
# once (never again: at most 160K are held). No periodic pool_state events.
compare softirq --ctx softirq --cpus 0-1 --ops 5000 --seed 7 --size 4K,16K:3 --hold ops:4 \
	--state-period 0
diag "softirq: $(stat -c %s $out/softirq/rec.dpr) bytes, $(grep -o '[0-9]* ring-buffer pages' $out/softirq-rec.log)"
compare hardirq --ctx hardirq --cpus 0-1 --ops 3000 --seed 7 --size 4K,8K --hold ops:4 \
	--state-period 0
for f in spectrum hist_log2 timeline expansions; do
	check "report wrote $f.csv" -- test -s "$out/hardirq/$f.csv"
done
grep -qE "^alloc kernel  hardirq +4 KiB +[0-9]+ " $out/hardirq-rep.log &&
	grep -qE "^alloc kernel  hardirq +8 KiB +[0-9]+ " $out/hardirq-rep.log
ok $? "report prints run's summary table, sizes in binary units"
is "$(grep -cE '^(alloc|free) +(dma|dma32|kernel|failed) +[a-z]+ +[0-9.]+ (B|KiB|MiB) +[0-9]+ ' $out/hardirq-rep.log)" \
	"$(jq '.runs[0].cases | length' $out/hardirq/result.json)" "report: a table row per case"
grep -qx "workload: hardirq on cpus 0-1, 3000 ops per cpu, sizes 4 KiB, 8 KiB, hold 4 ops, zone auto, 64-bit mask" \
	$out/hardirq-rep.log
ok $? "report: the workload in words"
grep -qx "lost events: 0 (ftrace missed; recording: overrun 0, dropped 0), 0 samples" $out/hardirq-rep.log &&
	grep -qE "^expansions(: none| [0-9]+ \(failed [0-9]+\), .* in all)$" $out/hardirq-rep.log &&
	grep -qE "^(fallbacks: none|fallback [a-z0-9]+ -> [a-z0-9]+ \([a-z_]+\): [0-9]+)$" $out/hardirq-rep.log
ok $? "report: fallbacks, expansions and lost events"
! grep -qE "nsecs|alloc latency" $out/hardirq-rep.log
ok $? "report: no histograms (as run without --hist)"
tail -n 1 $out/hardirq-rep.log | grep -qx "dmapool-bench: wrote /.*/hardirq/result.json"
ok $? "report: 'wrote' comes after the summary"

# The kernel's two failure kinds (no dma32 pool; 256K, larger than every
# pool): the raw pool_exhausted events say which, as BPF counts them. No
# allocation succeeds, so no expansion races the run's end.
compare kinds --zones kernel,dma --coherent-pool 128K --ctx softirq --cpus 0-1 --ops 1500 \
	--seed 5 --size 256K --zone kernel:2,dma32 --hold 0 --state-period 0
r=$out/kinds/result.json
jget $r nsp=.runs[0].counters.no_suitable_pool no_pool=.runs[0].module_stats.result_no_pool \
	exh=.runs[0].counters.exhausted \
	m_exh='.runs[0].module_stats | .result_exhausted + .result_addr_rejected'
cmp_ok "$nsp" -gt 0 "kinds: report counted failures with no suitable pool"
is "$nsp" "$no_pool" \
	"kinds: report no_suitable_pool = module no_pool results"
is "$exh" \
	"$m_exh" \
	"kinds: report exhausted = module exhausted + addr_rejected results"
grep -qE "^alloc failed  softirq +256 KiB +[0-9]+ " $out/kinds-rep.log &&
	! grep -qE "^(alloc|free) +none " $out/kinds-rep.log
ok $? "kinds: report labels the failed allocations as failures, not pool 'none'"

# An exhausting workload: fallbacks, exhaustion, expansions with their
# timeline; not reproducible across runs, so against the module only.
r=$out/exhaust/result.json
$B record --coherent-pool 128K --ctx hardirq --cpus 0-1 --ops 2000 --size 16K --hold ops:64 \
	--zone kernel -o $out/exhaust/rec.dpr >$out/exhaust.log 2>&1 &&
	$B report $out/exhaust/rec.dpr >>$out/exhaust.log 2>&1
ok $? "record + report of an exhausting workload"
jget $r fb="$msum" \
	fb_kd='[.runs[0].counters.fallbacks[] | select(.from == "kernel" and .to == "dma32") | .count] | add' \
	m_fb_kd=.runs[0].module_stats.fallback_kernel_dma32 cc='.runs[0].crosscheck | [.ok, .exact]' \
	fails=.runs[0].counters.fails m_fails=.runs[0].module_stats.fails \
	n_exp='.runs[0].expansions | length' n_tl='.runs[0].timeline | length'
cmp_ok "$fb" -gt 0 "fallbacks happened"
is "$fb_kd" \
	"$m_fb_kd" "fallbacks kernel -> dma32: report = module"
is "$cc" "[true,true]" "exact cross-check passed"
is "$fails" "$m_fails" "report fails = module fails"
cmp_ok "$n_exp" -gt 0 "expansions recorded with their latency"
cmp_ok "$n_tl" -gt 0 "pool_state timeline recorded"

# --repeat: the runs are told apart by their time windows; pool_state events
# every 50 ms also fall between the runs.
r=$out/rep/result.json
$B record --ctx process --cpus 0 --ops 2000 --seed 9 --repeat 2 -o $out/rep/rec.dpr \
	>$out/rep.log 2>&1 && $B report $out/rep/rec.dpr >>$out/rep.log 2>&1
ok $? "record --repeat 2 + report"
jget $r nruns='.runs | length' allocs='[.runs[].counters.events.pool_alloc]' \
	frees='[.runs[].counters.frees]' m_frees='[.runs[].module_stats.frees]' \
	all_cc='[.runs[].crosscheck.ok] | all' disjoint='.runs[0].t1_ns <= .runs[1].t0_ns'
is "$nruns" 2 "two runs in the result"
is "$allocs" "[2000,2000]" "2000 pool_alloc events in each run"
is "$frees" "$m_frees" \
	"frees of each run = the module's"
is "$all_cc" true "every run cross-checked"
is "$disjoint" true "the runs' windows are disjoint"
$B --json report $out/rep/rec.dpr -o $out/rep-json >$out/rep.json 2>/dev/null
[ -s $out/rep.json ] && jq -e '.schema == "dmapool-bench/1" and (.runs | length) == 2' $out/rep.json >/dev/null
ok $? "--json report prints the result object on stdout"

# Ctrl-C in the middle of a run: the run is stopped, the instance removed,
# the recording of what ran kept.
$B record --ctx process --cpus 0 --duration 30s -o $out/int/rec.dpr >$out/int.log 2>&1 &
pid=$!
for i in $(seq 100); do [ "$(lstat state)" = running ] && break; sleep 0.1; done
sleep 0.5
kill -INT $pid
wait $pid
is $? 1 "record interrupted by SIGINT: exit 1"
is "$(instances)" 0 "... and its ftrace instance is gone"
$B report $out/int/rec.dpr -o $out/int >$out/int-rep.log 2>&1
ok $? "... and its recording reports"
is "$(jq -r '.runs[0].state' $out/int/result.json)" stopped "... a stopped run"

# A run the module refuses (CPU 5 is not online): no instance, no file left.
$B record --ctx softirq --cpus 5 --ops 10 -o $out/fail/rec.dpr >$out/fail.log 2>&1
is $? 1 "record of a spec the module refuses: exit 1"
is "$(instances)" 0 "... its ftrace instance is gone"
is "$(find $out/fail -name '*rec.dpr*' | wc -l)" 0 "... and no recording or temporary file is left"

is "$(<$T/events/dmapool_bench/enable)" 0 "the top-level dmapool_bench events stayed disabled"
is "$(grep -c ' pool_' $T/trace)" 0 "the top-level trace buffer holds none of our events"

bad "report of a missing file" report $out/nonexistent.dpr
head -c 20000 $out/softirq/rec.dpr >$out/trunc.dpr
bad "report of a truncated recording" report $out/trunc.dpr
grep -q truncated $out/bad.err
ok $? "... saying it is truncated"
bad "report of a result.json" report $out/softirq/result.json
cp $out/softirq/rec.dpr $out/corrupt.dpr
printf 'XXXX' | dd of=$out/corrupt.dpr bs=1 seek=30000 conv=notrunc 2>/dev/null
bad "report of a corrupted recording" report $out/corrupt.dpr
bad "record --bogus" record --bogus
bad "record --attach" record --attach tp_btf

unload
tap_done
