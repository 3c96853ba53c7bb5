#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: the CLI never crashes on bad files (issue 14).
#   - the issue's reproductions, each by name: exit 3 from gate, 2 from plot,
#     one line naming the file and the JSON path
#   - fuzz, with the ASan/UBSan build (build/asan/dmapool-bench, make
#     cli-asan): >= 2,000 mutated result files (tests/host/fuzz-results.py:
#     type confusion at every path of the real result files, deletions,
#     unknown keys, truncation, deep nesting, huge and negative numbers,
#     broken histograms) through gate (as candidate and as baseline) and plot,
#     and >= 2,000 mutated recordings (tests/host/fuzz-recordings.py: byte
#     flips, truncation, section-aware mutations with valid CRCs of
#     tests/data/record.dpr: 57 KiB, 2 runs, 2 CPUs, made in the 6.12 guest
#     by 'dmapool-bench record --ops 120 --cpus 0-1 --ctx softirq --repeat 2
#     --size 4K,16K:3 --hold ops:4 --state-period 20') through report
#   -> 0 crashes, 0 sanitizer reports, 0 hangs (a timeout per invocation),
#     exit statuses as documented (gate 0..3, rejecting with 3; plot 0 or 2;
#     report 0 or 2, or 1 when its cross-check fails), and every rejection
#     one line on stderr.
# Deterministic: FUZZ_SEED (default 14) is printed. Two invocations at a time
# (FUZZ_JOBS). About 2 minutes on 2 cores (155 s of CPU, most of it the
# start-up of 7,000 ASan processes); outputs go to a tmpfs (FUZZ_TMPDIR).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=build/dmapool-bench
A=build/asan/dmapool-bench
out=build/test-fuzz
seed=${FUZZ_SEED:-14}
jobs=${FUZZ_JOBS:-2}
base=results/baseline/result.json
rm -rf "$out"
mkdir -p "$out"
t_start=$(date +%s)

# --- the issue's reproductions ----------------------------------------------

# repro NAME JQ-FILTER CMD RC NEEDLE: the mutated baseline through CMD (gate:
# as the candidate) exits RC with one stderr line naming NEEDLE.
repro() {
	local name=$1 filter=$2 cmd=$3 want=$4 needle=$5 f rc
	f=$out/repro-$name.json
	jq "$filter" "$base" >"$f"
	case $cmd in
	gate) $B gate "$base" "$f" >/dev/null 2>"$out/repro.err" ;;
	plot) $B plot "$f" -o "$out/repro-plot" --format svg >/dev/null 2>"$out/repro.err" ;;
	esac
	rc=$?
	[ "$rc" = "$want" ] && [ "$(wc -l <"$out/repro.err")" -eq 1 ] &&
		grep -qF -- "$f: $needle" "$out/repro.err"
	ok $? "$name: jq '$filter' -> $cmd exits $want naming '$needle'"
	[ "$rc" = "$want" ] || echo "#   exit $rc: $(head -c 300 "$out/repro.err")"
}
mkdir -p "$out/repro-plot"
for cmd in gate plot; do
	[ $cmd = gate ] && rc=3 || rc=2
	repro module_stats=5 '.runs[0].module_stats=5' "$cmd" "$rc" \
		'.runs[0].module_stats: expected an object, got an integer'
	repro "buckets=[7]" '.runs[0].cases[0].buckets=[7]' "$cmd" "$rc" \
		'.runs[0].cases[0].buckets[0]: expected [bucket, count] integers, got 7'
	repro op=null '.runs[0].cases[0].op=null' "$cmd" "$rc" \
		'.runs[0].cases[0].op: expected one of "alloc", "free", got null'
	repro "runs=[1]" '.runs=[1]' "$cmd" "$rc" '.runs[0]: expected an object, got an integer'
	repro fails=-1 '.runs[0].module_stats.fails=-1' "$cmd" "$rc" \
		'.runs[0].module_stats.fails: -1 is below the minimum 0'
	repro "runs=[]" '.runs=[]' "$cmd" "$rc" '.runs: expected at least 1 item, got 0'
	repro bucket-index '.runs[1].cases[2].buckets[0][0]=608' "$cmd" "$rc" \
		".runs[1].cases[2].buckets[0][0]: bucket 608 is beyond the layout's 608 buckets"
	repro bucket-sum '.runs[0].cases[0].n+=1' "$cmd" "$rc" \
		'.runs[0].cases[0].buckets: the counts add up to'
	repro fallback-key '.runs[0].module_stats.fallback_x=-1' "$cmd" "$rc" \
		'.runs[0].module_stats.fallback_x: -1 is below the minimum 0'
	# The kernel goes into gnuplot strings (compare's titles): a quote
	# would end one and run the rest as gnuplot commands.
	repro kernel-quote '.meta.kernel="6.1\u0027; system(\"touch pwned\"); x=\u0027"' \
		"$cmd" "$rc" '.meta.kernel: "6.1'"'"'; system('
