#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: who holds the pools (`monitor --by`). The kernel target on
# the kernel's own pools, driven by the module's test-only real_pool path
# for its two named devices dmapool-real-a and dmapool-real-b: live bytes
# and blocks per device and per stack, growing holders, the exit summary,
# blocks from before attach, the blocks map's bound, each failure as an
# event with its device, mask and kind, and the monitor's memory over
# 10,000 allocations. Then the bench target per CPU and context, and live
# bytes never negative when attached mid-run. What behaves the same on
# every kernel (the plain text, the trend, the map bound, memory, the bench
# target) runs only with the argument `full` (tier 2).
#
# Boot with coherent_pool=32K (tests/run): every pool starts at 32 KiB, so
# a 64 KiB request fails in every pool ("DMA pool exhausted", pools full).
# shellcheck disable=SC2154 # set by jget (lib.sh)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
B=${DMAPOOL_CLI:-build/dmapool-bench}
R=$D/real_pool
out=$(mktemp -d)

rp() { echo "$*" >"$R"; }
rpval() { field "$R" "$1:"; }

# start_mon OUT ARGS...: monitor in the background, --json, until its
# first interval is out (attached before we allocate).
start_mon() {
	local f=$1
	shift
	$B monitor "$@" --json >"$f" 2>"$f.err" &
	mon=$!
	wait_for "$f" '"target":'
}

# lines FILE: how many intervals so far
lines() { grep -c '"time":' "$1"; }

# next_line FILE: wait for one more interval than now
next_line() {
	local n
	n=$(lines "$1")
	for _ in $(seq 200); do
		[ "$(lines "$1")" -gt "$n" ] && return 0
		sleep 0.05
	done
	return 1
}

# holder FILE DEV FIELD: FIELD of holder DEV in the last interval
holder() {
	grep '"time":' "$1" | tail -n 1 |
		jq -r --arg d "$2" "[.holders[] | select(.dev == \$d)][0].$3 | if . == null then \"absent\" else . end"
}

grep -q 'coherent_pool=32K' /proc/cmdline
ok $? "booted with coherent_pool=32K"
unload
load real_pool_test=1
ok $? "insmod real_pool_test=1"

# Failures first, while every pool is 32 KiB: a 64 KiB request fits none;
# a 4 KiB one for a 16-bit device mask is refused by every pool's check.
# The per-device and per-stack monitors of the next parts start now too, so
# that the three start-ups overlap (~5 s each under TCG): they see these
# failures (not allocations: no live bytes, no allocs) and, the stack
# monitor, the per-device blocks come and go before its own.
$B monitor --target kernel --by stack -i 0.5 --json >$out/stack.json 2>$out/stack.json.err &
smon=$!
$B monitor --target kernel --by dev -i 0.5 --trend 2 --json >$out/dev.json 2>$out/dev.json.err &
dmon=$!
start_mon $out/fail.json --target kernel --by dev -i 0.5
wait_for $out/dev.json '"target":' && wait_for $out/stack.json '"target":'
rp "alloc 64K dev=b" 2>/dev/null
ok $((! $?)) "real_pool: 64K for dev=b fails (every pool is 32K)"
rp "alloc 4K dev=a zone=dma mask=16" 2>/dev/null
ok $((! $?)) "real_pool: 4K for dev=a with a 16-bit mask fails"
is "$(rpval held)" 0 "nothing held"
next_line $out/fail.json && next_line $out/fail.json
kill -INT $mon
wait $mon
ok $? "monitor ends on SIGINT"
# (One jq per read of a file, jget in lib.sh: a jq costs ~0.2 s here.)
ev='[.[].failure_events // [] | .[]]'
hsum() { echo "[.[] | select(.holders) | .holders[] | select(.dev == \"dmapool-real-$1\") | .$2] | add"; }
jget -s $out/fail.json n_ev="$ev | length" \
	ev0="$ev | .[0] | [.dev, .driver, .size, .kind, .reason] | join(\" \")" \
	ev0_mask="$ev | .[0].mask" \
	ev1="$ev | .[1] | [.dev, .driver, .size, .kind, .reason] | join(\" \")" \
	ev1_mask="$ev | .[1].mask" ev1_gfp="$ev | .[1].gfp" \
	b_fails="$(hsum b fails)" a_fails="$(hsum a fails)" \
	n_exh='[.[].exhausted // 0] | add' n_nsp='[.[].no_suitable_pool // 0] | add'
