#!/bin/sh
# Worker processes (issue 14): with -j2 and more, files are scanned by
# processes forked after the engine compile. A worker that dies on a file
# (RAQUET_TEST_WORKER_CRASH makes a worker SIGKILL itself on a path holding
# that text, as a libclamav crash or the OOM killer would) costs only that
# file: it is reported as an error, counted in the record, and the other
# files are scanned, detected and acted on; the record is still sealed. A
# worker dying on every file ends the scan, not hangs it. A stop leaves no
# worker process behind. Detections equal -j1's.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
mkdir -p "$T/pc/a" "$T/pc/b/c"
i=0
while [ $i -lt 40 ]; do
	echo "clean file $i" > "$T/pc/a/f$i.txt"
	echo "another $i" > "$T/pc/b/c/g$i.txt"
	i=$((i + 1))
done
write_eicar "$T/pc/a/eicar.com"
cp "$TESTFILES/clam.exe" "$T/pc/b/c/clam.exe"
echo one > "$T/pc/a/crashme-1.txt"
echo two > "$T/pc/b/crashme-2.txt"
echo three > "$T/pc/b/c/crashme-3.txt"
scan() { timeout 120 raquet-scan --no-progress -d "$T/db" "$@"; }
crash_lines() { grep -c ': worker process killed by signal 9 (Killed) ERROR$' "$1"; }
tmp_clean() { test -z "$(ls -A "$TMPDIR")" || { ls -laR "$TMPDIR"; false; }; }

# --- the same detections as -j1 --------------------------------------------------
exit_is "-j1 finds both files" 1 scan -j1 "$T/pc"
sort "$T/last.out" | grep ' FOUND$' > "$T/j1.found"
exit_is "-j2 finds them too" 1 scan -j2 --json "$T/j2.json" "$T/pc"
sort "$T/last.out" | grep ' FOUND$' > "$T/j2.found"
ok "  ... the same lines" diff -u "$T/j1.found" "$T/j2.found"
is "  ... 85 files, no error" "$(jq -c '.volumes[0] | [.files, .errors]' "$T/j2.json")" "[85,0]"

# --- three workers die, one file each ---------------------------------------------
RAQUET_TEST_WORKER_CRASH=crashme exit_is "three crashed workers: exit 2 (errors)" 2 \
	scan -j2 --json "$T/crash.json" "$T/pc"
is "  ... each crash reported on its file" "$(crash_lines "$T/last.err")" 3
ok "  ... naming it" grep -q "/b/c/crashme-3.txt: worker process killed by signal 9 (Killed) ERROR" "$T/last.err"
sort "$T/last.out" | grep ' FOUND$' > "$T/crash.found"
ok "  ... the other files were scanned: the same detections" diff -u "$T/j1.found" "$T/crash.found"
is "  ... the record counts the three as errors" \
	"$(jq -c '[.volumes[0].files, .volumes[0].errors, .totals.errors, .status]' "$T/crash.json")" \
	'[85,3,3,"infected-not-cleaned"]'
ok "  ... and no libclamav temporary file stays" tmp_clean

# --- every file kills its worker: the scan still ends -----------------------------
RAQUET_TEST_WORKER_CRASH=/ exit_is "a worker dying on every file: the scan ends (exit 2)" 2 \
	scan -j2 --json "$T/all.json" "$T/pc"
is "  ... every file an error" "$(crash_lines "$T/last.err")" 85
is "  ... nothing claimed as found" "$(grep -c FOUND "$T/last.out")" 0
is "  ... the record says so" "$(jq -c '[.volumes[0].files, .volumes[0].errors]' "$T/all.json")" "[85,85]"

# --- acting and sealing happen in the parent, crashes or not ----------------------
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" || exit 1
S=$T/usb/RAQUET
id=$(key_id "$S/stick.pub")
cp -a "$T/pc" "$T/pc2"
RAQUET_TEST_WORKER_CRASH=crashme exit_is "quarantine with crashed workers, on a stick" 2 \
	scan -j2 --stick "$T/usb" --unit 000.00.12.H57 "$T/pc2"
ok "  ... eicar was quarantined" grep -q "a/eicar.com: moved to quarantine" "$T/last.out"
ok "  ... clam.exe too" test ! -e "$T/pc2/b/c/clam.exe"
ok "  ... the crashed-on files are left alone" test -f "$T/pc2/b/c/crashme-3.txt"
ok "  ... the record is sealed" grep -q "^Record saved: .*/results/$id-1.rqr (#1)$" "$T/last.out"
ok "  ... the IOC opens it" rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-1.rqr" "$T/r1"
is "  ... with both detections cleaned and the three errors" \
	"$(jq -c '[.status, .totals.errors, ([.detections[].outcome] | unique)]' "$T/r1/result.json")" \
	'["cleaned",3,["quarantined"]]'

