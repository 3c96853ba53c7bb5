#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: outputs appear whole or not at all. `plot` (a result file into
# CSVs and PNG/SVG images through gnuplot) and `report --plot` (a recording,
# tests/data/record.dpr, into result.json, CSVs and images) are killed at
# random points, each into one directory it writes again and again:
#   - SIGKILL, 50 times each: every file under a final name is absent or
#     byte for byte the reference run's (a partial PNG lacks its IEND chunk,
#     a partial SVG its </svg>); no gnuplot outlives its parent; the only
#     other files are our temporaries (.NAME.tmp.SPACE.PID.XXXXXX), and the
#     next successful run in the directory removes them, but not a live
#     writer's, nor a fresh one of another PID space (a guest's, whose PID
#     means nothing here);
#   - SIGTERM (to the process) and SIGINT (to its process group, as ^C
#     sends it), 10 times each: exit by that signal (or 0 when it finished
#     first), no temporary left at all.
# Delays are uniform up to the reference run's duration (report: every
# other one within its first 20 ms, where it writes result.json and CSVs).
# KILL_SEED=N repeats a sequence. Needs gnuplot. About 30 s.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=$PWD/build/dmapool-bench
REC=tests/data/record.dpr
RESULT=results/baseline/result.json
KILLS=${KILLS:-50}
SIGS=${SIGS:-10}

declare -A dur
T=$(mktemp -d)
sleeper=
cleanup() {
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

seed=${KILL_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$seed
diag "seed $seed (KILL_SEED=$seed repeats this sequence)"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# set_argv KIND DIR: the command line of a run of KIND into DIR, in argv
set_argv() {
	case $1 in
	plot) argv=("$B" plot "$RESULT" -o "$2") ;;
	report) argv=("$B" report "$REC" -o "$2" --plot) ;;
	esac
}

# The reference outputs, and how long a run takes (the second of two: the
# first one is slower, with cold caches).
for kind in plot report; do
	set_argv $kind "$T/ref-$kind"
	"${argv[@]}" >/dev/null 2>&1
	ok $? "$kind: the reference run succeeds"
	t0=$(now_ms)
	"${argv[@]}" >/dev/null 2>&1
	dur[$kind]=$(( $(now_ms) - t0 ))
	n=$(find "$T/ref-$kind" -type f | wc -l)
	cmp_ok "$n" -ge 10 "$kind: the reference wrote $n files in ${dur[$kind]} ms"
	hidden=("$T/ref-$kind"/.[!.]*)
	[ ! -e "${hidden[0]}" ]
	ok $? "$kind: the reference run left no temporary"
done
tail -c 8 "$T/ref-plot/spectrum.png" | od -An -c | grep -q 'I   E   N   D'
ok $? "the reference PNG ends with its IEND chunk"
tail -c 8 "$T/ref-plot/spectrum.svg" | grep -q '</svg>'
ok $? "the reference SVG ends with </svg>"

# refsums KIND: the reference's checksums into sum_KIND[NAME]
# shellcheck disable=SC2034 # used through namerefs
declare -A sum_plot sum_report
refsums() {
	# shellcheck disable=SC2178 # a nameref to an associative array
	local -n sums=sum_$1
	local h f
	while read -r h f; do
		# shellcheck disable=SC2004 # a key, not arithmetic
		sums[$f]=$h
	done < <(cd "$T/ref-$1" && md5sum -- *)
}

