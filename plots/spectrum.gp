# SPDX-License-Identifier: GPL-2.0
# Latency percentile spectrum: latency (ns, log) against 1/(1-p) (log),
# tics labelled as percentiles, one line per series.
#
#   gnuplot -e "datadir='DIR'; out='FILE'; fmt='png'; series='A B'; title='TEXT'; subtitle='TEXT'" \
#       plots/spectrum.gp
#
# title and subtitle (optional) are plain text, wrapped to the image width
# (the CLI: a short title, the run's full spec as the subtitle).
#
# Reads DIR/spectrum.csv: "# percentile,inv_tail,latency_ns", then one block
# per word of series, in that order, each "# NAME" then its rows, blocks
# separated by two blank lines.  A row with percentile 1 is the maximum
# (inv_tail one decade past the last percentile): drawn with an open square,
# its tic labelled "max".  Rows with latency_ns <= 0 are skipped (log axis).
# A block may have no rows; a missing or empty file is an error (exit 1, no
# image).  fmt is png (pngcairo, else png) or svg.  The image is 1000x600.

if (!exists("datadir")) datadir = '.'
if (!exists("fmt")) fmt = 'png'
if (!exists("out")) out = 'spectrum.' . fmt
if (!exists("series")) series = ''
if (!exists("title")) title = ''
if (!exists("subtitle")) subtitle = ''

# --- terminal (same in the three scripts) ---------------------------------
W = 1000
H = 600
if (fmt eq 'svg') {
	set terminal svg size W,H fixed enhanced font 'Sans,12' background rgb 'white'
} else {
	if (fmt ne 'png') {
		print sprintf("spectrum.gp: fmt must be png or svg, not '%s'", fmt)
		exit status 2
	}
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size W,H enhanced font 'Sans,11' background rgb 'white'
	} else {
		set terminal png size W,H enhanced font 'Sans,10' background rgb 'white'
	}
}

# --- title (same in every script) -----------------------------------------
# Strings are UTF-8: lengths, cuts and substrings count characters, not bytes
# (a cut inside a character would make the SVG invalid XML).
set encoding utf8
# heading: title (14 pt) and subtitle (10 pt) word-wrapped to 90 % of the
# image width (a plot's title is centred over the plot, not the page), as
# enhanced text with its markup characters escaped; empty when both are.
# Widths in ems of DejaVu Sans (4/3 px a point), a little over: narrow and
# wide characters and capitals apart, the rest as digits. A word wider than
# a line is cut.
t_em(c) = strstrt(" .,:;'|!iljI()[]{}/-tfr", c) > 0 ? 0.4 : \
	strstrt('mwMW%@=+^~<>', c) > 0 ? 1.0 : \
	strstrt('ABCDEFGHJKLNOPQRSTUVXYZ', c) > 0 ? 0.78 : 0.64
