#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A quick performance gate on this machine, KTAP out (gate --format ktap),
# kselftest exit statuses (0 pass, 1 regression or error, 4 inconclusive).
#
# Host mode, where this machine loads modules (a test board, a guest): the
# default workload A against itself B, interleaved on this kernel (gate
# --paired, real time): a check that the machine's toolchain, module and BPF
# measure consistently. Elsewhere, in tools/dmapool-vm's guests: where the
# committed baseline's kernel boots, the default workload, deterministic, 5
# runs in one module load, against results/baseline (what `make gate` does);
# else the paired A/A gate in one deterministic boot. DMAPOOL_GATE_GUEST=1
# takes the guest on a host that loads modules too. A machine that loads
# modules is one with module support, modules not disabled and
# CAP_SYS_MODULE (root; not a container without it).
#
# dmapool_gate.sh --print-kernel: the kernel the gate runs on.
# From a source tree it uses the tree's CLI, harness and module; installed
# elsewhere (make install INSTALL_PATH=DIR), the packages' dmapool-bench and
# dmapool-vm on PATH and the module DKMS built. DMAPOOL_BENCH, DMAPOOL_VM and
# DMAPOOL_GATE_BASELINE (a result file, or none) override.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
cli=${DMAPOOL_BENCH:-$top/build/dmapool-bench}
base=${DMAPOOL_GATE_BASELINE-$top/results/baseline/result.json}
vm=${DMAPOOL_VM:-$top/tools/dmapool-vm}
[ -x "$cli" ] || cli=$(command -v dmapool-bench) ||
	{ echo "dmapool_gate.sh: no dmapool-bench (make, or install it)" >&2; exit 4; }

# Can this machine load modules: module support, not disabled, and
# CAP_SYS_MODULE (bit 16; a container or a user without it cannot)?
loads_modules() {
	local cap
	[ -e /proc/modules ] && [ "$(cat /proc/sys/kernel/modules_disabled 2>/dev/null)" != 1 ] ||
		return 1
	cap=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status 2>/dev/null)
	[ -n "$cap" ] && (((0x$cap >> 16) & 1))
}

# The mode and its kernel: host, else in the guest baseline or paired.
if loads_modules && [ "${DMAPOOL_GATE_GUEST:-0}" != 1 ]; then
	mode=host kernel=$(uname -r)
elif [ -n "${DMAPOOL_IN_VM:-}" ]; then
	echo "dmapool_gate.sh: in dmapool-vm's guest (DMAPOOL_IN_VM) a gate cannot boot a guest of its own: host mode only" >&2
	exit 4
else
	# In the guest, the gate's runs are deterministic: what matters is
	# which kernels tools/dmapool-vm boots.
	[ -x "$vm" ] || vm=$(command -v dmapool-vm) ||
		{ echo "dmapool_gate.sh: no dmapool-vm (make, or install dmapool-bench)" >&2; exit 4; }
	export DMAPOOL_VM=$vm
	bk=$(sed -n 's/.*"kernel": *"\([^"]*\)".*/\1/p' "$base" 2>/dev/null | head -n 1)
	if [ -n "$bk" ] && "$vm" --list-kernels 2>/dev/null | grep -qx "$bk"; then
		mode=baseline kernel=$bk
	elif kernel=$("$vm" --print-kernel 2>/dev/null); then
		mode=paired
	else
		echo "dmapool_gate.sh: no kernel tools/dmapool-vm can boot (make deps)" >&2
		exit 4
	fi
fi
if [ "${1:-}" = --print-kernel ]; then
	echo "$kernel"
	exit 0
fi
# The module: the tree's build (beside the CLI), else what DKMS installed.
ko=${DMAPOOL_KO:-$(dirname "$cli")/$kernel/dmapool_bench.ko}
[ -n "${DMAPOOL_KO:-}" ] || [ -f "$ko" ] ||
	ko=$(ls "/lib/modules/$kernel/updates/dkms/dmapool_bench.ko"* 2>/dev/null | head -n 1)
[ -f "$ko" ] || { echo "dmapool_gate.sh: no module for $kernel (make module KVER=$kernel, or install dmapool-bench-dkms and its headers)" >&2; exit 4; }
export DMAPOOL_KO=$ko

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
case $mode in
baseline)
	echo "gate: the default workload against results/baseline (kernel $kernel)" >&2
	"$cli" run --deterministic --kernel "$kernel" --repeat 5 -o "$out/cand" \
		>"$out/run.log" 2>&1 ||
		{ sed 's/^/# /' "$out/run.log" >&2; echo "dmapool_gate.sh: the run failed" >&2; exit 1; }
	"$cli" gate --format ktap "$base" "$out/cand/result.json"
	;;
host)
	echo "gate: host mode: the workload against itself, paired, on this kernel ($kernel)" >&2
	"$cli" gate --paired --format ktap -o "$out/paired" 'ops=5000' 'ops=5000'
	;;
paired)
	echo "gate: no baseline for this kernel: the workload against itself, paired ($kernel)" >&2
	"$cli" gate --paired --deterministic --kernel "$kernel" --format ktap -o "$out/paired" \
		'ops=5000' 'ops=5000'
	;;
esac
