#!/bin/sh
# A scan that ran but whose end the launcher could not see (its wait for the
# scanner failed) is not reported as a scan that "could not start": the
# record is on the stick. The launcher is started with SIGCHLD ignored, so
# the kernel reaps the scanner itself and waitpid fails with ECHILD.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"
export LC_ALL=C.UTF-8 LANG=

L="raquet-launcher --stick $T/usb --identity-root $T/sys"
NOCHLD='$SIG{CHLD} = "IGNORE"; exec @ARGV or die'
exit_is "scanner reaped behind the launcher's back: an error" 2 timeout 60 \
	env LANG=en_US.UTF-8 LC_ALL= perl -e "$NOCHLD" $L --unit 000.00.13.H57 \
	--action report --scan-path "$T/pc" </dev/null
ok "  ... the scan ran: its record is on the stick" open_record 1 "$T/r1"
fails "  ... not reported as a scan that did not start" grep -q "could not start" "$T/last.err"
ok "  ... but as a scan whose end was not seen" grep -q "^raquet-launcher: The scan's end could not be seen: waiting for the scanner: No child processes$" "$T/last.err"

exit_is "in Vietnamese too" 2 timeout 60 perl -e "$NOCHLD" $L --unit 000.00.13.H57 \
	--action report --scan-path "$T/pc" </dev/null
ok "  ... the second record is on the stick" open_record 2 "$T/r2"
ok "  ... said in Vietnamese" grep -q "^raquet-launcher: Đã chạy rà quét nhưng không theo dõi được đến khi kết thúc: " "$T/last.err"
done_testing
