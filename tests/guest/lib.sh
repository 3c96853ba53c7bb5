# SPDX-License-Identifier: GPL-2.0
# Helpers for guest suites: they run as root inside tools/dmapool-vm with the
# module path in DMAPOOL_KO. Source it after tests/lib/tap.sh.

D=/sys/kernel/debug/dmapool_bench
T=/sys/kernel/tracing
: "${DMAPOOL_KO:?DMAPOOL_KO must name the dmapool_bench.ko to test}"

load() { insmod "$DMAPOOL_KO" "$@"; }
unload() { ! [ -d /sys/module/dmapool_bench ] || rmmod dmapool_bench; }
reload() { unload && load "$@"; }

# pval POOL KEY: a value from the `pools` file ([POOL] section, "KEY: value").
pval() {
	awk -v sec="[$1]" -v key="$2:" '
		$0 == sec { in_sec = 1; next }
		/^\[/ { in_sec = 0 }
		in_sec && $1 == key { print $2 }' "$D/pools"
}

# cmd LINE...: write one command; the exit status tells whether it was taken.
cmd() { echo "$*" >"$D/cmd"; }

# res KEY: a key=value field of the last command's result.
res() { tr ' ' '\n' <"$D/cmd" | sed -n "s/^$1=//p"; }

param() { cat "/sys/module/dmapool_bench/parameters/$1"; }
set_param() { echo "$2" >"/sys/module/dmapool_bench/parameters/$1"; }

trace_on() { # trace_on EVENT...: clear the buffer, enable only these events
	# Recording comms hooks sched_switch/sched_wakeup: flipping those hot
	# static keys under QEMU TCG (7.2) has oopsed a CPU on a stale int3 in
	# ttwu_do_activate. The suites need no comms: keep those keys alone.
	echo 0 >"$T/options/record-cmd"
	echo 0 >"$T/tracing_on"
	echo 0 >"$T/events/enable"
	: >"$T/trace"
	local e
	for e in "$@"; do
		echo 1 >"$T/events/dmapool_bench/$e/enable"
	done
	echo 1 >"$T/tracing_on"
}

trace_off() {
	echo 0 >"$T/tracing_on"
	echo 0 >"$T/events/enable"
}

# trace_lines EVENT: the event's lines from the trace buffer (fields only).
trace_lines() { grep " $1: " "$T/trace" | sed "s/.* $1: //"; }

# memfree_kb: free memory in kB, counting the pages freed onto per-CPU lists
# (not in MemFree; since 6.7 those lists grow to several MB, and a freed
# block can sit there when the test looks).
memfree_kb() {
	local pcp
	pcp=$(awk '$1 == "count:" { n += $2 } END { print n + 0 }' /proc/zoneinfo)
	awk -v pcp="$pcp" '$1 == "MemFree:" { print $2 + pcp * 4 }' /proc/meminfo
}

# lstat KEY: a value from the load generator's `stats` file.
lstat() { awk -v key="$1:" '$1 == key { print $2 }' "$D/stats"; }

# run_spec SPEC...: start a run and wait until it is no longer running.
run_spec() {
	echo "$*" >"$D/control" || return
	wait_idle
}

wait_idle() { # up to 120 s
	local i
	for i in $(seq 1200); do
		[ "$(lstat state)" != running ] && return 0
		sleep 0.1
	done
	return 1
}

# pools_full: every present pool has all of its bytes available again.
pools_full() {
	local p
	for p in dma dma32 kernel; do
		[ "$(pval $p present)" = 1 ] || continue
		[ "$(pval $p avail)" = "$(pval $p size)" ] || return 1
	done
}

# wait_for FILE PATTERN: until a line of FILE matches PATTERN (30 s at most).
wait_for() {
	local i
	for i in $(seq 300); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
