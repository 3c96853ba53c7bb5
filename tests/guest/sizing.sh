#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the running kernel's own atomic pools are the oracle. Boot the
# guest with coherent_pool=$DMAPOOL_CP on the kernel command line (or none);
# the module, given the same value, must create the same pools with the same
# initial sizes as /sys/kernel/debug/dma_pools/pool_size_*.
#
# The module cannot read the kernel command line (saved_command_line is not
# exported), so a coherent_pool= is passed to both; unset, the module reads
# the kernel's atomic_pool_size and first blocks (bench-module/kpools.c).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh

# (Files are read in bash: a process started in a TCG guest costs 50-200
# ms, and this suite boots 15 times a kernel.)
cp=${DMAPOOL_CP:-}
mem="$(($(field /proc/meminfo MemTotal:) / 1024)) MiB"
label="$(</proc/sys/kernel/osrelease), $mem, coherent_pool=${cp:-unset}"
booted=
[[ $(</proc/cmdline) =~ .*coherent_pool=([^ ]*) ]] && booted=${BASH_REMATCH[1]}
is "$booted" "$cp" \
	"[$label] guest booted with the coherent_pool under test"

unload
load ${cp:+coherent_pool=$cp}
ok $? "[$label] insmod"
for p in dma dma32 kernel; do
	is "$(<$D/pool_size_$p)" "$(</sys/kernel/debug/dma_pools/pool_size_$p)" \
		"[$label] pool_size_$p equals the kernel's"
done
# Unset, the size is the kernel's own atomic_pool_size (read at load time);
# the formula applied now may differ just past a power-of-two GiB.
is "$(pval config sizing)" "$([ -n "$cp" ] && echo parameter || echo kernel)" \
	"[$label] sizing taken from $([ -n "$cp" ] && echo coherent_pool= || echo "the kernel")"
[ -n "$cp" ] || [ "$(pval config formula_target)" = "$(pval config target)" ] ||
	echo "# [$label] here the formula now gives $(pval config formula_target), the kernel's size is $(pval config target)"
unload
tap_done
