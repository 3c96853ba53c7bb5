#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 part from the host (TAP). The guest parts are tests/guest/arm64.sh.
#
#   test-arm64.sh build          what make arm64 built (an aarch64 module with
#                                BTF per arm64 kernel, an aarch64 CLI), the
#                                system's apt left alone, and the harness's
#                                arm64 contract (kernels, refusals, exit
#                                status and output of one command)
#   test-arm64.sh replay FILE    run --replay on x86 of FILE, a capture taken
#                                in the arm64 guest: capture files are
#                                architecture-neutral
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

VM=tools/dmapool-vm
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# refused ARGS... -- WANT: the harness exits 126 with WANT in its message
refused() {
	local want=${*: -1} msg rc
	msg=$("$VM" "${@:1:$#-2}" -- true 2>&1 >/dev/null)
	rc=$?
	is "$rc:$msg" "126:dmapool-vm: $want" "dmapool-vm ${*:1:$#-2}: refused"
}

case ${1:-} in
build)
	mapfile -t ks < <(tools/arm64-root --print-kernels)
	cmp_ok ${#ks[@]} -ge 1 "arm64 kernels to build for: ${ks[*]}"
	is "$($VM --arch arm64 --list-kernels | tr '\n' ' ')" "$(printf '%s ' "${ks[@]}")" \
		"dmapool-vm --arch arm64 --list-kernels: the unpacked arm64 kernels"
	for k in "${ks[@]}"; do
		ko=build/arm64/$k/dmapool_bench.ko
		file -b "$ko" | grep -q 'ELF 64-bit LSB relocatable, ARM aarch64'
		ok $? "$ko is an aarch64 module"
		readelf -S "$ko" | grep -q '\.BTF'
		ok $? "... with module BTF"
		is "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" "$k" "... built for $k"
	done
	file -b build/arm64/dmapool-bench | grep -q 'ELF 64-bit LSB pie executable, ARM aarch64'
	ok $? "build/arm64/dmapool-bench is an aarch64 executable"
	# The arm64 packages came through a private apt state.
	! dpkg --print-foreign-architectures | grep -qx arm64
	ok $? "the system's dpkg has no arm64 architecture (it was never added)"
	! apt-config dump | grep -i '^APT::Architecture' | grep -q arm64
	ok $? "the system's apt configuration has no arm64 architecture"
	check "the private apt state is under build/arm64/apt" -- test -d build/arm64/apt/lists
	# Its stamp: up to date offline; a host kernel updated (its package's
	# version in the stamp differs) means a refetch, which a stand-in
	# apt-get refuses here, so that nothing is fetched.
	st=$(mktemp -d)
	mkdir -p "$st/root" "$st/bin"
	cp -p build/arm64/apt/update.log "$st/update.log" 2>/dev/null
	cp build/arm64/root/.dmapool-arm64-root "$st/root/"
	printf '#!/bin/sh\necho "stand-in apt-get: no network here" >&2\nexit 100\n' >"$st/bin/apt-get"
	chmod +x "$st/bin/apt-get"
	PATH=$st/bin:$PATH tools/arm64-root "$st/root" >"$st/out" 2>&1
	is "$?:$(grep -c 'is up to date' "$st/out")" "0:1" "arm64-root: its stamp says up to date, nothing fetched"
	sed -i '0,/^host:/s/^\(host:[^ ]*\) .*/\1 0.0-old/' "$st/root/.dmapool-arm64-root"
	PATH=$st/bin:$PATH tools/arm64-root "$st/root" >"$st/out" 2>&1
	is "$?:$(grep -c 'apt-get update (private arm64 state) failed' "$st/out")" "1:1" \
		"arm64-root: a host kernel updated since the stamp -> it refetches"
	# (the refetch began by truncating the private apt state's log)
	[ ! -e "$st/update.log" ] || mv "$st/update.log" build/arm64/apt/update.log
	rm -rf "$st"

	refused --machine virt -- "--machine is for --arch arm64 (x86_64 boots q35)"
	refused --arch arm64 --machine raspi4b -- "bad --machine 'raspi4b' (virt, virt-noncoherent or raspi3b)"
	refused --arch arm64 --machine raspi3b --cpus 5 -- "--cpus 5: raspi3b has 4 cores"
	refused --arch sparc -- "bad --arch 'sparc' (x86_64 or arm64)"
	refused --arch arm64 --accel kvm -- "--accel kvm: no KVM for arm64 guests on this host"

	# One arm64 boot: the command's output, stderr and status are ours.
	$VM -q --arch arm64 -- sh -c 'echo "out $(uname -m) $DMAPOOL_VM_ARCH $DMAPOOL_VM_MACHINE"
		echo err >&2; exit 7' >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc" 7 "dmapool-vm --arch arm64: the command's exit status"
	is "$(cat "$T/out")" "out aarch64 arm64 virt" "... its stdout, in an aarch64 guest on the virt board"
	is "$(cat "$T/err")" "err" "... its stderr"
	# A kernel problem is 125, a timeout 124 (as on x86).
	$VM -q --arch arm64 -- sh -c 'echo c >/proc/sysrq-trigger; sleep 5' >/dev/null 2>"$T/err"
	rc=$?
	is "$rc" 125 "arm64: a kernel panic exits 125"
	grep -q 'dmapool-vm: kernel panic:' "$T/err"
	ok $? "... and is named on stderr"
	$VM -q --arch arm64 --timeout 12 -- sleep 100 >/dev/null 2>"$T/err"
	is "$?" 124 "arm64: --timeout exits 124"

	# raspi3b: no 9p. Output over the second UART (stderr merged), the
	# files written under --rwdir come back at the end, the clock is set.
	rw=$PWD/build/test-arm64-raspi
	rm -rf "$rw"
	$VM -q --arch arm64 --machine raspi3b --cpus 1 --rwdir "$rw" -- sh -c '
		echo "out $(tr -d "\0" </sys/firmware/devicetree/base/model)"; echo err >&2
		echo "$0" >"$1/a.txt"; mkdir -p "$1/d"; date +%s >"$1/d/now"; exit 5' \
		"$(pwd -P)" "$rw" >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc" 5 "dmapool-vm --machine raspi3b: the command's exit status"
	is "$(cat "$T/out")" "$(printf 'out Raspberry Pi 3 Model B\nerr')" \
		"... its output (stderr merged), nothing else"
	is "$(cat "$rw/a.txt" 2>&1)" "$(pwd -P)" "... a file it wrote under --rwdir came back"
	t=$(cat "$rw/d/now" 2>/dev/null)
	cmp_ok "$(($(date +%s) - ${t:-0}))" -lt 600 "... and one in a new directory; the guest's clock is the host's"
	$VM -q --arch arm64 --machine raspi3b --cpus 1 -- sh -c 'echo c >/proc/sysrq-trigger; sleep 5' \
		>/dev/null 2>"$T/err"
	is "$?" 125 "raspi3b: a kernel panic exits 125 (the board cannot reboot: the harness stops it)"
	rm -rf "$rw"
	;;
replay)
	f=${2:?capture file}
	check "the arm64 capture exists ($f)" -- test -s "$f"
	n=$(($(wc -l <"$f") - 2))
	build/dmapool-bench run --replay "$f" --vm-mem 1G -o "$T/replay" >"$T/log" 2>&1
	ok $? "run --replay of the arm64 capture on x86" || sed 's/^/# /' "$T/log"
	r=$T/replay/result.json
	is "$(jq -r '.meta.replay.arch + " " + .meta.replay.kernel' "$r")" \
		"aarch64 $(jq -r .meta.kernel "$f" 2>/dev/null | head -n 1)" \
		"meta.replay names the arm64 capture's architecture and kernel"
	is "$(jq -r .meta.replay.records "$r")" "$n" "all $n records replayed"
	is "$(jq -r '.runs[0].module_stats.allocs' "$r")" "$n" "the module made the $n allocations"
	is "$(jq -r '.runs[0].crosscheck.ok' "$r")" true "BPF = module on the replay"
	is "$(uname -m)" x86_64 "... on this x86-64 host's guest"
	;;
*)
	echo "usage: test-arm64.sh build | replay FILE" >&2
	exit 2
	;;
esac
tap_done
