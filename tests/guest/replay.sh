#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: replay of captured traffic (run --replay, the module's
# `replay` file). Tier 2: our own code path, the same on every kernel.
#
# "Equal to the captured traffic" here means: the allocations are executed
# in capture order with the captured sizes (page-aligned, as dma-direct
# asks the pool), zones, masks and contexts; the interleaving of
# allocations and frees is exactly the capture's (at equal times a free
# goes after its own allocation and before younger ones); every scheduled
# time, and so every scheduled lifetime (free's time minus allocation's),
# equals the captured one divided by the speed, to the nanosecond; no
# operation runs before its time; and blocks the capture never saw freed
# are freed only at the end. Measured lifetimes differ from the scheduled
# ones by the lateness of the two operations (TCG timers run late by
# milliseconds): it is reported, not asserted.
#
# The expected schedule is computed from the capture here, with jq,
# independently of the CLI's conversion.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh
B=${DMAPOOL_CLI:-build/dmapool-bench}
FIX=tests/data/replay-two-devices.jsonl
out=$(mktemp -d)
t_start=$(date +%s)

# expected CAPTURE SPEED_MILLI: "op id size ctx t_sched" per scheduled op.
expected() {
	jq -s -r --argjson sp "$2" '
		[.[] | select(.t_ns != null)] as $r | $r[0].t_ns as $t0 |
		[$r | to_entries[] | .key as $i | .value as $v |
		 ({k: $i, t: ($v.t_ns - $t0),
		   l: "a \($i) \((($v.size + 4095) / 4096 | floor) * 4096) \($v.ctx)"},
		  (if $v.life_ns != null then
			{k: ($i + 0.5), t: ($v.t_ns - $t0 + $v.life_ns),
			 l: "f \($i) 0 \($v.free_ctx)"} else empty end))]
		| sort_by(.t, .k) | .[] | "\(.l) \(.t * 1000 / $sp | floor)"' "$1"
}

# executed: the same fields from the module's replay_log.
executed() { awk '$1 == "a" || $1 == "f" { print $1, $2, $3, $4, $8 }' "$D/replay_log"; }

# wr LINE...: the lines in one write(2) (the shell's printf writes each line
# on its own; cat writes a small file at once).
wr() { printf '%s\n' "$@" >"$out/w" && cat "$out/w" >"$D/replay"; }

# ok_log STATUS LOG DESCRIPTION: ok, with the log's tail when it failed.
ok_log() {
	ok "$1" "$3"
	[ "$1" -eq 0 ] || tail -n 20 "$2" | sed 's/^/#   /'
}

rstat() { awk -v key="$1:" '$1 == key { print $2 }' "$D/replay"; }