# check_dir KIND DIR [PID]: "BAD TEMPS NEW MINE": files under final names
# that are not the reference's, temporaries (hidden files but the planted
# foreign one), those of them the test did not plant, and those of PID.
# One md5sum for all the files.
check_dir() {
	local kind=$1 d=$2 f base bad=0 temps=0 new=0 mine=0 h
	# shellcheck disable=SC2178 # a nameref to an associative array
	local -n sums=sum_$kind
	for f in "$d"/.[!.]*; do
		[ -e "$f" ] || continue
		base=${f##*/}
		[ "$base" = .result.json.Ab12Cd ] && continue
		temps=$((temps + 1))
		[[ $base =~ (Live01|Dead01|Old001|Guest1|Gold01)$ ]] || new=$((new + 1))
		[[ $base == *.tmp.$space.${3:-none}.* ]] && mine=$((mine + 1))
	done
	while read -r h base; do
		if [ "${sums[$base]:-}" != "$h" ]; then
			bad=$((bad + 1))
			echo "#   $kind: $base is not the reference's ($(stat -c %s "$d/$base") bytes)" >&2
		fi
	done < <(cd "$d" && md5sum -- * 2>/dev/null)
	echo "$bad $temps $new $mine"
}
refsums plot
refsums report

# gnuplots of ours still running (their command line names our directory)
# and not dying: a SIGKILL pending, exiting (PF_EXITING) or a zombie. One
# killed with its parent may take a moment to go on a busy host.
orphans() {
	local n=0 p state flags pnd
	for p in $(pgrep -f "datadir='$T/"); do
		# comm is "gnuplot": no space to shift the fields
		read -r _ _ state _ _ _ _ _ flags _ <"/proc/$p/stat" 2>/dev/null || continue
		[[ $state == [ZX] ]] && continue
		(( flags & 0x4 )) && continue
		pnd=$(awk '/^(SigPnd|ShdPnd):/ { printf "0x%s ", $2 }' "/proc/$p/status" 2>/dev/null)
		for v in $pnd; do (( v & 0x100 )) && continue 2; done
		[ -d "/proc/$p" ] && n=$((n + 1))
	done
	echo "$n"
}

# start KIND DIR [setsid]: run KIND in the background, $pid, SIGINT and
# SIGTERM at their default action (a background job of a script ignores
# SIGINT); with setsid in a process group of its own
start() {
	set_argv "$1" "$2"
	if [ "${3:-}" = setsid ]; then
		setsid env --default-signal=INT,TERM "${argv[@]}" >/dev/null 2>&1 &
	else
		env --default-signal=INT,TERM "${argv[@]}" >/dev/null 2>&1 &
	fi
	pid=$!
}

# delay KIND I: $dly, a random delay in s for kill I of KIND (not in a
# subshell: that would not advance $RANDOM here)
delay() {
	local max=$((dur[$1] + dur[$1] / 10 + 1)) ms
	[ "$1" = report ] && [ $(($2 % 2)) -eq 1 ] && max=20
	ms=$(((RANDOM * 32768 + RANDOM) % max))
	dly=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
}

# Our PID space as afile.c names it: this boot and this PID namespace.
space=$(head -c8 /proc/sys/kernel/random/boot_id)-$(printf %08x "$(stat -Lc %i /proc/self/ns/pid)")
# Another's (a guest writing through a 9p share): its PIDs mean nothing here.
other=0badc0de-effffffc
# A live writer's temporary in a directory and a guest's, and three stale
# ones: a dead PID's, a live PID's untouched for two days (a reused PID),
# and a guest's untouched for two days.
sleep 1000 &
sleeper=$!
dead=$(sh -c 'echo $$')
plant() { # plant DIR
	: >"$1/.spectrum.png.tmp.$space.$sleeper.Live01"
	: >"$1/.spectrum.svg.tmp.$other.$dead.Guest1"
	: >"$1/.hist.svg.tmp.$space.$dead.Dead01"
	: >"$1/.timeline.csv.tmp.$space.$sleeper.Old001"
	: >"$1/.hist.png.tmp.$other.$dead.Gold01"
	touch -d '2 days ago' "$1/.timeline.csv.tmp.$space.$sleeper.Old001" \
		"$1/.hist.png.tmp.$other.$dead.Gold01"
	: >"$1/.result.json.Ab12Cd"	# not ours: another tool's, or the old naming
}
while kill -0 "$dead" 2>/dev/null; do dead=$(sh -c 'echo $$'); done	# reused at once

for kind in plot report; do
	d=$T/kill-$kind
	mkdir -p "$d"
	plant "$d"
	killed=0 landed=0 partial=0 stray=0 swept=0 unswept=0 orph=0
	t0=$(now_ms)
	for i in $(seq 1 "$KILLS"); do
		start $kind "$d"
		delay $kind "$i"
		sleep "$dly"
		kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" 2>/dev/null
		# At once: a writer that outlived us could still complete a file.
		read -r bad temps new mine < <(check_dir $kind "$d" "$pid")
		partial=$((partial + bad))
		orph=$((orph + $(orphans)))
		[ "$mine" -gt 0 ] && landed=$((landed + 1))
		# Every 10th: a run that completes sweeps the dead writers' files.
		if [ $((i % 10)) -eq 0 ]; then
			set_argv $kind "$d"
			"${argv[@]}" >/dev/null 2>&1 || stray=$((stray + 1))
			read -r bad temps new mine < <(check_dir $kind "$d")
			partial=$((partial + bad))
			if [ "$temps" -eq 2 ] && [ -e "$d/.spectrum.png.tmp.$space.$sleeper.Live01" ] &&
			   [ -e "$d/.spectrum.svg.tmp.$other.$dead.Guest1" ]; then
				swept=$((swept + 1))
			else
				unswept=$((unswept + 1))
				for f in "$d"/.*.tmp.*; do diag "  left: ${f##*/}"; done
			fi
		fi
	done
	diag "$kind: $KILLS SIGKILLs in $(( $(now_ms) - t0 )) ms, $killed hit a live process, $landed left a temporary"
	is "$partial" 0 "$kind: SIGKILL x $KILLS: no partial or foreign file under a final name"
	is "$orph" 0 "$kind: SIGKILL: no gnuplot outlives its parent"
	cmp_ok "$landed" -ge 1 "$kind: SIGKILL: some kills landed while a temporary was open ($landed)"
	is "$stray" 0 "$kind: the runs after the kills succeed"
	is "$unswept" 0 "$kind: each successful run removed the dead writers' temporaries, not the live one nor the guest's ($swept sweeps)"
	[ -e "$d/.result.json.Ab12Cd" ]
	ok $? "$kind: a file not of our naming is left alone"
	n=$(find "$d" -maxdepth 1 -type f ! -name '.*' | wc -l)
	is "$n" "$(find "$T/ref-$kind" -type f | wc -l)" "$kind: the directory holds the reference's files"
	rm -f "$d/.spectrum.png.tmp.$space.$sleeper.Live01" "$d/.spectrum.svg.tmp.$other.$dead.Guest1"
done

# SIGTERM to the process, SIGINT to its group: no temporary, killed by it.
for kind in plot report; do
	for sig in TERM INT; do
		d=$T/$sig-$kind
		mkdir -p "$d"
		temps_all=0 bad_all=0 status_bad=0 by_sig=0
		for i in $(seq 1 "$SIGS"); do
			if [ $sig = INT ]; then
				start $kind "$d" setsid
				delay $kind "$i"
				sleep "$dly"
				kill -INT -- "-$pid" 2>/dev/null
			else
				start $kind "$d"
				delay $kind "$i"
				sleep "$dly"
				kill -TERM "$pid" 2>/dev/null
			fi
			wait "$pid"
			st=$?
			want=$((128 + $(kill -l $sig)))
			if [ $st -eq "$want" ]; then
				by_sig=$((by_sig + 1))
			elif [ $st -ne 0 ]; then
				status_bad=$((status_bad + 1))
				diag "$kind SIG$sig: exit $st"
			fi
			read -r bad temps new mine < <(check_dir $kind "$d")
			temps_all=$((temps_all + temps))
			bad_all=$((bad_all + bad))
		done
		is "$temps_all" 0 "$kind: SIG$sig x $SIGS ($by_sig while running): no temporary left"
		is "$bad_all" 0 "$kind: SIG$sig: no partial file under a final name"
		is "$status_bad" 0 "$kind: SIG$sig: the exit status says killed by SIG$sig (or 0: done first)"
	done
done
is "$(orphans)" 0 "no gnuplot of ours left running"
tap_done