is "$n_ev" 2 "two failure events"
is "$ev0" \
	"dmapool-real-b dmapool_bench 65536 exhausted exhausted" \
	"64K for dmapool-real-b: the kernel's kind 'exhausted', every pool full"
is "$ev0_mask" 0xffffffffffffffff "... its device's mask: 64 bits"
is "$ev1" \
	"dmapool-real-a dmapool_bench 4096 exhausted addr_rejected" \
	"4K for dmapool-real-a: the kernel's kind 'exhausted', refused by the mask check"
is "$ev1_mask" 0xffff "... its device's mask: 16 bits"

[[ $ev1_gfp =~ ^0x[0-9a-f]+$ ]]
ok $? "gfp in hex"
is "$b_fails" 1 \
	"dmapool-real-b: one failure counted"
is "$a_fails" 1 \
	"dmapool-real-a: one failure counted"
is "$n_exh $n_nsp" "2 0" \
	"counted as 2 exhausted, 0 no suitable pool (x86 always has a kernel pool)"
# Attribution per device: 2 x 8K for dev=a, 3 x 4K for dev=b.
mon=$dmon
rp "alloc 8K count=2 dev=a" && rp "alloc 4K count=3 dev=b"
ok $? "real_pool: 2 x 8K for dev=a, 3 x 4K for dev=b"
next_line $out/dev.json && next_line $out/dev.json
# hlast DEV FIELD: holder() as a jq -s filter
hlast() {
	echo "[.[] | select(has(\"time\"))][-1] | [.holders[] | select(.dev == \"dmapool-real-$1\")][0].$2 |
		if . == null then \"absent\" else . end"
}
jget -s $out/dev.json a_bytes="$(hlast a live_bytes)" a_blocks="$(hlast a live_blocks)" \
	b_bytes="$(hlast b live_bytes)" b_blocks="$(hlast b live_blocks)" a_driver="$(hlast a driver)" \
	a_allocs="$(hsum a allocs)" a_age="$(hlast a oldest_ms)" \
	tracked='[.[] | select(has("time"))][-1].tracked_bytes'
is "$a_bytes/$a_blocks" \
	16384/2 "holder dmapool-real-a: 16384 live bytes in 2 blocks"
is "$b_bytes/$b_blocks" \
	12288/3 "holder dmapool-real-b: 12288 live bytes in 3 blocks"
is "$a_driver" dmapool_bench "its driver, read from struct device"
is "$a_allocs" 2 \
	"dmapool-real-a: 2 allocations counted"
cmp_ok "$a_age" -ge 500 "oldest block of dmapool-real-a is at least one interval old ($a_age ms)"
cmp_ok "$tracked" -eq 28672 "28672 bytes tracked"
rp "free all"
next_line $out/dev.json && next_line $out/dev.json
jget -s $out/dev.json a_bytes="$(hlast a live_bytes)" b_bytes="$(hlast b live_bytes)" \
	b_frees="$(hsum b frees)"
is "$a_bytes $b_bytes" "0 0" \
	"after the frees: 0 live bytes for both"
is "$b_frees" 3 \
	"dmapool-real-b: 3 frees counted"
kill -INT $mon
wait $mon
tail -n 1 $out/dev.json | jq -e '.summary.oldest | length == 0' >/dev/null
ok $? "exit summary: a JSON line, no block outstanding"

