#!/bin/sh
# Hostile files and names in a scanned tree and in the quarantine: a FIFO
# or a device node is never opened (a FIFO's writer stays blocked, the scan
# ends), a name with a C1 control (U+009B, CSI) is printed escaped;
# --restore never sets set-id or sticky bits, never follows a symlink in
# any component of the target path, and refuses an edited .meta.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (device nodes, owners)"; exit 0; }
make_sigs "$T/db"
scan() { timeout 300 raquet-scan --no-progress -d "$T/db" "$@"; }

# blocked_writer FIFO: a writer that waits in open() until a reader opens
# FIFO; prints its pid once it is seen waiting there.
blocked_writer() {
	sh -c 'exec 3>"$1"; echo opened > "$1.opened"' sh "$1" </dev/null >/dev/null 2>&1 &
	_w=$!
	_i=0
	while [ "$(cat /proc/$_w/wchan 2>/dev/null)" != wait_for_partner ] && [ $_i -lt 200 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
	at_exit "kill $_w 2>/dev/null"
	echo $_w
}
still_waiting() { [ "$(cat /proc/$1/wchan 2>/dev/null)" = wait_for_partner ]; }

# --- a FIFO given on the command line -----------------------------------
mkdir -p "$T/f" && mkfifo "$T/f/pipe"
w=$(blocked_writer "$T/f/pipe")
ok "a writer is waiting on the FIFO" still_waiting "$w"
exit_is "a FIFO named on the command line is skipped" 0 scan "$T/f/pipe"
ok "  ... without being opened: its writer still waits" still_waiting "$w"
ok "  ... and says so" grep -q "pipe: not a regular file or directory; skipped" "$T/last.err"
kill "$w" 2>/dev/null

# --- a FIFO and device nodes inside a tree ------------------------------
mkdir -p "$T/t/dev" && mkfifo "$T/t/pipe" && mknod "$T/t/dev/zero" c 1 5 &&
	mknod "$T/t/dev/loopctl" c 10 237 && write_eicar "$T/t/eicar.com" && echo clean > "$T/t/ok.txt"
w=$(blocked_writer "$T/t/pipe")
exit_is "a tree with a FIFO and device nodes is scanned to the end" 1 scan --json "$T/t.json" "$T"/t
ok "  ... the FIFO was not opened" still_waiting "$w"
ok "  ... the detection is there" grep -q "eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/last.out"
is "  ... two files scanned, the FIFO and both devices skipped, no error" \
	"$(jq -c '.volumes[0] | [.files, .bytes, .skipped, .errors]' "$T/t.json")" "[2,74,3,0]"
kill "$w" 2>/dev/null
exit_is "a device node named on the command line is skipped unopened" 0 scan "$T/t/dev/zero"
ok "  ... and says so" grep -q "zero: not a regular file or directory; skipped" "$T/last.err"

# --- C1 controls in a name ----------------------------------------------
mkdir -p "$T/c1"
n=$(printf 'x\302\2332J\302\205.com')
write_eicar "$T/c1/$n"
exit_is "a name holding U+009B (CSI) and U+0085" 1 scan "$T/c1"
ok "  ... is printed escaped" grep -qF 'x\xc2\x9b2J\xc2\x85.com: Raquet.Test.Eicar.UNOFFICIAL FOUND' "$T/last.out"
ok "  ... with no C1 byte pair left on stdout" sh -c "! LC_ALL=C grep -q \"\$(printf '\302\233')\" '$T/last.out'"

done_testing