# --- a stop leaves no worker behind -----------------------------------------------
# A tree that takes a while: 512 hard links to 4 MB of random data.
mkdir -p "$T/big/x" && head -c 4000000 /dev/urandom > "$T/big/x/0"
for n in 1 2 3 4 5 6 7 8 9; do
	cp -al "$T/big/x" "$T/big/x.$n" && mv "$T/big/x.$n" "$T/big/x/$n"
done
raquet-scan --no-progress -j2 -d "$T/db" --json "$T/stop.json" --progress-fd 3 "$T/big" \
	3>"$T/stop.progress" >"$T/stop.out" 2>&1 &
pid=$!
ok "the scan is under way" wait_until 30 grep -q '"files":[1-9]' "$T/stop.progress"
# The workers are forked by a zygote, forked before any thread started.
zygote=$(cat /proc/$pid/task/*/children 2>/dev/null)
is "  ... one zygote process" "$(echo $zygote | wc -w)" 1
workers=$(for z in $zygote; do cat /proc/$z/task/*/children; done 2>/dev/null)
is "  ... with two worker processes under it" "$(echo $workers | wc -w)" 2
workers="$workers $zygote"
kill -TERM $pid
wait $pid
is "SIGTERM: exit 2" "$?" 2
is "  ... result incomplete" "$(jq -r .status "$T/stop.json")" incomplete
gone() { for w in $workers; do ! kill -0 "$w" 2>/dev/null || return 1; done; }
ok "  ... no worker process (nor the zygote) left" gone
ok "  ... no libclamav temporary file left" tmp_clean

# --- a worker hung in its file does not hold the stop --------------------------------
# RAQUET_TEST_WORKER_HANG makes a worker wait for ever on a path holding that
# text, as one stuck in libclamav or in a read from a dying disk would. The
# other worker scans everything else; then SIGTERM must end the scan within
# seconds (the hung worker is killed after a 3 s grace), with the record
# sealed as interrupted and the detections made before it.
# The hung file is the last root's only file: none waits behind it.
cp -a "$T/pc" "$T/pc3" && mkdir "$T/pc4" && echo stuck > "$T/pc4/hangme.txt"
RAQUET_TEST_WORKER_HANG=hangme raquet-scan --no-progress -j2 -d "$T/db" \
	--stick "$T/usb" --unit 000.00.12.H57 --action report --json "$T/hang.json" --progress-fd 3 \
	"$T/pc3" "$T/pc4" 3>"$T/hang.progress" >"$T/hang.out" 2>&1 &
pid=$!
# (not under timeout(1): it would send SIGTERM twice, a second one quits)
(sleep 60 && kill -KILL $pid) >/dev/null 2>&1 &
watchdog=$!
ok "every other file is scanned" wait_until 30 grep -q '"files":85,' "$T/hang.progress"
sleep 1
ok "  ... and the scan waits on the hung one" kill -0 $pid
zygote=$(cat /proc/$pid/task/*/children 2>/dev/null)
workers="$zygote $(for z in $zygote; do cat /proc/$z/task/*/children; done 2>/dev/null)"
t0=$(date +%s)
kill -TERM $pid
wait $pid
is "SIGTERM: exit 2" "$?" 2
t1=$(date +%s)
pkill -P $watchdog sleep; kill $watchdog 2>/dev/null
ok "  ... within 8 s (it took $((t1 - t0)) s)" test $((t1 - t0)) -le 8
is "  ... result incomplete, both detections kept" \
	"$(jq -c '[.status, ([.detections[].path | sub(".*/"; "")] | sort)]' "$T/hang.json")" \
	'["incomplete",["clam.exe","eicar.com"]]'
ok "  ... the hung file is named as not scanned" grep -q "/pc4/hangme.txt: not scanned: the scan was stopped, and its worker process, still on it after 3 s, was killed$" "$T/hang.out"
is "  ... and nothing else said of it" "$(grep -c hangme "$T/hang.out")" 1
is "  ... not counted as an error" "$(jq -c '[.volumes[].errors]' "$T/hang.json")" '[0,0]' 
ok "  ... the record is sealed" grep -q "^Record saved: .*/results/$id-2.rqr (#2)$" "$T/hang.out"
ok "  ... the IOC opens it" rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-2.rqr" "$T/r2"
is "  ... interrupted" "$(jq -r .status "$T/r2/result.json")" incomplete
ok "  ... no worker process (nor the zygote) left" gone
ok "  ... no libclamav temporary file left" tmp_clean

done_testing