array t_txt[2]
t_txt[1] = title
t_txt[2] = subtitle
array t_pt[2] = [14, 10]
heading = ''
do for [t_k = 1:2] {
	t_max = 0.9 * W / (t_pt[t_k] * 4.0 / 3)
	t_cut = int(t_max)
	t_line = ''
	t_len = 0
	do for [t_i = 1:words(t_txt[t_k])] {
		t_w = word(t_txt[t_k], t_i)
		while (strlen(t_w) > 0) {
			t_part = strlen(t_w) > t_cut ? t_w[1:t_cut] : t_w
			t_w = strlen(t_w) > t_cut ? t_w[t_cut + 1:strlen(t_w)] : ''
			t_e = ''
			t_pw = 0
			do for [t_j = 1:strlen(t_part)] {
				t_c = t_part[t_j:t_j]
				t_e = t_e . (strstrt('_^@&~{}', t_c) > 0 ? '\' : '') . t_c
				t_pw = t_pw + t_em(t_c)
			}
			if (t_len > 0 && t_len + 0.4 + t_pw > t_max) {
				heading = heading . (strlen(heading) > 0 ? "\n" : '') . \
					sprintf('{/=%d %s}', t_pt[t_k], t_line)
				t_line = ''
				t_len = 0
			}
			t_line = t_line . (t_len > 0 ? ' ' : '') . t_e
			t_len = t_len + (t_len > 0 ? 0.4 : 0) + t_pw
		}
	}
	if (t_len > 0) {
		heading = heading . (strlen(heading) > 0 ? "\n" : '') . \
			sprintf('{/=%d %s}', t_pt[t_k], t_line)
	}
}

# Colours for series 1..8, then the cycle repeats.
set linetype 1 lc rgb '#1f77b4' lw 2 pt 7 ps 1.0
set linetype 2 lc rgb '#d62728' lw 2 pt 5 ps 1.0
set linetype 3 lc rgb '#2ca02c' lw 2 pt 9 ps 1.2
set linetype 4 lc rgb '#ff7f0e' lw 2 pt 11 ps 1.2
set linetype 5 lc rgb '#9467bd' lw 2 pt 13 ps 1.2
set linetype 6 lc rgb '#8c564b' lw 2 pt 7 ps 1.0
set linetype 7 lc rgb '#e377c2' lw 2 pt 5 ps 1.0
set linetype 8 lc rgb '#17becf' lw 2 pt 9 ps 1.2
set linetype cycle 8

# Data: '#' is not a comment character here, so that every block, even one
# with no rows, keeps its "# NAME" line and "index i-1" is always series i
# (gnuplot merges blocks made of comments and blank lines only).  The
# non-numeric lines are skipped as invalid points.
set datafile separator ','
set datafile commentschars ''
file = datadir . '/spectrum.csv'
n = words(series)

# Rows per block and the data's extent, in one pass (a stats on an empty
# block would only warn, and leave no STATS_ variables).
array rows[n > 0 ? n : 1]
do for [i = 1:|rows|] { rows[i] = 0 }
xmin = 1e300; xmax = 0; ymin = 1e300; ymax = 0
pmax = 0; mmin = 1e300; mmax = 0   # inv_tail extent of percentiles < 1, of maxima
ok(b) = b <= n && valid(1) && valid(2) && valid(3) && $2 > 0 && $3 > 0
undefine STATS_*
stats file using (b = column(-2) + 1, ok(b) ? (rows[b] = rows[b] + 1, \
	xmin = $2 < xmin ? $2 : xmin, xmax = $2 > xmax ? $2 : xmax, \
	ymin = $3 < ymin ? $3 : ymin, ymax = $3 > ymax ? $3 : ymax, \
	$1 < 1 ? (pmax = $2 > pmax ? $2 : pmax) : \
		(mmin = $2 < mmin ? $2 : mmin, mmax = $2 > mmax ? $2 : mmax)) : 0, 0) nooutput
if (!exists("STATS_records")) {
	print sprintf("spectrum.gp: cannot read %s (missing or empty)", file)
	exit status 1
}
have = 0
do for [i = 1:n] { have = have + (rows[i] > 0) }

set title heading enhanced font ',14'
set xlabel 'percentile'
set ylabel 'latency (ns)'
set logscale x 10
set logscale y 10
# x tics: the percentiles up to the largest one in the data, then "max"
# where the maxima are (tic labels are formats: '%%' is a literal '%').
tpos = '1 2 4 10 20 100 1000 10000 100000 1000000 10000000 100000000 1000000000'
tlab = '0 50 75 90 95 99 99.9 99.99 99.999 99.9999 99.99999 99.999999 99.9999999'
set xtics ()
do for [j = 1:words(tpos)] {
	v = word(tpos, j) + 0
	if (v <= pmax * 1.001 || pmax == 0) {
		lab = word(tlab, j) . '%%'
		set xtics add (lab v)
	}
}
if (mmax > 0) {
	if (mmin > pmax * 1.001) { set xtics add ('max' mmin) }
	if (mmax > mmin * 1.001) { set xtics add ('max' mmax) }
}
# y tics: 1, 2, 5 per decade (1 over more than 5 decades), with SI
# prefixes (10k = 10000 ns).
ymult = (have > 0 && ymax / ymin > 1e5) ? '1' : '1 2 5'
set ytics ()
do for [k = 0:12] {
	do for [m in ymult] { set ytics add ('%.0s%c' (m + 0) * 10**k) }
}
set grid xtics ytics lt 0 lw 1 lc rgb '#b0b0b0'
set key top left box opaque noenhanced spacing 1.2 samplen 3
if (have == 0) {
	set xrange [1.5:1.5e4]
	set yrange [10:1e6]
	set label 1 (n == 0 ? 'no series' : 'no data') at graph 0.5, 0.5 center font ',16'
} else {
	set xrange [xmin / 1.3 : xmax * 1.3]
	set yrange [ymin / 1.6 : ymax * 1.6]
}

set output out
# One line per series with rows, a key entry for those without; the maxima
# (percentile 1) get an open square on top.
cmd = 'plot NaN notitle'
do for [i = 1:n] {
	if (rows[i] > 0) {
		cmd = cmd . sprintf(", file index %d using 2:3 with linespoints lt %d title word(series, %d)", i - 1, i, i)
		cmd = cmd . sprintf(", file index %d using 2:($1 >= 1 ? $3 : NaN) with points lt %d pt 4 ps 2.2 lw 1.5 notitle", i - 1, i)
	} else {
		cmd = cmd . sprintf(", NaN with linespoints lt %d title word(series, %d) . ' (no data)'", i, i)
	}
}
if (mmax > 0) {
	cmd = cmd . ", NaN with points lc rgb 'black' pt 4 ps 2.2 lw 1.5 title 'max (p = 1)'"
}
eval cmd
unset output
