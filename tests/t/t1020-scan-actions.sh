#!/bin/sh
# Actions: report never writes to the scanned tree; delete removes exactly
# the detected files; quarantine keeps them encrypted, lists them and puts
# them back byte for byte; a detection inside an archive acts on the archive.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
mktree() {
	rm -rf "$1" && mkdir -p "$1/docs" "$1/mail" &&
	write_eicar "$1/eicar.com" &&
	cp "$TESTFILES/clam.zip" "$1/mail/attachment.zip" &&
	cp "$TESTFILES/clam.exe" "$1/docs/setup.exe" &&
	echo "báo cáo" > "$1/docs/report.txt" &&
	chmod 750 "$1/docs/setup.exe" && touch -d '2020-01-02 03:04:05' "$1/docs/setup.exe" &&
	chown 1234:5678 "$1/docs/setup.exe"
}
snapshot() { (cd "$1" && find . -printf '%p %m %U %G %T@ %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }
scan() { raquet-scan --no-progress -d "$T/db" "$@"; }

# --- report: nothing written, not even access times ---
mktree "$T/r"
snapshot "$T/r" > "$T/before"
exit_is "report mode finds three" 1 scan --action report "$T/r"
snapshot "$T/r" > "$T/after"
ok "report mode leaves the tree exactly as it was" diff -u "$T/before" "$T/after"
find "$T/r" -exec touch -a -d '2001-01-01' {} +
find "$T/r" -type f -printf '%p %A@\n' | sort > "$T/atime.before"
scan --action report "$T/r" >/dev/null
find "$T/r" -type f -printf '%p %A@\n' | sort > "$T/atime.after"
ok "report mode does not even change access times" diff -u "$T/atime.before" "$T/atime.after"

# --- delete ---
mktree "$T/d"
exit_is "delete" 1 scan --action delete --json "$T/d.json" "$T/d"
ok "infected files are gone" sh -c "! test -e '$T/d/eicar.com' && ! test -e '$T/d/docs/setup.exe'"
ok "an infected archive is removed as a whole" sh -c "! test -e '$T/d/mail/attachment.zip'"
ok "the clean file stays" test -f "$T/d/docs/report.txt"
is "Removed. lines" "$(grep -c ': Removed.$' "$T/last.out")" 3
is "outcomes in the result" "$(jq -r '[.detections[].outcome] | unique | join(",")' "$T/d.json")" deleted
is "status cleaned" "$(jq -r .status "$T/d.json")" cleaned

# --- quarantine, list, restore ---
mktree "$T/q"
cp -p "$T/q/docs/setup.exe" "$T/setup.orig"
exit_is "quarantine" 1 scan --action quarantine --quarantine-dir "$T/qdir" --json "$T/q.json" "$T/q"
ok "infected files are gone from the tree" sh -c "! test -e '$T/q/eicar.com' && ! test -e '$T/q/docs/setup.exe'"
is "three 'moved to quarantine' lines" "$(grep -c ': moved to quarantine as [0-9a-f]*$' "$T/last.out")" 3
ok "nothing in quarantine is stored in the clear" sh -c "! grep -rqa 'EICAR-STANDARD' '$T/qdir'"
exit_is "list the quarantine" 0 raquet-scan --list-quarantine "$T/qdir"
is "  ... three entries" "$(grep -c 'Raquet.Test' "$T/last.out")" 3
ok "  ... with the original path" grep -q "$T/q/docs/setup.exe" "$T/last.out"
id=$(jq -r '.detections[] | select(.path | endswith("setup.exe")) | .detail' "$T/q.json")
ok "the result holds the quarantine id" test -n "$id"
ok "the result holds the sha256" jq -e '.detections[] | select(.path | endswith("setup.exe")) | .sha256 == "'"$(sha256sum "$TESTFILES/clam.exe" | cut -d' ' -f1)"'"' "$T/q.json"
exit_is "restore by id" 0 raquet-scan --restore "$id" --quarantine-dir "$T/qdir"
ok "  ... byte for byte" cmp "$T/setup.orig" "$T/q/docs/setup.exe"
is "  ... mode, owner and mtime" "$(stat -c '%a %u %g %Y' "$T/q/docs/setup.exe")" "$(stat -c '%a %u %g %Y' "$T/setup.orig")"
exit_is "restoring twice is refused" 2 raquet-scan --restore "$id" --quarantine-dir "$T/qdir"
exit_is "an unknown id is refused" 2 raquet-scan --restore 0123456789abcdef0123456789abcdef --quarantine-dir "$T/qdir"

# --- quarantine full or read-only: the file stays, the outcome says why ---
mkdir "$T/full" && mount -t tmpfs -o size=64k tmpfs "$T/full" && at_exit "umount '$T/full'"
dd if=/dev/zero of="$T/full/filler" bs=4k count=64 status=none 2>/dev/null
mktree "$T/f"
exit_is "quarantine on a full file system" 1 scan --action quarantine --quarantine-dir "$T/full/q" --json "$T/f.json" "$T/f"
ok "  ... the infected file is left in place" test -f "$T/f/docs/setup.exe"
ok "  ... the outcome line says why" grep -q "setup.exe: not quarantined: .*No space left on device" "$T/last.out"
is "  ... outcome failed, status infected-not-cleaned" "$(jq -r '[.detections[0].outcome, .status] | join(" ")' "$T/f.json")" "failed infected-not-cleaned"

mkdir "$T/ro" && mount -t tmpfs -o ro,size=64k tmpfs "$T/ro" && at_exit "umount '$T/ro'"
mktree "$T/g"
exit_is "quarantine on a read-only file system" 1 scan --action quarantine --quarantine-dir "$T/ro/q" "$T/g"
ok "  ... the infected file is left in place" test -f "$T/g/eicar.com"
ok "  ... the outcome line says why" grep -q "eicar.com: not quarantined: .*Read-only file system" "$T/last.out"

done_testing