done
# An unknown fallback_ key is not a route: ignored, not parsed.
jq '.runs[0].module_stats.fallback_x=1' "$base" >"$out/fbx.json"
$B gate "$base" "$out/fbx.json" >/dev/null 2>&1
is "$?" 0 "an unknown module_stats.fallback_x key: gate passes (no crash)"
out_json=$($B --json gate "$base" "$out/repro-op=null.json" 2>/dev/null)
[ -n "$out_json" ] && echo "$out_json" | jq -e '.error | test("op: expected one of")' >/dev/null
ok $? "--json: the error is a JSON object on stdout"

# --- result files: gate and plot ---------------------------------------------

[ -x "$A" ] || { ok 1 "$A is built (make cli-asan)"; tap_done; exit; }
export ASAN_OPTIONS=exitcode=86:detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$PWD/tests/host/fuzz-lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
# gnuplot and plot's scripts are tested by test-plots.sh: here a stand-in
# writes the image of the out= plot gives gnuplot (the expression is sh
# syntax too), so that the fuzz spends its time in the CLI.
mkdir -p "$out/bin"
cat >"$out/bin/gnuplot" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ]; do
	case $1 in -e) eval "$2"; shift 2 ;; *) shift ;; esac
done
[ -n "${out:-}" ] && echo '<svg/>' >"$out"
EOF
chmod +x "$out/bin/gnuplot"
export PATH=$PWD/$out/bin:$PATH
diag "fuzz seed $seed (FUZZ_SEED), $jobs at a time (FUZZ_JOBS)"

# One invocation: run_one KIND ID ARGS... appends "KIND ID RC CLASS" to
# $out/KIND.log and keeps the stderr of anything but a clean answer.
run_one() {
	local kind=$1 id=$2 rc class err lines
	shift 2
	err=$out/err/$kind-$id
	timeout -k 5 30 "$@" >/dev/null 2>"$err"
	rc=$?
	mapfile -t lines <"$err"
	if [[ ${lines[*]} == *Sanitizer* || ${lines[*]} == *"runtime error"* ]]; then
		class=sanitizer
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		class=hang
	elif [ $rc -ge 128 ] || [ $rc -eq 86 ] || [ $rc -eq 87 ]; then
		class=crash
	else
		case $kind:$rc in
		gate:3 | plot:2 | report:2)
			class=rejected
			[[ ${#lines[@]} -eq 1 && ${lines[0]} == "dmapool-bench: "* ]] ||
				class=badmsg ;;
		gate:[012] | plot:0 | report:0) class=accepted ;;
		report:1) class=crosscheck
			[[ ${lines[*]} == *"counters disagree"* ]] || class=badexit ;;
		*) class=badexit ;;
		esac
	fi
	case $class in rejected | accepted | crosscheck) rm -f "$err" ;; esac
	printf '%s %s %s %s\n' "$kind" "$id" "$rc" "$class" >>"$out/$kind.log"
}

