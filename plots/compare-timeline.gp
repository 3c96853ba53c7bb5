# SPDX-License-Identifier: GPL-2.0
# coherent_pool comparison: the pools' sizes over the first run, one panel
# per setting, side by side, on one y scale.
#
#   gnuplot -e "datadir='DIR'; out='FILE'; fmt='png'; series='A B'; title='TEXT'; subtitle='TEXT'" \
#       plots/compare-timeline.gp
#
# title and subtitle (optional) are plain text, wrapped to the image width
# (the CLI: a short title, the run's full spec as the subtitle).
#
# Reads DIR/compare_timeline.csv: "# t_ms,dma,dma32,kernel", then one block
# per word of series, in that order, each "# LABEL" then rows of every
# pool's size in bytes (0: no such pool), blocks separated by two blank
# lines. A block may have no rows; a missing or empty file is an error
# (exit 1, no image). fmt is png or svg (else exit 2). At most 8 panels,
# in two rows when there are more than 4. The image is 1200x600.

if (!exists("datadir")) datadir = '.'
if (!exists("fmt")) fmt = 'png'
if (!exists("out")) out = 'compare-timeline.' . fmt
if (!exists("series")) series = ''
if (!exists("title")) title = ''
if (!exists("subtitle")) subtitle = ''

W = 1200
H = 600
if (fmt eq 'svg') {
	set terminal svg size W,H fixed enhanced font 'Sans,12' background rgb 'white'
} else {
	if (fmt ne 'png') {
		print sprintf("compare-timeline.gp: fmt must be png or svg, not '%s'", fmt)
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

set linetype 1 lc rgb '#1f77b4' lw 2.5	# kernel
set linetype 2 lc rgb '#2ca02c' lw 2	# dma32
set linetype 3 lc rgb '#ff7f0e' lw 2	# dma

# '#' is data here so that an empty block keeps its header line and index
# i-1 is always setting i; the header lines are skipped as invalid rows.
set datafile separator ','
set datafile commentschars ''
file = datadir . '/compare_timeline.csv'
n = words(series)
n = n > 8 ? 8 : n

array rows[n > 0 ? n : 1]
do for [i = 1:(n > 0 ? n : 1)] { rows[i] = 0 }
ymax = 0
tmax = 0
ok4 = 0
undefine STATS_*
stats file using (b = column(-2) + 1, \
	(b <= n && valid(1) && valid(2) && valid(3) && valid(4)) ? (rows[b] = rows[b] + 1, \
	ymax = $2 > ymax ? $2 : ymax, ymax = $3 > ymax ? $3 : ymax, \
	ymax = $4 > ymax ? $4 : ymax, tmax = $1 > tmax ? $1 : tmax) : 0, 0) nooutput
if (!exists("STATS_records")) {
	print sprintf("compare-timeline.gp: cannot read %s (missing or empty)", file)
	exit status 1
}
if (tmax <= 0) { tmax = 1 }

KiB(x) = x > 0 ? x / 1024.0 : NaN
set xrange [0 : tmax * 1.05]
set yrange [0 : ymax > 0 ? KiB(ymax) * 1.15 : 128]
set xtics nomirror
set ytics nomirror
set grid xtics ytics lt 0 lw 1 lc rgb '#b0b0b0'
set xlabel 'time (ms)'
set key top left noenhanced

set output out
set multiplot layout (n > 4 ? 2 : 1), (n > 4 ? (n + 1) / 2 : (n > 0 ? n : 1)) \
	title heading enhanced font ',14'
do for [i = 1:(n > 0 ? n : 1)] {
	set title (n > 0 ? word(series, i) : '(no setting)') noenhanced font ',12'
	if (i == 1) { set ylabel 'pool size (KiB)' } else { unset ylabel }
	if (n > 0 && rows[i] > 0) {
		if (i == 1) {
			plot file index i - 1 using 1:(KiB($4)) with steps lt 1 title 'kernel', \
				'' index i - 1 using 1:(KiB($3)) with steps lt 2 title 'dma32', \
				'' index i - 1 using 1:(KiB($2)) with steps lt 3 title 'dma'
		} else {
			plot file index i - 1 using 1:(KiB($4)) with steps lt 1 notitle, \
				'' index i - 1 using 1:(KiB($3)) with steps lt 2 notitle, \
				'' index i - 1 using 1:(KiB($2)) with steps lt 3 notitle
		}
	} else {
		set label 1 'no data' at graph 0.5, 0.5 center front font ',14'
		plot NaN notitle
		unset label 1
	}
}
unset multiplot
unset output
