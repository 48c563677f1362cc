# One latency metric per mechanism across runs (kernels, releases).
# gnuplot -e "datafile='trend.dat'; outfile='trend.svg'; term='svg'; ttl='...'" trend.gp
# datafile: what `bhbench trend --data FILE.dat` (and `bhbench report` with
# several runs) writes: a "# kernel m m_lo m_hi ..." comment, then one row per
# run: its label and, per mechanism, the value in µs and its 95% interval
# (NaN where the run has no such mechanism).  names: the mechanisms in
# column order (default: all nine); for a real subsystem's runs, its
# load/mode columns.  ylab: the axis (default latency in µs); logy: a
# logarithmic axis (figures whose series differ by orders of magnitude).
if (!exists("term")) term = 'svg'
if (!exists("names")) names = 'direct tasklet tasklet_hi bh bh_highpri bh_custom wq_percpu wq_highpri wq_unbound'
if (term eq 'png') set terminal pngcairo size 900,520 noenhanced font ',10'; else set terminal svg size 900,520 dynamic noenhanced font 'sans,11'
set output outfile
if (exists("ttl")) set title ttl
if (!exists("ylab")) ylab = 'latency (µs)'
set ylabel ylab
if (exists("logy")) set logscale y; else set yrange [0:*]
set offsets 0.3, 0.3, 0, 0
set xtics rotate by -30
set grid ytics
set key outside right
set datafile missing 'NaN'
plot for [i=1:words(names)] datafile using 0:(column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) \
     with yerrorlines title word(names, i)
