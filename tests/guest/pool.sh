#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the instrumented pool keeps upstream's semantics. Needs a guest
# with RAM above 4 GiB (tools/dmapool-vm --mem 6G) so that the kernel pool
# lies above every simulated 32-bit mask.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh

K=262144	# coherent_pool=256K in bytes

# --- loading, files, BTF -------------------------------------------------
unload
load coherent_pool=256K
ok $? "insmod coherent_pool=256K"
for p in dma dma32 kernel; do
	is "$(pval $p present)" 1 "$p pool present (6 GiB guest has all zones)"
	is "$(cat $D/pool_size_$p)" $K "pool_size_$p is 256K, one decimal number"
	is "$(pval $p size)" $K "$p size in pools file"
	is "$(pval $p avail)" $K "$p avail = size"
	is "$(pval $p largest_free)" $K "$p largest free extent = size"
	is "$(pval $p chunks)" 1 "$p has one chunk"
done
# The rules: semantics=auto probes the kernel's pools; at 6 GiB every zone has
# pages, both rule sets create every pool and the version decides (6.1..6.18).
is "$(pval config semantics) $(pval config semantics_from)" "v6.1 version" \
	"semantics=auto: v6.1 rules, by version (both rule sets agree at 6 GiB)"
is "$(pval config sizing)" parameter "coherent_pool= given: sizing from the parameter"
is "$(pval config remap_prot)" "kernel,decrypted" "x86 remap keeps the linear map's cacheable attributes"
is "$(stat -c %a $D/cmd) $(stat -c %a $D/pools) $(stat -c %a $D/pool_size_kernel)" \
	"600 400 400" "debugfs files are root-only"
check "module BTF loaded (/sys/kernel/btf/dmapool_bench)" -- test -s /sys/kernel/btf/dmapool_bench
for e in pool_alloc pool_free pool_fallback pool_expand pool_exhausted pool_state; do
	check "tracepoint dmapool_bench:$e exists" -- test -d "$T/events/dmapool_bench/$e"
done
for f in pool size phys latency_ns avail_after ctx cpu result depth; do
	check "pool_alloc has field $f" -- grep -q "field:.* $f;" "$T/events/dmapool_bench/pool_alloc/format"
done

# --- expansion: only a successful allocation below target, by pool size ---
trace_on pool_alloc pool_expand pool_state pool_free
cmd alloc 4M
ok $? "alloc 4M (larger than every pool) is accepted as a command"
is "$(res ok) $(res failed) $(res last_result)" "0 1 1" "alloc 4M fails: exhausted"
cmd flush
is "$(pval kernel size)" $K "failed allocation schedules no expansion"
is "$(trace_lines pool_expand | wc -l)" 0 "no pool_expand event after a failure"
line=$(trace_lines pool_alloc | tail -n 1)
echo "$line" | grep -q "pool=none size=4194304 .*result=exhausted depth=3"
ok $? "pool_alloc event of the failure: pool=none result=exhausted depth=3"

cmd alloc 4K
is "$(res ok) $(res kernel) $(res depth)" "1 1 1" "alloc 4K served by the kernel pool first"
first_id=$(res first)
cmd flush
is "$(pval kernel size)" $((2 * K)) "success below target grows kernel pool by its size"
is "$(pval kernel chunks)" 2 "expansion added one chunk"
is "$(pval dma32 size)" $K "dma32 pool (untouched) did not grow"
is "$(cat $D/pool_size_kernel)" $((2 * K)) "pool_size_kernel is cumulative"
line=$(trace_lines pool_expand | tail -n 1)
echo "$line" | grep -Eq "^pool=kernel requested=$K obtained=$K order=6 latency_ns=[0-9]+ size_after=$((2 * K)) result=0$"
ok $? "pool_expand fields: pool=kernel requested=256K obtained=256K order=6 result=0"
diag "$line"
line=$(trace_lines pool_alloc | tail -n 1)
echo "$line" | grep -Eq "^pool=kernel size=4096 phys=0x[0-9a-f]+ latency_ns=[0-9]+ avail_after=$((K - 4096)) ctx=process cpu=[0-9]+ result=ok depth=1$"
ok $? "pool_alloc fields: pool, size, phys, latency, avail_after, ctx, cpu, result, depth"
diag "$line"
line=$(trace_lines pool_state | tail -n 1)
echo "$line" | grep -Eq "^pool=kernel size=$((2 * K)) avail=$((2 * K - 4096)) largest_free=[0-9]+ chunks=2$"
ok $? "pool_state after the expansion: size, avail, largest_free, chunks"

