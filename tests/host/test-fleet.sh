#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: `gate --format ktap|lkp|lava|kcidb` (fleet output formats).
#   - the strict KTAP reader (tests/host/ktap-check.py) refuses what is not
#     KTAP version 1, and takes what we print
#   - on the committed baseline against itself (pass), a doctored slower
#     copy (regression) and a copy with 3 runs (inconclusive): every format
#     passes its grammar (KTAP reader, LKP and LAVA regexes and the LAVA
#     definition's own pattern, the KCIDB schema tests/data/kcidb-tests.
#     schema.json), names and results agree across the formats and with the
#     text table's rows, exit statuses (ktap: kselftest's 0/1/4; others the
#     gate's 0/1/2/3)
#   - rule selectors give names such as p99.alloc.kernel.hardirq.4K, unique
#   - bad --format / --kcidb-origin: one line naming the value, usage status
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=build/dmapool-bench
out=build/test-fleet
base=results/baseline/result.json
rm -rf "$out"
mkdir -p "$out"

# fmt_rc FMT ARGS...: gate --format FMT ARGS, stdout to $out/FMT.txt; the status
fmt_rc() {
	local f=$1
	shift
	$B gate --format "$f" "$@" >"$out/$f.txt" 2>"$out/$f.err"
	echo $?
}

# The KTAP reader itself: one bad input a line of this table, each refused.
ktap_bad() { # ktap_bad DESC TEXT
	printf '%b' "$2" >"$out/bad.ktap"
	! tests/host/ktap-check.py "$out/bad.ktap" >/dev/null
	ok $? "ktap-check refuses: $1"
}
ktap_bad "no version line" '1..1\nok 1 a\n'
ktap_bad "TAP version 13" 'TAP version 13\n1..1\nok 1 a\n'
ktap_bad "no plan" 'KTAP version 1\nok 1 a\n'
ktap_bad "plan larger than the tests" 'KTAP version 1\n1..2\nok 1 a\n'
ktap_bad "plan smaller than the tests" 'KTAP version 1\n1..1\nok 1 a\nok 2 b\n'
ktap_bad "numbers not consecutive" 'KTAP version 1\n1..2\nok 1 a\nok 3 b\n'
ktap_bad "numbers from 0" 'KTAP version 1\n1..1\nok 0 a\n'
ktap_bad "a name with a space" 'KTAP version 1\n1..1\nok 1 a b\n'
ktap_bad "no name" 'KTAP version 1\n1..1\nok 1\n'
ktap_bad "lowercase skip" 'KTAP version 1\n1..1\nok 1 a # skip why\n'
ktap_bad "an unknown directive" 'KTAP version 1\n1..1\nok 1 a # MAYBE\n'
ktap_bad "SKIP on not ok" 'KTAP version 1\n1..1\nnot ok 1 a # SKIP why\n'
ktap_bad "a diagnostic without the space" 'KTAP version 1\n1..1\n#x\nok 1 a\n'
ktap_bad "a blank line" 'KTAP version 1\n1..1\n\nok 1 a\n'
ktap_bad "an indented subtest" 'KTAP version 1\n1..1\n    KTAP version 1\nok 1 a\n'
ktap_bad "an unterminated last line" 'KTAP version 1\n1..1\nok 1 a'
printf 'KTAP version 1\n# hello\n1..3\n#\n# diag\nok 1 a.b\nnot ok 2 c-d\nok 3 e_f # SKIP why not\n' \
	>"$out/good.ktap"
is "$(tests/host/ktap-check.py "$out/good.ktap")" "tests 3 pass 1 fail 1 skip 1" \
	"ktap-check takes valid KTAP and counts it"

# Candidates: the baseline itself, 5 % slower allocations, only 3 runs.
jq '(.runs[].cases[] | select(.op == "alloc") | .sum_ns) |= (. * 1.05 | floor)' \
	"$base" >"$out/slow.json"
jq '.runs |= .[:3]' "$base" >"$out/few.json"

