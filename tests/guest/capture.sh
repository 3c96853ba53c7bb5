#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: `dmapool-bench capture` on the kernel's own pools, driven by
# the module's test-only real_pool path for its two devices. One scripted
# sequence (sizes, zones, masks, devices, hold times, a failure, an address
# handed out again (likely), a block still held at the end) must come back exactly:
# count, order, sizes, devices, drivers, masks, gfp zones, the pools that
# served, results, contexts, and lifetimes ending in the script's order.
# The header's pool sizes, atomic_pool_size and coherent_pool= are checked
# against the kernel's; the file passes the strict reader (capture --check)
# and corrupted copies do not.
#
# Boot with coherent_pool=256K (tests/run).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
B=${DMAPOOL_CLI:-build/dmapool-bench}
R=$D/real_pool
K=/sys/kernel/debug/dma_pools
out=$(mktemp -d)
F=$out/capture.jsonl

rp() { echo "$*" >"$R"; }

grep -q 'coherent_pool=256K' /proc/cmdline
ok $? "booted with coherent_pool=256K"
unload
load real_pool_test=1
ok $? "insmod real_pool_test=1"
for p in dma dma32 kernel; do
	eval "start_$p=$(cat $K/pool_size_$p)"
done

# --duration counts from the attach: the script takes about 2 s of it.
$B capture --duration 6s -o "$F" >"$out/summary" 2>"$out/err" &
cap=$!
wait_for "$out/err" 'Capturing'
ok $? "capture attached"

# The script: ID = real_pool slot + 1 (lowest free slot).
rp "alloc 8K dev=a" &&			# 1: kernel pool, 64-bit mask
	sleep 0.2 && rp "alloc 4K dev=b zone=dma32 mask=32" &&	# 2: dma32
	sleep 0.2 && rp "alloc 16K dev=a zone=dma mask=24" &&	# 3: dma
	sleep 0.2 && rp "free 1" &&
	sleep 0.2 && rp "alloc 8K dev=b mask=40"	# 4: slot 1 again, same address
ok $? "real_pool: four allocations, one free"
rp "alloc 4K dev=a zone=dma mask=16" 2>/dev/null	# 5: no block fits 16 bits
ok $((! $?)) "real_pool: 4K for a 16-bit mask fails"
sleep 0.2 && rp "free 3" && sleep 0.2 && rp "free 2"
ok $? "real_pool: blocks 3 then 2 freed; the second 8K still held"
wait $cap
ok $? "capture ends after --duration 6s and writes the file"
cat "$out/err" "$out/summary" | sed 's/^/# /'

# The strict reader: capture --check.
$B capture --check "$F" >"$out/check" 2>&1
ok $? "the file passes the strict reader: $(cat $out/check)"
grep -q '^capture: 5 records (1 failed, 1 held at the end) from 2 devices' "$out/summary"
ok $? "summary: 5 records, 1 failed, 1 held, 2 devices"

# Every field of the records in one jq pass: "KEY v1 v2 ..." lines.
sed '1d;$d' "$F" | jq -s -r '
	(["size", "dev", "driver", "mask", "zone", "pool", "result", "ctx", "free_ctx",
	  "gfp"][] as $k | "\($k) " + (map(.[$k] | tostring) | join(" "))),
	"held " + (map(.life_ns == null | tostring) | join(" ")),
	"freed_in_order \([.[0], .[2], .[1]] | map(.t_ns + .life_ns) | (.[0] < .[1] and .[1] < .[2]))",
	"lives \(.[0].life_ns) \(.[1].life_ns) \(.[2].life_ns)",
	"t_sorted \([.[].t_ns] | . == sort)"' >"$out/fields"
recs() { sed -n "s/^$1 //p" "$out/fields"; }
is "$(recs size)" "8192 4096 16384 8192 4096" "sizes, in allocation order"
is "$(recs dev)" "dmapool-real-a dmapool-real-b dmapool-real-a dmapool-real-b dmapool-real-a" \
	"devices"
is "$(recs driver)" "dmapool_bench dmapool_bench dmapool_bench dmapool_bench dmapool_bench" \
	"drivers"
is "$(recs mask)" "0xffffffffffffffff 0xffffffff 0xffffff 0xffffffffff 0xffff" "masks"
is "$(recs zone)" "kernel dma32 dma kernel dma" "zones asked"
is "$(recs pool)" "kernel dma32 dma kernel null" "pools that served"
is "$(recs result)" "ok ok ok ok addr_rejected" "results"
is "$(recs ctx)" "atomic atomic atomic atomic atomic" \
	"contexts: real_pool calls with IRQs and preemption off"