# One job: fuzz_job KIND ID SOURCE (gate: even files as the candidate, odd
# ones as the baseline, the other side the file the mutant came from).
fuzz_job() {
	local kind=$1 id=$2 src=$3 f=$out/results/$2.json d=$work/$1-$SLOT
	case $kind in
	gate)
		if [ $((10#$id % 2)) -eq 0 ]; then
			run_one gate "$id" "$A" gate "$src" "$f"
		else
			run_one gate "$id" "$A" gate "$f" "$src"
		fi ;;
	plot)
		mkdir -p "$d"
		run_one plot "$id" "$A" plot "$f" -o "$d" --format svg ;;
	report)
		mkdir -p "$d"
		run_one report "$id" "$A" report "$out/recs/$id.dpr" -o "$d" ;;
	esac
}
# fuzz_jobs KIND ID SOURCE...: several jobs, one shell
fuzz_jobs() {
	while [ $# -ge 3 ]; do
		fuzz_job "$1" "$2" "$3"
		shift 3
	done
}
export -f run_one fuzz_job fuzz_jobs
# Outputs go to a tmpfs when there is one: plot and report fsync them.
work=$(mktemp -d "${FUZZ_TMPDIR:-/dev/shm}/dmapool-fuzz.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
export out A work

# summary KIND WHAT: one TAP line of counts from $out/KIND.log
summary() {
	local kind=$1 what=$2 log=$out/$1.log total rej acc cc bad
	total=$(wc -l <"$log")
	rej=$(grep -c ' rejected$' "$log")
	acc=$(grep -c ' accepted$' "$log")
	cc=$(grep -c ' crosscheck$' "$log")
	bad=$(grep -vc ' rejected$\| accepted$\| crosscheck$' "$log")
	[ "$bad" -eq 0 ] && [ "$total" -ge 2000 ]
	ok $? "$kind: $total $what, $rej rejected (exit $3), $acc accepted${4:+, $cc $4}, $bad crashes, sanitizer reports, hangs or bad exits"
	grep -v ' rejected$\| accepted$\| crosscheck$' "$log" | head -n 20 | while read -r k id rc class; do
		echo "#   $k $id: exit $rc, $class: $(grep -m1 "^$id" "$5" | cut -f2-)"
		sed 's/^/#     /' "$out/err/$k-$id" 2>/dev/null | head -n 8
	done
}

mkdir -p "$out/err"
n_res=$(tests/host/fuzz-results.py "$seed" "$out/results" "$base" results/reference/*/result.json)
"$A" gate "$out/results/source-0.json" "$out/results/source-0.json" >/dev/null 2>&1
cmp_ok $? -le 2 "gate reads the unmutated (shortened) baseline"
cmp_ok "$n_res" -ge 2000 "generated $n_res mutated result files (seed $seed)"
t0=$(date +%s)
while IFS=$'\t' read -r id src what; do
	echo "gate $id $src"
	echo "plot $id $src"
done <"$out/results/manifest.tsv" |
	xargs -P "$jobs" --process-slot-var=SLOT -n 48 bash -c 'fuzz_jobs "$@"' _
diag "gate and plot: $(($(date +%s) - t0)) s"
summary gate "mutated result files (as candidate or baseline)" 3 "" "$out/results/manifest.tsv"
summary plot "mutated result files" 2 "" "$out/results/manifest.tsv"

# --- recordings: report -------------------------------------------------------

n_rec=$(tests/host/fuzz-recordings.py "$seed" "$out/recs" tests/data/record.dpr)
cmp_ok "$n_rec" -ge 2000 "generated $n_rec mutated recordings (seed $seed)"
"$A" report tests/data/record.dpr -o "$work/clean" >/dev/null 2>"$out/clean.err"
ok $? "the unmutated recording reports cleanly (exit 0)"
t0=$(date +%s)
while IFS=$'\t' read -r id what; do
	echo "report $id -"
done <"$out/recs/manifest.tsv" |
	xargs -P "$jobs" --process-slot-var=SLOT -n 48 bash -c 'fuzz_jobs "$@"' _
diag "report: $(($(date +%s) - t0)) s"
summary report "mutated recordings" 2 "failed the cross-check (exit 1)" "$out/recs/manifest.tsv"

diag "the suite took $(($(date +%s) - t_start)) s"
# shellcheck disable=SC2154 # tap.sh counts failures
[ "$tap_failed" -eq 0 ] && rm -rf "$out/results" "$out/recs"
tap_done
