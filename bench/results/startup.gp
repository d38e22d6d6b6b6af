set terminal pngcairo size 1100,680 font 'sans,11' noenhanced
set logscale x
set logscale y
set grid xtics ytics mxtics mytics
set key outside right top
set xlabel "mount points in the host's table (/proc/self/mountinfo lines)"
set output 'startup.png'
set title 'Start-up of /bin/true in each sandbox vs. host mount table (median; bars: quartiles)'
set ylabel 'wall time, ms'
plot 'startup.dat' index 0 using 1:2:3:4 with yerrorlines lc rgb '#999999' dt 2 pt 1 title '/bin/true (exec floor)', \
  'startup.dat' index 1 using 1:2:3:4 with yerrorlines lc rgb '#000000' dt 2 pt 2 title 'unshare -m (namespace floor)', \
  'startup.dat' index 2 using 1:2:3:4 with yerrorlines lc rgb '#8c564b' dt 2 pt 6 title 'the same sandbox, kernel work alone (content_floor.c)', \
  'startup.dat' index 3 using 1:2:3:4 with yerrorlines lc rgb '#c49c94' dt 2 pt 8 title 'the same + pid = yes, kernel work alone (content_floor.c --pid)', \
  'startup.dat' index 4 using 1:2:3:4 with yerrorlines lc rgb '#1f77b4' pt 7 title 'jharden empty.conf', \
  'startup.dat' index 5 using 1:2:3:4 with yerrorlines lc rgb '#0b3d91' lw 3 pt 5 title 'jharden + 1 secret', \
  'startup.dat' index 6 using 1:2:3:4 with yerrorlines lc rgb '#0b3d91' lw 2 dt 4 pt 4 title 'jharden + 1 secret, hide_sources = no', \
  'startup.dat' index 7 using 1:2:3:4 with yerrorlines lc rgb '#17becf' pt 9 title 'jharden + 1 secret + pid = yes', \
  'startup.dat' index 8 using 1:2:3:4 with yerrorlines lc rgb '#2ca02c' pt 11 title 'jharden nginx.conf', \
  'startup.dat' index 9 using 1:2:3:4 with yerrorlines lc rgb '#d62728' pt 13 title 'bwrap (equivalent)', \
  'startup.dat' index 10 using 1:2:3:4 with yerrorlines lc rgb '#d62728' dt 2 pt 12 title 'bwrap (equivalent) + PID namespace', \
  'startup.dat' index 11 using 1:2:3:4 with yerrorlines lc rgb '#ff9896' dt 3 pt 13 title 'bwrap without seccomp', \
  'startup.dat' index 12 using 1:2:3:4 with yerrorlines lc rgb '#9467bd' pt 15 title 'firejail (equivalent)'

set terminal pngcairo size 1100,680 font 'sans,11' noenhanced
set logscale x
set logscale y
set grid xtics ytics mxtics mytics
set key outside right top
set xlabel "mount points in the host's table (/proc/self/mountinfo lines)"
set output 'startup-relative.png'
set title 'Start-up time relative to the floor of the same namespaces (ratio of medians; dashed: the 1.3x and 1.5x targets)'
set ylabel 'x floor'
set yrange [0.5:*]
plot 'startup.dat' index 2 using 1:5 with linespoints lc rgb '#8c564b' dt 2 pt 6 title 'the same sandbox, kernel work alone (content_floor.c)', \
  'startup.dat' index 3 using 1:5 with linespoints lc rgb '#c49c94' dt 2 pt 8 title 'the same + pid = yes, kernel work alone (content_floor.c --pid)', \
  'startup.dat' index 4 using 1:5 with linespoints lc rgb '#1f77b4' pt 7 title 'jharden empty.conf', \
  'startup.dat' index 5 using 1:5 with linespoints lc rgb '#0b3d91' lw 3 pt 5 title 'jharden + 1 secret', \
  'startup.dat' index 6 using 1:5 with linespoints lc rgb '#0b3d91' lw 2 dt 4 pt 4 title 'jharden + 1 secret, hide_sources = no', \
  'startup.dat' index 7 using 1:5 with linespoints lc rgb '#17becf' pt 9 title 'jharden + 1 secret + pid = yes', \
  'startup.dat' index 8 using 1:5 with linespoints lc rgb '#2ca02c' pt 11 title 'jharden nginx.conf', \
  'startup.dat' index 9 using 1:5 with linespoints lc rgb '#d62728' pt 13 title 'bwrap (equivalent)', \
  'startup.dat' index 10 using 1:5 with linespoints lc rgb '#d62728' dt 2 pt 12 title 'bwrap (equivalent) + PID namespace', \
  'startup.dat' index 11 using 1:5 with linespoints lc rgb '#ff9896' dt 3 pt 13 title 'bwrap without seccomp', \
  'startup.dat' index 12 using 1:5 with linespoints lc rgb '#9467bd' pt 15 title 'firejail (equivalent)', \
  1.3 with lines lc rgb '#000000' dt 2 title '1.3x', \
  1.5 with lines lc rgb '#555555' dt 3 title '1.5x'