# check_pair LABEL CANDIDATE GATE-STATUS KTAP-STATUS
check_pair() {
	local label=$1 cand=$2 want=$3 want_ktap=$4 rows regress inconcl f rc
	$B gate "$base" "$cand" >"$out/text.txt" 2>/dev/null
	is "$?" "$want" "$label: text gate exits $want"
	# The table's rows: between the header and the final "gate:" line.
	rows=$(sed -n '3,$p' "$out/text.txt" | grep -vc '^gate: ')
	regress=$(sed -n '3,$p' "$out/text.txt" | grep -v '^gate: ' | grep -c '  regression (')
	inconcl=$(sed -n '3,$p' "$out/text.txt" | grep -v '^gate: ' | grep -c '  inconclusive (')
	rc=$(fmt_rc ktap "$base" "$cand")
	is "$rc" "$want_ktap" "$label: --format ktap exits $want_ktap (kselftest)"
	tests/host/fleet-check.py ktap "$out/ktap.txt" >"$out/ktap.list"
	ok $? "$label: ktap passes the strict KTAP reader"
	is "$(wc -l <"$out/ktap.list")" "$rows" "$label: ktap has a test per table row ($rows)"
	is "$(grep -c '^fail ' "$out/ktap.list")" "$regress" "$label: ktap fails as many as regress"
	is "$(grep -c '^skip ' "$out/ktap.list")" "$inconcl" \
		"$label: ktap skips as many as are inconclusive"
	grep -q '^ok [0-9]* .* # SKIP inconclusive: ' "$out/ktap.txt" || [ "$inconcl" = 0 ]
	ok $? "$label: a SKIP says why it is inconclusive"
	for f in lkp lava kcidb; do
		rc=$(fmt_rc $f "$base" "$cand")
		is "$rc" "$want" "$label: --format $f exits $want (the gate's status)"
		tests/host/fleet-check.py $f "$out/$f.txt" >"$out/$f.list"
		ok $? "$label: $f passes its grammar"
		cmp -s "$out/ktap.list" "$out/$f.list"
		ok $? "$label: $f has the same tests and results as ktap"
	done
}
check_pair "A/A" "$base" 0 0
check_pair "+5% alloc" "$out/slow.json" 1 1
check_pair "3 runs" "$out/few.json" 2 4

# Names: the metric and the rule's selector, hard rows spelled out.
$B gate --format ktap "$base" "$base" | tests/host/ktap-check.py --names >"$out/names"
grep -qx 'pass mean.alloc' "$out/names" && grep -qx 'pass mean.free' "$out/names" &&
	grep -qx 'pass ops_per_sec.alloc' "$out/names"
ok $? "names: mean.alloc, mean.free, ops_per_sec.alloc"
grep -qx 'pass fail.exhausted' "$out/names" && grep -qx 'pass fail.no_suitable_pool' "$out/names" &&
	grep -qx 'pass fallback.kernel_to_dma32' "$out/names"
ok $? "names: the hard tier's fail.KIND and fallback.FROM_to_TO"
grep -q '^not ok [0-9]* mean.alloc$' <($B gate --format ktap "$base" "$out/slow.json")
ok $? "the +5% candidate: not ok mean.alloc"
grep -B4 '^not ok [0-9]* mean.alloc$' <($B gate --format ktap "$base" "$out/slow.json") |
	grep -q '^# base .* ns, candidate .* ns, change +5.0%'
ok $? "its diagnostics give base, candidate and change before the result line"
printf 'p99 pool=dma32 ctx=hardirq size_order=0 10%%\np99 pool=dma32 ctx=hardirq size_order=0 20%%\nmean op=free size_order=4 5%%\n' \
	>"$out/rules"
$B gate --rules "$out/rules" --format ktap "$base" "$base" | tests/host/ktap-check.py --names \
	>"$out/rnames"
is "$(head -3 "$out/rnames" | cut -d' ' -f2 | tr '\n' ' ')" \
	"p99.alloc.dma32.hardirq.4K p99.alloc.dma32.hardirq.4K.2 mean.free.64K " \
	"names from selectors (pool, ctx, size), the same rule twice made unique"
$B gate --rules "$out/rules" --format kcidb "$base" "$base" >"$out/r.kcidb"
tests/host/fleet-check.py kcidb "$out/r.kcidb" >/dev/null
ok $? "kcidb: those ids and paths unique and valid"

# KCIDB details: origin, build, time, units.
is "$(fmt_rc kcidb --kcidb-origin my_lab "$base" "$base")" 0 "--kcidb-origin my_lab"
is "$(jq -r '[.tests[] | .origin, (.id | split(":")[0])] | unique | join(" ")' \
	"$out/kcidb.txt")" my_lab "every origin and id under my_lab"
is "$(jq -r '[.tests[] | .path | split(".")[:2] | join(".")] | unique | join(" ")' \
	"$out/kcidb.txt")" dmapool_bench.gate "every path under dmapool_bench.gate, whatever the origin"
is "$(jq -r '[.tests[].build_id] | unique | join(" ")' "$out/kcidb.txt")" \
	"my_lab:$(jq -r .meta.kernel "$base")" "build_id: the candidate's kernel"
