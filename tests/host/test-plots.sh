#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host test of the gnuplot scripts in plots/: writes small synthetic data sets
# in a temporary directory (two series with data; a first block with no rows
# and an expansions file with only its header; a lone empty series), runs
# spectrum.gp, hist.gp and timeline.gp for png and svg exactly as the CLI
# does, and checks each image; then that a missing data file is an error;
# then that a long title and subtitle are wrapped to fit in every script.
# Prints TAP; exits non-zero if a check fails.  Needs gnuplot (Debian:
# gnuplot-nox), awk and python3.  About 10 s.
# KEEP_PLOTS=DIR copies the data and images there, to look at them.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# --- synthetic data -------------------------------------------------------

# spectrum NAME BASE_NS [empty]: one block of spectrum.csv
spectrum_block() {
	echo "# $1"
	[ "${3:-}" = empty ] && return
	awk -v base="$2" 'BEGIN {
		n = split("0.5 0.75 0.9 0.99 0.999 0.9999", p, " ")
		for (i = 1; i <= n; i++) {
			inv = 1 / (1 - p[i])
			printf "%s,%.10g,%d\n", p[i], inv, base * (1 + 0.4 * log(inv)^1.6)
		}
		printf "1,%.10g,%d\n", inv * 10, base * 40
	}'
}

# hist NAME CENTER_LOG2 [empty]: one block of hist_log2.csv, lo 0..2^24
hist_block() {
	echo "# $1"
	[ "${3:-}" = empty ] && return
	awk -v c="$2" 'BEGIN {
		print "0,1,0"
		for (k = 0; k <= 24; k++) {
			d = k - c
			n = (d >= -3 && d <= 8) ? int(100000 * exp(-d * d / (d < 0 ? 1 : 3))) : 0
			if (k == c + 9) n = 2          # a lone tail sample
			printf "%d,%d,%d\n", 2^k, 2^(k + 1), n
		}
	}'
}

# timeline NAME INITIAL_BYTES [empty]: one block of timeline.csv, 0..1000 ms
timeline_block() {
	echo "# $1"
	[ "${3:-}" = empty ] && return
	awk -v size="$2" 'BEGIN {
		for (t = 0; t <= 1000; t += 20) {
			if (t == 400 || t == 760) size *= 2
			used = size * (0.2 + 0.7 * (t % 380) / 380)
			avail = size - used
			printf "%d,%d,%d,%d\n", t, size, avail, avail * (0.3 + 0.5 * ((t / 20) % 3) / 2)
		}
	}'
}

# write_file HEADER BLOCK-COMMAND...: header line, then the blocks separated
# by two blank lines, on stdout
write_file() {
	local first=1
	echo "# $1"
	shift
	for b in "$@"; do
		[ $first -eq 1 ] || printf '\n\n'
		first=0
		eval "$b"
	done
}

mkdata() { # mkdata DIR CASE
	local d=$1
	mkdir -p "$d"
	case $2 in
	full)
		write_file percentile,inv_tail,latency_ns \
			"spectrum_block kernel/hardirq 180" "spectrum_block dma32/hardirq 260" >"$d/spectrum.csv"
		write_file lo_ns,hi_ns,count \
			"hist_block kernel/hardirq 8" "hist_block dma32/hardirq 10" >"$d/hist_log2.csv"
		write_file t_ms,size,avail,largest_free \
			"timeline_block dma32 262144" "timeline_block kernel 524288" >"$d/timeline.csv"
		printf '%s\n' '# t_ms,pool,obtained,latency_ns' 400,dma32,262144,41000 \
			400,kernel,524288,73000 760,dma32,524288,88000 760,kernel,1048576,150000 \
			>"$d/expansions.csv"
		echo "kernel/hardirq dma32/hardirq" >"$d/series"
		echo "dma32 kernel" >"$d/pools"
		;;
	empty) # the first series has no rows; no expansion
		write_file percentile,inv_tail,latency_ns \
			"spectrum_block dma/softirq 0 empty" "spectrum_block kernel/softirq 150" >"$d/spectrum.csv"
		write_file lo_ns,hi_ns,count \
			"hist_block dma/softirq 0 empty" "hist_block kernel/softirq 7" >"$d/hist_log2.csv"
		write_file t_ms,size,avail,largest_free \
			"timeline_block dma 0 empty" "timeline_block kernel 131072" >"$d/timeline.csv"
		echo '# t_ms,pool,obtained,latency_ns' >"$d/expansions.csv"
		echo "dma/softirq kernel/softirq" >"$d/series"
		echo "dma kernel" >"$d/pools"
		;;
	none) # one series, no rows anywhere
		write_file percentile,inv_tail,latency_ns \
			"spectrum_block kernel/process 0 empty" >"$d/spectrum.csv"
		write_file lo_ns,hi_ns,count \
			"hist_block kernel/process 0 empty" >"$d/hist_log2.csv"
		write_file t_ms,size,avail,largest_free \
			"timeline_block kernel 0 empty" >"$d/timeline.csv"
		echo '# t_ms,pool,obtained,latency_ns' >"$d/expansions.csv"
		echo "kernel/process" >"$d/series"
		echo "kernel" >"$d/pools"
		;;
	esac
}

