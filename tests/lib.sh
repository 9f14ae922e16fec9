# Shell test library: sourced by tests/t/tNNNN-*.sh. Prints TAP.
# Each test: `plan N` (or done_testing at the end), then `ok "what" cmd...`.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${RAQUET_BUILD:=$TOP/build}"
BIN=$RAQUET_BUILD/bin
PATH=$BIN:$PATH
export PATH
TESTFILES=/usr/share/clamav-testfiles
T=$(mktemp -d "${TMPDIR:-/tmp}/raquet-test.XXXXXX")
_n=0
_failed=0
_cleanups=""
cleanup() { eval "$_cleanups"; rm -rf "$T"; }
trap cleanup EXIT
at_exit() { _cleanups="$1; $_cleanups"; }

plan() { echo "1..$1"; }
done_testing() { echo "1..$_n"; [ "$_failed" = 0 ]; }

# ok DESCRIPTION COMMAND...: passes when the command succeeds.
ok() {
	_d=$1; shift
	_n=$((_n + 1))
	if ( "$@" ) >"$T/.out" 2>&1; then
		echo "ok $_n - $_d"
	else
		echo "not ok $_n - $_d"; _failed=$((_failed + 1))
		sed 's/^/# /' "$T/.out" | head -40
	fi
}
# not_ok-style negative: passes when the command fails.
fails() {
	_d=$1; shift
	ok "$_d" sh -c '! "$@"' sh "$@"
}
# is DESCRIPTION GOT WANT
is() {
	_n=$((_n + 1))
	if [ "$2" = "$3" ]; then echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"; _failed=$((_failed + 1))
		echo "#   got: '$2'"; echo "#  want: '$3'"
	fi
}
# exit_is DESCRIPTION WANT COMMAND...: exit status of COMMAND equals WANT.
exit_is() {
	_d=$1; _want=$2; shift 2
	"$@" >"$T/last.out" 2>"$T/last.err"; _got=$?
	is "$_d (exit $_want)" "$_got" "$_want"
	[ "$_got" = "$_want" ] || sed "s/^/# /" "$T/last.err" | head -20
}

