# p50, p99 and p99.9 per mechanism with 95% bootstrap intervals.
# gnuplot -e "datafile='pct-hardirq.dat'; outfile='pct.svg'; term='svg'; ttl='...'" percentiles.gp
# datafile columns: mechanism p50 p50_lo p50_hi p99 p99_lo p99_hi p999 p999_lo p999_hi (µs)
if (!exists("term")) term = 'svg'
if (term eq 'png') set terminal pngcairo size 900,520 noenhanced font ',10'; else set terminal svg size 900,520 dynamic noenhanced font 'sans,11'
set output outfile
if (exists("ttl")) set title ttl
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set logscale y
set datafile missing 'NaN'
set ylabel 'latency (µs, log scale)'
set xtics rotate by -30
set grid ytics
set key top left
plot datafile using 2:3:4:xtic(1) title 'p50', '' using 5:6:7 title 'p99', '' using 8:9:10 title 'p99.9'
