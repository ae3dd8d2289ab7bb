# plot.gp - requests/s by concurrency, one panel per file size and connection
# mode, one line per server. bench/report.py writes the data file (one block
# per panel, `index` i, first row the column headers) and a parameter file
# defining: datafile, outfile, envtitle, nrows, ncols (data columns, the first
# is the concurrency), npanels, array titles[npanels], array ylabels[npanels].
# usage: gnuplot -e "params='FILE'" bench/plot.gp
load params
set terminal pngcairo size 1200, 330 * nrows + 40 font ",10"
set output outfile
set logscale xy
set xrange [0.7:1500]
set xtics ("1" 1, "64" 64, "1000" 1000)
set format y "%.0s%c"
set grid
set key top left opaque font ",8"
set xlabel "concurrent connections"
set multiplot layout nrows, 2 title envtitle
do for [i = 1:npanels] {
	set title titles[i]
	set ylabel ylabels[i]
	plot for [c = 2:ncols] datafile index (i - 1) using 1:c with linespoints \
		pointsize 0.8 title columnheader(c)
}
unset multiplot