# Per stack: the stack names the module's function that called the kernel.
mon=$smon
rp "alloc 4K count=2 dev=b"
next_line $out/stack.json && next_line $out/stack.json
st=$(grep '"time":' $out/stack.json | tail -n 1 |
	jq -r '[.holders[] | select(.dev == "dmapool-real-b")][0].stack | join(";")')
case $st in *dmapool_real_*'[dmapool_bench]'*) r=0 ;; *) r=1 ;; esac
ok $r "stack of dmapool-real-b names the module's function ($(echo "$st" | cut -c1-120))"
is "$(holder $out/stack.json dmapool-real-b live_bytes)" 8192 "--by stack: 8192 live bytes"
kill -INT $mon
wait $mon
is "$(tail -n 1 $out/stack.json | jq -r '.summary.oldest[0].dev')" dmapool-real-b \
	"exit summary: the oldest block is dmapool-real-b's"
tail -n 1 $out/stack.json | jq -r '.summary.oldest[0].stack | join(";")' | grep -q 'dmapool_real_'
ok $? "... with its stack"
rp "free all"

# Blocks from before attach: unattributed, never a negative live figure.
rp "alloc 4K count=2 dev=a"
start_mon $out/pre.json --target kernel --by dev -i 0.5
u=$(head -n 1 $out/pre.json | jq -r '.pools.kernel.unattributed_bytes')
cmp_ok "$u" -ge 8192 "the kernel pool's 8192 bytes from before attach are unattributed ($u)"
is "$(head -n 1 $out/pre.json | jq .tracked_bytes)" 0 "none of them tracked"
rp "free all"
next_line $out/pre.json && next_line $out/pre.json
# The reason looks only at the pools the gfp's chain tries: 64K for a
# 32-bit device (GFP_DMA32: dma32, then dma, both still 32K) fails for
# room, though the kernel pool (grown above) has room enough.
K=/sys/kernel/debug/dma_pools
is "$(<$K/pool_size_dma32) $(<$K/pool_size_dma)" "32768 32768" "dma32 and dma pools still 32K"
cmp_ok "$(<$K/pool_size_kernel)" -ge 65536 "the kernel pool has grown to 64K or more"
rp "alloc 64K dev=b zone=dma32 mask=32" 2>/dev/null
ok $((! $?)) "64K for a 32-bit dev=b fails"
next_line $out/pre.json && next_line $out/pre.json
kill -INT $mon
wait $mon
is "$(jq -s '[.[].frees_untracked // 0] | add' $out/pre.json)" 2 "their 2 frees: counted as untracked"
is "$(grep '"time":' $out/pre.json | tail -n 1 | jq .live_bytes_since_start)" null \
	"live bytes since start: null (not known), not negative"
is "$(jq -r -s '[.[].failure_events // [] | .[]] | map("\(.dev) \(.kind) \(.reason) \(.mask)") | join(",")' $out/pre.json)" \
	"dmapool-real-b exhausted exhausted 0xffffffff" \
	"64K for dev=b: exhausted for room, not addr_rejected for the kernel pool it never tried"

# Tier 2 (`holders.sh full`, the default kernel only): what runs the same
# on every kernel: the plain text, the trend, the map bound, memory over
# 10,000 allocations, and the bench target.
if [ "${1:-}" != full ]; then
	unload
	tap_done
	exit
fi

# Plain text: an event line as it happens. The trend part's monitor starts
# beside it (it sees this failure: no live bytes, no allocation).
$B monitor --target kernel --trend 3 -i 1 --json >$out/trend.json 2>$out/trend.json.err &
tmon=$!
$B monitor --target kernel -i 0.5 >$out/fail.txt 2>$out/fail.txt.err &
mon=$!
wait_for $out/fail.txt.err "Monitoring the kernel's atomic pools"
rp "alloc 4K dev=a zone=dma mask=16" 2>/dev/null
for _ in $(seq 100); do grep -q ' FAIL ' $out/fail.txt && break; sleep 0.05; done
kill -INT $mon
wait $mon
grep -Eq '^[0-9:]{8} FAIL dmapool-real-a \(dmapool_bench\) 4096 bytes gfp 0x[0-9a-f]+ mask 0xffff [a-z]+: exhausted \(addr_rejected\)$' \
	$out/fail.txt
