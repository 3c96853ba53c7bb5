#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the running kernel's own atomic pools. The module's test-only
# real_pool_test=1 path makes dma_alloc_from_pool() allocate (no driver does
# on this x86 guest); `monitor --target kernel` (fentry, then kprobes) and
# bpf/bpftrace/dmapool-kpool.bt must see those allocations, the frees and
# one expansion per pool, with sizes equal to debugfs dma_pools/pool_size_*.
# Each pool grows once per boot (the test path holds at most 64 KiB), so each
# part drives another pool: fentry the kernel pool, kprobes dma32,
# bpftrace dma. The real_pool devices, its cost counters and
# bpf/bpftrace/dmapool-holders.bt come last, once every pool has grown.
# With the argument `full` (tier 2, the default kernel) it adds what runs
# the same on every kernel: the views dropped when BTF lacks a function
# (pretended), the text output and the auto target, dmapool-holders.bt,
# the cost counters and rmmod with blocks held.
# shellcheck disable=SC2154 # set by jget (lib.sh)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
B=${DMAPOOL_CLI:-build/dmapool-bench}
K=/sys/kernel/debug/dma_pools
R=$D/real_pool
P=/sys/bus/platform
out=$(mktemp -d)

kpsize() { echo "$(<"$K/pool_size_$1")"; }
rpval() { field "$R" "$1:"; }
# j FILE FILTER: jq over every interval of FILE
j() { jq -r -s "$2" "$1"; }
full=0
[ "${1:-}" = full ] && full=1

# The test-only path: absent by default, refusing what could exhaust a pool.
unload
load
! [ -e "$R" ]
ok $? "no real_pool file without real_pool_test=1"
! [ -e $P/devices/dmapool-real-a ] && ! [ -e $P/devices/dmapool-real-b ] &&
	! [ -e $P/drivers/dmapool_bench ]
ok $? "... nor test devices or platform driver"
reload real_pool_test=1
ok $? "insmod real_pool_test=1"
[ -e "$R" ]
ok $? "real_pool file with real_pool_test=1"
dmesg | grep -q "real_pool_test: TEST ONLY"
ok $? "loading it says TEST ONLY in the kernel log"
for d in a b; do
	is "$(basename "$(readlink $P/devices/dmapool-real-$d/driver)")" dmapool_bench \
		"platform device dmapool-real-$d registered, bound to driver dmapool_bench"
done
dmesg -C
for bad in "alloc 3000" "alloc 128K" "alloc 16K count=5" "alloc 4K zone=highmem" \
	"alloc 4K count=0" "grow" "free now" "alloc 4K dev=c" "alloc 4K dev=" \
	"alloc 4K mask=11" "alloc 4K mask=65" "reset now"; do
	echo "$bad" >"$R" 2>/dev/null
	ok $((! $?)) "real_pool refuses '$bad'"
done
is "$(rpval held) $(rpval fails) $(rpval alloc_calls)" "0 0 0" \
	"nothing held, failed or called after refused commands"
dmesg | grep -q "real_pool: invalid dev 'c' (a, b)$"
ok $? "dev=c: one error naming dev"
dmesg | grep -q "real_pool: invalid mask '11' (12..64 bits)$"
ok $? "mask=11: one error naming mask and its range"
is "$(dmesg | grep -c 'real_pool: ')" 12 "one kernel log line per refused command"

# monitor_kernel OUT ATTACH COUNT: kernel-target monitor, --json, until its
# first interval is out (so it is attached before we allocate)
monitor_kernel() {
	$B monitor --target kernel --attach "$2" --json -i 1 "$3" >"$1" 2>"$1.err" &
	mon=$!
	wait_for "$1" '"target":"kernel"'
}

