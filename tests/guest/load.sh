#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the load generator. Needs 2 vCPUs (tools/dmapool-vm --cpus 2).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh

unload
load coherent_pool=1M
ok $? "insmod coherent_pool=1M"
is "$(stat -c %a $D/control) $(stat -c %a $D/stats)" "600 400" "control 0600, stats 0400"
is "$(lstat state)" idle "stats: idle before the first run"
is "$(cat $D/control)" "ctx=hardirq cpus=0 duration_ms=1000 ops=0 period_us=100 batch=8 size=4096 hold=0 zone=auto mask=64 burst=off seed=1 warmup_ms=0 max_outstanding=1024" \
	"control shows the default spec"

# --- every context, both CPUs, every block back -------------------------------
check_run() { # check_run LABEL OPS_PER_CPU
	local label=$1 n=$2
	is "$(lstat state)" done "$label: state done"
	is "$(lstat ctx_violations)" 0 "$label: every operation ran in its context"
	is "$(lstat cpu0_ops) $(lstat cpu1_ops)" "$n $n" "$label: $n operations on each CPU"
	is "$(lstat frees)" "$(lstat allocs)" "$label: allocs = frees ($(lstat allocs))"
	is "$(lstat outstanding)" 0 "$label: nothing outstanding"
	pools_full
	ok $? "$label: pools back to full avail"
}

run_spec ctx=hardirq cpus=0-1 ops=3000 batch=8 period_us=100 size=4K,16K:3 hold=0
check_run "hardirq, freed at once" 3000
cmp_ok "$(lstat alloc_lat_max_ns)" -ge "$(lstat alloc_lat_min_ns)" "hardirq: latency min <= max"
cmp_ok "$(lstat alloc_lat_min_ns)" -gt 0 "hardirq: latency measured"
run_spec ctx=hardirq cpus=0-1 ops=2000 size=loguniform:4K-64K hold=deferred
check_run "hardirq, frees deferred to the kthread" 2000
run_spec ctx=softirq cpus=0-1 ops=2000 size=uniform:4K-32K hold=ops:32
check_run "softirq, held for 32 operations" 2000
run_spec ctx=atomic cpus=0-1 ops=2000 period_us=0 size=8K hold=us:200
check_run "atomic, held for 200 us" 2000
run_spec ctx=process cpus=0-1 ops=2000 period_us=10 size=4K,64K hold=deferred zone=kernel:3,dma32
check_run "process, deferred, zone mix" 2000

# --- every context as the kernel itself sees it --------------------------------
# The module's ctx_violations counter checks each operation with in_hardirq(),
# in_serving_softirq(), irqs_disabled() and preempt_count(). ftrace records
# the same state for every event on its own (irqs-off, need-resched,
# hardirq/softirq, preempt-depth, migrate-disable): a second witness, which
# fails if the counter were wrong. Atomic means IRQs off and preemption off:
# on PREEMPT_RT, where spin_lock_irqsave() sleeps with IRQs on, only a raw
# spinlock gives it.
ctx_witness() { # ctx_witness CTX FLAGS-ERE: every pool_alloc event's flags match
	local ctx=$1 ere=$2 all good
	trace_on pool_alloc
	run_spec ctx=$ctx cpus=0-1 ops=300 period_us=100 size=4K hold=0
	trace_off
	is "$(lstat state) $(lstat ctx_violations)" "done 0" "$ctx: traced run, no context violation"
	all=$(grep -c ' pool_alloc: ' $T/trace)
	is "$all" "$(lstat allocs)" "$ctx: one pool_alloc event per allocation ($all)"
	good=$(sed -n 's/.*\] \([^ ]*\) .* pool_alloc: .* ctx=\([a-z]*\) .*/\1 \2/p' $T/trace |
		grep -Ec "^$ere $ctx\$")
	is "$good" "$all" "$ctx: ftrace saw every allocation in $ctx context (flags ~ /$ere/)"
}
ctx_witness hardirq '[dD].[hH]..'	# IRQs off, in a hardirq
ctx_witness softirq '..s..'		# serving a softirq (a thread on RT)
ctx_witness atomic '[dD].\.[1-9a-f].'	# IRQs off, preemption off, no interrupt
ctx_witness process '\..\.\..'	# IRQs on, preemptible

run_spec ctx=hardirq cpus=1 duration_ms=300 size=4K
is "$(lstat state) $(lstat ctx_violations)" "done 0" "duration_ms run on cpus=1"
cmp_ok "$(lstat cpu1_ops)" -gt 0 "duration_ms run did operations"
is "$(lstat cpu0_ops)" "" "cpus=1 runs nothing on CPU 0"
elapsed=$(lstat elapsed_ns)
cmp_ok "$elapsed" -ge 300000000 "duration_ms=300 lasted at least 300 ms ($elapsed ns)"

run_spec ctx=hardirq cpus=0 ops=200 size=4K mask=24 zone=kernel
is "$(lstat result_ok) $(lstat fallback_kernel_dma32) $(lstat fallback_dma32_dma)" "200 200 200" \
	"mask=24: every block comes from the dma pool after two rejections"

# --- determinism -------------------------------------------------------------
spec="ctx=softirq cpus=0-1 ops=1500 size=loguniform:4K-256K zone=kernel:2,dma32,dma hold=ops:8"
run_spec "$spec seed=7"
d1=$(lstat digest)
run_spec "$spec seed=7"
d2=$(lstat digest)
run_spec "$spec seed=8"
d3=$(lstat digest)
is "$d2" "$d1" "same spec and seed: same size/zone sequence digest ($d1)"
[ "$d3" != "$d1" ]
ok $? "another seed: another digest ($d3)"
run_spec "${spec/softirq/process} seed=7 period_us=0"
is "$(lstat digest)" "$d1" "the sequence does not depend on the context"

