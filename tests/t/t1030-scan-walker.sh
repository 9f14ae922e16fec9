#!/bin/sh
# What the walker covers: --exclude, --one-file-system, --quick.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
scan() { raquet-scan --no-progress --no-summary -d "$T/db" "$@"; }

mkdir -p "$T/x/keep" "$T/x/skipdir" && write_eicar "$T/x/keep/a.com" && write_eicar "$T/x/skipdir/b.com" &&
	write_eicar "$T/x/keep/c.tmp"
scan --exclude '*.tmp' --exclude "$T/x/skipdir" "$T/x" > "$T/ex.out"
is "--exclude skips names and directories" "$(grep -c FOUND "$T/ex.out")" 1
ok "  ... and scans the rest" grep -q "keep/a.com: " "$T/ex.out"

mkdir -p "$T/fs/mnt" && write_eicar "$T/fs/top.com"
mount -t tmpfs tmpfs "$T/fs/mnt" && at_exit "umount '$T/fs/mnt'"
write_eicar "$T/fs/mnt/other.com"
is "without --one-file-system both are found" "$(scan "$T/fs" | grep -c FOUND)" 2
is "--one-file-system stays on the first" "$(scan --one-file-system "$T/fs" | grep -c FOUND)" 1

w="$T/win"
for d in "Windows/Temp" "Windows/System32" "Users/an/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup" \
	"Users/an/Downloads" "Users/an/Desktop" "Users/an/Documents" "ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp" \
	"Program Files/App"; do
	mkdir -p "$w/$d" && write_eicar "$w/$d/x.com"
done
write_eicar "$w/autorun.exe"
scan --quick "$w" | sed "s|^$w/||; s|: .*||" | sort > "$T/quick.out"
cat > "$T/quick.want" <<'LIST'
ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/x.com
Users/an/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/x.com
Users/an/Desktop/x.com
Users/an/Downloads/x.com
Windows/Temp/x.com
autorun.exe
LIST
ok "--quick covers exactly the high-risk places" diff -u "$T/quick.want" "$T/quick.out"
is "a full scan covers all" "$(scan "$w" | grep -c FOUND)" 9

done_testing
