#!/usr/bin/env bash
# Exercise tools/dmapool-vm on the host; prints TAP.  Boots 5 guests plus one
# per installed kernel (about 40 s under TCG).  Exits non-zero if a case fails.
# shellcheck disable=SC2016,SC2317 # literal $ in guest scripts; is/has run via ok
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

VM=tools/dmapool-vm
T=$(mktemp -d)
RWFILE=results/.test-vm-$$
trap 'rm -rf "$T"; rm -f "$RWFILE" .test-vm-ro-$$' EXIT
n=0 failed=0

# ok DESC COMMAND...: one TAP line from COMMAND's status
ok() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
}

# boot NAME ARG...: run the harness; NAME.out/NAME.err in $T, status in RC
boot() {
	local name=$1
	shift
	"$VM" "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}
is() { [[ $1 == "$2" ]] || { printf '# got:      %q\n# expected: %q\n' "$1" "$2"; false; }; }
has() { grep -qF -- "$2" "$1" || { echo "# no '$2' in $1:"; sed 's/^/#   /' "$1" | tail -n 20; false; }; }

# Kernels the harness can boot: /boot/vmlinuz-* with modules and headers.
KERNELS=()
while read -r v; do
	[[ -d /lib/modules/$v && -d /usr/src/linux-headers-$v ]] && KERNELS+=("$v")
done < <(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V)
((${#KERNELS[@]})) || { echo "1..0 # skip no kernel with modules and headers in /boot"; exit 0; }

RT_KERNELS=()
for v in "${KERNELS[@]}"; do
	grep -qx CONFIG_PREEMPT_RT=y "/boot/config-$v" 2>/dev/null && RT_KERNELS+=("$v")
done

echo "1..$((20 + 2 * ${#KERNELS[@]} + ${#RT_KERNELS[@]}))"

# --- one boot for most of the plumbing
script='printf "%s|" "$@"; echo
echo to-stderr >&2
pwd
echo "foo=$DMAPOOL_FOO"
test -d /sys/kernel/tracing/events && echo tracefs-ok
grep -q " /sys/kernel/debug debugfs " /proc/mounts && echo debugfs-ok
echo written >"$DMAPOOL_RWFILE" && echo rw-ok
if touch "./.test-vm-ro-$DMAPOOL_PID" 2>/dev/null || touch /usr/.test-vm-ro 2>/dev/null
then echo ro-broken; else echo ro-ok; fi
exit 7'
DMAPOOL_FOO=bar DMAPOOL_RWFILE=$RWFILE DMAPOOL_PID=$$ \
	boot main -q -- sh -c "$script" sh 'a b' "c'd" '$HOME *' ''
ok "exit status propagates (sh -c 'exit 7' -> 7)" is "$RC" 7
ok "arguments with spaces, quotes, \$ and * arrive intact" \
	is "$(sed -n 1p "$T/main.out")" "a b|c'd|\$HOME *||"
# (A guest kernel that dies during boot, a TCG flaw, is booted again with one
# line saying so: that line is the harness's, not the command's.)
ok "stderr is separate from stdout" \
	is "$(grep -v '^dmapool-vm: guest kernel died during boot (.*); booting again' "$T/main.err")" \
	to-stderr
ok "command runs in the same working directory" is "$(sed -n 2p "$T/main.out")" "$PWD"
ok "DMAPOOL_* environment passes through" has "$T/main.out" foo=bar
ok "tracefs and debugfs are mounted" \
	is "$(grep -c -e tracefs-ok -e debugfs-ok "$T/main.out")" 2
ok "default rwdir results/ is writable and visible on the host" \
	is "$(grep -c rw-ok "$T/main.out")/$(cat "$RWFILE" 2>/dev/null)" 1/written
ok "cwd and root are read-only" is "$(grep -c ro-ok "$T/main.out")" 1

# --- from inside the (default) rwdir: the cwd needs no share of its own
(cd results && ../"$VM" -q -- sh -c 'pwd; echo x >.test-vm-cwd-rw; cat .test-vm-cwd-rw; rm .test-vm-cwd-rw') \
	>"$T/cwdrw.out" 2>"$T/cwdrw.err"
ok "runs from inside an --rwdir directory (cwd writable there)" \
	is "$?:$(tr '\n' ' ' <"$T/cwdrw.out")" "0:$(cd results && pwd -P) x "

# --- the exact argv example from the contract, quiet mode
boot printf -q -- printf '%s|' 'a b' "c'd"
ok "printf '%s|' 'a b' \"c'd\" prints a b|c'd| and exits 0, stderr empty" \
	is "$RC:$(cat "$T/printf.out"):$(cat "$T/printf.err")" "0:a b|c'd|:"

# --- kernel panic
boot panic -- sh -c 'echo c >/proc/sysrq-trigger; sleep 5'
ok "kernel panic exits 125" is "$RC" 125
ok "panic is named on one stderr line" has "$T/panic.err" "dmapool-vm: kernel panic:"
ok "console log tail is printed" has "$T/panic.err" "sysrq triggered crash"
log=$(sed -n 's/^dmapool-vm: console log: \(.*\) (last .*/\1/p' "$T/panic.err")
ok "console log file exists ($log)" has "${log:-/nonexistent}" "Kernel panic"

# --- deterministic mode (and DMAPOOL_VM_LOG)
DMAPOOL_VM_LOG=$T/det.log boot det -q --deterministic -- nproc
ok "--deterministic boots with 1 cpu" is "$RC:$(cat "$T/det.out")" 0:1
ok "DMAPOOL_VM_LOG names the console log" has "$T/det.log" "Linux version"

# --- whole-run timeout
boot timeout -q --timeout 5 -- sleep 60
ok "--timeout exits 124 and says so" is "$RC:$(grep -c 'dmapool-vm: timeout' "$T/timeout.err")" 124:1

# --- kernel selection: the newest non-RT kernel (PREEMPT_RT is a flavour), an
# RT kernel only when it is the only match
newest() { # newest VERSION...: the last non-RT one, else the last one
	local v pick=
	for v; do [[ " ${RT_KERNELS[*]} " == *" $v "* ]] || pick=$v; done
	echo "${pick:-${!#}}"
}
want=$(newest "${KERNELS[@]}")
ok "default kernel is the newest non-RT one ($want)" is "$("$VM" --print-kernel)" "$want"
for v in "${KERNELS[@]}"; do
	mm=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$v")	# e.g. 6.1, 6.12
	mapfile -t match < <(printf '%s\n' "${KERNELS[@]}" | grep -E "^${mm//./\\.}[.+-]")
	want=$(newest "${match[@]}")
	ok "--kernel $mm resolves to $want" is "$("$VM" --kernel "$mm" --print-kernel)" "$want"
	[[ $want == "$v" ]] && sel=$mm || sel=$v
	boot "k-$v" -q --kernel "$sel" -- uname -r
	ok "--kernel $sel boots $v" is "$RC:$(cat "$T/k-$v.out")" "0:$v"
done
for v in "${RT_KERNELS[@]}"; do	# e.g. 6.12.117+deb12-rt for 6.12.117+deb12-rt-amd64
	ok "--kernel ${v%-*} resolves to the RT kernel $v" \
		is "$("$VM" --kernel "${v%-*}" --print-kernel)" "$v"
done
# --- a kernel that dies before our init: booted again, twice, then 126
boot rdinit -q --append "rdinit=/nope" -- true
ok "a boot-time kernel death is retried twice, then exits 126" \
	is "$RC:$(grep -c 'booting again' "$T/rdinit.err")" 126:2

boot unknown --kernel 9.9 -- true
ok "--kernel 9.9 exits 126 with one line naming 9.9" \
	is "$RC:$(wc -l <"$T/unknown.err"):$(grep -c "'9.9'" "$T/unknown.err")" 126:1:1

((failed == 0)) || echo "# $failed of $n failed"
exit $((failed > 0))