# Test signatures: clam.exe by md5 (.hdb) and EICAR by body (.ndb).
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
make_sigs() {
	_d=$1; mkdir -p "$_d"
	_md5=$(md5sum "$TESTFILES/clam.exe" | cut -d' ' -f1)
	_sz=$(stat -c %s "$TESTFILES/clam.exe")
	echo "$_md5:$_sz:Raquet.Test.ClamExe" > "$_d/test.hdb"
	_hex=$(printf '%s' 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' | od -An -tx1 | tr -d ' \n')
	echo "Raquet.Test.Eicar:0:*:$_hex" > "$_d/test.ndb"
}
write_eicar() { printf '%s' "$EICAR" > "$1"; }

# make_ioc DIR: IOC keys (until raquet-sync exists, through rq-testkeys).
make_ioc() { rq-testkeys ioc "$1" >/dev/null; }
key_id() { head -1 "$1" | sed 's/.* //'; }
# flip_byte FILE OFFSET: inverts the byte at OFFSET (always a change, which
# writing a fixed value is not when the byte already has it).
flip_byte() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ') && [ -n "$_b" ] &&
		printf "\\$(printf %o $((_b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# make_stick IOCDIR STICKDIR: a provisioned stick with the test signatures,
# a signed stick.json and a signed roster of three units.
make_stick() {
	_s=$2/RAQUET
	mkdir -p "$_s" && rq-testkeys stick "$_s" >/dev/null && cp "$1/ioc.pub" "$_s/" || return 1
	printf '{"format":"raquet.stick/1","stick":"%s","ioc":"%s","label":"test stick","units":["000.00.12.H57"]}\n' \
		"$(key_id "$_s/stick.pub")" "$(key_id "$1/ioc.pub")" > "$_s/stick.json"
	cat > "$_s/roster.json" <<'ROSTER'
{"format":"raquet.roster/1","units":[
 {"code":"000.00.12.H57","name":"Sở Y tế"},
 {"code":"000.00.13.H57","name":"Sở Tài chính"},
 {"code":"000.01.20.H57","name":"UBND huyện Phú Vang"}]}
ROSTER
	rq-testkeys sign "$1" "$_s/stick.json" && rq-testkeys sign "$1" "$_s/roster.json" &&
	make_sigs "$_s/db" && printf 'action = quarantine\nscan = full\n' > "$_s/config"
}
# fake_pc DIR SERIAL: a /sys tree that stands in for one PC (--identity-root).
fake_pc() {
	mkdir -p "$1/sys/class/dmi/id" "$1/sys/class/net" "$1/sys/block"
	echo "Dell Inc." > "$1/sys/class/dmi/id/sys_vendor"
	echo "OptiPlex 7090" > "$1/sys/class/dmi/id/product_name"
	echo "$2" > "$1/sys/class/dmi/id/product_serial"
}

# --- raquet-sync helpers (t4NNN) ---------------------------------------------
# sync_ioc DIR: a new IOC with three units (Phú Vang has a child commune).
sync_ioc() {
	raquet-sync --ioc "$1" init >/dev/null &&
	raquet-sync --ioc "$1" unit add 000.00.12.H57 "Sở Y tế" --informed >/dev/null &&
	raquet-sync --ioc "$1" unit add 000.01.20.H57 "UBND huyện Phú Vang" --informed >/dev/null &&
	raquet-sync --ioc "$1" unit add 000.01.21.H57 "UBND xã Phú Thượng" --parent 000.01.20.H57 >/dev/null
}
# sync_stick IOCDIR STICKDIR UNIT...: a stick provisioned by raquet-sync with
# the test signatures.
sync_stick() {
	_i=$1 _s=$2; shift 2
	[ -d "$T/sync-sigs" ] || make_sigs "$T/sync-sigs"
	mkdir -p "$_s" && _u= && for _c in "$@"; do _u="$_u --unit $_c"; done &&
	raquet-sync --ioc "$_i" provision "$_s" $_u --database "$T/sync-sigs" >/dev/null
}
# stick_id STICKDIR: the stick's id.
stick_id() { key_id "$1/RAQUET/stick.pub"; }
# ioc_data_sum IOCDIR: a checksum of what an import adds to ioc.db (not the
# import log or times), the campaign's report tables included, to compare
# states.
ioc_data_sum() {
	sqlite3 "$1/ioc.db" "
	SELECT stick, type, seq, sha256, file FROM records ORDER BY 1, 2, 3;
	SELECT stick, seq, device, unit, status, ndetections, started_utc FROM scans ORDER BY 1, 2;
	SELECT key, first_seen, last_seen FROM devices ORDER BY 1;
	SELECT count(*) FROM volumes; SELECT count(*) FROM detections; SELECT count(*) FROM actions;
	SELECT stick, seq, sha256, stored FROM samples ORDER BY 1, 2;
	SELECT * FROM gaps ORDER BY 1, 2, 3;
	SELECT stick, file, sha256, reason FROM rejections ORDER BY 1, 2, 3;
	SELECT key, stick, seq, unit, status, infected FROM rq_latest ORDER BY 1;
	SELECT count(*) FROM rq_period; SELECT count(*) FROM rq_infected;
	SELECT count(*), sum(handled) FROM rq_found; SELECT count(*) FROM rq_detected;" | sha256sum | cut -c1-16
}
# report_sans_period JSON: a JSON report, sorted, without the words that
# name its period (tests/report-sans-period.jq).
report_sans_period() { jq -S -f "$TOP/tests/report-sans-period.jq" "$1"; }
# sync_query IOCDIR NAME [FROM TO UNIT]: runs one query of sync/totals.sql.
sync_query() {
	awk -v q="-- name: $2" '$0 == q {p=1; next} /^-- name: /{p=0} p' "$TOP/sync/totals.sql" > "$T/.query.sql"
	set -- "$1" "$2" "${3:-}" "${4:-}" "${5:-}"
	# A fixture older than schema version 6 has no scan_usb: no USB drive.
	[ "$(sqlite3 "$1/ioc.db" "SELECT count(*) FROM sqlite_master WHERE name = 'scan_usb'")" = 1 ] ||
		sed -i '1i CREATE TEMP TABLE scan_usb(scan, device_kind);' "$T/.query.sql"
	sqlite3 -separator '|' "$1/ioc.db" ".param init" \
		${3:+".param set :from \"'$3'\""} ${4:+".param set :to \"'$4'\""} ${5:+".param set :unit \"'$5'\""} \
		".read $T/.query.sql"
}
# scan_pc STICK UNIT SERIAL TREE [options]: one PC (identity from SERIAL)
# scanned onto a stick; succeeds when raquet-scan exits 0 or 1.
scan_pc() {
	_s=$1 _u=$2 _sn=$3 _tree=$4; shift 4
	fake_pc "$T/sys-$_sn" "$_sn"
	raquet-scan --no-progress --no-summary --stick "$_s" --unit "$_u" \
		--identity-root "$T/sys-$_sn" "$@" "$_tree" >/dev/null 2>&1
	[ $? -le 1 ]
}

# wait_until SECONDS COMMAND...: waits for observable state — until COMMAND
# succeeds (polled ten times a second), at most SECONDS; fails if it never did.
wait_until() {
	_wu_end=$(($(date +%s) + $1)); shift
	until "$@" 2>/dev/null; do
		[ "$(date +%s)" -lt "$_wu_end" ] || return 1
		sleep 0.1
	done
}
