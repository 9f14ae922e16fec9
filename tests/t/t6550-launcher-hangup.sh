#!/bin/sh
# A launcher whose terminal goes away ends (it used to spin on ERR from
# ncurses forever, a CPU burnt on the live system for nothing).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"

# What is timed is the launcher noticing the hangup, not the sanitizer
# build's leak check at exit: LeakSanitizer stops the world with ptrace,
# seconds on a loaded machine (CI saw it pass 5 s; the launcher was
# already in exit, in sched_yield under LSan). Leaks are checked elsewhere.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

launch --scan-path "'$T/pc'"
ok "the launcher is on its first screen" wait_for "Máy tính này thuộc đơn vị nào?"
pid=$(pgrep -f "raquet-launcher --stick $T/usb" | head -1)
ok "  ... as a process" test -n "$pid"
$TM kill-server
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ok "it ends within 5 s once its terminal is gone" sh -c "! kill -0 $pid 2>/dev/null"
[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
done_testing