is "$(jq -r '[.tests[].start_time] | unique | join(" ")' "$out/kcidb.txt")" \
	"$(jq -r .meta.time "$base")" "start_time: the candidate's meta.time"
is "$(jq -r '.version | "\(.major).\(.minor)"' "$out/kcidb.txt")" 4.5 \
	"KCIDB v4.5 (the version with test.number)"
is "$(jq -r '[.tests[].number.unit] | unique | join(" ")' "$out/kcidb.txt")" "count ns ops/s" \
	"units: ns, ops/s and count"

# text is today's output; the fleet formats change nothing in it.
$B gate "$base" "$base" >"$out/t1" 2>&1
$B gate --format text "$base" "$base" >"$out/t2" 2>&1
cmp -s "$out/t1" "$out/t2"
ok $? "--format text is the table as without --format"

# Invalid input in ktap mode: a failing KTAP test, exit 1.
is "$(fmt_rc ktap "$base" "$out/nope.json")" 1 "ktap: a missing candidate exits 1"
is "$(tests/host/fleet-check.py ktap "$out/ktap.txt")" "fail gate.input" \
	"ktap: ... and stdout is valid KTAP with one failure"
is "$(fmt_rc lava "$base" "$out/nope.json")" 3 "lava: a missing candidate exits 3"

# Bad values: one line naming them, the gate's invalid-input status (3),
# run's usage status (2).
bad() { # bad WANT NEEDLE CMD ARGS...
	local want=$1 needle=$2 rc
	shift 2
	$B "$@" >"$out/bad.out" 2>"$out/bad.err"
	rc=$?
	[ "$rc" = "$want" ] && [ "$(wc -l <"$out/bad.err")" -eq 1 ] &&
		grep -qF -- "$needle" "$out/bad.err" && [ ! -s "$out/bad.out" ]
	ok $? "$* -> exit $want, one line naming $needle"
	[ "$rc" = "$want" ] || echo "#   exit $rc: $(cat "$out/bad.err")"
}
bad 3 "'junit'" gate --format junit "$base" "$base"
bad 3 "'My-Lab'" gate --format kcidb --kcidb-origin My-Lab "$base" "$base"
bad 3 "needs --format kcidb" gate --kcidb-origin my_lab "$base" "$base"
$B gate --json --format ktap "$base" "$base" >"$out/bad.out" 2>/dev/null
is "$? $(jq -r .error "$out/bad.out")" "3 gate: --json and --format 'ktap' exclude each other" \
	"--json --format ktap: exit 3, the error as --json's object"
bad 2 "'junit'" run --format junit
bad 2 "'a:b'" run --format kcidb --kcidb-origin a:b

# Through the guest harness, a fleet format's stdout is one document: the
# guest's when the harness does not fail, else only ours (the guest's goes
# to stderr). A stand-in harness prints a KTAP document, then exits $1.
printf '#!/bin/sh\nprintf "KTAP version 1\\n1..1\\nok 1 guest\\n"\nexit %s\n' 0 >"$out/vm0"
printf '#!/bin/sh\nprintf "KTAP version 1\\n1..1\\nok 1 guest\\n"\nexit %s\n' 125 >"$out/vm125"
chmod +x "$out/vm0" "$out/vm125"
DMAPOOL_VM=$out/vm0 $B run --format ktap --ops 10 -o "$out/vmrun" >"$out/vm.out" 2>"$out/vm.err"
is "$?:$(cat "$out/vm.out" | tr '\n' '|')" "0:KTAP version 1|1..1|ok 1 guest|" \
	"run --format ktap in a guest that succeeds: the guest's document on stdout"
DMAPOOL_VM=$out/vm125 $B run --format ktap --ops 10 -o "$out/vmrun" >"$out/vm.out" 2>"$out/vm.err"
rc=$?
[ "$rc" = 1 ] && [ "$(grep -c '^KTAP version' "$out/vm.out")" = 1 ] &&
	grep -q '^not ok 1 run$' "$out/vm.out" && ! grep -q 'ok 1 guest' "$out/vm.out" &&
	tests/host/ktap-check.py "$out/vm.out" >/dev/null 2>&1 &&
	grep -q '^ok 1 guest$' "$out/vm.err" && grep -q 'exit 125' "$out/vm.err"
ok $? "run --format ktap, harness fails after the guest printed: one KTAP document (not ok run), the guest's on stderr"
DMAPOOL_VM=$out/vm125 $B gate --paired --format kcidb ops=10 ops=10 -o "$out/vmgate" \
	>"$out/vm.out" 2>"$out/vm.err"
