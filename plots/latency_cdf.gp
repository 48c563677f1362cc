# Latency CDF per mechanism, log x.
# gnuplot -e "datafile='cdf-hardirq.dat'; nblocks=9; outfile='cdf.svg'; term='svg'; ttl='...'" latency_cdf.gp
# nblocks: the number of blocks in datafile.
# datafile: one block per mechanism (two blank lines apart), first line of a
# block is the mechanism name (the series title), then "latency_us fraction" rows.
if (!exists("term")) term = 'svg'
if (term eq 'png') set terminal pngcairo size 900,520 noenhanced font ',10'; else set terminal svg size 900,520 dynamic noenhanced font 'sans,11'
set output outfile
if (exists("ttl")) set title ttl
set logscale x
set xlabel 'latency from intended arrival to callback (µs, log scale)'
set ylabel 'fraction of items'
set yrange [0:1.02]
set grid
# more series than the default eight colours: the ninth is grey and dashed
set linetype 9 lc rgb 'gray40' lw 2 dt 2
set key bottom right
if (!exists("nblocks")) nblocks = 1
plot for [i=0:nblocks-1] datafile index i using 1:2 with steps lw 2 title columnheader(1)
