# SPDX-License-Identifier: GPL-2.0
# Pool timeline: one panel per pool, stacked, sharing the time axis: size,
# avail and largest free extent (KiB) against time (ms), and the pool's
# expansions as impulses as high as the bytes they obtained, labelled with
# their latency when there are at most 12.
#
#   gnuplot -e "datadir='DIR'; out='FILE'; fmt='png'; series='dma dma32 kernel'; title='TEXT'; subtitle='TEXT'" \
#       plots/timeline.gp
#
# title and subtitle (optional) are plain text, wrapped to the image width
# (the CLI: a short title, the run's full spec as the subtitle).
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
if (!exists("subtitle")) subtitle = ''

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
set multiplot layout np, 1 title heading enhanced font ',14'
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
