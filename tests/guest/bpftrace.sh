#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the bpftrace scripts of bpf/bpftrace/ on the bench pools, each
# for a few intervals around an exhausting hardirq run, against the module's
# own counters.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
out=$(mktemp -d)

# trace_run SCRIPT OUT: SCRIPT for 4 intervals around one run of $spec
trace_run() {
	bpf/bpftrace/$1.bt 4 >"$2" 2>&1 &
	local bt=$!
	wait_for "$2" "^Tracing dmapool_bench"
	ok $? "$1.bt attaches"
	run_spec "$spec"
	wait $bt
	ok $? "$1.bt ends after 4 intervals"
}

# bpftrace attaches classic tracepoints, whose nested invocations the kernel
# drops (bpf_prog_active); on 6.12 it missed part of the hardirq fallbacks.
# So its counts are checked for at most the module's, and more than none;
# the CLI's exact cross-checks live in run.sh and monitor.sh.
within() { # within GOT WANT DESC
	[ "$1" -gt 0 ] && [ "$1" -le "$2" ]
	ok $? "$3 ($1 of $2)"
}

# sum_map FILE MAP: the sum of a count map's values over every interval
sum_map() { awk -v m="@$2[" 'index($0, m) == 1 { s += $NF } END { print s + 0 }' "$1"; }

unload
load coherent_pool=128K state_period_ms=50
spec="ctx=hardirq cpus=0-1 ops=3000 size=4K,16K hold=ops:64 zone=kernel"

trace_run dmapool-alloclat $out/lat.txt
within "$(sum_map $out/lat.txt allocs)" "$(lstat allocs)" "@allocs counts the module's allocations"
grep -q '^@alloc_ns\[kernel\]:' $out/lat.txt
ok $? "@alloc_ns[kernel] histogram printed"
grep -Eq '^\[[0-9]+[KM]?, [0-9]+[KM]?\) +[0-9]+ \|@' $out/lat.txt
ok $? "histogram buckets printed"
is "$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$' $out/lat.txt)" 4 "four intervals, time-stamped"

reload coherent_pool=128K state_period_ms=50
trace_run dmapool-events $out/ev.txt
within "$(sum_map $out/ev.txt fallbacks)" "$(lstat fallbacks)" "@fallbacks counts the module's fallbacks"
grep -q '^@fallbacks\[kernel, dma32, exhausted\]:' $out/ev.txt
ok $? "@fallbacks keyed by (from, to, reason)"
within "$(sum_map $out/ev.txt expansions)" "$(lstat expansions)" "@expansions counts the run's expansions"
grep -q '^@expand_us:' $out/ev.txt
ok $? "@expand_us histogram printed"

# The kernel's two failure kinds: no dma32 pool, 256K larger than every pool.
reload coherent_pool=128K state_period_ms=50 zones=kernel,dma
spec="ctx=softirq cpus=0-1 ops=1000 size=4K,256K zone=kernel,dma32"
trace_run dmapool-events $out/fail.txt
kind() { awk -v m="@failed[$2]:" 'index($0, m) == 1 { s += $NF } END { print s + 0 }' "$1"; }
within "$(kind $out/fail.txt no_suitable_pool)" "$(lstat result_no_pool)" \
	"@failed[no_suitable_pool] counts the module's no_pool results"
within "$(kind $out/fail.txt exhausted)" \
	"$(( $(lstat result_exhausted) + $(lstat result_addr_rejected) ))" \
	"@failed[exhausted] counts the module's exhausted and addr_rejected results"
unload
ok $? "rmmod after the scripts ended"
tap_done