rc=$?
[ "$rc" = 3 ] && jq -se 'length == 1 and (.[0].tests | length == 1 and .[0].status == "FAIL")' \
	"$out/vm.out" >/dev/null 2>&1 && grep -q '^ok 1 guest$' "$out/vm.err"
ok $? "gate --paired --format kcidb, harness fails: stdout is one JSON object (a failing test)"
# The guest's gate found the input invalid (exit 3) and printed its own
# failing document: ours would be a second one.
printf '#!/bin/sh\nprintf "{\\"tests\\":[{\\"id\\":\\"guest\\"}]}\\n"\nexit 3\n' >"$out/vm3"
chmod +x "$out/vm3"
DMAPOOL_VM=$out/vm3 $B gate --paired --format kcidb ops=10 ops=10 -o "$out/vmgate" \
	>"$out/vm.out" 2>"$out/vm.err"
is "$?:$(jq -sc 'map(.tests[0].id)' "$out/vm.out" 2>&1)" '3:["guest"]' \
	"gate --paired --format kcidb, the guest's gate exits 3: its document only"
for f in lkp lava; do
	DMAPOOL_VM=$out/vm125 $B run --format $f --ops 10 -o "$out/vmrun" >"$out/vm.out" 2>"$out/vm.err"
	is "$?:$(tests/host/fleet-check.py $f "$out/vm.out" 2>&1 | tr '\n' '|')" "1:fail run|" \
		"run --format $f, harness fails: one failing test 'run' on stdout"
done
DMAPOOL_VM=$out/vm125 $B run --format kcidb --ops 10 -o "$out/vmrun" >"$out/vm.out" 2>"$out/vm.err"
is "$?:$(jq -sc 'map(.tests | map(.path + " " + .status))' "$out/vm.out" 2>&1)" \
	'1:[["dmapool_bench.run.run FAIL"]]' "run --format kcidb, harness fails: one failing test 'run'"
DMAPOOL_VM=$out/vm0 $B run --format ktap --ops 10 -o "$out/vmrun" 2>/dev/null | true
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || [ "$rc" = 1 ]
ok $? "run --format ktap through the guest into a closed pipe: exit 0 or 1, not a signal (exit $rc)"
DMAPOOL_VM=$out/vm0 $B run --format ktap --ops 10 -o "$out/vmrun" >/dev/full 2>"$out/vm.err"
is "$?:$(grep -c 'cannot write the guest' "$out/vm.err")" "1:1" \
	"run --format ktap through the guest onto a full disk: exit 1, one line saying so"
DMAPOOL_VM=$out/vm0 $B gate --paired --format kcidb ops=10 ops=10 -o "$out/vmgate" \
	>/dev/full 2>"$out/vm.err"
is "$?:$(grep -c 'cannot write the guest' "$out/vm.err")" "3:1" \
	"gate --paired --format kcidb onto a full disk: exit 3 (not a regression's 1), one line saying so"

# On the host: a document that cannot be written is not a verdict. One line
# on stderr, kselftest's 1 for ktap, the gate's 3 (invalid) for the others.
for f in ktap lkp lava kcidb; do
	want=3
	[ $f = ktap ] && want=1
	$B gate --format $f "$base" "$base" >/dev/full 2>"$out/full.err"
	is "$?:$(wc -l <"$out/full.err"):$(grep -c 'cannot write the fleet document' "$out/full.err")" \
		"$want:1:1" "gate --format $f onto a full disk: exit $want, one line saying so"
done
# A pipe whose reader is gone before the gate starts (SIGPIPE at its default).
python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
with open(sys.argv[1], "w") as err:
    sys.exit(subprocess.run(sys.argv[2:], stdout=w, stderr=err).returncode % 256)' \
	"$out/pipe.err" $B gate --format lava "$base" "$base"
is "$?:$(wc -l <"$out/pipe.err"):$(grep -c 'Broken pipe' "$out/pipe.err")" "3:1:1" \
	"gate --format lava into a closed pipe: exit 3, one line, not a signal"

# --help lists the options, with examples.
$B gate --help >"$out/help"
grep -q -- '--format FMT' "$out/help" && grep -q -- '--kcidb-origin NAME' "$out/help" &&
	grep -q 'gate --format ktap' "$out/help"
ok $? "gate --help: --format, --kcidb-origin and an example"
$B run --help >"$out/help"
grep -q -- '--format FMT' "$out/help" && grep -q 'run .*--format ktap' "$out/help"
ok $? "run --help: --format and an example"
tap_done
