#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kselftest entry point (selftests/dmapool-bench, make kselftest): its
# runner's KTAP and exit statuses with stand-in programs (pass, fail, skip,
# timeout), then the real quick gate on this machine: KTAP, exit 0, the
# gate's own KTAP inside, under 2 minutes; then its paired branch (no
# baseline: the workload against itself, never a failure), and its host mode
# where modules load (run inside a guest). TAP.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

S=selftests/dmapool-bench
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
KTAP=tests/host/ktap-check.py

# The runner with stand-ins, in a copy of the directory.
cp "$S/run_kselftest.sh" "$T/"
printf '#!/bin/sh\necho fine\nexit 0\n' >"$T/pass.sh"
printf '#!/bin/sh\necho broken\nexit 1\n' >"$T/fail.sh"
printf '#!/bin/sh\necho "nothing to do here"\nexit 4\n' >"$T/skip.sh"
printf '#!/bin/sh\nsleep 10\n' >"$T/slow.sh"
chmod +x "$T"/*.sh
DMAPOOL_KSFT_TIMEOUT=2 "$T/run_kselftest.sh" pass.sh skip.sh >"$T/a.out"
is "$?" 4 "runner: a skip and no failure exits 4 (KSFT_SKIP)"
$KTAP --spaces "$T/a.out" >"$T/a.chk" 2>&1
ok $? "runner: its output is KTAP ($(cat "$T/a.chk"))"
grep -qx 'ok 2 selftests: dmapool-bench: skip.sh # SKIP' "$T/a.out" &&
	grep -qx '# nothing to do here' "$T/a.out" &&
	grep -qx 'ok 1 selftests: dmapool-bench: pass.sh' "$T/a.out"
ok $? "runner: kselftest's result lines, the program's output as '# ' lines"
DMAPOOL_KSFT_TIMEOUT=2 "$T/run_kselftest.sh" pass.sh fail.sh slow.sh >"$T/b.out"
is "$?" 1 "runner: a failure exits 1"
$KTAP --spaces "$T/b.out" >/dev/null 2>&1
ok $? "runner: still KTAP"
grep -qx 'not ok 2 selftests: dmapool-bench: fail.sh # exit=1' "$T/b.out" &&
	grep -qx 'not ok 3 selftests: dmapool-bench: slow.sh # TIMEOUT 2 seconds' "$T/b.out"
ok $? "runner: a failure and a timeout are 'not ok'"

# install copies what a fleet runs.
make -s -C "$S" install INSTALL_PATH="$T/inst" >/dev/null 2>&1
check "make install INSTALL_PATH=DIR copies the programs and the runner" -- \
	test -x "$T/inst/dmapool_gate.sh" -a -x "$T/inst/run_kselftest.sh"

# No module for the kernel: the gate skips (exit 4), and says why.
DMAPOOL_KO=/nonexistent/dmapool_bench.ko "$S/run_kselftest.sh" dmapool_gate.sh >"$T/s.out"
is "$?" 4 "dmapool_gate.sh without a module for its kernel: a skip (4)"
grep -qx 'ok 1 selftests: dmapool-bench: dmapool_gate.sh # SKIP' "$T/s.out" &&
	grep -q '^# dmapool_gate.sh: no module for ' "$T/s.out"
ok $? "... 'ok 1 ... # SKIP' and the reason as a '# ' line"

# The real one: the committed baseline's kernel boots here, so it is the
# deterministic default workload against results/baseline. A source newer
# than the CLI: the rebuild's output must stay off stdout (KTAP only).
touch tools/dmapool-bench/main.c
t0=$SECONDS
# (DMAPOOL_GATE_GUEST=1: the guest modes, also on a machine that loads
# modules, whose host mode is tested below.)
export DMAPOOL_GATE_GUEST=1
make -s kselftest >"$T/k.out" 2>"$T/k.err"
rc=$?
el=$((SECONDS - t0))
is "$rc" 0 "make kselftest: the quick gate passes on this machine" || sed 's/^/# /' "$T/k.err"
cmp_ok "$el" -lt 120 "... in under 2 minutes ($el s)"
$KTAP --spaces "$T/k.out" >"$T/k.chk" 2>&1
ok $? "make kselftest prints KTAP, and only KTAP, after a rebuild ($(cat "$T/k.chk"))"
grep -qx 'ok 1 selftests: dmapool-bench: dmapool_gate.sh' "$T/k.out"
ok $? "... ok 1 selftests: dmapool-bench: dmapool_gate.sh (no SKIP)"
grep -q '^# gate: the default workload against results/baseline' "$T/k.out"
ok $? "... the gate against the committed baseline (its kernel boots here)"
# The gate's own KTAP, inside as '# ' lines.
sed -n 's/^# //p' "$T/k.out" | sed -n '/^KTAP version 1$/,$p' >"$T/inner"
$KTAP "$T/inner" >"$T/inner.chk" 2>&1
ok $? "the gate's own KTAP inside is valid ($(cat "$T/inner.chk"))"

# No baseline for a bootable kernel (none at all, here): the workload
# against itself, paired in one deterministic boot. A and B are the same
# workload, so nothing may regress: a pass, or a skip where the tails lack
# events; never a failure.
DMAPOOL_GATE_BASELINE= "$S/run_kselftest.sh" dmapool_gate.sh >"$T/p.out" 2>"$T/p.err"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 4 ]
ok $? "without a baseline: the paired A/A gate passes or skips (exit $rc)"
grep -q '^# gate: no baseline for this kernel: the workload against itself, paired' "$T/p.out"
ok $? "... and says it runs the workload against itself"
sed -n 's/^# //p' "$T/p.out" | sed -n '/^KTAP version 1$/,$p' >"$T/pinner"
$KTAP "$T/pinner" >"$T/pinner.chk" 2>&1 && [ "$(grep -c '^ok [0-9]' "$T/pinner")" -ge 7 ] &&
	! grep -q '^not ok' "$T/pinner"
ok $? "... its own KTAP is valid, >= 7 tests, none failing ($(cat "$T/pinner.chk"))"

# Host mode, where modules load: in a guest, the runner itself (as a board
# in a fleet would run it) pairs the workload against itself on the running
# kernel, no guest of its own. Its times are real time, and a TCG guest's
# are noisy enough that an A/A pair can be judged a regression (seen once
# in six runs here): what is checked is the mode, the gate's KTAP and that
# the runner's verdict is the gate's, not the A/A outcome (the deterministic
# A/A above is the one that may never fail).
unset DMAPOOL_GATE_GUEST
tools/dmapool-vm -q -- "$S/run_kselftest.sh" dmapool_gate.sh >"$T/h.out" 2>"$T/h.err"
rc=$?
grep -q '^# gate: host mode: the workload against itself, paired, on this kernel' "$T/h.out" &&
	! grep -q 'running in a guest' "$T/h.out"
ok $? "where modules load: host mode, on the running kernel, without a guest of its own"
sed -n 's/^# //p' "$T/h.out" | sed -n '/^KTAP version 1$/,$p' >"$T/hinner"
$KTAP "$T/hinner" >"$T/hinner.chk" 2>&1 && [ "$(grep -c '^\(not \)\?ok [0-9]' "$T/hinner")" -ge 7 ]
ok $? "... the gate's own KTAP is valid, >= 7 tests ($(cat "$T/hinner.chk"))"
if grep -q '^not ok' "$T/hinner"; then want=1
elif grep -q '^ok .* # SKIP' "$T/hinner"; then want=4
else want=0
fi
is "$rc" "$want" "... the runner exits as the gate judged (0 pass, 1 a regression, 4 a skip)" ||
	sed 's/^/# /' "$T/h.err" | tail -n 5
tap_done
