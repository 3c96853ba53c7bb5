# SPDX-License-Identifier: GPL-2.0
# coherent_pool comparison, one group of bars per setting: alloc latency
# p50 / p99 / p99.9 (log scale) on the left, failures / fallbacks /
# expansions on the right.
#
#   gnuplot -e "datadir='DIR'; out='FILE'; fmt='png'; series='A B'; title='TEXT'" plots/compare-bars.gp
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
set multiplot layout 1, 2 title title noenhanced font ',14'
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
