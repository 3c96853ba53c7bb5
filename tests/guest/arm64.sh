#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite for arm64 (tools/dmapool-vm --arch arm64), run by
# tests/host/test-arm64.sh: the cross-built module, BPF programs and CLI in
# Debian's arm64 kernel, and real drivers on the real pool.
#
#   arm64.sh full OUT     (virt-noncoherent) the module's initial pools equal
#                         the kernel's own; its zone limits come from the
#                         kernel; a hardirq run with 0 context violations and
#                         allocs = frees; `run` with the BPF cross-check
#                         exact; then monitor --target kernel --by dev while
#                         the NVMe disk does I/O: the nvme device holds blocks
#                         of the real pool, which grows; capture of the same
#                         traffic into OUT/capture.jsonl (run --replay on x86
#                         reads it: tests/host/test-arm64.sh)
#   arm64.sh coherent OUT (stock virt: every device dma-coherent) the same
#                         I/O under the same monitor: no allocation at all
#   arm64.sh basic OUT    (an older arm64 kernel) pools, hardirq run, run's
#                         cross-check, and monitor --target kernel through
#                         kprobes where fentry does not attach
#   arm64.sh raspi OUT    (raspi3b) the kernel's dma pool grew at boot; the
#                         module's pools equal the kernel's preallocated
#                         ones; a hardirq run; monitor --by dev while dwc2
#                         loads: the firmware mailbox allocates from the
#                         real dma pool (GFP_ATOMIC | GFP_DMA)
#
# Traffic is a handful of allocations (nvme's PRP-list pages, through
# dma_pool_alloc(GFP_ATOMIC), the first time a request needs one): counts are
# asserted (>= 1, = 0), never rates.
# shellcheck disable=SC2154 # set by jget (lib.sh)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh

mode=${1:?mode: full, coherent, basic or raspi}
out=${2:?output directory}
B=dmapool-bench
KP=/sys/kernel/debug/dma_pools
mkdir -p "$out"

is "$(uname -m)" aarch64 "the guest is arm64 ($(uname -r))"
is "$(readlink -f "$(command -v $B)")" "$PWD/build/arm64/dmapool-bench" \
	"dmapool-bench on PATH is the cross-built CLI"

# start_mon ATTACH INTERVAL: monitor --target kernel --by dev in the
# background (PID in mon) into OUT/mon.json, until its first interval is out.
start_mon() {
	$B monitor --target kernel --attach "$1" --by dev -i "$2" --json >"$out/mon.json" \
		2>"$out/mon.err" &
	mon=$!
	wait_for "$out/mon.json" '"target":'
	ok $? "monitor --target kernel --by dev attached ($1)" || sed 's/^/# /' "$out/mon.err"
}

# stop_mon: two more intervals, then SIGINT (its exit summary follows).
stop_mon() {
	local n
	n=$(grep -c '"time":' "$out/mon.json")
	for _ in $(seq 100); do
		[ "$(grep -c '"time":' "$out/mon.json")" -ge $((n + 2)) ] && break
		sleep 0.1
	done
	kill -INT $mon
	wait $mon
	ok $? "monitor ends on SIGINT"
}

if [ "$mode" = raspi ]; then
	model=$(tr -d '\0' </sys/firmware/devicetree/base/model)
	is "$model" "Raspberry Pi 3 Model B" "the board is a Raspberry Pi 3 Model B"
	# The kernel's pools as it preallocated them, and as they are now.
	pre() { dmesg | sed -n "s/.*DMA: preallocated \([0-9]*\) KiB $1 pool.*/\1/p"; }
	pd=$(pre 'GFP_KERNEL|GFP_DMA') pd32=$(pre 'GFP_KERNEL|GFP_DMA32') pk=$(pre GFP_KERNEL)
	[[ $pd =~ ^[0-9]+$ && $pd32 =~ ^[0-9]+$ && $pk =~ ^[0-9]+$ ]]
	ok $? "the kernel's boot messages give its three preallocated pools ($pd $pd32 $pk KiB)"
	pd=$((${pd:-0} * 1024)) pd32=$((${pd32:-0} * 1024)) pk=$((${pk:-0} * 1024))
	cmp_ok "$(cat $KP/pool_size_dma)" -gt "$pd" \
		"the dma pool grew during boot: $pd -> $(cat $KP/pool_size_dma) bytes (drivers used it)"
	unload
	load
	ok $? "insmod the cross-built module"
	is "$(pval dma size) $(pval dma32 size) $(pval kernel size)" "$pd $pd32 $pk" \
		"the module's initial pools equal the kernel's preallocated ones"
	run_spec "ctx=hardirq cpus=0 ops=2000 size=4K,16K hold=ops:8"
	ok $? "a hardirq run completes"
	is "$(lstat state) $(lstat ctx_violations) $(lstat allocs)" "done 0 $(lstat frees)" \
		"hardirq run: done, 0 context violations, allocs = frees"
	cmp_ok "$(lstat allocs)" -ge 2000 "hardirq run: allocations were made ($(lstat allocs))"
	unload
	start_mon auto 1
	modprobe dwc2
	ok $? "modprobe dwc2 (its power domain goes on through the firmware)"
	stop_mon
	mb='[.[] | select(.holders) | .holders[] | select(.driver == "bcm2835-mbox")]'
	jget -s "$out/mon.json" mb_allocs="$mb | map(.allocs) | add // 0" \
		mb_frees="$mb | map(.frees) | add // 0" \
		dma_allocs='[.[] | select(.pools) | .pools.dma.allocs] | add'
	cmp_ok "$mb_allocs" -ge 1 "the firmware mailbox allocated from the real pool ($mb_allocs)"
	is "$mb_frees" "$mb_allocs" "... and freed every block (a property call's buffer)"
	cmp_ok "$dma_allocs" -ge 1 "... from the dma pool (GFP_DMA: $dma_allocs)"
	tap_done
	exit
