# Hotplug drain time versus pending items K, one line per mechanism.
# gnuplot -e "datafile='drain-teardown.dat'; nblocks=8; outfile='drain.svg'; term='svg'; ttl='...'" hotplug_drain.gp
# nblocks: the number of blocks in datafile.
# datafile: one block per mechanism, first line the mechanism name, then "K drain_ms_p50".
if (!exists("term")) term = 'svg'
if (term eq 'png') set terminal pngcairo size 900,520 noenhanced font ',10'; else set terminal svg size 900,520 dynamic noenhanced font 'sans,11'
set output outfile
if (exists("ttl")) set title ttl
set logscale xy
set xlabel 'items pending on the CPU going offline (K)'
set ylabel 'offline start to last item run (ms, median)'
set grid
# more series than the default eight colours: the ninth is grey and dashed
set linetype 9 lc rgb 'gray40' lw 2 dt 2
set key top left
if (!exists("nblocks")) nblocks = 1
plot for [i=0:nblocks-1] datafile index i using 1:2 with linespoints lw 2 title columnheader(1)
