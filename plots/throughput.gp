# Items/s under saturation against the callback's cost, one line per mechanism.
# gnuplot -e "datafile='throughput.dat'; nblocks=8; outfile='t.svg'; term='svg'; ttl='...'" throughput.gp
# datafile: blocks separated by two blank lines, each headed by the mechanism
# name, rows "cost_us items_per_s ci_lo ci_hi" (cost 0 drawn at 0.1 us).
if (!exists("term")) term = 'svg'
if (term eq 'png') set terminal pngcairo size 900,520 noenhanced font ',10'; else set terminal svg size 900,520 dynamic noenhanced font 'sans,11'
set output outfile
if (exists("ttl")) set title ttl
set logscale xy
set xlabel 'callback cost (µs, busy loop; 0 drawn at 0.1)'
set ylabel 'callbacks completed per second'
set grid
set key outside right
plot for [i=0:nblocks-1] datafile index i using 1:2:3:4 with yerrorlines title columnheader(1)
