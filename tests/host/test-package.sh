#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (debian/): build them as a user would, offline, check
# them with lintian, install them into a scratch root and use them from
# there, never from this tree:
#   - dpkg-buildpackage -us -uc -b in a copy of the tree (its tracked and
#     new files, no build/), in a network namespace without network;
#   - lintian: no error and no warning; the source package (dpkg-source -b
#     after the build) holds no build output;
#   - what each package holds (CLI, harness, data, man pages, completion;
#     the module's source with dkms.conf and no build output);
#   - the installed CLI and harness: --help, the man pages render, the
#     completion registers, profiles come from /usr/share/dmapool-bench, the
#     harness keeps its cache in ~/.cache and refuses arm64 outside a tree;
#   - dkms add/build/install of dmapool-bench-dkms for every kernel with
#     headers (private DKMS, source and install trees, a private signing key,
#     no depmod: the system's /var/lib/dkms and /lib/modules stay as they
#     were): each module has BTF (Kbuild's from the headers' vmlinux, or
#     dkms-make's pahole against the kernel's BTF) and the kernel's vermagic;
#   - a guest run from the installed files on the oldest and the default
#     kernel: the installed CLI goes through the installed harness, loads
#     the DKMS-built module (xz-compressed on 6.12) and its BPF cross-check
#     agrees with the module.
# TAP. About a minute.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

TOP=$PWD
P=$TOP/build/test-pkg
SRC=$P/src/dmapool-bench
R=$P/root
rm -rf "$P"
mkdir -p "$SRC" "$R" "$P/dkms" "$P/home"
VER=$(dpkg-parsechangelog -S Version)