fi

# The device tree the harness booted: virt-noncoherent has no dma-coherent
# property anywhere, stock virt has it on its PCIe host bridge.
ncoh=$(find /sys/firmware/devicetree/base -name dma-coherent | wc -l)
if [ "$mode" = coherent ]; then
	cmp_ok "$ncoh" -ge 1 "stock virt: the device tree marks DMA coherent"
else
	is "$ncoh" 0 "virt-noncoherent: no dma-coherent property in the device tree"
fi

# nvme_io: 1 MiB written and read back with O_DIRECT (PRP lists: nvme's
# dma_pool pages, allocated with GFP_ATOMIC on first use).
nvme_io() {
	dd if=/dev/urandom of=/tmp/io bs=64K count=16 2>/dev/null &&
		dd if=/tmp/io of=/dev/nvme0n1 bs=1M count=1 oflag=direct 2>/dev/null &&
		dd if=/dev/nvme0n1 of=/tmp/io.back bs=64K count=16 iflag=direct 2>/dev/null &&
		cmp -s /tmp/io /tmp/io.back
}

# kernel_sizes: the kernel's pools, "dma dma32 kernel" sizes.
kernel_sizes() { echo "$(cat $KP/pool_size_dma) $(cat $KP/pool_size_dma32) $(cat $KP/pool_size_kernel)"; }

