# Shared by tests/t/t65*-launcher-*.sh: a provisioned stick, an infected
# "PC" tree, and the launcher in a private tmux server on an 80x25 screen.
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" || exit 1
S=$T/usb/RAQUET
STICK_ID=$(key_id "$S/stick.pub")
mkdir -p "$T/pc/Users/an/Downloads" "$T/pc/Users/an/Desktop" &&
	write_eicar "$T/pc/Users/an/Downloads/eicar.com" &&
	cp "$TESTFILES/clam.zip" "$T/pc/Users/an/Downloads/invoice.zip" &&
	echo hi > "$T/pc/clean.txt" && fake_pc "$T/sys" "SN-6500" || exit 1

# Each launch gets its own tmux server: a server being killed may still
# answer on its socket.
_launch=0
TM="tmux -u -S $T/tmux0.sock"

# end_launcher: ends this test's launcher, if one still runs, before its
# terminal goes. A terminal's hangup sends SIGHUP, and SIGCONT to a process
# group it orphans; in the sanitizer build a SIGCONT that lands while
# LeakSanitizer's exit check stops the world discards the SIGSTOP its tracer
# waits for, and the launcher spins in sched_yield for ever: a CPU lost for
# the rest of CI (seen after launcher tests, for 26 minutes). A launcher
# with a scan running (a child) gets SIGTERM, which stops the scan and seals
# its record as the technician's stop does; one on a menu, where SIGTERM is
# only noted, is killed (SIGKILL runs no exit check). Whatever is left after
# 30 s is killed, with its children.
launcher_gone() { ! pgrep -f "raquet-launcher --stick $T/usb" >/dev/null; }
end_launcher() {
	_pids=$(pgrep -f "raquet-launcher --stick $T/usb") || return 0
	for _p in $_pids; do
		if pgrep -P "$_p" >/dev/null; then kill -TERM "$_p"; else kill -KILL "$_p"; fi
	done 2>/dev/null
	wait_until 30 launcher_gone ||
		for _p in $_pids; do pkill -KILL -P "$_p"; kill -KILL "$_p"; done 2>/dev/null
	# Its shell writes the status next: let it, before launch removes it.
	wait_until 2 test -s "$T/exit"
	return 0
}
at_exit 'end_launcher; for _s in "$T"/tmux*.sock; do tmux -S "$_s" kill-server 2>/dev/null; done'

# launch ARGS...: starts the launcher on the screen; its exit status lands
# in $T/exit when it ends. The locale is what the live console has.
launch() {
	end_launcher
	$TM kill-server 2>/dev/null
	rm -f "$T/exit" # after the last launcher's shell wrote its status
	_launch=$((_launch + 1))
	TM="tmux -u -S $T/tmux$_launch.sock"
	$TM new-session -d -x 80 -y 25 -s t \
		"env LC_ALL=C.UTF-8 LANG= TERM=linux RAQUET_POWEROFF='$T/poweroff' raquet-launcher --stick '$T/usb' --identity-root '$T/sys' $*; echo \$? > '$T/exit'; sleep 600"
}
screen() { $TM capture-pane -p -t t; }
# wait_for TEXT: until the screen shows TEXT (10 s); prints the screen if not.
wait_for() {
	_i=0
	while [ $_i -lt 100 ]; do
		screen > "$T/screen" 2>/dev/null
		grep -qF -- "$1" "$T/screen" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	echo "screen never showed: $1"; cat "$T/screen"; return 1
}
# wait_exit: until the launcher ended (30 s).
wait_exit() {
	_i=0
	while [ ! -s "$T/exit" ] && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
	test -s "$T/exit"
}
# keys KEY... / type_text TEXT: sends them, then waits until the screen
# shows their effect (2 s at most: a key may change nothing, e.g. Up on the
# first line). The keys queue in the terminal in order, so nothing is lost
# by not sleeping; waiting for the screen keeps a test's next capture from
# seeing the screen from before.
_send() {
	screen > "$T/screen.before" 2>/dev/null
	$TM send-keys -t t "$@" || return 1
	wait_until 2 sh -c "$TM capture-pane -p -t t | cmp -s - '$T/screen.before' && exit 1 || exit 0" || true
}
keys() { _send "$@"; }
type_text() { _send -l "$1"; }
# open_record N DIR: the IOC opens record N into DIR.
open_record() { rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$STICK_ID-$1.rqr" "$2" >/dev/null; }
