#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the kernel's own pools are the oracle for the module's, step
# by step. One scripted sequence of allocations and frees (several sizes,
# zones and masks; it expands every pool and makes the mask check reject
# blocks) goes to the kernel's dma_alloc_from_pool() through the module's
# test-only real_pool file and to the module's pools through `cmd`. After
# every step (and the expansions it started: `flush` on both) the pool that
# served, the outcome and the three pool sizes must be the same.
#
# The real path holds at most 64 KiB at once, below the smallest pool the
# kernel creates, so the kernel's pools never run dry for other users.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh

R=$D/real_pool
K=/sys/kernel/debug/dma_pools
mem="$(($(field /proc/meminfo MemTotal:) / 1024)) MiB"
label="$(</proc/sys/kernel/osrelease), $mem"

unload
load real_pool_test=1
ok $? "[$label] insmod real_pool_test=1"
is "$(pval config sizing)" kernel "[$label] the module's pools are sized as the kernel's"
# Below 4 GiB x86 has no ZONE_NORMAL pages: the rule sets differ (v6.19
# creates no kernel pool), so the kernel's pools decide which it follows.
is "$(pval config semantics) $(pval config semantics_from)" "v6.1 probe" \
	"[$label] semantics=auto: the kernel's pools show the v6.1 rules"

# Each step reads several files: in bash, as a process started in a TCG
# guest costs 50-200 ms.
# served LINE: "ok failed dma dma32 kernel" of an alloc result line.
served() {
	local - w out=
	set -f
	for w in $1; do
		case $w in ok=* | failed=* | dma=* | dma32=* | kernel=*) out+="${w#*=} " ;; esac
	done
	printf '%s' "$out"
}
sizes() {
	local p v
	for p in dma dma32 kernel; do
		v=
		read -r v <"$1/pool_size_$p"
		printf '%s=%s ' $p "$v"
	done
}
# rv KEY: the rest of the real_pool file's line "KEY: ..."
rv() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		[[ $l == "$1: "* ]] && printf '%s\n' "${l#"$1: "}"
	done <"$R"
}

# The sequence: alloc ARGS... | free ID|all. zone defaults to the mask's.
steps=(
	"alloc 4K"
	"alloc 8K mask=32"
	"alloc 4K mask=24"
	"alloc 16K zone=kernel mask=24"
	"alloc 4K zone=kernel mask=32"
	"free 2"
	"alloc 8K count=2 mask=32"
	"alloc 12K zone=dma32"
	"free 1"
	"alloc 4K zone=dma"
	"alloc 4K count=2"
	"free 4"
	"alloc 8K mask=30"
	"free all"
)

expansions_k=0
expansions_m=0
prev_k=$(sizes $K)
prev_m=$(sizes $D)
is "$prev_m" "$prev_k" "[$label] before the sequence: the same pools"
n=0
for step in "${steps[@]}"; do
	n=$((n + 1))
	echo "$step" >"$R"
	rk=$?
	echo "$step" >"$D/cmd"
	rm=$?
	echo flush >"$R" && echo flush >"$D/cmd"
	if [ "${step%% *}" = alloc ]; then
		# The real file's result line follows "last: ".
		is "$rk $(served "$(rv last)")" "$rm $(served "$(<$D/cmd)")" \
			"[$label] step $n '$step': same outcome and pool (ok failed dma dma32 kernel)"
	else
		is "$rk" "$rm" "[$label] step $n '$step': both take it"
	fi
	cur_k=$(sizes $K)
	cur_m=$(sizes $D)
	is "$cur_m" "$cur_k" "[$label] step $n: the same pool sizes"
	[ "$cur_k" = "$prev_k" ] || expansions_k=$((expansions_k + 1))
	[ "$cur_m" = "$prev_m" ] || expansions_m=$((expansions_m + 1))
	prev_k=$cur_k
	prev_m=$cur_m
done
is "$expansions_m" "$expansions_k" "[$label] the same number of steps expanded a pool"
# 64 KiB held at most expands a pool only where its first block is within
# 64 KiB of the target (512M: 128 KiB pools); larger pools need not grow.
if [ $(($(pval kernel size) - 65536)) -lt "$(pval config target)" ]; then
	cmp_ok "$expansions_k" -ge 3 "[$label] the sequence expanded every pool ($expansions_k steps)"
fi
cmp_ok "$(pval kernel addr_rejects)" -ge 1 "[$label] the mask check rejected blocks"
is "$(rv held)" 0 "[$label] the kernel's pools got every block back"
# Every block was for the default device, and every kernel call was timed.
is "$(rv held_a) $(rv held_b)" "0 0" "[$label] nothing held for either test device"
is "$(rv alloc_calls) $(rv free_calls)" "$(($(rv allocs) + $(rv fails))) $(rv frees)" \
	"[$label] alloc_calls/free_calls: one per kernel call, failed ones too"
unload
ok $? "[$label] rmmod"

# The override, for what v6.19 would do on this machine.
load semantics=managed
is "$(pval config semantics_from) $(pval kernel present)" "parameter 0" \
	"[$label] semantics=managed: no kernel pool without ZONE_NORMAL pages"
cmd alloc 4K
is "$(res ok) $(res dma32) $(res depth)" "1 1 1" \
	"[$label] semantics=managed: a normal allocation starts at the dma32 pool"
cmd free all
unload
tap_done