# --- exhaustion and recovery ---------------------------------------------------
reload coherent_pool=128K
dmesg -C
run_spec ctx=hardirq cpus=0-1 ops=3000 size=16K hold=ops:64 zone=kernel
is "$(lstat state) $(lstat ctx_violations)" "done 0" "exhausting run completes"
cmp_ok "$(lstat fails)" -gt 0 "holding more than the pools give: counted failures ($(lstat fails))"
cmp_ok "$(lstat fallback_kernel_dma32)" -gt 0 "fallbacks kernel -> dma32 ($(lstat fallback_kernel_dma32))"
cmp_ok "$(lstat fallback_dma32_dma)" -gt 0 "fallbacks dma32 -> dma ($(lstat fallback_dma32_dma))"
cmp_ok "$(lstat expansions)" -gt 0 "exhaustion scheduled expansions ($(lstat expansions))"
is "$(lstat frees)" "$(lstat allocs)" "allocs = frees after exhaustion"
pools_full
ok $? "pools full again"
cmp_ok "$(pval kernel size)" -gt 131072 "the kernel pool grew"
fails1=$(lstat fails)
run_spec ctx=hardirq cpus=0-1 ops=3000 size=16K hold=ops:64 zone=kernel
cmp_ok "$(lstat fails)" -lt "$fails1" "the grown pools recover: fewer failures on a rerun ($(lstat fails) < $fails1)"
is "$(dmesg | grep -c 'pool exhausted')" 0 "no exhaustion warnings: the generator allocates with nowarn"

# --- stop, busy, rmmod mid-run -----------------------------------------------
echo "ctx=hardirq cpus=0-1 duration_ms=60000 size=4K,32K hold=us:1000" >$D/control
sleep 0.5
is "$(lstat state)" running "a long run is running"
echo "ctx=process ops=1" >$D/control 2>/dev/null
ok $((!$?)) "a second start while running is refused"
echo "ctx=process ops=1" 2>&1 >$D/control | grep -q "busy"
ok $? "... with EBUSY"
grep -q "duration_ms=60000" $D/control
ok $? "... and the running spec is untouched"
echo stop >$D/control
is "$(lstat state)" stopped "stop: state stopped"
is "$(lstat frees) $(lstat outstanding)" "$(lstat allocs) 0" "stop frees every held block"
pools_full
ok $? "stop: pools full again"

reload coherent_pool=1M
sync
before=$(memfree_kb)
echo "ctx=hardirq cpus=0-1 duration_ms=60000 size=4K,64K hold=deferred max_outstanding=4096" >$D/control
sleep 1
is "$(lstat state)" running "hardirq run under way before rmmod"
unload
ok $? "rmmod during a hardirq run"
load coherent_pool=1M
unload
after=$(memfree_kb)
cmp_ok $((before - after)) -le 2048 "rmmod mid-run returned every page (free, with per-CPU lists: $before -> $after kB)"

# --- burst, warmup --------------------------------------------------------------
load coherent_pool=1M
run_spec ctx=process cpus=0 duration_ms=600 period_us=0 size=4K
full=$(lstat ops)
run_spec ctx=process cpus=0 duration_ms=600 period_us=0 size=4K burst=10/90
burst=$(lstat ops)
cmp_ok $((burst * 100 / full)) -lt 40 "burst=10/90 runs about a tenth of the time ($burst of $full ops)"
run_spec ctx=softirq cpus=0 duration_ms=200 warmup_ms=300 size=4K
is "$(lstat state) $(lstat ctx_violations)" "done 0" "warmup run completes"
cmp_ok "$(lstat elapsed_ns)" -ge 500000000 "warmup_ms is added before duration_ms"

# --- malformed specs: EINVAL, one pr_err each, nothing changes -----------------
run_spec ctx=process cpus=0 ops=10 seed=1234
before_spec=$(cat $D/control)
before_stats=$(cat $D/stats)
dmesg -C
n=0
bad() { # bad SPEC: must be refused with EINVAL
	local out
	out=$(printf '%s\n' "$1" 2>&1 >$D/control)
	[ $? -ne 0 ] && echo "$out" | grep -q "Invalid argument"
	ok $? "refused with EINVAL: '${1:0:40}'"
	n=$((n + 1))
}
while IFS= read -r line; do
	case $line in "" | "#"*) continue ;; esac
	bad "$line"
done <tests/data/bad-specs.txt
bad ""
bad "$(printf 'ctx=hard\xc3\xa9irq')"
bad "$(printf 'ctx=hardirq \xff\xfe')"
bad "seed=$(head -c 4090 /dev/zero | tr '\0' 1)"
bad "cpus=5"
cmp_ok $n -ge 30 "$n malformed specs tried"
is "$(dmesg | grep -c 'dmapool_bench: control:')" $n "one pr_err per refused spec"
dmesg | grep -q "dmapool_bench: control: cpus: CPU 5 is not online"
ok $? "an offline CPU is named"
is "$(cat $D/control)" "$before_spec" "refused specs left the control spec unchanged"
is "$(cat $D/stats)" "$before_stats" "refused specs left the stats unchanged"
run_spec ctx=hardirq cpus=0-1 ops=100
is "$(lstat state) $(lstat cpu0_ops)" "done 100" "module still usable afterwards"
unload
tap_done