# check_replay CAPTURE SPEED_MILLI RESULT LABEL: the log against the capture
# (and RESULT's meta.replay and cross-check, unless it is -).
check_replay() {
	local cap=$1 sp=$2 res=$3 what=$4 never
	expected "$cap" "$sp" >"$out/want"
	executed >"$out/got"
	if diff "$out/want" "$out/got" >"$out/diff"; then
		ok 0 "$what: order, sizes, contexts and scheduled times ($(wc -l <"$out/want") ops) equal the capture's"
	else
		ok 1 "$what: order, sizes, contexts and scheduled times equal the capture's"
		sed 's/^/#   /' "$out/diff" | head -20
	fi
	is "$(awk '($1 == "a" || $1 == "f") && $9 < $8' "$D/replay_log" | wc -l)" 0 \
		"$what: no operation ran before its scheduled time"
	is "$(awk '$1 != "#" { if ($9 < last) n++; last = $9 } END { print n + 0 }' "$D/replay_log")" 0 \
		"$what: execution times never go back"
	is "$(awk '$1 == "a" || $1 == "f" { n += !$7 } END { print n + 0 }' "$D/replay_log")" 0 \
		"$what: every operation ran in its context (in_hardirq() etc., per op)"
	never=$(jq -s -r '[.[] | select(.t_ns != null)] | to_entries[] |
		select(.value.life_ns == null) | .key' "$cap" | sort -n | tr '\n' ' ')
	is "$(awk '$1 == "e" { print $2 }' "$D/replay_log" | sort -n | tr '\n' ' ')" "$never" \
		"$what: only the never-freed blocks ($never) are freed at the end"
	diag "$what: lateness max $(rstat max_lateness_ns) ns, avg $(rstat avg_lateness_ns) ns;" \
	     "measured minus scheduled lifetime, min/max ns:" \
	     "$(awk '$1 == "a" { a[$2] = $9 - $8 } $1 == "f" { d = ($9 - $8) - a[$2]; if (!n++ || d < lo) lo = d; if (d > hi) hi = d }
		     END { print lo + 0, hi + 0 }' "$D/replay_log")"
	[ "$res" = - ] && return
	is "$(jq -r '.meta.replay | "\(.records) \(.crc32)"' "$res")" \
	   "$(jq -s -r '.[-1].end | "\(.records) \(.crc32)"' "$cap")" \
	   "$what: meta.replay names the capture's records and crc32"
	is "$(jq -r '.runs[0].crosscheck.ok' "$res")" true \
	   "$what: BPF counts equal the module's ($(jq -r '.runs[0].crosscheck.message' "$res"))"
}

# --- 1. a hand-written capture: two devices, every context, ties ----------
load || exit 1
$B run --replay $FIX -o "$out/r1" >"$out/r1.log" 2>&1
ok_log $? "$out/r1.log" "run --replay $FIX"
check_replay $FIX 1000 "$out/r1/result.json" "hand-written capture"
is "$(rstat ctx_violations)/$(rstat free_errors)/$(rstat outstanding)" 0/0/0 \
	"no context violations, no free errors, nothing outstanding"
is "$(jq -r '[.runs[0].cases[] | select(.op == "alloc")] | group_by(.ctx) |
	map("\(.[0].ctx)=\(map(.n) | add)") | join(" ")' "$out/r1/result.json")" \
	"atomic=2 hardirq=3 process=3 softirq=2" \
	"BPF sees each allocation in its captured context"
pools_full
ok $? "every pool has all its bytes back"

# The same schedule again, still loaded, straight through the file.
echo "start speed=2.5" >"$D/replay"
ok $? "start speed=2.5 (the schedule the CLI loaded)"
for _ in $(seq 100); do [ "$(rstat state)" = running ] || break; sleep 0.1; done
check_replay $FIX 2500 - "speed 2.5"

# --- 2. the replay file: refusals, limits, exclusion, stop, rmmod ----------
echo clear >"$D/replay"
wr "a 0 0 4096 kernel 64 process" "a 1 5 4096 kernel 64 process"
ok $? "two schedule lines in one write"
for bad in "a 3 10 4096 kernel 64 process:id" "a 2 1 4096 kernel 64 process:t_ns" \
	   "a 2 10 0 kernel 64 process:size" "a 2 10 4096 normal 64 process:zone" \
	   "a 2 10 4096 kernel 20 process:mask_bits" "a 2 10 4096 kernel 64 irq:ctx" \
	   "a 2 10 4096 kernel 64 process extra:line" "f 9 10 process:id" "x 1 2:operation"; do
	line=${bad%:*} field=${bad##*:}
	dmesg -C
	wr "f 0 7 process" "$line" 2>/dev/null
	rc=$?
	msg=$(dmesg | grep -c "replay: line 4: $field '")
	ok $(( rc == 0 || msg != 1 )) "refused as a whole: '$line' (-EINVAL, one message naming line 4 and $field)"
done
is "$(rstat scheduled_ops)" 2 "refused chunks left nothing behind"
echo "start speed=0" >"$D/replay" 2>/dev/null
ok $(( ! $? )) "start speed=0 refused"

# The bound: 65,536 operations, written in chunks of 1,500 lines (< 64 KiB).
echo clear >"$D/replay"
t_big=$(date +%s%N)
awk 'BEGIN { for (i = 0; i < 65537; i++) printf "a %d %d 4096 kernel 64 process\n", i, i }' \
	>"$out/big"
split -l 1500 "$out/big" "$out/chunk."
n_ok=0
for c in "$out"/chunk.*; do cat "$c" >"$D/replay" 2>/dev/null && n_ok=$((n_ok + 1)); done
is "$(rstat scheduled_ops)/$n_ok" 64500/43 "64,500 operations in 1,500-line writes; the chunk reaching line 65,537 refused whole"
dmesg | grep -q "replay: line 65537: more than 65536 operations"
ok $? "the refusal names line 65537 and the bound"
diag "the bound's part: $((($(date +%s%N) - t_big) / 1000000)) ms"

# A long replay: the generator is refused while it runs, and the other way.
echo clear >"$D/replay"
awk 'BEGIN { for (i = 0; i < 400; i++) printf "a %d %d 4096 kernel 64 %s\n", i, i * 10000000, (i % 2 ? "softirq" : "atomic") }' \
	>"$out/long"
cat "$out/long" >"$D/replay"
echo start >"$D/replay"
ok $? "a 4 s replay starts"
sleep 0.3
echo "ctx=process cpus=0 ops=10" >"$D/control" 2>/dev/null
ok $(( ! $? )) "a generator run is refused while a replay runs (EBUSY)"
echo stop >"$D/replay"
is "$(rstat state)/$(rstat outstanding)" stopped/0 "stopped mid-replay: every block back"
cmp_ok "$(rstat executed)" -lt 400 "  before the schedule's end"
pools_full
ok $? "  every pool has all its bytes back"
echo "ctx=process cpus=0 duration_ms=3000 size=4K" >"$D/control"
echo start >"$D/replay" 2>/dev/null
ok $(( ! $? )) "a replay is refused while a generator run is on (EBUSY)"
echo stop >"$D/control"
echo start >"$D/replay"
sleep 0.3
unload
ok $? "rmmod in the middle of a replay"
load || exit 1

# --- 3. real traffic: capture real_pool from two devices, replay it --------
if ! $B capture --help >/dev/null 2>&1; then
	skip "no capture subcommand in this build" "capture of real_pool_test traffic, replayed"
else
	reload real_pool_test=1 || exit 1
	R=$D/real_pool
	$B capture -o "$out/cap.jsonl" >"$out/cap.log" 2>"$out/cap.err" &
	cap=$!
	wait_for "$out/cap.err" 'Capturing'
	ok $? "capture attached"
	# A scripted sequence: blocks of two devices, held across each other
	# (ids: the lowest free real_pool slot + 1); 1, 3 and 2 stay held.
	for step in "alloc 4K dev=a" "alloc 8K dev=b" "alloc 16K dev=a" "free 1" \
		    "alloc 4K dev=b zone=dma32 mask=32" "free 3" "alloc 32K dev=a" \
		    "free 2" "alloc 8K dev=b"; do
		echo "$step" >"$R" || diag "real_pool refused '$step'"
		sleep 0.02
	done
	kill -INT $cap
	wait $cap
	ok_log $? "$out/cap.err" "capture of a scripted real_pool sequence on dmapool-real-a and -b"
	echo "free all" >"$R"
	is "$(jq -s '[.[] | select(.t_ns != null)] | length' "$out/cap.jsonl")" 6 \
		"the capture holds the 6 allocations"
	$B run --replay "$out/cap.jsonl" --speed 2 -o "$out/r3" >"$out/r3.log" 2>&1
	ok_log $? "$out/r3.log" "run --replay of the capture --speed 2"
	check_replay "$out/cap.jsonl" 2000 "$out/r3/result.json" "captured real_pool traffic"
	is "$(jq -r .meta.replay.speed "$out/r3/result.json")" 2 "meta.replay.speed 2"
	$B compare --replay "$out/cap.jsonl" --recommend -o "$out/cmp" >"$out/cmp.log" 2>&1
	ok_log $? "$out/cmp.log" "compare --replay --recommend"
	grep -q "recommend (.*): coherent_pool=[0-9]*K" "$out/cmp.log"
	ok $? "it prints a size: $(grep -o 'coherent_pool=[0-9]*K' "$out/cmp.log" | head -1)"
	grep -q "workload: replay of $out/cap.jsonl" "$out/cmp.log"
	ok $? "and names the capture it replays"

	# --- 4. a replay's recommendation = the hand-written profile's -------
	# tests/data/profile-replay-equiv.json says in streams what this
	# sequence does: dev=a holds 48K (a 64K-aligned block), dev=b takes
	# and gives back 4K twice. Every pool starts empty and nothing waits
	# for an expansion, so both searches must land on the same size: the
	# smallest whole-page coherent_pool whose pools hold a 64K-aligned 48K
	# block beside a 4K one.
	reload real_pool_test=1 || exit 1	# compare left its own module
	$B capture -o "$out/cap4.jsonl" >"$out/cap4.log" 2>"$out/cap4.err" &
	cap=$!
	wait_for "$out/cap4.err" 'Capturing'
	ok $? "capture attached (section 4)"
	for step in "alloc 48K dev=a" "alloc 4K dev=b" "free 2" "alloc 4K dev=b" "free 2"; do
		echo "$step" >"$R" || diag "real_pool refused '$step'"
		sleep 0.02
	done
	kill -INT $cap
	wait $cap
	ok_log $? "$out/cap4.err" "capture of 48K held on dev=a, 4K twice on dev=b"
	echo "free all" >"$R"
	$B compare --replay "$out/cap4.jsonl" --recommend --from 32K -o "$out/cmp4r" \
		>"$out/cmp4r.log" 2>&1
	ok_log $? "$out/cmp4r.log" "compare --replay --recommend --from 32K"
	$B compare --profile tests/data/profile-replay-equiv.json --recommend --from 32K \
		-o "$out/cmp4p" >"$out/cmp4p.log" 2>&1
	ok_log $? "$out/cmp4p.log" "compare --profile (the equivalent hand-written profile) --recommend --from 32K"
	rec_r=$(grep -o 'recommend (.*): coherent_pool=[0-9]*K' "$out/cmp4r.log" | grep -o '[0-9]*K$')
	rec_p=$(grep -o 'recommend (.*): coherent_pool=[0-9]*K' "$out/cmp4p.log" | grep -o '[0-9]*K$')
	# A missing size or file differs on each side: it can never compare equal.
	is "${rec_r:-replay: no size}" "${rec_p:-profile: no size}" \
		"the replay's recommendation equals the profile's (replay ${rec_r:-none}, profile ${rec_p:-none})"
	j_r=$(jq -r 'select(.found == true) | .cmdline' "$out"/cmp4r/*/recommend.json 2>/dev/null)
	j_p=$(jq -r 'select(.found == true) | .cmdline' "$out"/cmp4p/*/recommend.json 2>/dev/null)
	is "${j_r:-replay: not found}" "${j_p:-profile: not found}" \
		"recommend.json agrees: both found, $j_r"
fi
unload
diag "suite time: $(($(date +%s) - t_start)) s"
tap_done
