# SPDX-License-Identifier: GPL-2.0
# coherent_pool comparison, one group of bars per setting: alloc latency
# p50 / p99 / p99.9 (log scale) on the left, failures / fallbacks /
# expansions on the right.
#
#   gnuplot -e "datadir='DIR'; out='FILE'; fmt='png'; series='A B'; title='TEXT'; subtitle='TEXT'" \
#       plots/compare-bars.gp
#
# title and subtitle (optional) are plain text, wrapped to the image width
# (the CLI: a short title, the run's full spec as the subtitle).
#
# Reads DIR/compare.csv: a header line "# setting,p50,p99,p999,ops_per_sec,
# fails,fallbacks,expansions,peak_live_kb,frag_end", then a row per setting
# (labels without spaces, commas or quotes). Latencies <= 0 are not drawn
# (log axis). A missing or empty file is an error (exit 1, no image); fmt is
# png or svg (else exit 2). The image is 1200x600.

if (!exists("datadir")) datadir = '.'
if (!exists("fmt")) fmt = 'png'
if (!exists("out")) out = 'compare-bars.' . fmt
if (!exists("title")) title = ''
if (!exists("subtitle")) subtitle = ''

W = 1200
H = 600
if (fmt eq 'svg') {
	set terminal svg size W,H fixed enhanced font 'Sans,12' background rgb 'white'
} else {
	if (fmt ne 'png') {
		print sprintf("compare-bars.gp: fmt must be png or svg, not '%s'", fmt)
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

set linetype 1 lc rgb '#1f77b4'
set linetype 2 lc rgb '#ff7f0e'
set linetype 3 lc rgb '#d62728'
set linetype 4 lc rgb '#9467bd'
set linetype 5 lc rgb '#8c564b'
set linetype 6 lc rgb '#2ca02c'

set datafile separator ','
set datafile commentschars '#'
file = datadir . '/compare.csv'

# Rows, and the largest count (the right panel's range), in one pass.
undefine STATS_*
cmax = 0
stats file using (cmax = $6 > cmax ? $6 : cmax, cmax = $7 > cmax ? $7 : cmax, \
	cmax = $8 > cmax ? $8 : cmax) nooutput
if (!exists("STATS_records") || STATS_records == 0) {
	print sprintf("compare-bars.gp: cannot read %s (missing or empty)", file)
	exit status 1
}
rows = STATS_records

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics nomirror rotate by -30 noenhanced
set ytics nomirror
set grid ytics lt 0 lw 1 lc rgb '#b0b0b0'
set key top left noenhanced
pos(x) = x > 0 ? x : NaN

set output out
set multiplot layout 1, 2 title heading enhanced font ',14'
set title 'alloc latency' font ',12'
set logscale y
set ylabel 'ns'
set xrange [-0.6 : rows - 0.4]
plot file using (pos($2)):xtic(1) title 'p50' lt 1, \
	'' using (pos($3)) title 'p99' lt 2, \
	'' using (pos($4)) title 'p99.9' lt 3
unset logscale y
set title 'failures, fallbacks, expansions' font ',12'
set ylabel 'count (all runs)'
set yrange [0 : cmax > 0 ? cmax * 1.15 : 1]
plot file using 6:xtic(1) title 'failures' lt 3, \
	'' using 7 title 'fallbacks' lt 4, \
	'' using 8 title 'expansions' lt 6
unset multiplot
unset output
