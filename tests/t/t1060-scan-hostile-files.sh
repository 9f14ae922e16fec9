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

# --- a FIFO on a stick (a stick given as a folder may be any file system)
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && mkdir -p "$T/usb/RAQUET/results" &&
	mkfifo "$T/usb/RAQUET/results/$(key_id "$T/usb/RAQUET/stick.pub")-1.rqr"
# No writer: a blocking open would wait for ever (timeout's 124).
exit_is "listing a stick whose record is a FIFO ends" 0 timeout 20 raquet-scan --stick "$T/usb" --list
ok "  ... naming it unreadable" grep -q "(unreadable header)" "$T/last.out"

# A signature file of a provisioned stick (MANIFEST signed by the IOC)
# swapped for a FIFO: refused at once, not a scan hung at its start.
sync_ioc "$T/sioc" && sync_stick "$T/sioc" "$T/susb" 000.00.12.H57 &&
	rm "$T/susb/RAQUET/db/test.ndb" && mkfifo "$T/susb/RAQUET/db/test.ndb" && mkdir -p "$T/one" &&
	echo hi > "$T/one/a.txt"
exit_is "a FIFO among the stick's databases is refused, never waited on" 2 \
	timeout 20 raquet-scan --no-progress --stick "$T/susb" --unit 000.00.12.H57 "$T/one"
ok "  ... as not matching the MANIFEST" grep -q "test.ndb was changed" "$T/last.err"

# --- a FIFO planted as the quarantine's key
mkdir -p "$T/qf" && mkfifo "$T/qf/.key"
mkdir -p "$T/qs" && write_eicar "$T/qs/e.com"
exit_is "quarantining into it ends (a blocking open would wait for ever)" 1 \
	timeout 20 raquet-scan --no-progress -d "$T/db" --action quarantine --quarantine-dir "$T/qf" "$T/qs"
ok "  ... the file left in place, the key called damaged" sh -c "test -f '$T/qs/e.com' &&
	grep -q 'not quarantined: quarantine key .*damaged' '$T/last.out'"
exit_is "restore from it fails too" 2 \
	timeout 20 raquet-scan --restore 0123456789abcdef0123456789abcdef --quarantine-dir "$T/qf"

# --- C1 controls in a name ----------------------------------------------
mkdir -p "$T/c1"
n=$(printf 'x\302\2332J\302\205.com')
write_eicar "$T/c1/$n"
exit_is "a name holding U+009B (CSI) and U+0085" 1 scan "$T/c1"
ok "  ... is printed escaped" grep -qF 'x\xc2\x9b2J\xc2\x85.com: Raquet.Test.Eicar.UNOFFICIAL FOUND' "$T/last.out"
ok "  ... with no C1 byte pair left on stdout" sh -c "! LC_ALL=C grep -q \"\$(printf '\302\233')\" '$T/last.out'"

# --- --restore: no set-id or sticky bits ---------------------------------
qscan() { scan --action quarantine --quarantine-dir "$T/q" --json "$T/q.json" "$@"; }
qid() { jq -r --arg n "$1" '.detections[] | select(.path | endswith($n)) | .detail' "$T/q.json"; }
mkdir -p "$T/s" && write_eicar "$T/s/suid.com" && chmod 6755 "$T/s/suid.com" &&
	write_eicar "$T/s/sticky.com" && chmod 1700 "$T/s/sticky.com"
exit_is "set-uid+set-gid and sticky files quarantined" 1 qscan "$T/s"
exit_is "restore of the set-uid+set-gid file succeeds" 0 raquet-scan --restore "$(qid suid.com)" --quarantine-dir "$T/q"
is "  ... without its set-id bits" "$(stat -c %a "$T/s/suid.com")" 755
ok "  ... and says so" grep -q "set-uid, set-gid and sticky bits not restored (mode was 6755, now 0755)" "$T/last.out" "$T/last.err"
exit_is "restore of the sticky file succeeds" 0 raquet-scan --restore "$(qid sticky.com)" --quarantine-dir "$T/q"
is "  ... without its sticky bit" "$(stat -c %a "$T/s/sticky.com")" 700

# --- --restore never follows a symlink in the target path ----------------
mkdir -p "$T/l/inbox" "$T/victim" && write_eicar "$T/l/inbox/a.com" && write_eicar "$T/l/inbox/b.com"
exit_is "two files quarantined from a folder" 1 qscan "$T/l"
a=$(qid a.com) b=$(qid b.com)
rmdir "$T/l/inbox" && ln -s "$T/victim" "$T/l/inbox"
exit_is "the folder is now a symlink: restore refused" 2 raquet-scan --restore "$a" --quarantine-dir "$T/q"
ok "  ... saying why" grep -q "reached through a symbolic link" "$T/last.err"
ok "  ... nothing written where it points" sh -c "! test -e '$T/victim/a.com'"
rm "$T/l/inbox" && mv "$T/l" "$T/l.real" && mkdir "$T/l.real/inbox" && ln -s "$T/l.real" "$T/l"
exit_is "a symlink higher up the path: restore refused" 2 raquet-scan --restore "$b" --quarantine-dir "$T/q"
ok "  ... nothing written through it" sh -c "! test -e '$T/l.real/inbox/b.com'"
rm "$T/l" && mv "$T/l.real" "$T/l"
exit_is "with the real folders back, it restores" 0 raquet-scan --restore "$b" --quarantine-dir "$T/q"
ok "  ... byte for byte" sh -c "test \"\$(cat '$T/l/inbox/b.com')\" = '$EICAR'"

# --- an edited .meta is refused -------------------------------------------
M=$T/q/$a.meta
cp "$M" "$T/meta.orig"
sed -i 's|"path_base64":"[^"]*"|"path_base64":"'"$(printf '%s' "$T/victim/a.com" | base64 -w0)"'"|' "$M"
ok "  (the path in a .meta rewritten to another folder)" sh -c "! cmp -s '$M' '$T/meta.orig'"
exit_is "an edited path in .meta is refused" 2 raquet-scan --restore "$a" --quarantine-dir "$T/q"
ok "  ... as tampering" grep -q "authentication failed" "$T/last.err"
ok "  ... nothing written at the forged path" sh -c "! test -e '$T/victim/a.com'"
cp "$T/meta.orig" "$M" && sed -i 's|"mode":[0-9]*|"mode":3565|' "$M"
exit_is "an edited mode (set-uid, set-gid) in .meta is refused" 2 raquet-scan --restore "$a" --quarantine-dir "$T/q"
exit_is "  ... and the listing names it" 0 raquet-scan --list-quarantine "$T/q"
ok "  ... as corrupt metadata" grep -q "^$a  corrupt metadata: edited" "$T/last.out"

done_testing
