#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A quick performance gate on this machine, KTAP out (gate --format ktap),
# kselftest exit statuses (0 pass, 1 regression or error, 4 inconclusive).
#
# Where the committed baseline's kernel can run (this host loads modules
# and runs it, or tools/dmapool-vm boots it): the default workload,
# deterministic, 5 runs in one module load, against results/baseline (what
# `make gate` does). Elsewhere: the same workload A against itself B,
# interleaved in one boot (gate --paired): a check that the machine's
# toolchain, module and BPF measure consistently.
#
# dmapool_gate.sh --print-kernel: the kernel the gate runs on.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
cli=${DMAPOOL_BENCH:-$top/build/dmapool-bench}
base=$top/results/baseline/result.json
[ -x "$cli" ] || cli=$(command -v dmapool-bench) ||
	{ echo "dmapool_gate.sh: no dmapool-bench (make, or install it)" >&2; exit 4; }

# The gate's runs are deterministic, which is always a guest: what matters
# is which kernels tools/dmapool-vm boots.
bk=$(sed -n 's/.*"kernel": *"\([^"]*\)".*/\1/p' "$base" 2>/dev/null | head -n 1)
if [ -n "$bk" ] && "$top/tools/dmapool-vm" --list-kernels 2>/dev/null | grep -qx "$bk"; then
	kernel=$bk mode=baseline
elif kernel=$("$top/tools/dmapool-vm" --print-kernel 2>/dev/null); then
	mode=paired
else
	echo "dmapool_gate.sh: no kernel tools/dmapool-vm can boot (make deps)" >&2
	exit 4
fi
if [ "${1:-}" = --print-kernel ]; then
	echo "$kernel"
	exit 0
fi
ko=${DMAPOOL_KO:-$(dirname "$cli")/$kernel/dmapool_bench.ko}
[ -f "$ko" ] || { echo "dmapool_gate.sh: no module for $kernel ($ko): make module KVER=$kernel" >&2; exit 4; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ $mode = baseline ]; then
	echo "gate: the default workload against results/baseline (kernel $kernel)" >&2
	"$cli" run --deterministic --kernel "$kernel" --repeat 5 -o "$out/cand" \
		>"$out/run.log" 2>&1 ||
		{ sed 's/^/# /' "$out/run.log" >&2; echo "dmapool_gate.sh: the run failed" >&2; exit 1; }
	"$cli" gate --format ktap "$base" "$out/cand/result.json"
else
	echo "gate: no baseline for this kernel: the workload against itself, paired ($kernel)" >&2
	"$cli" gate --paired --deterministic --kernel "$kernel" --format ktap -o "$out/paired" \
		'ops=5000' 'ops=5000'
fi
