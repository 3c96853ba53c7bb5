# SPDX-License-Identifier: GPL-2.0
# Helpers for guest suites: they run as root inside tools/dmapool-vm with the
# module path in DMAPOOL_KO. Source it after tests/lib/tap.sh.

D=/sys/kernel/debug/dmapool_bench
T=/sys/kernel/tracing
: "${DMAPOOL_KO:?DMAPOOL_KO must name the dmapool_bench.ko to test}"

load() { insmod "$DMAPOOL_KO" "$@"; }
unload() { ! [ -d /sys/module/dmapool_bench ] || rmmod dmapool_bench; }
reload() { unload && load "$@"; }

# The helpers that read the module's files do so in bash: a process started
# in a TCG guest costs 50-200 ms, and the suites call them hundreds of times.

# field FILE KEY: the second word of every line of FILE whose first word is
# KEY (awk '$1 == KEY { print $2 }').
field() {
	local k v _
	while read -r k v _ || [ -n "$k" ]; do
		[ "$k" = "$2" ] && printf '%s\n' "$v"
	done <"$1"
}

# pval POOL KEY: a value from the `pools` file ([POOL] section, "KEY: value").
pval() {
	local k v _ in_sec=0
	while read -r k v _ || [ -n "$k" ]; do
		if [[ $k == \[* ]]; then
			in_sec=0
			[ "$k" = "[$1]" ] && [ -z "$v" ] && in_sec=1
			continue
		fi
		[ $in_sec = 1 ] && [ "$k" = "$2:" ] && printf '%s\n' "$v"
	done <"$D/pools"
}

# cmd LINE...: write one command; the exit status tells whether it was taken.
cmd() { echo "$*" >"$D/cmd"; }

# res KEY: a key=value field of the last command's result.
res() {
	local -a w
	local f
	while read -r -a w || [ ${#w[@]} -gt 0 ]; do
		for f in "${w[@]}"; do
			[[ $f == "$1="* ]] && printf '%s\n' "${f#"$1="}"
		done
		w=()
	done <"$D/cmd"
}

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
lstat() { field "$D/stats" "$1:"; }

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
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# jget [-s] FILE VAR=FILTER...: each VAR = `jq -r [-s] FILTER FILE` (compact JSON
# for arrays and objects, as jq -c), all in one jq: a jq process costs about
# 0.2 s in a TCG guest. A filter that yields nothing gives "" (as jq -r);
# an unreadable FILE "<no value: VAR>", never equal to another VAR's.
jget() {
	local slurp= f prog= a i=0
	local -a vals
	[ "$1" = -s ] && slurp=-s && shift
	f=$1
	shift
	for a; do
		prog+="${prog:+, }([${a#*=}] | if length == 0 then \"\" else .[0] end |
			if type == \"string\" and (test(\"\\n\") | not) then . else tojson end)"
	done
	# (No process substitution: the guest's /dev has no /dev/fd.)
	a=$(jq -r $slurp "$prog" "$f"; echo .)
	mapfile -t vals <<<"${a%.}"
	unset 'vals[-1]'
	for a; do
		printf -v "${a%%=*}" '%s' "${vals[i]-<no value: ${a%%=*}>}"
		i=$((i + 1))
	done
}
