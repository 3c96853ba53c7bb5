#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest suites in one boot (tests/run: a boot costs 3-4 s under TCG):
#
#   suites.sh SUITE[:ARG]...
#
# runs tests/guest/SUITE [ARG] for each in turn (kpool.sh:full is
# `kpool.sh full`), says each part's name and time, and fails if any part
# failed. Each part starts from its own `unload`; list first a part that
# needs the kernel's pools as the boot left them (kpool.sh, differential.sh
# after sizing.sh, which only reads them).
set -u
cd "$(dirname "$0")/../.." || exit 1
rc=0
for s; do
	name=${s%%:*}
	arg=${s#"$name"}
	t0=$SECONDS
	echo "# part: ${name%.sh}"
	tests/guest/"$name" ${arg:+"${arg#:}"} || rc=1
	echo "# part time: ${name%.sh} $((SECONDS - t0)) s"
done
exit $rc