# fentry/fexit on the kernel pool.
k0=$(kpsize kernel)
monitor_kernel $out/fe.json fentry 3
ok $? "monitor --target kernel --attach fentry attached"
echo "alloc 4K count=4" >"$R"
ok $? "4 real allocations of 4K (kernel pool)"
echo "alloc 16K" >"$R"
is "$(rpval held_bytes)" 32768 "the test path holds 32 KiB"
for i in $(seq 50); do [ "$(kpsize kernel)" != "$k0" ] && break; sleep 0.1; done
echo free >"$R"
ok $? "freed"
wait $mon
ok $? "monitor ends after 3 intervals"
# One jq for the checks below (jget, lib.sh).
jget -s $out/fe.json \
	fe1='.[-1].rules | "\(.semantics) \(.semantics_from)"' \
	fe2='[.[].pools.kernel.allocs] | add' \
	fe3='[.[].pools.kernel.frees] | add' \
	fe4='[.[].pools.kernel.allocs_by_ctx.atomic] | add' \
	fe5='[.[].expansions] | add' \
	fe6='.[-1].pools.kernel.expansions_total' \
	fe7='[.[].expansion_events[]] | map(.pool + ":" + (.obtained|tostring) + ":" + (.size_after|tostring)) | join(",")' \
	fe8='.[-1].pools.kernel.size' \
	fe9='.[-1].pools.kernel.size_walked' \
	fe10='.[-1].pools.kernel.avail' \
	fe11='.[-1].live_bytes_since_start' \
	fe12='[.[].work_runs] | add' \
	fe13='[.[].unpaired] | add' \
	fe14='[.[].pools.kernel.alloc_mean_ns] | max'
is "$(wc -l <$out/fe.json)" 3 "one JSON object per interval"
# A 2 GiB guest has no ZONE_NORMAL pages: the kernel's pools show its rules.
is "$fe1" "v6.1 probe" \
	"the kernel's pool rules, probed from its pools: v6.1"
is "$fe2" 5 "5 kernel-pool allocations seen"
is "$fe3" 5 "5 kernel-pool frees seen"
is "$fe4" 5 \
	"all in atomic context (preemption off), from the preemption counter"
is "$fe5" 1 "one expansion"
is "$fe6" 1 "... of the kernel pool"
is "$fe7" \
	"kernel:$k0:$(kpsize kernel)" "the expansion event: kernel pool, +$k0 bytes, new size"
cmp_ok "$(kpsize kernel)" -gt "$k0" "the kernel pool grew ($k0 -> $(kpsize kernel))"
is "$fe8" "$(kpsize kernel)" \
	"reported size = dma_pools/pool_size_kernel"
is "$fe9" "$(kpsize kernel)" \
	"size walked over the pool's chunks = dma_pools/pool_size_kernel"
is "$fe10" "$(kpsize kernel)" "all of it available again"
is "$fe11" 0 "live bytes back to 0"
cmp_ok "$fe12" -ge 1 "atomic_pool_work_fn ran"
is "$fe13" 0 "every exit paired with its entry"
cmp_ok "$fe14" -gt 0 "alloc latency measured"

# kprobes on the dma32 pool.
d0=$(kpsize dma32)
monitor_kernel $out/kp.json kprobe 3
ok $? "monitor --target kernel --attach kprobe attached"
echo "alloc 8K zone=dma32 count=2" >"$R"
for i in $(seq 50); do [ "$(kpsize dma32)" != "$d0" ] && break; sleep 0.1; done
echo free >"$R"
wait $mon
ok $? "kprobe monitor ends after 3 intervals"
# One jq for the checks below (jget, lib.sh).
jget -s $out/kp.json \
	kp1='[.[].pools.dma32.allocs] | add' \
	kp2='[.[].pools.dma32.frees] | add' \
	kp3='[.[].expansions] | add' \
	kp4='.[-1].pools.dma32.size_walked'
is "$kp1" 2 "kprobes: 2 dma32 allocations"
is "$kp2" 2 "kprobes: 2 dma32 frees"
is "$kp3" 1 "kprobes: one expansion"
is "$kp4" "$(kpsize dma32)" \
	"kprobes: walked size = dma_pools/pool_size_dma32 ($(kpsize dma32))"

