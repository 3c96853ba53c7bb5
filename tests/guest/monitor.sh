#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: `dmapool-bench monitor` on the bench pools.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
B=build/dmapool-bench
out=$(mktemp -d)

unload
$B monitor --target bench 1 >$out/none 2>&1
is $? 1 "monitor --target bench without the module: exit 1"
grep -q "module is not loaded" $out/none
ok $? "... saying the module is not loaded"
$B monitor --pool foo 2>$out/bad
is "$?:$(wc -l <$out/bad)" "2:1" "monitor --pool foo: exit 2, one line"

load coherent_pool=256K state_period_ms=50
$B monitor --json -i 0.5 12 >$out/mon.json 2>$out/mon.err &
mon=$!
for i in $(seq 100); do [ -s $out/mon.json ] && break; sleep 0.1; done	# attached
run_spec ctx=hardirq cpus=0-1 ops=4000 size=4K,16K hold=ops:16
ok $? "a hardirq run while monitoring"
wait $mon
ok $? "monitor --json -i 0.5 12 ends by itself"
is "$(wc -l <$out/mon.json)" 12 "one JSON object per interval"
is "$(jq -s '[.[].pools[].allocs] | add' $out/mon.json)" "$(lstat allocs)" \
	"interval allocs add up to the module's ($(lstat allocs))"
is "$(jq -s '[.[].pools[].frees] | add' $out/mon.json)" "$(lstat frees)" \
	"interval frees add up to the module's"
is "$(jq -s '[.[].fallbacks[].count] | add // 0' $out/mon.json)" "$(lstat fallbacks)" \
	"interval fallbacks add up to the module's"
is "$(jq -s '.[-1].live_bytes_since_start' $out/mon.json)" 0 "live bytes back to 0 after the run"
is "$(jq -s '.[-1].pools.kernel.size' $out/mon.json)" "$(pval kernel size)" "pool size reported"

# The kernel's two failure kinds, apart in every interval: no dma32 pool
# (no suitable pool) and 256K requests larger than every pool (exhausted).
reload coherent_pool=128K zones=kernel,dma
$B monitor --json -i 0.5 6 >$out/fail.json 2>$out/fail.err &
mon=$!
for i in $(seq 100); do [ -s $out/fail.json ] && break; sleep 0.1; done	# attached
run_spec ctx=hardirq cpus=0-1 ops=1000 size=4K,256K zone=kernel,dma32
ok $? "a run with both failure kinds while monitoring"
wait $mon
ok $? "monitor --json -i 0.5 6 ends by itself"
np=$(lstat result_no_pool)
ex=$(( $(lstat result_exhausted) + $(lstat result_addr_rejected) ))
cmp_ok "$np" -gt 0 "the module counted failures with no suitable pool ($np)"
cmp_ok "$ex" -gt 0 "the module counted failures with the pools exhausted ($ex)"
is "$(jq -s '[.[].no_suitable_pool] | add' $out/fail.json)" "$np" \
	"interval no_suitable_pool counts add up to the module's"
is "$(jq -s '[.[].exhausted] | add' $out/fail.json)" "$ex" \
	"interval exhausted counts add up to the module's (exhausted + addr_rejected)"
is "$(jq -s '[.[].fails] | add' $out/fail.json)" "$(lstat fails)" "interval fails add up to the module's"
$B monitor -i 0.5 3 >$out/fail.txt 2>$out/fail.err &
mon=$!
wait_for $out/fail.err "Monitoring the bench pools"
echo "alloc 4K zone=dma32 nowarn" >$D/cmd
echo "alloc 4M nowarn" >$D/cmd
wait $mon
is "$(sed -n 's/.*(no suitable pool \([0-9]*\), exhausted \([0-9]*\)).*/\1 \2/p' $out/fail.txt |
	awk '{ n += $1; e += $2 } END { print n + 0, e + 0 }')" "1 1" \
	"the text intervals name both kinds (one failure of each)"
reload coherent_pool=256K state_period_ms=50

attached() { wait_for "$1" "Monitoring the bench pools"; }
$B monitor -T --hist --pool kernel -i 0.5 4 >$out/mon.txt 2>$out/mon2.err &
mon=$!
attached $out/mon2.err
echo "ctx=softirq cpus=0 ops=2000" >$D/control
wait $mon
ok $? "monitor --hist --pool kernel -T"
grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' $out/mon.txt
ok $? "-T prints time stamps"
grep -q "usecs *: count *distribution" $out/mon.txt
ok $? "--hist prints usecs histograms in the libbpf-tools layout"
! grep -q "^dma32 " $out/mon.txt
ok $? "--pool kernel shows only the kernel pool"

$B monitor -i 1 >$out/int.txt 2>$out/int.err &
mon=$!
attached $out/int.err
sleep 1.2
start=$(date +%s%N)
rmmod dmapool_bench 2>/dev/null
rc=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -ne 0 ] && [ $took -lt 2000 ]
ok $? "rmmod while monitoring does not hang (refused in $took ms: attached programs hold the module)"
kill -INT $mon
wait $mon
ok $? "Ctrl-C ends the monitor cleanly"
grep -q "^kernel " $out/int.txt
ok $? "... after printing an interval"
unload
ok $? "rmmod works once the monitor detached"
tap_done
