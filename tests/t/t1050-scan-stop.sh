#!/bin/sh
# A stopped scan keeps its record (issue 11 §1). SIGTERM with --progress-fd
# (what the launcher sends on Esc, Enter) and Ctrl-C with the progress line
# on a terminal seal an "incomplete" record after files were already
# quarantined, and leave no libclamav temporary folder behind; the launcher
# shows that record; live mode (--auto) too, leaving nothing mounted.
# Nothing is done without a record: a read-only or full
# stick, used-up sequence numbers and a locked record store are refused
# before the first file is touched. A result that cannot be sealed after
# acting is kept next to the quarantine and sealed at the next start.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "not ok 1 - needs root (mounts)"; echo "1..1"; exit 1
fi
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" || exit 1
S=$T/usb/RAQUET
id=$(key_id "$S/stick.pub")
UNIT=000.00.12.H57
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

# A PC that takes a while: one infected file first (names are walked in
# byte order), then 2048 hard links to 4 MB of random data, each read.
make_pc() {
	rm -rf "$1" && mkdir -p "$1/big" && write_eicar "$1/a-eicar.com" &&
		head -c 4000000 /dev/urandom > "$1/big/0" || return 1
	for _i in 1 2 3 4 5 6 7 8 9 10 11; do
		cp -al "$1/big" "$1/big.$_i" && mv "$1/big.$_i" "$1/big/$_i" || return 1
	done
	test "$(find "$1/big" -type f | wc -l)" = 2048
}
# wait_file FILE TEXT: until FILE holds TEXT (30 s).
wait_file() {
	_i=0
	while [ $_i -lt 300 ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	echo "$1 never showed: $2"; cat "$1"; return 1
}
# open_rec N DIR: the IOC opens result N into DIR.
open_rec() { rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-$1.rqr" "$2" >/dev/null; }
tmp_clean() { test -z "$(ls -A "$TMPDIR")" || { ls -la "$TMPDIR"; false; }; }

# --- SIGTERM with --progress-fd 3 ----------------------------------------------
make_pc "$T/pc" || exit 1
raquet-scan -j2 --stick "$T/usb" --unit $UNIT --json "$T/term.json" --progress-fd 3 --no-progress \
	"$T/pc" 3>"$T/term.progress" >"$T/term.out" 2>"$T/term.err" &
pid=$!
ok "SIGTERM: a file was quarantined before the stop" wait_file "$T/term.out" "a-eicar.com: moved to quarantine"
ok "  ... and the scan is in its big files" wait_file "$T/term.progress" '"files":'
kill -TERM $pid
wait $pid
is "SIGTERM: exit status 2 (interrupted), not 143" "$?" 2
ok "  ... the record is sealed" grep -q "^Record saved: .*/results/$id-1.rqr (#1)$" "$T/term.out"
ok "  ... the IOC opens it" open_rec 1 "$T/r1"
is "  ... status incomplete, the quarantined file in it" \
	"$(jq -r '[.status, (.detections[] | select(.path | endswith("a-eicar.com")) | .outcome)] | join("|")' "$T/r1/result.json")" \
	"incomplete|quarantined"
is "  ... --json written too" "$(jq -r .status "$T/term.json")" incomplete
ok "  ... the progress pipe got its last line" sh -c "test -s '$T/term.progress' && tail -1 '$T/term.progress' | jq -e .done"
ok "  ... no libclamav temporary folder left in TMPDIR" tmp_clean
ok "  ... it said why it ended" grep -q "interrupted; the result is incomplete" "$T/term.err"

# --- Ctrl-C with the progress line on a terminal --------------------------------
make_pc "$T/pc" || exit 1
TM="tmux -u -S $T/tmux.sock"
at_exit "$TM kill-server 2>/dev/null"
$TM new-session -d -x 100 -y 10 -s t \
	"env TMPDIR='$TMPDIR' bash -c \"raquet-scan -j2 --stick '$T/usb' --unit $UNIT --json '$T/int.json' '$T/pc' > '$T/int.out'; echo \\\$? > '$T/int.rc'\"; sleep 600"
ok "Ctrl-C: a file was quarantined first" wait_file "$T/int.out" "a-eicar.com: moved to quarantine"
ok "  ... with the progress line on the terminal" sh -c "i=0; while [ \$i -lt 100 ]; do $TM capture-pane -p -t t | grep -q ' files ' && exit 0; sleep 0.1; i=\$((i+1)); done; exit 1"
$TM send-keys -t t C-c
ok "  ... the scan ends" wait_file "$T/int.rc" ""
ok "  ... (it has)" test -s "$T/int.rc"
is "  ... exit status 2, not 130" "$(cat "$T/int.rc")" 2
ok "  ... the summary is printed" grep -q '^Status: incomplete$' "$T/int.out"
ok "  ... the record is sealed" grep -q "^Record saved: .*/results/$id-2.rqr (#2)$" "$T/int.out"
is "  ... --json written" "$(jq -r .status "$T/int.json")" incomplete
ok "  ... no libclamav temporary folder left" tmp_clean
$TM kill-server 2>/dev/null

# --- the launcher: Esc, Enter during the scan -----------------------------------
make_pc "$T/pc" || exit 1
TM="tmux -u -S $T/tmux-l.sock"
at_exit "$TM kill-server 2>/dev/null"
mkdir -p "$T/sys" && fake_pc "$T/sys" SN-1050
$TM new-session -d -x 80 -y 25 -s t \
	"env LC_ALL=C.UTF-8 LANG= TERM=linux TMPDIR='$TMPDIR' raquet-launcher --stick '$T/usb' --identity-root '$T/sys' --lang en --scan-path '$T/pc'; echo \$? > '$T/l.rc'; sleep 600"
screen() { $TM capture-pane -p -t t > "$T/screen" 2>/dev/null; }
wait_screen() {
	_i=0
	while [ $_i -lt 300 ]; do
		screen; grep -qF -- "$1" "$T/screen" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	echo "screen never showed: $1"; cat "$T/screen"; return 1
}
wait_screen "Which unit does this computer belong to?" >/dev/null
$TM send-keys -t t Enter && wait_screen "Your name" >/dev/null
$TM send-keys -t t -l "Tran Thi B" && $TM send-keys -t t Enter
wait_screen "How thoroughly?" >/dev/null && $TM send-keys -t t Enter
wait_screen "What to do with infected files?" >/dev/null && $TM send-keys -t t Enter
wait_screen "Ready to scan this computer:" >/dev/null && $TM send-keys -t t Enter
ok "launcher: the scan found the infected file" wait_screen "Detections:"
ok "  ... (a detection counted)" sh -c "i=0; while [ \$i -lt 300 ]; do $TM capture-pane -p -t t | grep -Eq 'Detections: +[1-9]' && exit 0; sleep 0.1; i=\$((i+1)); done; exit 1"
$TM send-keys -t t Escape
ok "  ... Esc asks to stop" wait_screen "Stop now?"
$TM send-keys -t t Enter
ok "  ... the summary shows the saved record" wait_screen "Record saved on the stick as #3"
ok "  ... not 'no record'" sh -c "! grep -q 'NO RECORD WAS SAVED' '$T/screen'"
ok "  ... the result is incomplete" open_rec 3 "$T/r3"
is "  ... status" "$(jq -r .status "$T/r3/result.json")" incomplete
# The launcher ends before its terminal: a hangup's SIGCONT can wedge the
# sanitizer build's leak check at exit (see launcher-lib.sh, end_launcher).
pkill -TERM -f "raquet-launcher --stick $T/usb"
wait_file "$T/l.rc" "" >/dev/null
$TM kill-server 2>/dev/null
ok "  ... no temporary folder left" tmp_clean

# --- live mode: SIGTERM while the PC's disk is scanned ---------------------------
. "$TOP/tests/live-lib.sh"
make_pc "$T/ext4src" && fake_pc "$T/sys-live" SN-1050-LIVE &&
	truncate -s 32M "$T/p.ext4" && mke2fs -q -F -t ext4 -L pcdata -d "$T/ext4src" "$T/p.ext4" &&
	make_disk "$T/disk.img" "$T/p.ext4" && attach "$T/disk.img" ||
	{ echo "Bail out! cannot build the PC's disk"; exit 1; }
raquet-scan --auto --device "$L" --stick "$T/usb" --unit $UNIT --identity-root "$T/sys-live" \
	--action quarantine --json "$T/live.json" --progress-fd 3 --no-progress \
	3>"$T/live.progress" >"$T/live.out" 2>"$T/live.err" </dev/null &
pid=$!
ok "live: the infected file was found" wait_file "$T/live.out" "a-eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND"
kill -TERM $pid
wait $pid
is "live: SIGTERM gives exit status 2" "$?" 2
ok "  ... the record is sealed" grep -q "^Record saved: .*/results/$id-4.rqr (#4)$" "$T/live.out"
ok "  ... the IOC opens it" open_rec 4 "$T/r4"
is "  ... incomplete, the volume interrupted, the file left in place" \
	"$(jq -r '[.status, .volumes[0].state, .detections[0].outcome] | join("|")' "$T/r4/result.json")" \
	"incomplete|interrupted|failed"
ok "  ... nothing stays mounted" no_raquet_mounts
ok "  ... no temporary folder left" tmp_clean

# --- nothing is done without a record -------------------------------------------
small_pc() { rm -rf "$T/small" && mkdir -p "$T/small" && write_eicar "$T/small/eicar.com"; }
refused() { # WHY MESSAGE ARGS...: refused before acting, the file still there
	_why=$1 _msg=$2; shift 2
	small_pc
	exit_is "$_why: refused" 2 raquet-scan --no-progress --stick "$@" --unit $UNIT --action delete "$T/small"
	ok "  ... saying why" grep -q -- "$_msg" "$T/last.err"
	ok "  ... and that nothing was done" grep -q "nothing was scanned and nothing was changed" "$T/last.err"
	ok "  ... the infected file is still in place" test -f "$T/small/eicar.com"
	ok "  ... nothing on stdout" test ! -s "$T/last.out"
}

# No stick where it was said to be.
refused "a missing stick" "cannot open stick" "$T/no-such-stick"
rm -rf "$T/empty" && mkdir "$T/empty"
refused "a folder that is no stick" "is not a raquet stick" "$T/empty"
# A read-only stick: a real file system mounted read-only.
mkdir -p "$T/ro" && mount -t tmpfs -o size=32m tmpfs "$T/ro" && at_exit "umount '$T/ro' 2>/dev/null"
cp -a "$T/usb/RAQUET" "$T/ro/" && mount -o remount,ro "$T/ro"
refused "a read-only stick" "the stick is read-only" "$T/ro"
# A full one.
mkdir -p "$T/full" && mount -t tmpfs -o size=3m tmpfs "$T/full" && at_exit "umount '$T/full' 2>/dev/null"
mkdir -p "$T/full/RAQUET" && for f in ioc.pub stick.key stick.pub stick.json stick.sig roster.json roster.sig config db; do cp -a "$S/$f" "$T/full/RAQUET/"; done
refused "a full stick" "the stick is full" "$T/full"
# Sequence numbers used up: the last possible number (2^53) is taken.
touch "$S/results/$id-9007199254740992.rqr"
refused "used-up sequence numbers" "sequence numbers exhausted" "$T/usb"
rm "$S/results/$id-9007199254740992.rqr"
# The record store's lock cannot be taken: a planted directory, or another
# program holding it.
mv "$S/results/.raquet.lock" "$T/lock.bak" 2>/dev/null; mkdir "$S/results/.raquet.lock"
refused "a lock file that cannot be opened" "record store is locked" "$T/usb"
rmdir "$S/results/.raquet.lock"
mkfifo "$S/results/.raquet.lock"
refused "a FIFO for a lock file" "is not a regular file" "$T/usb"
rm "$S/results/.raquet.lock"
small_pc
touch "$T/hold"
flock "$S/results/.raquet.lock" sh -c "echo locked > '$T/locked'; while [ -e '$T/hold' ]; do sleep 0.1; done" &
holder=$!
wait_file "$T/locked" "" >/dev/null
exit_is "a store another program holds: refused" 2 timeout -k 5 60 \
	raquet-scan --no-progress --stick "$T/usb" --unit $UNIT --action delete "$T/small"
ok "  ... at once, saying so" grep -q "is in use by another program" "$T/last.err"
ok "  ... the infected file is still in place" test -f "$T/small/eicar.com"
rm -f "$T/hold" && wait $holder
exit_is "the same stick, free again, scans" 1 raquet-scan --no-progress --stick "$T/usb" --unit $UNIT --action delete "$T/small"
ok "  ... as record #5" grep -q "(#5)$" "$T/last.out"

# --- sealing fails after acting: the result is kept, sealed at the next start ----
# A pending file that is not this stick's waits there already: it is left
# alone, with a warning, and the new one takes the next name.
printf '{"format":"raquet.pending-result/1","stick":"0000000000000000","result":{},"log":""}' > "$S/quarantine/pending-result.json"
make_pc "$T/pc" || exit 1
raquet-scan -j2 --stick "$T/usb" --unit $UNIT --json "$T/p.json" --progress-fd 3 --no-progress \
	"$T/pc" 3>/dev/null >"$T/p.out" 2>"$T/p.err" &
pid=$!
ok "pending: a file was quarantined" wait_file "$T/p.out" "a-eicar.com: moved to quarantine"
# The stick's results/ goes away under the running scan (a pulled stick).
mv "$S/results" "$S/results.away" && touch "$S/results"
kill -TERM $pid
wait $pid
is "pending: exit status 2" "$?" 2
ok "  ... another stick's pending file: a warning" grep -q "quarantine/pending-result.json is not a pending result of this stick; left in place" "$T/p.err"
ok "  ... not sealed, saying so" grep -q "the result was NOT sealed to the stick" "$T/p.err"
ok "  ... kept next to the quarantine, under the next name" grep -q "the result was kept in $S/quarantine/pending-result-2.json" "$T/p.err"
is "  ... mode 0600" "$(stat -c %a "$S/quarantine/pending-result-2.json")" 600
ok "  ... --json still written" test -s "$T/p.json"
rm "$S/results" && mv "$S/results.away" "$S/results"
small_pc
exit_is "next start: the scan runs" 1 raquet-scan --no-progress --stick "$T/usb" --unit $UNIT --action report "$T/small"
ok "  ... after sealing the pending result first" grep -q "^Pending record sealed: .*/results/$id-6.rqr (#6), from .*/quarantine/pending-result-2.json$" "$T/last.out"
ok "  ... its own record next" grep -q "^Record saved: .*/results/$id-7.rqr (#7)$" "$T/last.out"
ok "  ... the pending file is gone" test ! -e "$S/quarantine/pending-result-2.json"
ok "  ... the IOC opens the late record" open_rec 6 "$T/r6"
is "  ... it is the stopped scan's result, numbered 6" \
	"$(jq -r '[.status, .record.seq, (.detections[] | select(.path | endswith("a-eicar.com")) | .outcome)] | join("|")' "$T/r6/result.json")" \
	"incomplete|6|quarantined"
ok "  ... its scan log too" grep -q "a-eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/r6/scan.log"
ok "  ... the other stick's file: a warning again" grep -q "quarantine/pending-result.json is not a pending result of this stick; left in place" "$T/last.err"
ok "  ... not sealed" sh -c "test \$(grep -c 'Pending record sealed' '$T/last.out') -eq 1"
ok "  ... left in place" test -f "$S/quarantine/pending-result.json"
echo '[' > "$S/quarantine/pending-result-3.json"
exit_is "a broken pending file: the scan goes on" 1 raquet-scan --no-progress --stick "$T/usb" --unit $UNIT --action report "$T/small"
ok "  ... with a warning" grep -q "pending-result-3.json is not a pending result of this stick" "$T/last.err"
ok "  ... left in place" test -f "$S/quarantine/pending-result-3.json"

done_testing
