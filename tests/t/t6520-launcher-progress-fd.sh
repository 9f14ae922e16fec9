#!/bin/sh
# raquet-scan --progress-fd N, the launcher's source of progress: JSON lines
# with the counters and the root being walked, a last line with done; a
# reader that goes away does not kill the scan; a closed descriptor is a
# usage error.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
mkdir -p "$T/a" "$T/b"
for i in $(seq 1 200); do cp "$TESTFILES/clam.zip" "$T/a/z$i.zip"; done
write_eicar "$T/b/eicar.com" && echo clean > "$T/b/clean.txt"

exit_is "scan with --progress-fd 3" 1 raquet-scan -d "$T/db" -j2 --progress-fd 3 "$T/a" "$T/b" 3>"$T/progress"
ok "every line is a JSON object" sh -c "test -s '$T/progress' && jq -e 'type == \"object\"' '$T/progress' >/dev/null"
ok "at least one line before the last" test "$(wc -l < "$T/progress")" -ge 1
last=$(tail -1 "$T/progress")
is "the last line says done" "$(echo "$last" | jq -c '[.done, .total_known]')" "[true,true]"
is "  ... with every file and detection" "$(echo "$last" | jq -c '[.files, .files_total, .detections, .roots]')" "[202,202,201,2]"
is "  ... bytes equal the total" "$(echo "$last" | jq '.bytes == .bytes_total')" "true"
is "  ... the root being walked is the last PATH" "$(echo "$last" | jq -r '[.root, .root_index] | join("|")')" "$T/b|1"
ok "no progress line on stderr" sh -c "! grep -q 'files' '$T/last.err'"
ok "detections still on stdout" grep -q "eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/last.out"

( raquet-scan -d "$T/db" --no-summary --progress-fd 3 "$T/a" "$T/b" 3>&1 >/dev/null; echo $? > "$T/rc" ) | true
is "a reader that went away does not kill the scan" "$(cat "$T/rc")" 1

exit_is "a closed descriptor is a usage error" 2 raquet-scan -d "$T/db" --progress-fd 9 "$T/a"
ok "  ... saying so" grep -q "progress-fd wants an open file descriptor" "$T/last.err"
exit_is "so is a non-number" 2 raquet-scan -d "$T/db" --progress-fd x "$T/a"

done_testing
