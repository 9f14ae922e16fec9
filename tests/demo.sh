#!/bin/sh
# make demo: the whole story on this machine. An IOC with a roster of units,
# two provisioned sticks (directories standing in for the data partitions),
# several sample PCs (trees of clean files, EICAR and ClamAV test files, some
# scanned twice), scans sealed to the sticks, import at the IOC, and the
# campaign appendix in every format.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
: "${RAQUET_BUILD:=$TOP/build}"
PATH=$RAQUET_BUILD/bin:$PATH
D=${RAQUET_DEMO_DIR:-/tmp/raquet-demo}
TESTFILES=/usr/share/clamav-testfiles
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
rm -rf "$D" && mkdir -p "$D/db" "$D/pcs" "$D/out"
say() { printf '\n== %s\n' "$*"; }

# Test signatures: clam.exe by md5, EICAR by body (no network needed).
echo "$(md5sum "$TESTFILES/clam.exe" | cut -d' ' -f1):$(stat -c %s "$TESTFILES/clam.exe"):Raquet.Test.ClamExe" > "$D/db/demo.hdb"
echo "Raquet.Test.Eicar:0:*:$(printf 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' | od -An -tx1 | tr -d ' \n')" > "$D/db/demo.ndb"

say "IOC: keys, database and the province's roster"
export RAQUET_IOC="$D/ioc"
raquet-sync init
cat > "$D/units.csv" <<'CSV'
code,name,parent,informed
000.00.12.H57,Sở Y tế,,yes
000.00.13.H57,Sở Tài chính,,yes
000.00.14.H57,Sở Giáo dục và Đào tạo,,yes
000.01.20.H57,UBND phường Thuận An,,yes
000.01.21.H57,Trường THCS Thuận An,000.01.20.H57,no
CSV
raquet-sync unit import "$D/units.csv"
raquet-sync unit list

say "The office's settings (a 2026 office: Huế is a centrally-run city, the"
say "department for information security is the Sở Khoa học và Công nghệ)"
raquet-sync settings set place "Huế"
raquet-sync settings set authority "UBND THÀNH PHỐ HUẾ"
raquet-sync settings set issuer "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
raquet-sync settings set number "BC-SKHCN"
raquet-sync settings set sign-authority "KT. GIÁM ĐỐC"
raquet-sync settings set signer-title "PHÓ GIÁM ĐỐC"
raquet-sync settings set signer "Nguyễn Văn An"
raquet-sync settings set recipients "UBND thành phố Huế (để b/c);Bộ Công an (Cục A05);Giám đốc, các Phó Giám đốc Sở;Lưu: VT, CNTT"
raquet-sync settings set place "Thuận An" --unit 000.01.20.H57
raquet-sync settings list

say "Two sticks"
mkdir -p "$D/stick-so" "$D/stick-huyen"
raquet-sync provision "$D/stick-so" --unit 000.00.12.H57 --unit 000.00.13.H57 --label "Sở - 01" --database "$D/db"
raquet-sync provision "$D/stick-huyen" --unit 000.01.20.H57 --label "Thuận An - 01" --database "$D/db"