ok $? "plain: one FAIL line with device, driver, size, gfp, mask, context and kind"

# Growing: dev=a allocates in each of 3 intervals; dev=b allocates and frees.
mon=$tmon
wait_for $out/trend.json '"target":'
# Blocks take the lowest free id: a 1, b 2; a 3, b's 2 freed; a 2, b 4.
rp "alloc 4K dev=a" && rp "alloc 4K dev=b" && next_line $out/trend.json &&
	rp "alloc 4K dev=a" && rp "free 2" && next_line $out/trend.json &&
	rp "alloc 4K dev=a" && rp "alloc 4K dev=b" && next_line $out/trend.json
ok $? "3 intervals: dev=a allocates in each, dev=b allocates, frees, allocates"
kill -INT $mon
wait $mon
is "$(holder $out/trend.json dmapool-real-a growing)" true "dmapool-real-a, up in each of 3 intervals: growing"
is "$(holder $out/trend.json dmapool-real-b growing)" false "dmapool-real-b, which freed: not growing"
is "$(tail -n 1 $out/trend.json | jq -r '[.summary.growing[].dev] | join(",")')" dmapool-real-a \
	"exit summary: dmapool-real-a is the growing holder"
rp "free all"

# Plain text: live bytes since start not known, never negative.
rp "alloc 4K dev=a"
$B monitor --target kernel -i 0.5 2 >$out/pre.txt 2>&1 &
mon=$!
wait_for $out/pre.txt "Monitoring"
sleep 0.3
rp "free all"
wait $mon
grep -q "live bytes since start unknown (4096 bytes more freed than allocated since attach" $out/pre.txt
ok $? "plain: 'live bytes since start unknown', naming the bytes"
! grep -q "since start -" $out/pre.txt
ok $? "plain: no negative live figure"

# The blocks map's bound: 6 blocks, room for 4.
start_mon $out/full.json --target kernel --by dev -i 0.5 --max-blocks 4
rp "alloc 4K count=6 dev=a"
next_line $out/full.json && next_line $out/full.json
is "$(jq -s '[.[].blocks_untracked // 0] | add' $out/full.json)" 2 "--max-blocks 4: 2 of 6 allocations counted as untracked"
is "$(holder $out/full.json dmapool-real-a live_blocks)" 4 "4 blocks tracked"
rp "free all"
next_line $out/full.json && next_line $out/full.json
kill -INT $mon
wait $mon
is "$(jq -s '[.[].frees_untracked // 0] | add' $out/full.json)" 2 "... whose frees are untracked"

# Memory: flat over 10,000 allocations and frees (--by stack, every block).
# Debian's kernels have transparent huge pages "always": khugepaged, at a
# moment of its choosing, folds a partly used 2 MiB range of the monitor's
# heap into one huge page, and the RSS jumps by up to 2 MiB without one byte
# more allocated (seen in CI: +1276 KiB, AnonHugePages 4096 KiB). That is
# not the monitor's growth: the measurement runs with them off.
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(sed -n 's/.*\[\(.*\)\].*/\1/p' $thp)
echo never >$thp
is "$(cat $thp)" "always madvise [never]" "transparent huge pages off for the RSS measurement (were: $thp_was)"
rss() { awk '/^VmRSS:/ { print $2 }' /proc/$1/status; }
start_mon $out/mem.json --target kernel --by stack -i 0.2
churn() { for _ in $(seq "$1"); do rp "alloc 4K count=16 dev=a" && rp "free all" || return 1; done; }
churn 32
next_line $out/mem.json && next_line $out/mem.json
r1=$(rss $mon)
churn 594
ok $? "10,000 real allocations and frees"
next_line $out/mem.json && next_line $out/mem.json
r2=$(rss $mon)
huge=$(awk '/^AnonHugePages:/ { print $2 }' /proc/$mon/smaps_rollup)
kill -INT $mon
wait $mon
is "$(jq -s '[.[] | select(.holders) | .holders[] | select(.dev == "dmapool-real-a") | .allocs] | add' $out/mem.json)" 10016 \
	"all 10,016 allocations attributed to dmapool-real-a"
