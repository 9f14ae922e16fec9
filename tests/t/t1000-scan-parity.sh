#!/bin/sh
# raquet-scan finds exactly what clamscan -r finds: ClamAV's own test files
# plus EICAR, loose and nested in zip, tar.gz and 7z, at -j1 and -j2.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
mkdir -p "$T/tree/loose" "$T/tree/nested"
cp "$TESTFILES"/* "$T/tree/loose/"
write_eicar "$T/tree/loose/eicar.com"
echo "nothing to see" > "$T/tree/loose/clean.txt"
(cd "$T/tree/loose" && zip -qr "$T/tree/nested/all.zip" . &&
	tar czf "$T/tree/nested/all.tar.gz" . &&
	7z a -bd -bso0 "$T/tree/nested/all.7z" . >/dev/null &&
	zip -q "$T/tree/nested/eicar-only.zip" eicar.com)

found() { grep ' FOUND$' "$1" | sort; }

clamscan -r --no-summary -d "$T/db" "$T/tree" > "$T/clam.out" 2>/dev/null
clam_rc=$?
found "$T/clam.out" > "$T/clam.found"

ok "clamscan found something to compare" test "$(wc -l < "$T/clam.found")" -ge 30
ok "nested archives are detected by clamscan" grep -q 'nested/all.7z: ' "$T/clam.found"

for j in 1 2; do
	raquet-scan --no-progress --no-summary -j$j -d "$T/db" "$T/tree" > "$T/rq$j.out" 2>"$T/rq$j.err"
	rc=$?
	found "$T/rq$j.out" > "$T/rq$j.found"
	ok "-j$j: same detection lines as clamscan" diff -u "$T/clam.found" "$T/rq$j.found"
	is "-j$j: same exit status as clamscan" "$rc" "$clam_rc"
done

# Limits: with a tiny --max-filesize and --alert-exceeds-max both tools
# flag the same files as exceeding it.
clamscan -r --no-summary --max-filesize=20K --alert-exceeds-max -d "$T/db" "$T/tree" 2>/dev/null |
	grep ' FOUND$' | sort > "$T/clam.lim"
raquet-scan --no-progress --no-summary --max-filesize=20K --alert-exceeds-max -d "$T/db" "$T/tree" 2>/dev/null |
	grep ' FOUND$' | sort > "$T/rq.lim"
ok "limits: an over-size file is reported" grep -q 'Heuristics.Limits.Exceeded' "$T/rq.lim"
ok "limits: same lines as clamscan" diff -u "$T/clam.lim" "$T/rq.lim"

# A clean tree exits 0 with nothing found.
mkdir "$T/clean" && cp /etc/os-release "$T/clean/"
exit_is "a clean tree" 0 raquet-scan --no-progress -d "$T/db" "$T/clean"
ok "the summary block is printed" grep -q "^Scanned files: 1$" "$T/last.out"

done_testing
