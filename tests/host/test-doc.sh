#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The man pages and the bash completion (build/doc, tools/gen-doc): generated
# from the CLI's option tables, so every option --help shows is in them;
# they render without groff warnings; the completion completes commands,
# options and their values (choices, contexts, kernels, profiles). TAP.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

B=build/dmapool-bench
D=build/doc
TOP=$PWD
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The built pages are the current CLI's: generated again, byte for byte.
tools/gen-doc "$B" "$T/doc"
ok $? "tools/gen-doc runs"
for f in dmapool-bench.8 dmapool-vm.1 dmapool-bench.bash-completion; do
	cmp -s "$D/$f" "$T/doc/$f"
	ok $? "build/doc/$f is up to date with the CLI's tables"
done

for f in dmapool-bench.8 dmapool-vm.1; do
	w=$(LC_ALL=C.UTF-8 groff -man -ww -z "$D/$f" 2>&1)
	is "$w" "" "$f renders without groff warnings"
done

# Every command, and every option of every command's --help, in the page.
mapfile -t cmds < <($B --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }')
cmp_ok ${#cmds[@]} -ge 10 "the commands of --help: ${cmds[*]}"
man=$(sed 's/\\-/-/g; s/\\f[BIR]//g' "$D/dmapool-bench.8")
missing=()
n=0
for c in "${cmds[@]}"; do
	grep -q "^\.SS $c\$" "$D/dmapool-bench.8" || missing+=("$c")
	for o in $($B "$c" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z0-9-]+' |
		grep -oE -- '--[a-z0-9-]+'); do
		n=$((n + 1))
		grep -qE -- "$o([^a-z0-9-]|\$)" <<<"$man" || missing+=("$c $o")
	done
done
cmp_ok "$n" -ge 100 "options found in the commands' --help ($n)"
is "${missing[*]}" "" "every command and option of --help is in dmapool-bench(8)"
grep -q '^\.SH EXIT STATUS' "$D/dmapool-bench.8" && grep -q 'gate: inconclusive' <<<"$man"
ok $? "dmapool-bench(8) has the exit statuses, the gate's too"
grep -q 'dmapool-bench gate results/baseline/result.json' <<<"$man"
ok $? "... and the commands' examples"
missing=()
for o in $(tools/dmapool-vm --help | grep -oE '^  --[a-z-]+' | tr -d ' '); do
	grep -qE -- "$o([^a-z0-9-]|\$)" <<<"$(sed 's/\\-/-/g; s/\\f[BIR]//g' "$D/dmapool-vm.1")" ||
		missing+=("$o")
done
is "${missing[*]}" "" "every option of dmapool-vm --help is in dmapool-vm(1)"

# complete WORDS...: what the completion offers for the last word (bash's
# COMP_WORDS as the shell would set them), sorted, one line.
complete_words() {
	bash -c '. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		f=_dmapool_bench
		case $1 in *dmapool-vm) f=_dmapool_vm ;; esac
		$f 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ \
		"$D/dmapool-bench.bash-completion" "$@"
}
is "$(complete_words "$B" '')" "$(printf '%s\n' "${cmds[@]}" | sort | tr '\n' ' ')" \
	"completion: the commands"
is "$(complete_words "$B" ru)" "run " "completion: 'ru' -> run"
is "$(complete_words "$B" run --ct)" "--ctx " "completion: run --ct -> --ctx"
is "$(complete_words "$B" run --ctx '')" "atomic hardirq process softirq " \
	"completion: run --ctx -> the contexts"
is "$(complete_words "$B" run --attach '')" "auto tp_btf tracepoint " \
	"completion: run --attach -> its choices"
is "$(complete_words "$B" monitor --target '')" "auto bench kernel " \
	"completion: monitor --target -> its choices"
is "$(complete_words "$B" run --kernel '')" \
	"$(tools/dmapool-vm --list-kernels | sort | tr '\n' ' ')" \
	"completion: run --kernel -> the kernels dmapool-vm boots"
is "$(complete_words "$B" run --profile rpi-)" "rpi-dwc-otg rpi-firmware-mbox " \
	"completion: run --profile rpi- -> the profiles"
is "$(complete_words "$B" -)" "--help --json --verbose -h -j -v " \
	"completion: the global options"
is "$(complete_words tools/dmapool-vm --arch '')" "arm64 x86_64 " \
	"completion: dmapool-vm --arch"
is "$(complete_words tools/dmapool-vm --mach)" "--machine " "completion: dmapool-vm --mach"
# File and directory names with spaces complete as one word each.
C=$T/completion
mkdir -p "$C/sub dir"
touch "$C/a b.json" "$C/a b.txt"
complete_in() { # complete_in WORDS...: the offers in $C, sorted, each in [brackets]
	(cd "$C" && bash -c '. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		f=_dmapool_bench
		case $1 in *dmapool-vm) f=_dmapool_vm ;; esac
		$f 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}" | sort | sed "s/.*/[&]/" | tr -d "\n"' _ \
		"$TOP/$D/dmapool-bench.bash-completion" "$@")
}
is "$(complete_in "$B" run --replay a)" "[a b.json][a b.txt]" \
	"completion: file names with spaces are one word each (run --replay)"
is "$(complete_in "$B" run --profile a)" "[a b.json]" \
	"completion: --profile offers .json files, spaces kept"
is "$(complete_in "$B" run -o s)" "[sub dir]" "completion: -o offers directories, spaces kept"
is "$(complete_in tools/dmapool-vm --rwdir s)" "[sub dir]" "completion: dmapool-vm --rwdir, spaces kept"
# Every option of every command is offered after '--'.
missing=()
for c in "${cmds[@]}"; do
	offered=" $(complete_words "$B" "$c" --) "
	for o in $($B "$c" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z0-9-]+' |
		grep -oE -- '--[a-z0-9-]+'); do
		[[ $offered == *" $o "* ]] || missing+=("$c $o")
	done
done
is "${missing[*]}" "" "completion offers every option of every command"
tap_done
