#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the module as a hostile user meets it.
#
#   privilege  uid 0 without capabilities cannot write control, cmd,
#              real_pool or the writable parameters (EPERM, state unchanged)
#   fuzz       build/tests/dmapool-fuzz (tests/guest/dmapool-fuzz.c) writes
#              thousands of generated inputs to control, cmd and the writable
#              parameters: mutated valid lines (seeds below and the control
#              file's read-back), boundary and overflow numbers, binary bytes,
#              NUL, 4 KiB and 64 KiB lines, split writes, two concurrent
#              writers, stops racing runs, writes during a run. Every write
#              must be taken whole or refused with an errno; `control` must
#              agree with bench-module/spec.c on every line; then a valid run
#              completes with allocs = frees. Oops/WARN/BUG/soft lockups fail
#              the suite through the harness (exit 125).
#
# A write is one command: a line split over several writes is several
# commands, each taken or refused on its own.
#
# Variables: DMAPOOL_FUZZ_SEED (default 14: reproducible; the seed is printed),
# DMAPOOL_FUZZ_SCALE (default 250: about 11,700 inputs, 10-20 s under TCG).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/guest/lib.sh

FUZZ=build/tests/dmapool-fuzz
seed=${DMAPOOL_FUZZ_SEED:-14}
scale=${DMAPOOL_FUZZ_SCALE:-250}
P=/sys/module/dmapool_bench/parameters

# --- privilege --------------------------------------------------------------
# nocap CMD...: run as uid 0 with every capability dropped (util-linux setpriv).
nocap() {
	setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all -- "$@"
}
# denied FILE VALUE: opened and written without capabilities, the write fails
# with EPERM.
denied() {
	local err
	err=$(nocap sh -c '/bin/echo "$2" >"$1"' sh "$1" "$2" 2>&1)
	[ $? -ne 0 ] && [ -z "${err##*Operation not permitted*}" ]
}

unload
load real_pool_test=1
ok $? "insmod real_pool_test=1"
is "$(nocap grep CapEff /proc/self/status | awk '{ print $2 }')" 0000000000000000 \
	"setpriv drops every capability (uid $(nocap id -u))"
dmesg -C
denied $D/control "ctx=hardirq ops=10"
ok $? "no CAP_SYS_ADMIN: control write refused with EPERM"
is "$(lstat state)" idle "no run started"
denied $D/control stop
ok $? "no CAP_SYS_ADMIN: control 'stop' refused with EPERM"
denied $D/cmd "alloc 4K"
ok $? "no CAP_SYS_ADMIN: cmd write refused with EPERM"
is "$(pval kernel allocs)" 0 "no block allocated"
denied $D/real_pool "alloc 4K"
ok $? "no CAP_SYS_ADMIN: real_pool write refused with EPERM"
is "$(awk '$1 == "allocs:" { print $2 }' $D/real_pool)" 0 "the kernel's pool untouched"
for p in fail_next:5 fail_order_above:3 test_spin_ns:1000; do
	denied $P/${p%%:*} ${p#*:}
	ok $? "no CAP_SYS_ADMIN: parameter ${p%%:*} write refused with EPERM"
done
is "$(param fail_next) $(param fail_order_above) $(param test_spin_ns)" "0 -1 0" \
	"parameters unchanged"
n=$(dmesg | grep -c 'writing needs CAP_SYS_ADMIN')
cmp_ok "$n" -ge 1 "refusals logged (pr_err, ratelimited: $n lines)"
is "$(nocap cat $D/control | wc -l) $(nocap cat $P/fail_next)" "1 0" "reading still works without capabilities"
# The check is on the credentials the file was opened with (as the kernel's
# own privileged files do): what a privileged opener hands over is allowed,
# and a descriptor opened without them stays refused in any hands.
exec 4>"$D/cmd"
nocap /bin/echo "alloc 4K" >&4
ok $? "a descriptor opened with CAP_SYS_ADMIN works in a process without it"
exec 4>&-
is "$(pval kernel allocs)" 1 "that write allocated one block"
cmd free all
set_param fail_next 2
is "$(param fail_next)" 2 "with CAP_SYS_ADMIN: parameter write taken"
set_param fail_next 0

# --- the fuzz campaign ---------------------------------------------------------
reload coherent_pool=256K
diag "dmapool-fuzz fuzz $seed $scale (rerun with DMAPOOL_FUZZ_SEED=$seed DMAPOOL_FUZZ_SCALE=$scale)"
err=$(mktemp)
t0=$(date +%s)
out=$("$FUZZ" fuzz "$seed" "$scale" 2>"$err")
rc=$?
t1=$(date +%s)
sed 's/^/# /' "$err" | head -n 20
rm -f "$err"
is "$rc" 0 "dmapool-fuzz finished (no hang: every write returned within 20 s; $((t1 - t0)) s)"
total=0
while read -r name fields; do
	[ -n "$name" ] || continue
	unset inputs accepted EINVAL EBUSY ENOENT ENOSPC EPERM other short \
		sysfs_truncated mismatch max_ms other_errno
	for f in $fields; do
		case ${f%%=*} in
		inputs | accepted | EINVAL | EBUSY | ENOENT | ENOSPC | EPERM | other | short | \
			sysfs_truncated | mismatch | max_ms | other_errno) eval "${f%%=*}=${f#*=}" ;;
		esac
	done
	total=$((total + inputs))
	desc="$name: $inputs inputs, $EINVAL rejected with EINVAL"
	[ "$EBUSY" -eq 0 ] || desc+=", $EBUSY with EBUSY"
	[ "$ENOENT" -eq 0 ] || desc+=", $ENOENT with ENOENT"
	[ "$ENOSPC" -eq 0 ] || desc+=", $ENOSPC with ENOSPC"
	desc+=", $accepted accepted"
	[ "$sysfs_truncated" -eq 0 ] || desc+=" ($sysfs_truncated cut to 4096 bytes by kernfs)"
	desc+="; longest write $max_ms ms"
	[ "$other" -eq 0 ] && [ "$EPERM" -eq 0 ] && [ "$short" -eq 0 ] && [ "$mismatch" -eq 0 ]
	ok $? "$desc"
	[ "$other" -eq 0 ] || diag "$name: $other writes failed with errno ${other_errno:-?}"
	[ "$short" -eq 0 ] || diag "$name: $short short writes"
	[ "$mismatch" -eq 0 ] || diag "$name: $mismatch verdicts differ from spec.c"
done <<<"$out"
cmp_ok "$total" -ge 3000 "$total generated inputs in all (seed $seed)"

# --- afterwards: the module works, nothing leaked ---------------------------------
is "$(param fail_next) $(param fail_order_above) $(param test_spin_ns)" "0 -1 0" \
	"parameters back to their defaults"
cmd free all
ok $? "cmd: free all"
run_spec ctx=hardirq cpus=0 ops=2000 size=4K,16K hold=ops:16
is "$(lstat state) $(lstat ctx_violations)" "done 0" "a valid run completes after the campaign"
is "$(lstat frees)" "$(lstat allocs)" "allocs = frees ($(lstat allocs))"
is "$(lstat outstanding) $(lstat free_errors)" "0 0" "nothing outstanding, no free errors"
pools_full
ok $? "every pool fully available again"
n=$(dmesg | grep -cE 'Oops|WARNING:|BUG:|soft lockup|general protection|Call Trace')
is "$n" 0 "no oops, WARN, BUG or soft lockup in dmesg"
unload
ok $? "rmmod"
tap_done
