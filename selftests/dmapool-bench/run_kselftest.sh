#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run_kselftest.sh PROG...: each PROG as kselftest's runner runs it (KTAP
# version 1 plan, '# selftests: dmapool-bench: PROG' header, the program's
# output as '# ' lines, 'ok N'/'not ok N', '# SKIP' for exit 4, '# TIMEOUT'
# after DMAPOOL_KSFT_TIMEOUT seconds, default 120). Exit 1 if any failed,
# else 4 if any skipped, else 0.
set -u
cd "$(dirname "$0")" || exit 1
limit=${DMAPOOL_KSFT_TIMEOUT:-120}
echo "KTAP version 1"
echo "1..$#"
n=0 failed=0 skipped=0
for prog; do
	n=$((n + 1))
	echo "# timeout set to $limit"
	echo "# selftests: dmapool-bench: $prog"
	timeout "$limit" "./$prog" 2>&1 | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n selftests: dmapool-bench: $prog" ;;
	4) echo "ok $n selftests: dmapool-bench: $prog # SKIP"; skipped=$((skipped + 1)) ;;
	124) echo "not ok $n selftests: dmapool-bench: $prog # TIMEOUT $limit seconds"; failed=$((failed + 1)) ;;
	*) echo "not ok $n selftests: dmapool-bench: $prog # exit=$rc"; failed=$((failed + 1)) ;;
	esac
done
((failed)) && exit 1
((skipped)) && exit 4
exit 0