cmd alloc 4K
cmd flush
is "$(pval kernel size)" $((2 * K)) "avail still >= target: no expansion"
# Take the pool below target again: avail = 512K - 8K now.
n=$(( ( (2 * K - 8192) - K) / 4096 + 1 ))
cmd alloc 4K count=$n
is "$(res ok)" $n "alloc 4K count=$n"
cmd flush
is "$(pval kernel size)" $((4 * K)) "second expansion grows by the current size (512K)"
trace_lines pool_expand | tail -n 1 | grep -q "requested=$((2 * K)) obtained=$((2 * K)) order=7"
ok $? "pool_expand requested=512K order=7"

# --- free into the right pool ---------------------------------------------
trace_on pool_free
cmd free "$first_id"
is "$(res freed) $(res kernel)" "1 1" "free by id goes to the kernel pool"
trace_lines pool_free | grep -Eq "^pool=kernel size=4096 phys=0x[0-9a-f]+ latency_ns=[0-9]+ ctx=process$"
ok $? "pool_free fields: pool=kernel size phys latency ctx"
cmd free "$first_id" 2>/dev/null
ok $((!$?)) "freeing the same id twice is refused"
cmd free all
is "$(pval kernel avail)" "$(pval kernel size)" "free all: kernel pool fully available"
is "$(pval kernel frees)" "$(pval kernel allocs)" "kernel frees = allocs"

# --- order step-down under the fault injector -------------------------------
trace_on pool_expand
set_param fail_order_above 2
avail=$(pval kernel avail)
cmd alloc 4K count=$(( (avail - K) / 4096 + 1 ))
cmd flush
line=$(trace_lines pool_expand | tail -n 1)
echo "$line" | grep -q "^pool=kernel requested=$((4 * K)) obtained=16384 order=2 .* result=0$"
ok $? "fail_order_above=2: a 1M expansion steps down to order 2 (16K)"
diag "$line"
set_param fail_order_above -1
set_param fail_next 1
cmd free all
avail=$(pval kernel avail)
cmd alloc 4K count=$(( (avail - K) / 4096 + 1 ))
cmd flush
line=$(trace_lines pool_expand | tail -n 1)
echo "$line" | grep -q "requested=$((4 * K + 16384)) obtained=$((4 * K)) order=8 .* result=0$"
ok $? "fail_next=1: the first order fails, the next one down succeeds"
diag "$line"
is "$(param fail_next)" 0 "fail_next counts down to 0"
cmd free all

unload
load coherent_pool=256K fail_order_above=3
ok $? "insmod with fail_order_above=3"
is "$(cat $D/pool_size_kernel) $(cat $D/pool_size_dma32) $(cat $D/pool_size_dma)" \
	"32768 32768 32768" "initial pools step down to order 3 (32K) like atomic_pool_expand"

# --- exhaustion: kernel -> dma32 -> dma, then pool_exhausted ---------------
reload coherent_pool=128K
set_param fail_next 1000000
trace_on pool_alloc pool_fallback pool_exhausted
cmd alloc 4K count=97 zone=kernel nowarn
is "$(res ok) $(res failed)" "96 1" "three 128K pools hold 96 pages, the 97th fails"
is "$(res kernel) $(res dma32) $(res dma)" "32 32 32" "served: kernel, then dma32, then dma"
is "$(res fallbacks)" $((32 + 64 + 2)) "fallback count: 1 per dma32 alloc, 2 per dma alloc and the failure"
trace_lines pool_fallback | grep -q "^from=kernel to=dma32 size=4096 reason=exhausted$"
ok $? "pool_fallback from=kernel to=dma32 reason=exhausted"
trace_lines pool_fallback | grep -q "^from=dma32 to=dma size=4096 reason=exhausted$"
ok $? "pool_fallback from=dma32 to=dma reason=exhausted"
is "$(trace_lines pool_exhausted | wc -l)" 1 "one pool_exhausted event"
trace_lines pool_exhausted | grep -Eq "^size=4096 gfp=0x[0-9a-f]+ result=exhausted$"
ok $? "pool_exhausted fields: size gfp result=exhausted"
is "$(pval config exhausted) $(pval config no_suitable_pool)" "1 0" \
	"pools: one failure of the kernel's kind 'DMA pool exhausted', none 'no suitable pool'"
