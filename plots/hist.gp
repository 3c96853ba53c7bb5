# SPDX-License-Identifier: GPL-2.0
# Log2 latency histograms: one panel per series, stacked, sharing the x axis
# (latency, log2 buckets drawn as bars from lo to hi; counts on a log axis).
#
#   gnuplot -e "datadir='DIR'; out='FILE'; fmt='png'; series='A B'; title='TEXT'; subtitle='TEXT'" \
#       plots/hist.gp
#
# title and subtitle (optional) are plain text, wrapped to the image width
# (the CLI: a short title, the run's full spec as the subtitle).
#
# Reads DIR/hist_log2.csv: "# lo_ns,hi_ns,count", then one block per word
# of series, in that order, each "# NAME" then its rows (lo 0, 1, 2, 4, ...;
# hi the next power of two; zero counts allowed), blocks separated by two
# blank lines.  A block may have no rows; a missing or empty file is an
# error (exit 1, no image).  The [0, 1) bucket is drawn as [0.5, 1).  Counts
# are written above the bars when at most 20 buckets are shown.  fmt is png
# (pngcairo, else png) or svg.  The image is 1000 wide and
# max(600, 70 + 170 * panels) high.

if (!exists("datadir")) datadir = '.'
if (!exists("fmt")) fmt = 'png'
if (!exists("out")) out = 'hist.' . fmt
if (!exists("series")) series = ''
if (!exists("title")) title = ''
if (!exists("subtitle")) subtitle = ''

n = words(series)
np = n > 0 ? n : 1

# --- terminal (same in the three scripts) ---------------------------------
W = 1000
H = 70 + 170 * np
H = H < 600 ? 600 : H
if (fmt eq 'svg') {
	set terminal svg size W,H fixed enhanced font 'Sans,12' background rgb 'white'
} else {
	if (fmt ne 'png') {
		print sprintf("hist.gp: fmt must be png or svg, not '%s'", fmt)
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
set linetype 1 lc rgb '#1f77b4' lw 1
set linetype 2 lc rgb '#d62728' lw 1
set linetype 3 lc rgb '#2ca02c' lw 1
set linetype 4 lc rgb '#ff7f0e' lw 1
set linetype 5 lc rgb '#9467bd' lw 1
set linetype 6 lc rgb '#8c564b' lw 1
set linetype 7 lc rgb '#e377c2' lw 1
set linetype 8 lc rgb '#17becf' lw 1
set linetype cycle 8

# Data: '#' is not a comment character here, so that every block, even one
# with no rows, keeps its "# NAME" line and "index i-1" is always series i
# (gnuplot merges blocks made of comments and blank lines only).  The
# non-numeric lines are skipped as invalid points.
set datafile separator ','
set datafile commentschars ''
file = datadir . '/hist_log2.csv'

# Per block: buckets with a count, total, largest count; overall: the
# lowest and highest non-empty bucket.  One pass (a stats on an empty block
# would only warn, and leave no STATS_ variables).
array rows[np]
array total[np]
array cmax[np]
do for [i = 1:np] { rows[i] = 0; total[i] = 0; cmax[i] = 0 }
lomin = 1e300
himax = 0
lo(x) = x > 0 ? x : 0.5       # where a bucket starts on the log axis
ok(b) = b <= n && valid(1) && valid(2) && valid(3) && $3 > 0 && $2 > $1
undefine STATS_*
stats file using (b = column(-2) + 1, ok(b) ? (rows[b] = rows[b] + 1, \
	total[b] = total[b] + $3, cmax[b] = $3 > cmax[b] ? $3 : cmax[b], \
	lomin = lo($1) < lomin ? lo($1) : lomin, himax = $2 > himax ? $2 : himax) : 0, 0) nooutput
if (!exists("STATS_records")) {
	print sprintf("hist.gp: cannot read %s (missing or empty)", file)
	exit status 1
}
if (himax == 0) { lomin = 64; himax = 65536 }

# x axis: log2, a tic at every power of two, labelled with the value in
# ns/us/ms/s (two significant digits: 1024 ns is "1.0us"), every 1, 2 or 3
# tics depending on how many buckets are shown.
f2(x) = x < 9.95 ? sprintf('%.1f', x) : sprintf('%.0f', x)
hum(v) = v < 1 ? '0' : v < 1000 ? sprintf('%.0fns', v) : v < 1e6 ? f2(v / 1e3) . 'us' : \
	v < 1e9 ? f2(v / 1e6) . 'ms' : f2(v / 1e9) . 's'
kmin = floor(log(lomin) / log(2) + 0.5)
kmax = floor(log(himax) / log(2) + 0.5)
nb = kmax - kmin
step = nb <= 18 ? 1 : nb <= 36 ? 2 : 3
set logscale x 2
set xrange [2**kmin / 1.35 : 2**kmax * 1.35]
set xtics () scale 1, 0.6
do for [k = kmin:kmax] {
	lab = hum(2**k)
	if ((k - kmin) % step == 0) { set xtics add (lab 2**k) } else { set xtics add ('' 2**k 1) }
}
set grid xtics lt 0 lw 1 lc rgb '#b0b0b0'

# y axis: count, log (a count of 1 is a bar from 0.5 to 1), SI prefixes.
set logscale y 10
set format y '%.0s%c'
set ytics nomirror
set mytics 10
set grid ytics lt 0 lw 1 lc rgb '#b0b0b0'
set ylabel 'count'
set key off
set lmargin 10
set rmargin 3
set style fill solid 0.75 border rgb '#303030'

# Count labels above the bars when they fit.
cl(c) = c < 10000 ? sprintf('%d', c) : gprintf('%.1s%c', c)
labels = (nb <= 20)

set output out
set multiplot layout np, 1 title heading enhanced font ',14'
do for [i = 1:np] {
	name = n > 0 ? word(series, i) : '(no series)'
	unset label
	if (i == np) {
		set xlabel 'latency bucket [lo, hi), log2 (tics at lo; 1.0us = 1024 ns)'
	} else {
		unset xlabel
	}
	if (i <= n && rows[i] > 0) {
		set label 1 sprintf('%s   (%s samples)', name, cl(total[i])) at graph 0.99, 0.88 right \
			noenhanced front font ',12' boxed
		set yrange [0.5 : cmax[i] * (labels ? 4 : 2)]
		if (labels) {
			plot file index (i - 1) using (sqrt(lo($1) * $2)):($3 > 0 ? $3 : NaN):(lo($1)):2:(0.5):3 \
				with boxxyerror lt i, \
				'' index (i - 1) using (sqrt(lo($1) * $2)):($3 > 0 ? $3 * 1.15 : NaN):(cl($3)) \
				with labels center offset 0, 0.5 font ',9' tc rgb '#303030'
		} else {
			plot file index (i - 1) using (sqrt(lo($1) * $2)):($3 > 0 ? $3 : NaN):(lo($1)):2:(0.5):3 \
				with boxxyerror lt i
		}
	} else {
		set label 1 name at graph 0.99, 0.88 right noenhanced front font ',12' boxed
		set label 2 'no data' at graph 0.5, 0.5 center front font ',14'
		set yrange [0.5 : 10]
		plot NaN notitle
	}
}
unset multiplot
unset output
