# A real subsystem (dm-verity, usb-storage): fio throughput and completion latency p99 per load and mode.
# gnuplot -e "datafile='dmv.dat'; nblocks=1; outfile='dmv.svg'; term='svg'; ttl='...'" realsub.gp
# datafile: one line per load/mode: "label mib_s lo hi p99_us lo hi" (medians over
# repetitions with 95% bootstrap intervals).
if (!exists("term")) term = 'svg'
if (term eq 'png') set terminal pngcairo size 900,420 noenhanced font ',10'; else set terminal svg size 900,420 dynamic noenhanced font 'sans,11'
set output outfile
set multiplot layout 1,2 title (exists("ttl") ? ttl : '')
set style fill solid 0.5 border -1
set boxwidth 0.6
set grid y
set xtics rotate by -30
set yrange [0:*]
set ylabel 'MiB/s (median, 95% CI)'
plot datafile using 0:2:xtic(1) with boxes notitle, '' using 0:2:3:4 with yerrorbars lc rgb 'black' pt 0 notitle
set ylabel 'completion latency p99 (us, log scale, median, 95% CI)'
set logscale y
set yrange [*:*]
plot datafile using 0:5:xtic(1) with boxes lc rgb 'dark-orange' notitle, '' using 0:5:6:7 with yerrorbars lc rgb 'black' pt 0 notitle
unset multiplot