is "$(trace_lines pool_alloc | grep -c 'pool=dma .*depth=3$')" 32 "dma allocations report depth=3"
is "$(pval kernel fallbacks) $(pval dma32 fallbacks)" "65 33" "per-pool fallback counters"
cmd flush
is "$(pval kernel size)" 131072 "injected failures: no pool grew"
cmp_ok "$(pval kernel expand_fails)" -ge 1 "failed expansions are counted"
cmd free all
is "$(res freed) $(res kernel) $(res dma32) $(res dma)" "96 32 32 32" "every block freed into the pool it came from"
set_param fail_next 0

# --- the device mask filter ---------------------------------------------
reload coherent_pool=256K
trace_on pool_fallback pool_alloc
# As dma_alloc_attrs(): the zone follows the device's mask unless given.
cmd alloc 4K mask=32
is "$(res ok) $(res dma32) $(res depth)" "1 1 1" "32-bit mask: GFP_DMA32, the dma32 pool serves first"
cmd alloc 8K mask=24
is "$(res ok) $(res dma) $(res depth)" "1 1 1" "24-bit mask: GFP_DMA, the dma pool serves first"
cmd alloc 4K mask=33
is "$(res ok) $(res kernel) $(res depth)" "1 1 1" "33-bit mask: no zone, the kernel pool"
is "$(pval kernel addr_rejects) $(pval dma32 addr_rejects)" "0 0" "no block rejected: the zones fit the masks"
trace_lines pool_fallback | grep -q .
ok $((!$?)) "no pool_fallback for zone=auto"
# An explicit zone= overrides it: the experiments of a driver that asks
# for the wrong zone.
cmd alloc 4K zone=kernel mask=32
is "$(res ok) $(res dma32) $(res depth)" "1 1 2" "zone=kernel, 32-bit mask: kernel block (above 4G) rejected, dma32 serves"
phys=$(res last_phys)
cmp_ok $((phys + 4095)) -le $((0xffffffff)) "dma32 block lies below 4G"
trace_lines pool_fallback | grep -q "^from=kernel to=dma32 size=4096 reason=addr_rejected$"
ok $? "pool_fallback reason=addr_rejected"
cmd alloc 8K zone=kernel mask=24
is "$(res ok) $(res dma) $(res depth) $(res fallbacks)" "1 1 3 2" "zone=kernel, 24-bit mask: served by the dma pool after two rejections"
phys=$(res last_phys)
cmp_ok $((phys + 8191)) -le $((0xffffff)) "dma block lies below 16M"
is "$(pval kernel addr_rejects) $(pval dma32 addr_rejects)" "2 1" "rejections counted per pool"
cmd alloc 4K zone=dma
is "$(res dma) $(res depth)" "1 1" "zone=dma asks the dma pool first"
cmd free all
is "$(res dma) $(res dma32) $(res kernel)" "3 2 1" "masked blocks freed into dma, dma32 and kernel"

# --- bad input: refused with EINVAL and one pr_err naming it -----------------
unload
bad_param() { # bad_param "DMESG TEXT" PARAM=VALUE...
	local want=$1
	shift
	dmesg -C
	load "$@" 2>/dev/null
	local rc=$?
	[ "$rc" -ne 0 ] && ! [ -d /sys/module/dmapool_bench ] && dmesg | grep -q "dmapool_bench: $want"
	ok $? "insmod $* refused ($want)"
}
bad_param "coherent_pool: invalid size 'abc'" coherent_pool=abc
bad_param "coherent_pool: invalid size '2G'" coherent_pool=2G
bad_param "coherent_pool: invalid size '64Kx'" coherent_pool=64Kx
bad_param "coherent_pool: invalid size '-1'" coherent_pool=-1
bad_param "zones: unknown pool 'normal'" zones=normal
bad_param "max_order: invalid value 11 (-1..10)" max_order=11	# compat.h: MAX_PAGE_ORDER 10
bad_param "semantics: unknown value 'v5'" semantics=v5
bad_param "state_period_ms: invalid value 60001" state_period_ms=60001
bad_param "fail_order_above: invalid value '11'" fail_order_above=11
bad_param "fail_next: invalid value 'x'" fail_next=x
bad_param "test_spin_ns: invalid value '100001'" test_spin_ns=100001