cmp_ok $((r2 - r1)) -le 256 "monitor RSS flat: $r1 KiB after 512 allocations, $r2 KiB after 10,016"
is "$huge" 0 "... no huge pages in the monitor meanwhile"
echo "$thp_was" >$thp
unload

# The bench target: per CPU and context.
load
start_mon $out/bench.json --target bench --by cpu -i 0.5
run_spec ctx=hardirq cpus=0-1 ops=20000 size=4K hold=ops:8
ok $? "a hardirq run on 2 CPUs"
next_line $out/bench.json && next_line $out/bench.json
kill -INT $mon
wait $mon
is "$(jq -s '[.[] | select(.holders) | .holders[] | .allocs] | add' $out/bench.json)" "$(lstat allocs)" \
	"holder allocs add up to the module's ($(lstat allocs))"
is "$(jq -s '[.[] | select(.holders) | .holders[] | .frees] | add' $out/bench.json)" "$(lstat frees)" \
	"holder frees add up to the module's (an address handed out again before its free was traced still counts right)"
diag "frees seen before their address was reused on another CPU: $(jq -s '[.[].frees_untracked // 0] | add' $out/bench.json) of $(lstat frees)"
is "$(jq -r -s '[.[] | select(.holders) | .holders[] | select(.allocs > 0) | "\(.cpu)/\(.ctx)"] | unique | join(",")' $out/bench.json)" \
	"0/hardirq,1/hardirq" "holders: CPU 0 and 1, hardirq"
is "$(grep '"time":' $out/bench.json | tail -n 1 | jq '[.holders[].live_bytes] | add')" 0 "all freed at the end"
$B monitor --target kernel --by cpu 1 >/dev/null 2>$out/byerr
is "$?:$(<$out/byerr)" "2:dmapool-bench: monitor: --by cpu is for the bench target (kernel: --by dev or --by stack)" \
	"--by cpu on the kernel target: exit 2, saying why"
$B monitor --target bench --by dev 1 >/dev/null 2>$out/byerr
is "$?:$(<$out/byerr)" "2:dmapool-bench: monitor: --by dev is for the kernel target (bench: --by cpu)" \
	"--by dev on the bench target: exit 2, saying why"

# Attached mid-run: frees of blocks from before attach. Never negative.
# The events are enabled through tracefs first, so that attaching does not
# patch the tracepoints' static branches while the run executes them (QEMU
# TCG has left a stale int3 at such a site in dmapool_free on 6.12).
trace_on pool_alloc pool_free
echo "ctx=process cpus=0 duration_ms=3000 size=4K hold=ops:64" >"$D/control"
ok $? "a 3 s run holding 64 blocks"
sleep 0.5
$B monitor --target bench --json -i 0.5 >$out/mid.json 2>&1 &
mon=$!
for _ in $(seq 100); do [ "$(lines $out/mid.json)" -ge 7 ] && break; sleep 0.2; done
kill -INT $mon
wait $mon
wait_idle
trace_off
is "$(jq -s '[.[].live_bytes_since_start | select(. != null and . < 0)] | length' $out/mid.json)" 0 \
	"attached mid-run: no negative live bytes"
is "$(tail -n 1 $out/mid.json | jq .live_bytes_since_start)" null "after the run: null (blocks from before attach were freed)"
tap_done
