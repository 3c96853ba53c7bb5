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
bad "kernel" monitor --target kernel
bad "-3" monitor -- -3
$B monitor --help | grep -q "^Examples:"
ok $? "monitor --help has EXAMPLES"
out=$($B --json run --size 4Q 2>/dev/null)
echo "$out" | jq -e '.error | test("size")' >/dev/null
ok $? "--json: errors are JSON on stdout ($out)"
tap_done
