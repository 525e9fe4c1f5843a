# chart.gp - bench/chart.png from the pivoted results (make bench writes
# the data file: one row per shape, GFLOP/s per contender, one thread).
set terminal pngcairo size 1400,700 font ",11"
set output outfile
set title "y = x . W^T + b, one thread, -O3 -march=native: GFLOP/s (higher is better; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [0.5:*]
set grid ytics
set ylabel "GFLOP/s"
set xlabel "batch x in x out"
set xtics rotate by -40 scale 0
set key top left
plot datafile using 2:xtic(1) title "linear.h", \
     '' using 3 title "linear.h, prepared", \
     '' using 4 title "OpenBLAS sgemm", \
     '' using 5 title "OpenBLAS sgemv", \
     '' using 6 title "oneDNN", \
     '' using 7 title "XNNPACK", \
     '' using 8 title "BLIS", \
     '' using 9 title "naive loop"