load coherent_pool=256K zones=kernel,dma
is "$(pval kernel present) $(pval dma32 present) $(pval dma present)" "1 0 1" "zones=kernel,dma creates just those"
# The kernel's two failure kinds (56c430c7f06d), counted, traced and warned apart.
trace_on pool_exhausted
dmesg -C
cmd alloc 4K zone=dma32 nowarn
is "$(res ok) $(res last_result)" "0 3" "6.1 rules: GFP_DMA32 without a dma32 pool finds no pool"
trace_lines pool_exhausted | grep -Eq "^size=4096 gfp=0x[0-9a-f]+ result=no_pool$"
ok $? "pool_exhausted result=no_pool (the kernel's 'Failed to get suitable pool')"
is "$(pval config no_suitable_pool) $(pval config exhausted)" "1 0" "pools: no_suitable_pool 1, exhausted 0"
is "$(dmesg | grep -c 'failed to get suitable pool for 4096 bytes (zone dma32)')" 1 \
	"no suitable pool warns even with nowarn, as upstream"
cmd alloc 4M nowarn
is "$(pval config no_suitable_pool) $(pval config exhausted)" "1 1" "a 4M request every pool refuses: exhausted"
trace_lines pool_exhausted | tail -n 1 | grep -Eq "^size=4194304 gfp=0x[0-9a-f]+ result=exhausted$"
ok $? "pool_exhausted result=exhausted"
is "$(dmesg | grep -c 'DMA pool exhausted')" 0 "exhausted with nowarn: no warning"
cmd alloc 4M
is "$(dmesg | grep -c 'DMA pool exhausted for 4194304 bytes (zone kernel)')" 1 "exhausted without nowarn warns"
reload coherent_pool=256K zones=kernel,dma32
trace_on pool_exhausted
cmd alloc 4K mask=24 nowarn
is "$(res ok) $(res last_result) $(res depth)" "0 2 2" "24-bit mask without a dma pool: every block rejected"
trace_lines pool_exhausted | grep -Eq "^size=4096 gfp=0x[0-9a-f]+ result=addr_rejected$"
ok $? "pool_exhausted result=addr_rejected"
is "$(pval config no_suitable_pool) $(pval config exhausted)" "0 1" "rejected by the mask: the kernel's 'exhausted' kind"
trace_off
reload coherent_pool=256K
dmesg -C
for c in "" "bogus" "alloc" "alloc 0" "alloc 5M" "alloc 4K count=0" "alloc 4K count=70000" \
	"alloc 4K zone=normal" "alloc 4K mask=12" "alloc 4K mask=65" "alloc 4K foo=1" \
	"alloc 4K junk" "alloc 99999999999999999999K" "free" "free x" "flush now" \
	"$(printf 'alloc 4K\001')" "$(head -c 4096 /dev/zero | tr '\0' a)"; do
	cmd "$c" 2>/dev/null
	ok $((!$?)) "cmd '${c:0:24}' refused"
done
is "$(dmesg | grep -c 'dmapool_bench: cmd:')" 18 "one pr_err per refused command"
set_param fail_order_above 11 2>/dev/null
ok $((!$?)) "runtime fail_order_above=11 refused"
set_param test_spin_ns -1 2>/dev/null
ok $((!$?)) "runtime test_spin_ns=-1 refused"
is "$(param test_spin_ns)" 0 "test_spin_ns off by default"
is "$(param fail_order_above)" -1 "refused write left fail_order_above unchanged"
cmd alloc 4K
is "$(res ok)" 1 "module still works after bad input"
cmd free all

# --- remap, periodic state, unload returns every page ----------------------
reload coherent_pool=256K remap=1
ok $? "insmod remap=1"
cmd alloc 64K count=8
is "$(res ok)" 8 "allocations from vmap()ed pools"
cmd flush
cmd free all
is "$(pval kernel avail)" "$(pval kernel size)" "remap: all freed"

reload coherent_pool=256K state_period_ms=50
trace_on pool_state
sleep 1
cmp_ok "$(trace_lines pool_state | grep -c '^pool=kernel')" -ge 5 "state_period_ms=50 emits pool_state periodically"
trace_off
unload

sync
before=$(memfree_kb)
load coherent_pool=4M
cmd alloc 1M count=12
cmd flush
loaded=$(memfree_kb)
cmp_ok $((before - loaded)) -ge $((3 * 4096 + 4096)) "while loaded the pools hold at least 16 MiB"
unload
ok $? "rmmod with blocks outstanding and pools expanded"
after=$(memfree_kb)
cmp_ok $((before - after)) -le 2048 "rmmod returns the pages (MemFree within 2 MiB of before)"
diag "MemFree kB: before=$before loaded=$loaded after=$after"
tap_done
