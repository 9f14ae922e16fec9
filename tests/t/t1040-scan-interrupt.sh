#!/bin/sh
# SIGINT/SIGTERM stop a scan promptly; the result is written as incomplete
# and the exit status is 2.
. "$(dirname "$0")/../lib.sh"

# A background job of a script starts with SIGINT ignored (POSIX); env
# --default-signal gives raquet-scan the SIGINT a terminal would.
make_sigs "$T/db"
for sig in INT TERM; do
	env --default-signal=INT,TERM raquet-scan --progress-fd 3 -j1 -d "$T/db" --json "$T/$sig.json" /usr \
		3> "$T/$sig.prog" > "$T/$sig.out" 2>&1 &
	pid=$!
	# The stop must land while files are being scanned: wait until the
	# progress lines say some were.
	# (jq 1.6 -e exits 0 on empty input: read the number, then compare.)
	ok "SIG$sig: the scan got under way" wait_until 60 \
		sh -c "n=\$(tail -n 1 '$T/$sig.prog' | jq -r .files 2>/dev/null); [ \"\${n:-0}\" -gt 10 ]"
	kill -$sig $pid
	start=$(date +%s)
	wait $pid
	rc=$?
	took=$(($(date +%s) - start))
	is "SIG$sig: exit status 2" "$rc" 2
	ok "SIG$sig: stopped within 5 seconds (took ${took}s)" test "$took" -le 5
	is "SIG$sig: result status incomplete" "$(jq -r .status "$T/$sig.json")" incomplete
	ok "SIG$sig: the summary is still printed" grep -q '^Status: incomplete$' "$T/$sig.out"
done

# A stop that comes before any file is walked (here: while the engine
# loads; raquet-scan blocks SIGINT first thing, so the signal waits for the
# signal thread) still ends in an incomplete result naming the root (it
# crashed on a root that was never walked: the race is run six times).
blocked() { _m=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$1/status") && [ $((0x$_m & 2)) -ne 0 ]; }
for i in 1 2 3 4 5 6; do
	env --default-signal=INT,TERM raquet-scan --no-progress -j1 -d "$T/db" --json "$T/early$i.json" /usr > "$T/early$i.out" 2>&1 &
	pid=$!
	wait_until 30 blocked $pid
	kill -INT $pid
	wait $pid
	is "a stop before the walk ($i): exit status 2" "$? $(jq -r '.status + " " + .volumes[0].path' "$T/early$i.json")" "2 incomplete /usr"
done

done_testing
