#!/bin/bash
# every 15 s: cumulative utime+stime ticks per postgres process title, and postmaster's cutime+cstime
for i in $(seq 1 9); do
  sleep 15
  echo "== $(date +%T)"
  for p in $(pgrep -x postgres); do
    t=$(tr '\0' ' ' < /proc/$p/cmdline | cut -c1-45)
    s=$(sed 's/.*) //' /proc/$p/stat)
    set -- $s
    echo "$t | self $(( ${12} + ${13} )) children $(( ${14} + ${15} ))"
  done | grep -v "^postgres: postgres headroom" | sort
  echo "backends: $(for p in $(pgrep -x postgres); do t=$(tr '\0' ' ' < /proc/$p/cmdline); case "$t" in "postgres: postgres headroom"*) s=$(sed 's/.*) //' /proc/$p/stat); set -- $s; echo $(( ${12} + ${13} ));; esac; done | paste -sd+ | bc)"
done
