#!/bin/sh
# SIGINT/SIGTERM stop a scan promptly; the result is written as incomplete
# and the exit status is 2.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
for sig in INT TERM; do
	raquet-scan --progress-fd 3 -j1 -d "$T/db" --json "$T/$sig.json" /usr \
		3> "$T/$sig.prog" > "$T/$sig.out" 2>&1 &
	pid=$!
	# The stop must land while files are being scanned: wait until the
	# progress lines say some were.
	ok "SIG$sig: the scan got under way" wait_until 60 \
		sh -c "tail -n 1 '$T/$sig.prog' | jq -e '.files > 10' >/dev/null"
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

done_testing
