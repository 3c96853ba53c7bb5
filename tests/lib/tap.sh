# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the shell test suites (kselftest style). Source it.

tap_n=0
tap_failed=0
tap_skipped=0

ok() { # ok CONDITION-STATUS DESCRIPTION: ok $? "desc" after a command
	local status=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

check() { # check DESCRIPTION -- COMMAND...: ok if COMMAND succeeds
	local desc=$1
	shift
	[ "$1" = "--" ] && shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}

is() { # is GOT WANT DESCRIPTION
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		echo "#   got '$got', want '$want'"
	fi
}

cmp_ok() { # cmp_ok GOT OP WANT DESCRIPTION (OP: -lt -le -eq -ge -gt -ne)
	local got=$1 op=$2 want=$3
	shift 3
	if [ -n "$got" ] && [ "$got" "$op" "$want" ] 2>/dev/null; then
		ok 0 "$*"
	else
		ok 1 "$*"
		echo "#   got '$got', want $op '$want'"
	fi
}

skip() { # skip REASON DESCRIPTION: a check that cannot run here (KSFT_SKIP)
	local reason=$1
	shift
	tap_n=$((tap_n + 1))
	tap_skipped=$((tap_skipped + 1))
	echo "ok $tap_n - $* # SKIP $reason"
}

diag() { echo "# $*"; }

tap_done() { # print the plan; exit status 1 if anything failed
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
