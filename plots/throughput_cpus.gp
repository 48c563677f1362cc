# Items/s under saturation against the number of producing CPUs, one line
# per mechanism.
# gnuplot -e "datafile='t.dat'; nblocks=8; outfile='t.svg'; term='svg'; ttl='...'" throughput_cpus.gp
# datafile: blocks separated by two blank lines, each headed by the mechanism
# name, rows "cpus items_per_s ci_lo ci_hi".
if (!exists("term")) term = 'svg'
if (term eq 'png') set terminal pngcairo size 900,520 noenhanced font ',10'; else set terminal svg size 900,520 dynamic noenhanced font 'sans,11'
set output outfile
if (exists("ttl")) set title ttl
set xlabel 'CPUs producing (and running callbacks)'
set ylabel 'callbacks completed per second'
set xtics 1
set yrange [0:*]
set offsets 0.2, 0.2, 0, 0
set grid
set key outside right
plot for [i=0:nblocks-1] datafile index i using 1:2:3:4 with yerrorlines title columnheader(1)