# --- checks ---------------------------------------------------------------

for c in full empty none; do
	d=$T/$c
	mkdata "$d" "$c"
	for script in spectrum hist timeline; do
		if [ $script = timeline ]; then s=$(cat "$d/pools"); else s=$(cat "$d/series"); fi
		for fmt in png svg; do
			out=$d/$script.$fmt
			what="$script.gp $fmt ($c)"
			gnuplot -e "datadir='$d'; out='$out'; fmt='$fmt'; series='$s'; title='test $c: $script'" \
				plots/$script.gp >"$d/$script.$fmt.log" 2>&1
			rc=$?
			is "$rc" 0 "$what exits 0"
			[ $rc -eq 0 ] || sed 's/^/#   /' "$d/$script.$fmt.log" | tail -n 5
			check "$what writes $out" -- test -f "$out"
			check "$what image is not empty" -- test -s "$out"
			if [ $fmt = png ]; then
				magic=$(head -c 8 "$out" 2>/dev/null | od -An -tx1 | tr -d ' \n')
				is "$magic" 89504e470d0a1a0a "$what starts with the PNG signature"
			else
				check "$what contains <svg" -- grep -q '<svg' "$out"
			fi
		done
	done
done

# No data file: an error, and no image.
for script in spectrum hist timeline; do
	out=$T/missing-$script.png
	gnuplot -e "datadir='$T/missing'; out='$out'; fmt='png'; series='kernel'; title=''" \
		plots/$script.gp >/dev/null 2>&1
	cmp_ok $? -ne 0 "$script.gp without its data file fails"
	check "$script.gp without its data file writes no image" -- test ! -e "$out"
done

# Headings: a title longer than any image is wide and the run's full spec
# as the subtitle, in every script (compare's too). The title is wrapped,
# not cut (no ink at the PNG's edges); the SVG holds every word whole and
# literally (underscores are not enhanced-text markup), the title over
# several lines, the subtitle at 10 pt.
long="A title longer than any image is wide: $(printf 'word%d ' {1..30})and_an_underscore"
spec="ctx=hardirq cpus=0-1 duration_ms=2000 ops=0 period_us=100 batch=8 size=4096:8,8192:4,16384:2,65536 hold=ops:32 zone=auto mask=64 burst=off seed=1 warmup_ms=0 max_outstanding=1024 x^y {z} @a &b ~c"
d=$T/full
printf '%s\n' '# setting,p50,p99,p999,ops_per_sec,fails,fallbacks,expansions,peak_live_kb,frag_end' \
	128K,1200,9000,40000,250000,3,10,2,512,0.2 512K,1100,8000,30000,260000,0,0,1,512,0.1 \
	>"$d/compare.csv"
write_file t_ms,dma,dma32,kernel "printf '# 128K\n0,131072,131072,131072\n500,131072,262144,262144\n'" \
	"printf '# 512K\n0,524288,524288,524288\n'" >"$d/compare_timeline.csv"
# The SVG's text as a reader sees it: tags dropped, XML's entities decoded.
svgtext() {
	sed -e 's/<[^>]*>/ /g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g' "$1" |
		tr -s ' \t' '\n\n'
}
for script in spectrum hist timeline compare-bars compare-timeline; do
	case $script in
	timeline) s=$(cat "$d/pools") ;;
	compare-*) s="128K 512K" ;;
	*) s=$(cat "$d/series") ;;
	esac
	for fmt in png svg; do
		out=$d/heading-$script.$fmt
		gnuplot -e "datadir='$d'; out='$out'; fmt='$fmt'; series='$s'; title='$long'; subtitle='spec: $spec'" \
			plots/$script.gp >"$out.log" 2>&1
		is "$?" 0 "$script.gp $fmt with a long title and the spec as subtitle exits 0"
	done
	r=$(tests/host/png-title.py "$d/heading-$script.png")
	ok $? "$script.gp: the long heading fits the PNG ($r)"
	python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$d/heading-$script.svg"
	ok $? "$script.gp: the SVG with the spec's & < { } in its heading is well-formed XML"
	svgtext "$d/heading-$script.svg" >"$d/heading-$script.words"
	missing=
	for w in $long $spec; do
		grep -qxF -- "$w" "$d/heading-$script.words" || missing="$missing $w"
	done
	is "$missing" "" "$script.gp: every word of title and subtitle in the SVG, whole and literal"
	cmp_ok "$(grep -c '>A title longer\|>word[0-9]* [^<]*and_an_underscore<' "$d/heading-$script.svg")" -eq 2 \
		"$script.gp: the title wrapped (its first and last words on different lines)"
	grep -q 'font-size="10.0">spec: ctx=hardirq' "$d/heading-$script.svg"
	ok $? "$script.gp: the subtitle at 10 pt"
done

[ -n "${KEEP_PLOTS:-}" ] && cp -r "$T"/. "$KEEP_PLOTS"/ && diag "images kept in $KEEP_PLOTS"
tap_done