# A PC: an identity (DMI serial, as /sys shows it) and a Windows-like tree.
make_pc() { # NAME SERIAL INFECTIONS...
	pc=$D/pcs/$1; mkdir -p "$pc/sys/sys/class/dmi/id" "$pc/C/Users/an/Documents" \
		"$pc/C/Users/an/Downloads" "$pc/C/Windows/Temp"
	echo "Dell Inc." > "$pc/sys/sys/class/dmi/id/sys_vendor"
	echo "OptiPlex 7090" > "$pc/sys/sys/class/dmi/id/product_name"
	echo "$2" > "$pc/sys/sys/class/dmi/id/product_serial"
	printf 'Báo cáo quý IV\n' > "$pc/C/Users/an/Documents/bao-cao.txt"
	cp /etc/os-release "$pc/C/Users/an/Documents/ghi-chu.txt"
	shift 2
	for what in "$@"; do case $what in
		eicar) printf '%s' "$EICAR" > "$pc/C/Users/an/Downloads/tai-lieu.com" ;;
		exe) cp "$TESTFILES/clam.exe" "$pc/C/Users/an/Downloads/setup.exe" ;;
		zip) cp "$TESTFILES/clam.zip" "$pc/C/Windows/Temp/update.zip" ;;
		7z) cp "$TESTFILES/clam.7z" "$pc/C/Users/an/Documents/hop-dong.7z" ;;
	esac; done
}
scan() { # STICK UNIT PC ACTION
	set +e
	raquet-scan --no-progress --no-summary --stick "$D/$1" --unit "$2" --technician "Nguyễn Văn An" \
		--identity-root "$D/pcs/$3/sys" --action "$4" "$D/pcs/$3/C"
	rc=$?
	set -e
	[ $rc -le 1 ] || { echo "scan of $3 failed ($rc)" >&2; exit 1; }
}
make_pc syt-01 SYT-0001 eicar exe
make_pc syt-02 SYT-0002
make_pc syt-03 SYT-0003 zip
make_pc stc-01 STC-0001 7z
make_pc stc-02 STC-0002
make_pc pv-01 PV-0001 eicar zip
make_pc pv-02 PV-0002 exe
make_pc pt-01 PT-0001

say "Scans in the field, sealed to the sticks"
scan stick-so 000.00.12.H57 syt-01 report      # found, left for now...
scan stick-so 000.00.12.H57 syt-01 quarantine  # ...and cleaned on the second visit
scan stick-so 000.00.12.H57 syt-02 quarantine
scan stick-so 000.00.12.H57 syt-03 quarantine
scan stick-so 000.00.13.H57 stc-01 report
scan stick-so 000.00.13.H57 stc-02 quarantine
scan stick-huyen 000.01.20.H57 pv-01 quarantine
scan stick-huyen 000.01.20.H57 pv-02 report
scan stick-huyen 000.01.21.H57 pt-01 quarantine
scan stick-huyen 000.01.21.H57 pt-01 quarantine   # the same PC twice: one device
raquet-scan --stick "$D/stick-so" --list

say "Back at the IOC: import both sticks"
raquet-sync import "$D/stick-so"
raquet-sync import "$D/stick-huyen"
raquet-sync status

say "The appendix"
for f in docx xlsx html csv json; do
	raquet-report -o "$D/out/phu-luc.$f"
done
raquet-report --unit 000.01.20.H57 -o "$D/out/phu-luc-thuan-an.docx"
jq -r '.rows[] | [.stt, .label, .value, (.note // "")] | @tsv' "$D/out/phu-luc.json" 2>/dev/null |
	sed 's/\t/ | /g' ||
	cat "$D/out/phu-luc.csv"
# A picture of the appendix's whole first page, to look at (LibreOffice
# renders the DOCX as Word would print it), with a profile of its own so a
# LibreOffice already open on this machine does not swallow the request.
# The picture must be the A4 page (210 x 297 mm at 80 dpi: 662 x 936 pixels as pdftoppm rounds).
if soffice --headless -env:UserInstallation="file://$D/lo-profile" --convert-to pdf \
	--outdir "$D/out" "$D/out/phu-luc.docx" >/dev/null 2>&1 &&
	pdftoppm -r 80 -png -f 1 -l 1 -singlefile "$D/out/phu-luc.pdf" "$D/out/phu-luc-trang-1" &&
	[ "$(od -An -tu1 -j16 -N8 "$D/out/phu-luc-trang-1.png" | awk '{print $3 * 256 + $4 "x" $7 * 256 + $8}')" = 662x936 ]; then
	:
else
	echo "demo: could not render the whole first page (LibreOffice, poppler-utils)" >&2
	exit 1
fi
say "Files"
ls -1 "$D/out"/* | sed 's/^/  /'