if [ "$mode" != coherent ]; then
	# --- the module against the kernel's own pools, as booted
	k0=$(kernel_sizes)
	unload
	load
	ok $? "insmod the cross-built module"
	check "module BTF loaded (/sys/kernel/btf/dmapool_bench)" -- test -e /sys/kernel/btf/dmapool_bench
	cmp -s /sys/kernel/btf/vmlinux "$PWD/build/arm64/$(uname -r)/vmlinux.btf"
	ok $? "tools/vmlinux-btf's BTF from the raw Image equals /sys/kernel/btf/vmlinux"
	is "$(pval dma size) $(pval dma32 size) $(pval kernel size)" "$k0" \
		"the module's initial pools equal the kernel's dma_pools/pool_size_* ($k0)"
	is "$(pval dma present)$(pval dma32 present)$(pval kernel present)" 111 \
		"the module created the three pools, as the kernel did"
	# ZONE_DMA's limit: the kernel's variable where kallsyms has data
	# symbols, else the end of ZONE_DMA's span in /proc/zoneinfo.
	src=$(pval config zone_limits)
	dlim=$(pval dma zone_limit)
	if grep -q ' zone_dma_\(limit\|bits\)$' /proc/kallsyms; then
		[[ $src == zone_dma_limit || $src == zone_dma_bits ]]
		ok $? "ZONE_DMA's limit read from the running kernel's $src ($dlim)"
		# virt's device tree gives no DMA range: arm64 then limits
		# ZONE_DMA to 32 bits (all of this guest's RAM, at 1-2 GiB)
		is "$dlim" 0xffffffff "... 32 bits on virt"
	else
		span=$(awk '$1 == "Node" && $4 == "DMA" { z = 1; next }
			$1 == "Node" { z = 0 }
			z && $1 == "spanned" { sp = $2 } z && $1 == "start_pfn:" { st = $2 }
			END { printf "0x%x", (st + sp) * 4096 - 1 }' /proc/zoneinfo)
		is "$src $dlim" "zone_span $span" \
			"no data symbols in kallsyms: ZONE_DMA's limit is its span's end in /proc/zoneinfo"
	fi
	is "$(pval dma32 zone_limit)" 0xffffffff "ZONE_DMA32 ends at 4 GiB"

	# --- the load generator in hardirq context
	run_spec "ctx=hardirq cpus=0-1 ops=4000 size=4K,16K:3,64K hold=ops:16"
	ok $? "a hardirq run completes"
	is "$(lstat state) $(lstat ctx_violations)" "done 0" \
		"hardirq run: done, 0 context violations"
	is "$(lstat allocs)" "$(lstat frees)" "hardirq run: allocs = frees ($(lstat allocs))"
	cmp_ok "$(lstat allocs)" -ge 7000 "hardirq run: allocations were made"

	# --- run: result with the BPF cross-check
	$B run --ctx hardirq --cpus 0-1 --ops 3000 --size 4K,8K:3 --hold ops:8 \
		-o "$out/run" >"$out/run.log" 2>&1
	ok $? "dmapool-bench run (hardirq, 2 CPUs)" || sed 's/^/# /' "$out/run.log"
	jget "$out/run/result.json" x_ok='.runs[0].crosscheck.ok' \
		x_exact='.runs[0].crosscheck.exact' bpf_allocs='.runs[0].counters.allocs' \
		mod_allocs='.runs[0].module_stats.allocs' viol='.runs[0].module_stats.ctx_violations'
	is "$x_ok $x_exact" "true true" "run: the BPF cross-check is exact"
	is "$bpf_allocs" "$mod_allocs" "run: BPF allocs = module allocs ($mod_allocs)"
	is "$viol" 0 "run: 0 context violations"
	unload
fi

# --- the kernel's own pool under real drivers: monitor --by dev + NVMe I/O
att=auto
[ "$mode" = basic ] && att=kprobe
k0=$(kernel_sizes)
start_mon "$att" 0.5
if [ "$mode" = full ]; then
	# capture attaches too (fentry/fexit), for the x86 replay
	$B capture -o "$out/capture.jsonl" >"$out/capture.log" 2>&1 &
	cap=$!
	wait_for "$out/capture.log" 'Capturing'
	ok $? "capture attached" || sed 's/^/# /' "$out/capture.log"
	sleep 0.5
fi
nvme_io
ok $? "1 MiB written to and read back from the NVMe disk (O_DIRECT)"
stop_mon
if [ "$mode" = full ]; then
	kill -INT $cap
	wait $cap
	ok $? "capture ends on SIGINT and writes its file" || sed 's/^/# /' "$out/capture.log"
fi
k1=$(kernel_sizes)

nv='[.[] | select(.holders) | .holders[] | select(.driver == "nvme")]'
jget -s "$out/mon.json" allocs='[.[] | select(.pools) | .pools[].allocs] | add' \
	nvme_allocs="$nv | map(.allocs) | add // 0" \
	nvme_live="$nv | map(.live_bytes) | max // 0" \
	kexp='[.[] | .expansion_events // [] | .[] | select(.pool == "kernel")] | length' \
	msz0='[.[] | select(.pools) | .pools.kernel.size][0]' \
	msz1='[.[] | select(.pools) | .pools.kernel.size][-1]'
if [ "$mode" = coherent ]; then
	is "$allocs" 0 "stock virt (coherent): the same I/O makes no pool allocation"
	is "$nvme_allocs" 0 "stock virt: no nvme holder allocation"
	is "$k1" "$k0" "stock virt: the kernel's pools did not grow ($k1)"
	cmp_ok "$msz0" -ge 131072 "stock virt: the monitor reports the kernel pool's size ($msz0)"
	is "$msz1" "$msz0" "stock virt: the monitor shows the same kernel pool size throughout"
else
	cmp_ok "$nvme_allocs" -ge 1 "the nvme device allocated from the real pool ($nvme_allocs)"
	cmp_ok "$nvme_live" -ge 4096 "the nvme device holds pool blocks ($nvme_live bytes)"
	cmp_ok "$msz1" -gt "$msz0" "the monitor shows the kernel pool grow: $msz0 -> $msz1 bytes"
	is "$msz1" "${k1##* }" "... to the kernel's own dma_pools/pool_size_kernel"
	if grep -q ' atomic_pool_kernel$' /proc/kallsyms; then
		cmp_ok "$kexp" -ge 1 "the monitor saw the kernel pool's expansion event"
	else
		grep -q 'not in /proc/kallsyms (kernel without CONFIG_KALLSYMS_ALL)' "$out/mon.err"
		ok $? "no pool variables in kallsyms: the monitor says expansion events are unknown"
	fi
	grep -q 'nvme' "$out/mon.json" && grep -q 'dma_pool_alloc' "$out/mon.json"
	ok $? "the exit summary's stacks go through dma_pool_alloc in nvme"
fi

if [ "$mode" = full ]; then
	$B capture --check "$out/capture.jsonl" >"$out/check.log" 2>&1
	ok $? "capture --check accepts the arm64 capture" || sed 's/^/# /' "$out/check.log"
	jget -s "$out/capture.jsonl" c_arch='.[0].meta.arch' \
		c_nvme='[.[] | select(.driver == "nvme")] | length'
	is "$c_arch" aarch64 "the capture's header says aarch64"
	cmp_ok "$c_nvme" -ge 1 "the capture holds the nvme allocations ($c_nvme)"
fi
if [ "$mode" = basic ]; then
	# No fentry on Debian's 6.1 arm64 kernel: capture says so, writes nothing.
	$B capture -d 1s -o "$out/none.jsonl" >"$out/nocap.log" 2>&1
	rc=$?
	grep -q 'fentry' "$out/nocap.log" && [ $rc -ne 0 ]
	ok $? "capture without fentry: an error naming fentry (exit $rc)" ||
		sed 's/^/# /' "$out/nocap.log"
	check "... and no file" -- test ! -e "$out/none.jsonl"
fi
tap_done