# A function the kernel's BTF lacks (an inlined or .isra atomic_pool_expand)
# drops only its own view, with one line; the test-only DMAPOOL_TEST_BTF_HIDE
# pretends so. Tier 2 (`full`): the pretence is ours, so is the code that
# drops the view; every kernel's real BTF lookups are the parts above.
# A parameter missing, with fentry:
if [ $full -eq 1 ]; then
	DMAPOOL_TEST_BTF_HIDE=atomic_pool_expand:pool monitor_kernel $out/deg.json fentry 3
	ok $? "monitor attaches with atomic_pool_expand's 'pool' missing from BTF"
	echo "alloc 4K count=2" >"$R"
	echo free >"$R"
	wait $mon
	ok $? "... and ends normally (exit 0)"
	is "$(wc -l <$out/deg.json.err)" 1 "one stderr line"
	grep -q "^dmapool-bench: monitor: atomic_pool_expand() in this kernel's BTF has no parameter 'pool': expansions not traced$" \
		$out/deg.json.err
	ok $? "... naming the function and why"
	is "$(j $out/deg.json '[.[].pools.kernel.allocs] | add') $(j $out/deg.json '[.[].pools.kernel.frees] | add')" \
		"2 2" "allocations and frees still traced"
	is "$(j $out/deg.json '.[-1].untraced | join(",")')" atomic_pool_expand "--json lists the untraced function"
	# A function missing, with kprobes:
	DMAPOOL_TEST_BTF_HIDE=atomic_pool_work_fn monitor_kernel $out/deg2.json kprobe 3
	ok $? "monitor --attach kprobe attaches without atomic_pool_work_fn in BTF"
	echo "alloc 8K zone=dma32" >"$R"
	echo free >"$R"
	wait $mon
	ok $? "... and ends normally"
	grep -q "^dmapool-bench: monitor: atomic_pool_work_fn() is not in this kernel's BTF (inlined or renamed): expansion worker runs not traced$" \
		$out/deg2.json.err && [ "$(wc -l <$out/deg2.json.err)" -eq 1 ]
	ok $? "one line naming atomic_pool_work_fn"
	is "$(j $out/deg2.json '[.[].pools.dma32.allocs] | add')" 1 "the allocation still traced"
	is "$(j $out/deg2.json '.[-1].untraced | join(",")')" atomic_pool_work_fn "--json lists it"
fi
DMAPOOL_TEST_BTF_HIDE=dma_alloc_from_pool,dma_free_from_pool,atomic_pool_expand,atomic_pool_work_fn \
	$B monitor --target kernel 1 >/dev/null 2>$out/none.err
is "$?:$(tail -n 1 $out/none.err)" "1:dmapool-bench: monitor: none of the kernel's pool functions can be traced" \
	"nothing traceable: exit 1, saying so"

# A failed allocation: with `reject` no block fits the device, every pool
# is tried, and the kernel fails it as "DMA pool exhausted" (__GFP_NOWARN:
# no warning). x86 always has a kernel pool, so its other kind, "Failed to
# get suitable pool", cannot be produced here.
monitor_kernel $out/rej.json fentry 3
ok $? "monitor attached for a failing allocation"
dmesg -C
echo "alloc 8K reject" >"$R" 2>/dev/null
ok $((! $?)) "real_pool 'alloc 8K reject' fails"
is "$(rpval fails) $(rpval held)" "1 0" "one failure, nothing held"
wait $mon
jget -s $out/rej.json rej_fails='[.[].fails] | add' rej_exh='[.[].exhausted] | add' \
	rej_nsp='[.[].no_suitable_pool] | add'
is "$rej_fails" 1 "the kernel target saw one failed allocation"
is "$rej_exh $rej_nsp" "1 0" \
	"... of the kind 'DMA pool exhausted' (pools were tried), not 'no suitable pool'"
is "$(dmesg | grep -c 'DMA pool exhausted')" 0 "the kernel did not warn (__GFP_NOWARN)"

