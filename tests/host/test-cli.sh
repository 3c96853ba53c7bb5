#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: the CLI's answers to bad input: exit 2 and one line on stderr
# that names the bad value; help and usage.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=build/dmapool-bench

bad() { # bad "NEEDLE" ARGS...: exit 2, exactly one stderr line, naming NEEDLE
	local needle=$1 out rc
	shift
	out=$($B "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		printf '%s' "$out" | grep -qF -- "$needle"
	ok $? "$* -> exit 2, one line naming '$needle'"
	[ $rc -eq 2 ] || echo "#   exit $rc: $out"
}

$B --help | grep -q "^Usage: dmapool-bench"
ok $? "--help prints usage"
$B run --help | grep -q "^Examples:"
ok $? "run --help has EXAMPLES"
$B plot --help | grep -q "^Usage: dmapool-bench plot"
ok $? "plot --help prints usage"
bad "frobnicate" frobnicate
bad "'-x'" plot -xv results/baseline/result.json
# The unknown-command message lists every command of the table.
out=$($B frobnicate 2>&1)
for c in run plot monitor record report compare bench gate; do
	printf '%s' "$out" | grep -q "[ ,]$c[,;]"
	ok $? "unknown command lists '$c'"
done
bad "'-x'" -x
# Global options, before or after the subcommand, in every subcommand; the
# help is generated from the option tables: each listed option is known.
for sub in run record report plot monitor compare bench gate; do
	$B -v "$sub" --help | grep -q "^Usage: dmapool-bench $sub"
	ok $? "-v $sub --help"
	$B "$sub" -v -j --help | grep -q "^  -j, --json"
	ok $? "$sub -v -j --help lists the global options"
	out=$($B "$sub" --bogus -j 2>/dev/null)
	[ -n "$out" ] && echo "$out" | jq -e '.error | test("--bogus")' >/dev/null
	ok $? "$sub --bogus -j: the error is JSON on stdout ($out)"
	out=$($B -v "$sub" -v --bogus 2>&1 >/dev/null)
	[ $? -eq 2 ] || [ "$sub" = gate ]
	printf '%s' "$out" | grep -q "unknown option '--bogus'"
	ok $? "-v $sub -v --bogus: unknown option ($out)"
	# Nothing runs: an option with a value is given none ("needs a
	# value"), a flag is followed by an unknown option (named, not it).
	unknown= n=0
	while read -r opt arg; do
		n=$((n + 1))
		if [ "$opt" = --help ]; then
			$B "$sub" --help --zz-bogus | grep -q '^Usage:'
		elif [ -n "$arg" ]; then
			$B "$sub" "$opt" 2>&1 | grep -qF -- "$opt needs a value"
		else
			$B "$sub" "$opt" --zz-bogus 2>&1 | grep -qF -- "unknown option '--zz-bogus'"
		fi || unknown="$unknown $opt"
	done < <($B "$sub" --help | sed -nE 's/^  (-[a-z], )?(--[a-z-]+)( [^ ]+)?.*/\2\3/p')
	[ -z "$unknown" ] && [ $n -ge 3 ]
	ok $? "$sub: the $n options its --help lists are known (not:$unknown)"
done
bad "--duration needs a value" run --duration
# --json as getopt takes it (a prefix, a letter of a group) makes an earlier
# error JSON too; a -j that is an option's value does not.
for j in --js -vj; do
	out=$($B run "$j" --bogus 2>/dev/null)
	[ -n "$out" ] && echo "$out" | jq -e '.error | test("--bogus")' >/dev/null
	ok $? "run $j --bogus: the error is JSON ($out)"
done
out=$($B run -o -j --bogus 2>&1 >/dev/null)
printf '%s' "$out" | grep -q "^dmapool-bench: run: unknown option '--bogus'"
ok $? "run -o -j --bogus: -j is -o's value, the error is plain ($out)"
# A gate --paired spec's coherent_pool longer than any size: refused, not cut.
out=$($B gate --paired "coherent_pool=$(printf '0%.0s' {1..40})256K" 'ops=10' 2>&1)
[ $? -eq 3 ] && printf '%s' "$out" | grep -q "invalid coherent_pool '0000"
ok $? "gate --paired with a 44-byte coherent_pool: exit 3, named ($out)"
# A title cut to fit must not split a UTF-8 character: the SVGs stay XML.
rm -rf build/cli-test/utf
mkdir -p build/cli-test
$B plot results/baseline/result.json -o build/cli-test/utf --format svg \
	--title "x$(printf '\xc3\xa9%.0s' {1..400})" 2>/dev/null
python3 -c 'import sys, xml.dom.minidom as m; [m.parse(f) for f in sys.argv[1:]]' \
	build/cli-test/utf/{spectrum,hist,timeline}.svg
ok $? "plot with a 801-byte UTF-8 title: every SVG parses as XML"
# Shared groups compose: compare and record take the workload options.
for sub in compare record; do
	$B "$sub" --help | grep -q -- "--max-outstanding N"
	ok $? "$sub --help lists the workload options"
done
$B bench --help | grep -q -- "--deterministic"
[ $? -ne 0 ]
ok $? "bench --help does not list --deterministic (it boots both guests)"
bad "--deterministic" bench --deterministic
bad "--bogus" run --bogus
bad "--duration" run --duration
bad "4Q" run --size 4Q
bad "0-x" run --cpus 0-x
bad "1-0" run --cpus 1-0
bad "nmi" run --ctx nmi
bad "2x" run --duration 2x
bad "12" run --mask 12
bad "ops:0" run --hold ops:0
bad "2G" run --coherent-pool 2G
bad "0" run --repeat 0
bad "sideways" run --attach sideways
bad "/proc/dmapool-nope" run -o /proc/dmapool-nope/x
bad "100001" run --test-spin-ns 100001
$B compare --help | grep -q "^Examples:"
ok $? "compare --help has EXAMPLES"
$B gate --help | grep -q "^Exit status: 0 pass, 1 regression, 2 inconclusive"
ok $? "gate --help documents the exit statuses"
bad "--coherent-pool" compare
bad "'0'" compare --coherent-pool 0
bad "'3Q'" compare --coherent-pool 1M,3Q
bad "sideways" compare --coherent-pool 1M --remap sideways
bad "nmi" compare --coherent-pool 1M --ctx nmi
bad "--plot" compare --coherent-pool 1M --plot
bad "--hist" compare --coherent-pool 1M --hist
bad "--fresh" compare --coherent-pool 1M --fresh
bad "'0'" compare --coherent-pool 1M --repeat 0
bad "--from" compare --recommend --from 2M --max 1M
bad "--kernel" compare --coherent-pool 1M --kernel
mkdir -p build/cli-test
: >build/cli-test/a-file
bad "build/cli-test/a-file" run -o build/cli-test/a-file
bad "empty output directory" run -o ""
bad "unexpected" run extra-argument
bad "no result file" plot
bad "/nonexistent.json" plot /nonexistent.json
echo '{"schema":"other/1","runs":[]}' >build/cli-test/other.json
bad "not a dmapool-bench/1 result" plot build/cli-test/other.json
bad "jpeg" plot --format jpeg build/cli-test/other.json
bad "0.01" monitor -i 0.01
bad "foo" monitor --pool foo
bad "ms" monitor --lat-unit ms
bad "sideways" monitor --target sideways
bad "uprobe" monitor --attach uprobe
# This host's kernel has no coherent pool: one line saying so, exit 1.
out=$($B monitor --target kernel 1 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	printf '%s' "$out" | grep -q "no atomic DMA pool (no dma_alloc_from_pool in /proc/kallsyms"
ok $? "monitor --target kernel without a coherent pool: exit 1, one line ($out)"
bad "-3" monitor -- -3
$B monitor --help | grep -q "^Examples:"
ok $? "monitor --help has EXAMPLES"
out=$($B --json run --size 4Q 2>/dev/null)
[ -n "$out" ] && echo "$out" | jq -e '.error | test("size")' >/dev/null
ok $? "--json: errors are JSON on stdout ($out)"
# record / report: bad input (a recording needs the guest: tests/guest/record.sh)
$B record --help | grep -q "^Examples:"
ok $? "record --help has EXAMPLES"
$B report --help | grep -q "^Usage: dmapool-bench report FILE"
ok $? "report --help prints usage"
bad "--bogus" record --bogus
bad "--plot" record --plot
bad "--buffer-kb" run --buffer-kb 1024
bad "12" record --buffer-kb 12
bad "must name a file" record -o build/cli-test/
bad "no recording given" report
bad "/nonexistent.dpr" report /nonexistent.dpr
bad "not a dmapool-bench recording" report build/cli-test/other.json
: >build/cli-test/empty.dpr
bad "not a dmapool-bench recording" report build/cli-test/empty.dpr
head -c 3000 /dev/urandom >build/cli-test/garbage.dpr
bad "not a dmapool-bench recording" report build/cli-test/garbage.dpr
# A valid file header, then an INFO section that claims 4096 bytes and has 10.
{ printf 'DPBRAW1\n\x01\x00\x00\x00\x04\x03\x02\x01'
  printf '\x01\x00\x00\x00\xff\xff\xff\xff\x00\x10\x00\x00\x00\x00\x00\x00'
  printf '{"page_si'; } >build/cli-test/trunc.dpr
bad "is truncated" report build/cli-test/trunc.dpr
head -c 16 build/cli-test/trunc.dpr >build/cli-test/header-only.dpr
bad "is truncated" report build/cli-test/header-only.dpr
bad "unexpected argument" report build/cli-test/trunc.dpr build/cli-test/trunc.dpr
# report prints the summary; the histograms only with --hist (one per alloc
# case: 2 runs x 2 sizes in the reference recording).
out=$($B report tests/data/record.dpr -o build/cli-test/rep 2>&1)
printf '%s\n' "$out" | grep -q '^alloc kernel  softirq     4 KiB' &&
	! printf '%s\n' "$out" | grep -q 'alloc latency, pool'
ok $? "report: the summary table, no histograms"
out=$($B report tests/data/record.dpr -o build/cli-test/rep --hist 2>&1)
is "$(printf '%s\n' "$out" | grep -c '^alloc latency, pool kernel, softirq')" 4 \
	"report --hist: one histogram per alloc case and run"

# Guest options: checked before anything boots, in every subcommand that
# boots a guest. This harness lists the real kernels and notes any boot.
fakevm=$PWD/build/cli-test/fake-vm
booted=$PWD/build/cli-test/booted
cat >"$fakevm" <<EOF
#!/bin/sh
[ "\$1" = --list-kernels ] && exec "$PWD/tools/dmapool-vm" --list-kernels
echo "\$*" >>"$booted"
exit 99
EOF
chmod +x "$fakevm"
badvm() { # badvm NEEDLE ARGS...: as bad, and the harness booted nothing
	rm -f "$booted"
	DMAPOOL_VM=$fakevm bad "$@"
	shift
	[ ! -e "$booted" ]
	ok $? "$* -> no guest booted"
}
mapfile -t kv < <(tools/dmapool-vm --list-kernels)
long=6$(printf '.1%.0s' {1..40})
# Outputs in build/cli-test: a boot would first clear results/ of old files.
o=build/cli-test/vm
for sub in "run -o $o" "record -o $o/rec.dpr" "compare --coherent-pool 1M -o $o" "bench -o $o"; do
	# shellcheck disable=SC2086 # $sub: the subcommand and its options
	{
	badvm "--vm-mem 'abc': not a size" $sub --vm-mem abc
	badvm "--vm-mem '2048': not a size" $sub --vm-mem 2048
	badvm "--vm-mem '': not a size" $sub --vm-mem ""
	badvm "--vm-mem '-1G': not a size" $sub --vm-mem -1G
	badvm "--vm-mem '64M': out of range (128M.." $sub --vm-mem 64M
	badvm "--vm-mem '1024T': out of range" $sub --vm-mem 1024T
	badvm "--vm-mem '99999999999999999999G': out of range" $sub --vm-mem 99999999999999999999G
	badvm "--kernel '../../etc': not a kernel version" $sub --kernel ../../etc
	badvm "--kernel '/boot/vmlinuz-${kv[0]}': not a kernel version" \
		$sub --kernel "/boot/vmlinuz-${kv[0]}"
	badvm "--kernel '${kv[0]}/..': not a kernel version" $sub --kernel "${kv[0]}/.."
	badvm "--kernel '6.99': not an installed kernel (tools/dmapool-vm --list-kernels: ${kv[*]})" \
		$sub --kernel 6.99
	# compare takes a list: an empty one, or an item too long for it, below.
	[ "${sub%% *}" != compare ] || continue
	badvm "--kernel '': not a kernel version" $sub --kernel ""
	badvm "--kernel '$long': not a kernel version" $sub --kernel "$long"
	}
done
badvm "empty --kernel" compare --coherent-pool 1M -o $o --kernel ""
badvm "--kernel '$long' (an item longer than 63" compare --coherent-pool 1M -o $o --kernel "$long"
badvm "--kernel '../x': not a kernel version" compare --coherent-pool 1M -o $o --kernel "${kv[0]},../x"
badvm "--kernel '9.9': not an installed kernel" compare --coherent-pool 1M -o $o --kernel "${kv[0]},9.9"
# gate --paired boots a guest too; its bad input exits 3.
for a in "--vm-mem abc" "--kernel ../../etc"; do
	rm -f "$booted"
	# shellcheck disable=SC2086 # $a: an option and its value
	out=$(DMAPOOL_VM=$fakevm $B gate --paired -o $o $a size=4K size=4K 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 3 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		printf '%s' "$out" | grep -qF -- "gate: ${a% *} '${a#* }'" && [ ! -e "$booted" ]
	ok $? "gate --paired $a -> exit 3, one line naming it, no guest booted ($out)"
done
# Good values do reach the harness, the unit in capitals (it takes no other).
rm -f "$booted"
DMAPOOL_VM=$fakevm $B run --vm-mem 512m --kernel 6.1 --duration 1s -o $o >/dev/null 2>&1
grep -q -- "--kernel 6.1 --mem 512M " "$booted" 2>/dev/null
ok $? "run --vm-mem 512m --kernel 6.1: the harness boots with --mem 512M"
tap_done