is "$(recs free_ctx)" "atomic atomic atomic null null" "free contexts"
is "$(recs held)" "false false false true true" \
	"lifetimes: the second 8K still held, the failure none"
zb=
for g in $(recs gfp); do zb="$zb $((g & 5))"; done
is "${zb# }" "0 4 1 0 1" "gfp zone bits: none, GFP_DMA32, GFP_DMA"
is "$(recs t_sorted)" true "t_ns in order"
# Frees in the script's order: 1, then 3, then 2; hold times as scripted
# (block 1: 3 sleeps of 0.2 s; block 3: 2; block 2: 5).
is "$(recs freed_in_order)" true "blocks freed in the script's order (1, 3, 2)"
read -r l1 l2 l3 <<<"$(recs lives)"
diag "lifetimes (ns): block 1 $l1, block 2 $l2, block 3 $l3"
cmp_ok "$l1" -ge 600000000 "block 1 held at least its 3 sleeps"
cmp_ok "$l3" -ge 400000000 "block 3 held at least its 2 sleeps"
cmp_ok "$l2" -ge 1000000000 "block 2 held at least its 5 sleeps"
cmp_ok "$l2" -gt "$((l1 > l3 ? l1 : l3))" "block 2 held longest"

# The header against the kernel.
{ head -n 1 "$F"; tail -n 1 "$F"; } | jq -s -r '.[0] as $h | .[1] as $t |
	"schema \($h.schema)", "kernel \($h.meta.kernel)", "arch \($h.meta.arch)",
	"param \($h.meta.coherent_pool_param)", "aps \($h.meta.atomic_pool_size)",
	"dropped \($h.meta.dropped)", "duration \($h.meta.duration_ns)", "records \($t.end.records)", "crc \($t.end.crc32)",
	($h.meta.pools_at_start | to_entries[] | "pool_\(.key) \(.value.present) \(.value.size)")' \
	>"$out/hdr"
hdr() { sed -n "s/^$1 //p" "$out/hdr"; }
is "$(hdr schema)" dmapool-capture/1 "schema"
is "$(hdr kernel)" "$(uname -r)" "meta.kernel"
is "$(hdr arch)" "$(uname -m)" "meta.arch"
is "$(hdr param)" 256K "meta.coherent_pool_param from /proc/cmdline"
is "$(hdr aps)" 262144 "meta.atomic_pool_size: the kernel's variable, 256K"
for p in dma dma32 kernel; do
	eval "want=\$start_$p"
	is "$(hdr pool_$p)" "$([ "$want" -gt 0 ] && echo 1 || echo 0) $want" \
		"pools_at_start.$p = debugfs pool_size_$p ($want)"
done
is "$(hdr dropped)" 0 "nothing dropped"
cmp_ok "$(hdr duration)" -ge 6000000000 "duration_ns covers the 6 s"
is "$(hdr records)" 5 "trailer: 5 records"
want=$(head -n -1 "$F" | gzip -c | tail -c 8 | od -An -tx4 -N4 | tr -d ' ')
is "$(hdr crc)" "0x$want" "trailer: crc32 of the lines before it"

# Corrupted copies: one byte of a size changed (the crc32), a bad zone name.
sed '2s/"size":8192/"size":8193/' "$F" >"$out/bad-crc.jsonl"
msg=$($B capture --check "$out/bad-crc.jsonl" 2>&1)
is "$?" 2 "a changed byte is refused (exit 2)"
case $msg in *"bad-crc.jsonl:7: .end.crc32: "*) ok 0 "... naming the trailer's crc32: $msg" ;;
*) ok 1 "... naming the trailer's crc32: $msg" ;; esac
sed '3s/"zone":"dma32"/"zone":"dma3"/' "$F" >"$out/bad-zone.jsonl"
msg=$($B capture --check "$out/bad-zone.jsonl" 2>&1)
case $msg in *"bad-zone.jsonl:3: .zone: unknown name \"dma3\""*) ok 0 "a bad name is refused with its line and path: $msg" ;;
*) ok 1 "a bad name is refused with its line and path: $msg" ;; esac

rp "free all"
unload
rm -rf "$out"
tap_done