# Text output, Ctrl-C, auto target. Tier 2 (`full`): our printer and our
# choice of target; the attach modes are the parts above, on every kernel.
if [ $full -eq 1 ]; then
	$B monitor --target kernel -T --hist >$out/txt 2>$out/txt.err &
	mon=$!
	wait_for $out/txt.err "Monitoring the kernel's atomic pools (fentry)"
	ok $? "text mode says what it traces and how"
	echo "alloc 4K count=3" >"$R"
	echo free >"$R"
	sleep 1.2
	kill -INT $mon
	wait $mon
	ok $? "Ctrl-C: exit 0"
	grep -q "usecs *: count *distribution" $out/txt
	ok $? "--hist prints the alloc latency histogram"
	grep -Eq '^kernel +[0-9]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+ +- *$' $out/txt
	ok $? "per-pool line with size and avail, largest free unknown ('-')"
	grep -q "atomic_pool_work_fn runs" $out/txt
	ok $? "expansion worker line"
	$B monitor 1 >/dev/null 2>$out/auto.err
	grep -q "Monitoring the bench pools" $out/auto.err
	ok $? "auto picks the bench pools while the module is loaded"
fi

# Tier 2: dmapool-holders.bt, until Ctrl-C and with "3 1", starts now so
# that its start-ups (~12 s each under TCG) overlap dmapool-kpool.bt's; it
# is checked after dmapool-kpool.bt has ended, on what it prints from then
# on. The "3 1" run's lines are stamped (µs) as they come.
if [ $full -eq 1 ]; then
	bpf/bpftrace/dmapool-holders.bt >$out/h.txt 2>&1 &
	hbt=$!
	(bpf/bpftrace/dmapool-holders.bt 3 1 2>&1 | while IFS= read -r l; do
		echo "${EPOCHREALTIME//[.,]/} $l"
	done >$out/h2.txt
	echo "${PIPESTATUS[0]}" >$out/h2.rc) &
	h2=$!
fi