# --- build, offline ---------------------------------------------------------
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -a -t "$SRC"
ok $? "copy of the tree's files (no build/) in $SRC"
(cd "$SRC" && unshare --net -- sh -c '! getent ahosts deb.debian.org >/dev/null &&
	dpkg-buildpackage -us -uc -b') >"$P/build.log" 2>&1
ok $? "dpkg-buildpackage -us -uc -b, offline (no network namespace: $P/build.log)" ||
	tail -n 20 "$P/build.log" | sed 's/^/#   /'
# The distribution build: dpkg's hardening flags, no -Werror (WERROR=).
cli_cc=$(grep -E '^cc .*tools/dmapool-bench/main\.c' "$P/build.log" | tail -n 1)
[ -n "$cli_cc" ] && [[ $cli_cc == *-fstack-protector-strong* ]] &&
	[[ $cli_cc == *-D_FORTIFY_SOURCE=2* ]] && grep -q -- '-target bpf' "$P/build.log" &&
	! grep -qE -- '-Werror( |$)' "$P/build.log"
ok $? "the package build: dpkg's hardening flags, no plain -Werror anywhere (V=1 log)"
CLI_DEB=$P/src/dmapool-bench_${VER}_$(dpkg --print-architecture).deb
DKMS_DEB=$P/src/dmapool-bench-dkms_${VER}_all.deb
[ -s "$CLI_DEB" ] && [ -s "$DKMS_DEB" ]
ok $? "both packages built: ${CLI_DEB##*/}, ${DKMS_DEB##*/}"

lintian --no-cfg --fail-on error,warning "$P"/src/dmapool-bench_"$VER"_*.changes \
	>"$P/lintian.log" 2>&1
ok $? "lintian: no error, no warning ($(grep -c '^[EW]:' "$P/lintian.log") tags)" ||
	grep '^[EW]:' "$P/lintian.log" | head -n 10 | sed 's/^/#   /'

# The source package (native) of the tree just built: sources, not build/.
(cd "$SRC" && dpkg-source -b . >"$P/source.log" 2>&1)
ok $? "dpkg-source -b after the build"
tar -tJf "$P/src/dmapool-bench_$VER.tar.xz" >"$P/source.list" 2>/dev/null
[ "$(grep -cE '^[^/]+/build/' "$P/source.list")" = 0 ] &&
	grep -qE '^[^/]+/debian/control$' "$P/source.list" &&
	grep -qE '^[^/]+/bench-module/pool\.c$' "$P/source.list"
ok $? "the source package holds the sources and nothing of build/ ($(wc -l <"$P/source.list") files)"

# --- what they hold -----------------------------------------------------------
dpkg-deb -c "$CLI_DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$P/cli.list"
dpkg-deb -c "$DKMS_DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$P/dkms.list"
missing=
for f in /usr/sbin/dmapool-bench /usr/bin/dmapool-vm /usr/share/dmapool-bench/tools/dmapool-vm \
	/usr/share/man/man8/dmapool-bench.8.gz /usr/share/man/man1/dmapool-vm.1.gz \
	/usr/share/bash-completion/completions/dmapool-bench \
	/usr/share/bash-completion/completions/dmapool-vm \
	/usr/share/dmapool-bench/profiles/profile.schema.json \
	/usr/share/doc/dmapool-bench/examples/dmapool-bench.yaml \
	$(cd "$TOP" && for f in plots/*.gp profiles/*.json bpf/bpftrace/*.bt; do
		echo "/usr/share/dmapool-bench/$f"; done); do
	grep -qxF "$f" "$P/cli.list" || missing="$missing $f"
done
is "$missing" "" "dmapool-bench holds the CLI, the harness, every plot, profile and bpftrace script, man pages, completion"
missing=
for f in dkms.conf dkms-make vmlinux-btf Kbuild include/uapi/dmapool_bench.h \
	$(cd "$TOP/bench-module" && ls ./*.c ./*.h | sed 's|^\./||'); do
	grep -qxF "/usr/src/dmapool-bench-$VER/$f" "$P/dkms.list" || missing="$missing $f"
done
is "$missing" "" "dmapool-bench-dkms holds every module source, the uapi header, dkms.conf, dkms-make"
is "$(grep -cE '\.(o|ko|mod|cmd)$|Module\.symvers|vmlinux\.h' "$P/dkms.list")" 0 \
	"dmapool-bench-dkms holds no build output"
is "$(dpkg-deb -f "$DKMS_DEB" Depends | grep -c dkms)" 1 "dmapool-bench-dkms depends on dkms"

# --- installed into a scratch root --------------------------------------------
dpkg-deb -x "$CLI_DEB" "$R" && dpkg-deb -x "$DKMS_DEB" "$R"
ok $? "both unpacked into $R"
B=$R/usr/sbin/dmapool-bench
"$B" --help >"$P/help.out" 2>&1
ok $? "installed dmapool-bench --help exits 0"
grep -q '^Usage: dmapool-bench' "$P/help.out" && grep -q 'monitor' "$P/help.out"
ok $? "installed --help lists the commands"
"$R/usr/bin/dmapool-vm" --help >"$P/vmhelp.out" 2>&1 && grep -q '^usage: dmapool-vm' "$P/vmhelp.out"
ok $? "installed dmapool-vm --help (through its /usr/bin symlink)"
"$B" profiles --json >"$P/profiles.json" 2>&1
is "$(jq -r .dir "$P/profiles.json" 2>/dev/null)" "$R/usr/share/dmapool-bench/profiles" \
	"installed CLI reads its profiles from PREFIX/share/dmapool-bench, not the tree"
is "$(jq -r '.profiles | length' "$P/profiles.json" 2>/dev/null)" "$(ls profiles/*.json | grep -vc schema)" \
	"installed CLI lists every driver profile"
"$B" profiles --json mixed-rpi >"$P/mixed.json" 2>&1
is "$(jq -r '.line' "$P/mixed.json" 2>/dev/null)" "$(build/dmapool-bench profiles --json mixed-rpi | jq -r .line)" \
	"installed CLI resolves a profile that includes others to the tree's spec line"
for m in man8/dmapool-bench.8 man1/dmapool-vm.1; do
	w=$(zcat "$R/usr/share/man/$m.gz" | groff -ww -man -Tutf8 2>&1 >"$P/man.out")
	[ -z "$w" ] && grep -q "$VER" "$P/man.out"
	ok $? "installed $m renders without warnings, with the package's version"
done
bash -c ". '$R/usr/share/bash-completion/completions/dmapool-bench' &&
	complete -p dmapool-bench && complete -p dmapool-vm" >/dev/null 2>&1
ok $? "installed completion registers dmapool-bench and dmapool-vm"
HOME=$P/home "$R/usr/bin/dmapool-vm" --arch arm64 --list-kernels >/dev/null 2>"$P/arm64.err"
is "$?:$(grep -c 'from a source tree' "$P/arm64.err")" "126:1" \
	"installed harness: --arch arm64 refused in one line (it needs the tree's arm64 root)"
HOME=$P/home "$R/usr/bin/dmapool-vm" --list-kernels >"$P/kernels"
is "$(cat "$P/kernels")" "$(tools/dmapool-vm --list-kernels)" \
	"installed harness lists the same bootable kernels as the tree's"

# --- DKMS, against the installed headers --------------------------------------
export mok_signing_key=$P/dkms/mok.key mok_certificate=$P/dkms/mok.pub
D=(dkms --dkmstree "$P/dkms/tree" --sourcetree "$R/usr/src" --installtree "$R/lib/modules")
mkdir -p "$P/dkms/tree"
sys_dkms=$(ls -A /var/lib/dkms 2>/dev/null | sort | tr '\n' ' ')
sys_mods=$(find /lib/modules -name 'dmapool_bench.ko*' 2>/dev/null | wc -l)
"${D[@]}" add -m dmapool-bench -v "$VER" >"$P/dkms.log" 2>&1
ok $? "dkms add dmapool-bench/$VER"
kernels=$(tools/dmapool-vm --list-kernels)
for k in $kernels; do
	mkdir -p "$R/lib/modules/$k"
	"${D[@]}" build -m dmapool-bench -v "$VER" -k "$k" >>"$P/dkms.log" 2>&1 &&
		"${D[@]}" install --no-depmod -m dmapool-bench -v "$VER" -k "$k" >>"$P/dkms.log" 2>&1
	ok $? "dkms build + install of dmapool-bench/$VER for $k (headers /usr/src/linux-headers-$k)" ||
		tail -n 15 "$P/dkms.log" | sed 's/^/#   /'
	m=$(ls "$R/lib/modules/$k/updates/dkms/"dmapool_bench.ko* 2>/dev/null | head -n 1)
	case $m in
	*.xz) xz -dc "$m" >"$P/m.ko" ;;
	*.zst) zstd -dcq "$m" >"$P/m.ko" ;;
	*) cp "$m" "$P/m.ko" 2>/dev/null ;;
	esac
	readelf -S "$P/m.ko" 2>/dev/null | grep -q '\.BTF' &&
		[ "$(modinfo -F vermagic "$P/m.ko" 2>/dev/null | cut -d' ' -f1)" = "$k" ]
	ok $? "$k: ${m##*/} has module BTF and vermagic $k"
	log=$P/dkms/tree/dmapool-bench/$VER/$k/$(uname -m)/log/make.log
	grep -q 'DMAPOOL_NO_WERROR=1' "$log" 2>/dev/null
	ok $? "$k: DKMS built the module without -Werror (DMAPOOL_NO_WERROR=1)"
	if [ -e "/usr/src/linux-headers-$k/vmlinux" ]; then
		! grep -q 'added by pahole' "$log" 2>/dev/null && [ -s "$log" ]
		ok $? "$k: the headers have vmlinux: Kbuild made the BTF"
	else
		grep -q 'module BTF added by pahole against vmlinux.btf' "$log" 2>/dev/null
		ok $? "$k: the headers have no vmlinux: dkms-make's pahole made it from /boot/vmlinuz-$k"
	fi
done
is "$(ls -A /var/lib/dkms 2>/dev/null | sort | tr '\n' ' '):$(find /lib/modules -name 'dmapool_bench.ko*' 2>/dev/null | wc -l)" \
	"$sys_dkms:$sys_mods" "the system's /var/lib/dkms and /lib/modules are untouched"

# --- a guest run from the installed files ------------------------------------
first=$(echo "$kernels" | grep -v -- -rt- | head -n 1)
for k in $(printf '%s\n' "$first" "$(tools/dmapool-vm --print-kernel)" | sort -u); do
	o=$P/run-$k
	HOME=$P/home "$B" -v run --kernel "$k" --ops 1000 -o "$o" >"$o.log" 2>&1
	ok $? "$k: installed 'dmapool-bench run' through the installed harness" ||
		tail -n 10 "$o.log" | sed 's/^/#   /'
	grep -q "loading $R/lib/modules/$k/updates/dkms/dmapool_bench.ko" "$o.log"
	ok $? "$k: the guest loaded the DKMS-built module from the scratch root"
	is "$(jq -r '.meta.kernel + " " + (.runs[0].crosscheck.ok | tostring)' "$o/result.json" 2>/dev/null)" \
		"$k true" "$k: result.json from the guest, BPF = module counters"
	is "$(jq -r .meta.version "$o/result.json" 2>/dev/null)" "$VER" "$k: the result names the package's version"
done
ls "$P"/home/.cache/dmapool-vm/initramfs-*.cpio.gz >/dev/null 2>&1
ok $? "installed harness keeps its cache in ~/.cache/dmapool-vm"

tap_done
