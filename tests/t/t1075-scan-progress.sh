#!/bin/sh
# What a running scan shows of itself (docs/raquet-scan.md "Progress"): the
# --progress-fd JSON lines carry the estimate (eta_seconds) and the file
# being scanned, escaped and shortened in the middle; the terminal line
# shows the file too, escaped.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
mkdir -p "$T/one"
bad=$(printf 'Tài liệu\033[31m\nđỏ.exe')
echo clean > "$T/one/$bad"
esc="$T/one/Tài liệu\\x1b[31m\\x0ađỏ.exe"

exit_is "scan with --progress-fd" 0 raquet-scan -d "$T/db" --no-summary --progress-fd 3 "$T/one" 3>"$T/p1"
last=$(tail -1 "$T/p1")
is "the last line names the file last scanned, escaped" "$(printf '%s\n' "$last" | jq -r .file)" "$esc"
ok "  ... no raw control character in any line" sh -c "! grep -q \"\$(printf '\\033')\" '$T/p1'"
is "  ... and says no time is left" "$(printf '%s\n' "$last" | jq -c '[.done, .eta_seconds]')" "[true,0]"
ok "every line keeps the members the launcher already reads" sh -c \
	"jq -e 'has(\"files\") and has(\"bytes\") and has(\"files_total\") and has(\"bytes_total\") and has(\"total_known\") and has(\"detections\") and has(\"root\") and has(\"seconds\") and has(\"done\") and has(\"eta_seconds\") and has(\"file\")' '$T/p1' >/dev/null"

# A path far longer than a line: its middle goes, its ends stay.
deep=$T/deep
d=$deep
for i in $(seq 1 30); do d="$d/thư mục số $i"; done
mkdir -p "$d" && echo clean > "$d/hóa đơn.txt"
raquet-scan -d "$T/db" --no-summary --progress-fd 3 "$deep" 3>"$T/p2"
f=$(tail -1 "$T/p2" | jq -r .file)
ok "a long path is shortened" test "$(printf '%s' "$f" | wc -m)" -le 200
ok "  ... in the middle" sh -c "case '$f' in '$deep/thư'*…*'/thư mục số 30/hóa đơn.txt') exit 0;; esac; exit 1"

# Many small files then a big one: an estimate while the count is known,
# never negative.
mkdir -p "$T/mix"
for i in $(seq 1 200); do cp "$TESTFILES/clam.zip" "$T/mix/z$i.zip"; done
head -c 50000000 /dev/zero > "$T/mix/zz-big.bin"
raquet-scan -d "$T/db" -j2 --no-summary --progress-fd 3 "$T/mix" 3>"$T/p3" >/dev/null
ok "estimates are numbers >= 0 once the count is known" sh -c \
	"jq -e 'select(.total_known) | .eta_seconds | type == \"number\" and . >= 0' '$T/p3' >/dev/null"
ok "  ... null while counting" sh -c \
	"jq -e 'select(.total_known | not) | .eta_seconds == null' '$T/p3' >/dev/null || ! jq -e 'select(.total_known | not)' '$T/p3' | grep -q ."

# The terminal line (stderr on a terminal) shows the file, escaped: every
# file has a hostile name, and 300 archives last more than one redraw.
mkdir -p "$T/tty"
for i in $(seq 1 300); do cp "$TESTFILES/clam.zip" "$T/tty/$(printf 'z\033[31m%s.zip' $i)"; done
script -qec "raquet-scan -d '$T/db' -j1 --no-summary '$T/tty' 2>&1" /dev/null > "$T/tty.out" 2>&1
ok "the terminal line names the file, escaped" grep -qF "z\\x1b[31m" "$T/tty.out"
ok "  ... never raw" sh -c "! grep -qF \"\$(printf 'z\\033[31m')\" '$T/tty.out'"

done_testing
