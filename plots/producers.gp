# Median latency per mechanism, one bar per producer context.
# gnuplot -e "datafile='producers.dat'; nblocks=2; outfile='producers.svg'; term='svg'; ttl='...'" producers.gp
# datafile: a header line "mechanism <producer> <producer>...", then one row
# per mechanism with the p50 (µs) for each producer; nblocks = producers.
if (!exists("term")) term = 'svg'
if (term eq 'png') set terminal pngcairo size 900,520 noenhanced font ',10'; else set terminal svg size 900,520 dynamic noenhanced font 'sans,11'
set output outfile
if (exists("ttl")) set title ttl
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set ylabel 'p50 latency (µs)'
set yrange [0:*]
set xtics rotate by -30
set grid ytics
set key top left autotitle columnhead
plot for [i=2:nblocks+1] datafile using i:xtic(1)
