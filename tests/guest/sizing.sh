#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the running kernel's own atomic pools are the oracle. Boot the
# guest with coherent_pool=$DMAPOOL_CP on the kernel command line (or none);
# the module, given the same value, must create the same pools with the same
# initial sizes as /sys/kernel/debug/dma_pools/pool_size_*.
#
# The module cannot read the kernel command line (saved_command_line is not
# exported), so the value is passed to both.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh

cp=${DMAPOOL_CP:-}
mem=$(awk '$1 == "MemTotal:" { printf "%d MiB", $2 / 1024 }' /proc/meminfo)
label="$(uname -r), $mem, coherent_pool=${cp:-unset}"
is "$(sed -n 's/.*coherent_pool=\([^ ]*\).*/\1/p' /proc/cmdline)" "$cp" \
	"[$label] guest booted with the coherent_pool under test"

unload
load ${cp:+coherent_pool=$cp}
ok $? "[$label] insmod"
for p in dma dma32 kernel; do
	is "$(cat $D/pool_size_$p)" "$(cat /sys/kernel/debug/dma_pools/pool_size_$p)" \
		"[$label] pool_size_$p equals the kernel's"
done
unload
tap_done
