# SPDX-License-Identifier: GPL-2.0
# Pool timeline: one panel per pool, stacked, sharing the time axis: size,
# avail and largest free extent (KiB) against time (ms), and the pool's
# expansions as impulses as high as the bytes they obtained, labelled with
# their latency when there are at most 12.
#
#   gnuplot -e "datadir='DIR'; out='FILE'; fmt='png'; series='dma dma32 kernel'; title='TEXT'" plots/timeline.gp
#
# Reads DIR/timeline.csv: "# t_ms,size,avail,largest_free", then one block
# per word of series (the pools), in that order, each "# NAME" then its rows,
# blocks separated by two blank lines; a block may have no rows.  Reads
# DIR/expansions.csv: "# t_ms,pool,obtained,latency_ns" then rows in one
# block (maybe none; a missing or empty file only warns); rows of a pool
# not in series are ignored.  A missing or empty timeline.csv is an error
# (exit 1, no image).  fmt is png (pngcairo, else png) or svg.  The image is
# 1000 wide and max(600, 70 + 240 * panels) high.

if (!exists("datadir")) datadir = '.'
if (!exists("fmt")) fmt = 'png'
if (!exists("out")) out = 'timeline.' . fmt
if (!exists("series")) series = ''
if (!exists("title")) title = ''

n = words(series)
np = n > 0 ? n : 1

# --- terminal (same in the three scripts) ---------------------------------
W = 1000
H = 70 + 240 * np
H = H < 600 ? 600 : H
if (fmt eq 'svg') {
	set terminal svg size W,H fixed enhanced font 'Sans,12' background rgb 'white'
} else {
	if (fmt ne 'png') {
		print sprintf("timeline.gp: fmt must be png or svg, not '%s'", fmt)
		exit status 2
	}
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size W,H enhanced font 'Sans,11' background rgb 'white'
	} else {
		set terminal png size W,H enhanced font 'Sans,10' background rgb 'white'
	}
}

# One colour per quantity, the same in every panel.
set linetype 1 lc rgb '#1f77b4' lw 2.5          # size
set linetype 2 lc rgb '#2ca02c' lw 2            # avail
set linetype 3 lc rgb '#ff7f0e' lw 2 dt (6, 3)  # largest free extent
set linetype 4 lc rgb '#d62728' lw 3 pt 7 ps 1  # expansions

# Data: '#' is not a comment character here, so that every block, even one
# with no rows, keeps its "# NAME" line and "index i-1" is always pool i
# (gnuplot merges blocks made of comments and blank lines only).  The
# non-numeric lines are skipped as invalid points.
set datafile separator ','
set datafile commentschars ''
tfile = datadir . '/timeline.csv'
efile = datadir . '/expansions.csv'

# pool(s): 1-based position of pool name s in series, 0 if absent
# (a double-quoted name is unquoted).
unq(s) = (strlen(s) >= 2 && s[1:1] eq '"') ? s[2:strlen(s) - 1] : s
pads = ' ' . series . ' '
pool(s) = (p_ = strstrt(pads, ' ' . unq(s) . ' ')) > 0 ? words(pads[1:p_]) + 1 : 0

# Per pool: timeline rows, expansions, largest value (bytes); overall: the
# time extent.  One pass per file (a stats on an empty block would only
# warn, and leave no STATS_ variables).
array rows[np]
array exps[np]
array ymax[np]
do for [i = 1:np] { rows[i] = 0; exps[i] = 0; ymax[i] = 0 }
tmin = 1e300
tmax = -1e300
max3(a, b, c) = a > b ? (a > c ? a : c) : (b > c ? b : c)
tok(b) = b <= n && valid(1) && valid(2) && valid(3) && valid(4)
undefine STATS_*
stats tfile using (b = column(-2) + 1, tok(b) ? (rows[b] = rows[b] + 1, \
	ymax[b] = max3(ymax[b], $2, max3($3, $4, 0)), \
	tmin = $1 < tmin ? $1 : tmin, tmax = $1 > tmax ? $1 : tmax) : 0, 0) nooutput
if (!exists("STATS_records")) {
	print sprintf("timeline.gp: cannot read %s (missing or empty)", tfile)
	exit status 1
}
eok(b) = b > 0 && valid(1) && valid(3)
undefine STATS_*
stats efile using (b = pool(strcol(2)), eok(b) ? (exps[b] = exps[b] + 1, \
	ymax[b] = $3 > ymax[b] ? $3 : ymax[b], \
	tmin = $1 < tmin ? $1 : tmin, tmax = $1 > tmax ? $1 : tmax) : 0, 0) nooutput
if (!exists("STATS_records")) {
	print sprintf("timeline.gp: nothing read from %s: no expansion drawn", efile)
}
if (tmax < tmin) { tmin = 0; tmax = 1000 }
if (tmax - tmin < 1e-9) { tmin = tmin - 1; tmax = tmax + 1 }
tpad = (tmax - tmin) * 0.02

set xrange [tmin - tpad : tmax + tpad]
set xtics nomirror
set mxtics
set ytics nomirror
set mytics
set grid xtics ytics lt 0 lw 1 lc rgb '#b0b0b0'
set ylabel 'KiB'
set key at graph 1.03, 1 left top Left reverse noenhanced spacing 1.3 samplen 3
set lmargin 11
set rmargin 34

KiB(x) = x / 1024.0
lat(ns) = ns < 1e3 ? sprintf('%.0f ns', ns) : ns < 1e6 ? sprintf('%.0f us', ns / 1e3) : sprintf('%.1f ms', ns / 1e6)

set output out
set multiplot layout np, 1 title title noenhanced font ',14'
do for [i = 1:np] {
	name = n > 0 ? word(series, i) : '(no pool)'
	unset label
	set title sprintf('pool %s: %d expansion%s', name, exps[i], exps[i] == 1 ? '' : 's') \
		noenhanced offset 0, -0.6 font ',12'
	if (i == np) { set xlabel 'time (ms)' } else { unset xlabel }
	top = ymax[i] > 0 ? KiB(ymax[i]) * 1.18 : 128
	set yrange [0 : top]
	set format y (top < 10 ? '%.1f' : '%.0f')
	cmd = 'plot NaN notitle'
	if (rows[i] > 0) {
		cmd = cmd . sprintf(", tfile index %d using 1:(KiB($2)) with steps lt 1 title 'size'", i - 1)
		cmd = cmd . sprintf(", '' index %d using 1:(KiB($3)) with steps lt 2 title 'avail'", i - 1)
		cmd = cmd . sprintf(", '' index %d using 1:(KiB($4)) with steps lt 3 title 'largest free extent'", i - 1)
	}
	if (exps[i] > 0) {
		sel = sprintf('(pool(strcol(2)) == %d ? KiB($3) : NaN)', i)
		cmd = cmd . ", efile using 1:" . sel . " with impulses lt 4 title 'expansion (bar: obtained)'"
		cmd = cmd . ", '' using 1:" . sel . " with points lt 4 notitle"
		if (exps[i] <= 12) {
			cmd = cmd . ", '' using 1:" . sel . ":(valid(4) ? lat($4) : '') with labels left offset 0.6, 0.6 font ',9' tc lt 4 title 'text: expansion latency'"
		}
	} else { if (rows[i] > 0) {
		cmd = cmd . ", NaN with impulses lt 4 title 'no expansion'"
	} else {
		set label 2 'no data' at graph 0.5, 0.5 center front font ',14'
	} }
	eval cmd
}
unset multiplot
unset output
