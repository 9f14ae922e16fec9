#!/bin/sh
# make demo: builds a small infected sample tree and a test signature set,
# scans it with raquet-scan, and shows the result document.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
: "${RAQUET_BUILD:=$TOP/build}"
D=${RAQUET_DEMO_DIR:-/tmp/raquet-demo}
TESTFILES=/usr/share/clamav-testfiles
rm -rf "$D" && mkdir -p "$D/db" "$D/pc/Users/lan/Downloads" "$D/pc/Users/lan/Documents" "$D/pc/Windows/Temp"

# Signatures: clam.exe by md5, EICAR by body (the same set the tests use).
echo "$(md5sum "$TESTFILES/clam.exe" | cut -d' ' -f1):$(stat -c %s "$TESTFILES/clam.exe"):Raquet.Test.ClamExe" > "$D/db/demo.hdb"
echo "Raquet.Test.Eicar:0:*:$(printf 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' | od -An -tx1 | tr -d ' \n')" > "$D/db/demo.ndb"

# A PC: clean documents, an infected download, an infected archive in Temp.
printf 'Báo cáo quý IV\n' > "$D/pc/Users/lan/Documents/bao-cao.txt"
cp /etc/os-release "$D/pc/Users/lan/Documents/notes.txt"
cp "$TESTFILES/clam.exe" "$D/pc/Users/lan/Downloads/setup.exe"
cp "$TESTFILES/clam.zip" "$D/pc/Windows/Temp/update.zip"
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$D/pc/Users/lan/Downloads/eicar.com"

echo "== raquet-scan --action quarantine $D/pc"
set +e
"$RAQUET_BUILD/bin/raquet-scan" --no-progress -d "$D/db" --action quarantine \
	--quarantine-dir "$D/quarantine" --json "$D/result.json" "$D/pc"
rc=$?
set -e
echo "== exit status $rc (1: something found)"
echo "== quarantine:"
"$RAQUET_BUILD/bin/raquet-scan" --list-quarantine "$D/quarantine"
echo "== result document: $D/result.json"
jq '{status, totals, detections: [.detections[] | {path, signature, outcome}]}' "$D/result.json"