# The bpftrace script, on the dma pool.
m0=$(kpsize dma)
bpf/bpftrace/dmapool-kpool.bt 3 >$out/bt.txt 2>&1 &
bt=$!
wait_for $out/bt.txt "^Tracing the kernel's atomic DMA pools"
ok $? "dmapool-kpool.bt attaches"
echo "alloc 8K zone=dma count=2" >"$R"
echo "alloc 4K" >"$R"
for i in $(seq 50); do [ "$(kpsize dma)" != "$m0" ] && break; sleep 0.1; done
echo free >"$R"
wait $bt
ok $? "dmapool-kpool.bt ends after 3 intervals"
sum_map() { awk -v m="@$2" 'index($0, m ":") == 1 || index($0, m "[") == 1 { s += $NF }
	END { print s + 0 }' "$1"; }
is "$(sum_map $out/bt.txt allocs)" 3 "@allocs: 3"
is "$(sum_map $out/bt.txt alloc_bytes)" 20480 "@alloc_bytes: 20 KiB"
is "$(sum_map $out/bt.txt frees)" 3 "@frees: 3"
grep -q '^@alloc_ns:' $out/bt.txt
ok $? "@alloc_ns histogram printed"
is "$(sum_map $out/bt.txt 'expansions[dma]')" 1 "@expansions[dma]: 1"
is "$(sum_map $out/bt.txt 'expand_bytes[dma]')" "$m0" "@expand_bytes[dma]: the pool doubled"
cmp_ok "$(sum_map $out/bt.txt work_runs)" -ge 1 "@work_runs"

# Who holds the pools: two devices, per-device counts, the bpftrace peer.
# Tier 2 only (`kpool.sh full`, the default kernel): the script's own
# logic; tier 1 covers its kprobes and the devices on every kernel
# (dmapool-kpool.bt above, holders.sh).
if [ $full -eq 1 ]; then
	# Every pool has grown once: what the test path holds (at most 64 KiB)
	# no longer makes any of them expand.
	bt=$hbt
	wait_for $out/h.txt "^Tracing who holds the kernel's atomic DMA pools"
	ok $? "dmapool-holders.bt attaches"
	# It may have seen dmapool-kpool.bt's blocks, all freed by now: only
	# the lines from here on count.
	n0=$(wc -l <$out/h.txt)
	wait_after() { # wait_after FILE N PATTERN: wait_for past line N
		local i
		for i in $(seq 300); do
			tail -n +$(($2 + 1)) "$1" | grep -q "$3" && return 0
			sleep 0.1
		done
		return 1
	}
	echo "alloc 8K count=2" >"$R"
	ok $? "2 x 8K for dev=a (the default)"
	echo "alloc 4K count=3 dev=b" >"$R"
	ok $? "3 x 4K for dev=b"
	is "$(rpval held_a) $(rpval held_a_bytes) $(rpval held_b) $(rpval held_b_bytes)" \
		"2 16384 3 12288" "real_pool: held per device"
	is "$(rpval held) $(rpval held_bytes)" "5 28672" "... adding up to what it holds"
	wait_after $out/h.txt $n0 '^@live_bytes\[dmapool-real-a\]: 16384$'
	ok $? "dmapool-holders.bt: dmapool-real-a holds 16384 bytes"
	wait_after $out/h.txt $n0 '^@live_bytes\[dmapool-real-b\]: 12288$'
	ok $? "dmapool-holders.bt: dmapool-real-b holds 12288 bytes"
	tail -n +$((n0 + 1)) $out/h.txt | grep -q '^@live_blocks\[dmapool-real-a\]: 2$' &&
		tail -n +$((n0 + 1)) $out/h.txt | grep -q '^@live_blocks\[dmapool-real-b\]: 3$'
	ok $? "... in 2 and 3 blocks"
	echo "free 3" >"$R"
	ok $? "free one dev=b block by id"
	is "$(rpval held_a) $(rpval held_b) $(rpval held_b_bytes)" "2 2 8192" \
		"real_pool: dev=b holds one block less"
	wait_after $out/h.txt $n0 '^@live_bytes\[dmapool-real-b\]: 8192$'
	ok $? "dmapool-holders.bt: dmapool-real-b down to 8192 bytes"
	echo "free all" >"$R"
	is "$(rpval held_a) $(rpval held_a_bytes) $(rpval held_b) $(rpval held_b_bytes)" \
		"0 0 0 0" "real_pool: nothing held after free all"
	n=$(wc -l <$out/h.txt)
	wait_after $out/h.txt $n '^@live_bytes\[dmapool-real-a\]: 0$'
	ok $? "dmapool-holders.bt: dmapool-real-a back to 0 bytes"
	# A whole table printed after the free (two tables' blocks lines).
	for i in $(seq 300); do
		[ "$(tail -n +$((n + 1)) $out/h.txt | grep -c '^@live_blocks')" -ge 4 ] && break
		sleep 0.1
	done
	kill -INT $bt
	wait $bt
	ok $? "dmapool-holders.bt ends on Ctrl-C (exit 0)"
	# The last table, its lines sorted (bpftrace prints a map in hash order).
	is "$(awk '/live bytes and blocks per device$/ { t = "" } /^@live_/ { t = t $0 "\n" }
		END { printf "%s", t }' $out/h.txt | sort | paste -sd,)" \
		"@live_blocks[dmapool-real-a]: 0,@live_blocks[dmapool-real-b]: 0,@live_bytes[dmapool-real-a]: 0,@live_bytes[dmapool-real-b]: 0" \
		"its last table: 0 bytes and blocks for both devices" || sed 's/^/# /' $out/h.txt
	sed -n '/^Live bytes per allocating kernel stack:$/,$p' $out/h.txt >$out/h-stacks.txt
	grep -q '^    dmapool_real_alloc_one+' $out/h-stacks.txt
	ok $? "a live-bytes stack names the allocating function dmapool_real_alloc_one"
	grep -q '^    dma_alloc_from_pool+' $out/h-stacks.txt
	ok $? "... under dma_alloc_from_pool"
	is "$(awk '/^\]: / { s += $2 } END { print s + 0 }' $out/h-stacks.txt)" 0 \
		"every stack's live bytes back to 0"

	# SECONDS and INTERVALS: one table 3 s after attaching, then exit.
	wait $h2
	is "$(<$out/h2.rc)" 0 "dmapool-holders.bt 3 1 exits by itself"
	is "$(grep -c 'live bytes and blocks per device$' $out/h2.txt)" 1 "... after one table"
	t0=$(awk '$2 == "Tracing" && $3 == "who" { print $1; exit }' $out/h2.txt)
	t1=$(awk '/live bytes and blocks per device$/ { print $1; exit }' $out/h2.txt)
	ms=$((t0 > 0 && t1 > 0 ? (t1 - t0) / 1000 : -1))
	cmp_ok $ms -ge 2500 "... printed 3 s after attaching, not 1 ($ms ms)"

fi

# A mask no pool can satisfy: x86 reserves the low 64 KiB, so with 16 bits
# every pool is tried and every block given back.
f0=$(rpval fails)
echo "alloc 4K mask=16" >"$R" 2>/dev/null
ok $((! $?)) "alloc 4K mask=16 fails"
is "$(rpval fails) $(rpval held) $(rpval held_a)" "$((f0 + 1)) 0 0" "one failure, nothing held"
is "$(sed -n 's/^last: //p' "$R")" "ok=0 failed=1 last=0 dma=0 dma32=0 kernel=0" \
	"its result line: no block"
is "$(dmesg | grep -c 'DMA pool exhausted')" 0 "not warned (__GFP_NOWARN)"
echo "alloc 4K mask=32 dev=b" >"$R"
is "$(rpval held_b) $(sed -n 's/^last: //p' "$R")" "1 ok=1 failed=0 last=1 dma=0 dma32=1 kernel=0" \
	"mask=32 for dev=b: a dma32 block"
echo "free all" >"$R"

# Tier 2 only (`kpool.sh full`): the module's own counters and its unload
# with blocks held, the same on every kernel.
if [ $full -eq 1 ]; then
	# Per-call cost counters: they grow with every call, reset zeroes them only.
	echo reset >"$R"
	ok $? "reset"
	is "$(rpval alloc_calls) $(rpval alloc_ns) $(rpval free_calls) $(rpval free_ns)" "0 0 0 0" \
		"reset zeroes the timing counters"
	echo "alloc 4K count=4" >"$R"
	echo "alloc 4K dev=b" >"$R"
	echo "free all" >"$R"
	is "$(rpval alloc_calls) $(rpval free_calls)" "5 5" "5 calls each way counted"
	a1=$(rpval alloc_ns) f1=$(rpval free_ns)
	cmp_ok "$a1" -gt 0 "alloc_ns measured ($a1)"
	cmp_ok "$f1" -gt 0 "free_ns measured ($f1)"
	echo "alloc 4K mask=16" >"$R" 2>/dev/null
	is "$(rpval alloc_calls) $(rpval free_calls)" "6 5" "a failed call counts too"
	cmp_ok "$(rpval alloc_ns)" -gt "$a1" "... and adds its time"
	a=$(rpval allocs) f=$(rpval fails)
	echo reset >"$R"
	is "$(rpval alloc_calls) $(rpval alloc_ns) $(rpval free_calls) $(rpval free_ns)" "0 0 0 0" \
		"reset zeroes them again"
	is "$(rpval allocs) $(rpval fails)" "$a $f" "... and only them"

	# rmmod with blocks held for both devices frees them and unregisters.
	echo "alloc 8K count=2" >"$R"
	echo "alloc 4K count=2 dev=b" >"$R"
	is "$(rpval held_a) $(rpval held_b)" "2 2" "blocks held for both devices"
	monitor_kernel $out/rm.json fentry 3
	ok $? "monitor attached across rmmod"
	unload
	ok $? "rmmod gives back what the test path held"
	wait $mon
	is "$(j $out/rm.json '[.[].pools.kernel.frees] | add')" 4 "the kernel saw its 4 blocks freed"
	is "$(j $out/rm.json '.[-1].pools.kernel.avail')" "$(kpsize kernel)" \
		"the kernel pool has all of its bytes back"
	is "$(dmesg | grep -c 'did not take back')" 0 "every block taken back by the kernel"
	! [ -e $P/devices/dmapool-real-a ] && ! [ -e $P/devices/dmapool-real-b ] &&
		! [ -e $P/drivers/dmapool_bench ]
	ok $? "rmmod unregisters both test devices and the platform driver"
else
	unload
fi
is "$(kpsize kernel)" "$($B monitor --json 1 2>/dev/null | jq .pools.kernel.size)" \
	"without the module, auto monitors the kernel's pools"
tap_done
