#!/bin/sh
# raquet-sync import is all or nothing: killed with SIGKILL at many points
# it leaves ioc.db as before or as after, and a rerun completes it; two
# imports at once wait for each other; a full disk rolls back and leaves the
# stick untouched.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
sync_ioc "$I" && sync_stick "$I" "$T/usb" 000.00.12.H57 && rq-genrecords "$T/usb" 600 150
ok "setup: an IOC and a stick with 600 records" test -f "$T/usb/RAQUET/results/$(stick_id "$T/usb")-600.rqr"
cp -a "$I" "$T/base"
before=$(ioc_data_sum "$I")
start=$(date +%s%N)
exit_is "a full import (the reference)" 0 raquet-sync --ioc "$I" import "$T/usb"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
after=$(ioc_data_sum "$I")
ok "  ... changed the data" test "$before" != "$after"
is "  ... each scan's computer name kept (scans.computer)" \
	"$(sqlite3 "$I/ioc.db" "SELECT count(*), count(DISTINCT computer), min(computer LIKE 'GEN-PC-%') FROM scans" | tr '|' ' ')" "600 150 1"
echo "# a full import takes $ms ms"

# Kill points spread over the whole import, from its first millisecond on.
kills=0 bad=0 rerun_bad=0 saw_before=0 saw_after=0
# A kill that comes after the import finished is no kill point: go on until
# 32 kills landed (the machine's load changes how long an import takes).
for i in $(seq 1 96); do
	[ "$kills" -ge 32 ] && break
	rm -rf "$I" "$T/usb/RAQUET/receipts" && cp -a "$T/base" "$I" && mkdir "$T/usb/RAQUET/receipts"
	delay=$(awk -v i="$i" -v ms="$ms" 'BEGIN { srand(i); printf "%.3f", ((i - 1) % 32) * ms * (0.8 - int((i - 1) / 32) * 0.3) / 32000 * (0.9 + rand() * 0.2) }')
	raquet-sync --ioc "$I" import "$T/usb" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ $? = 137 ] && kills=$((kills + 1)) # killed, not finished
	now=$(ioc_data_sum "$I")
	if [ "$now" = "$before" ]; then saw_before=$((saw_before + 1))
	elif [ "$now" = "$after" ]; then saw_after=$((saw_after + 1))
	else bad=$((bad + 1)); echo "# kill point $i ($delay s): ioc.db is in between"; fi
	raquet-sync --ioc "$I" import "$T/usb" >/dev/null 2>&1
	[ "$(ioc_data_sum "$I")" = "$after" ] || { rerun_bad=$((rerun_bad + 1)); echo "# kill point $i: rerun did not complete"; }
	sqlite3 "$I/ioc.db" 'PRAGMA integrity_check' | grep -qx ok || { bad=$((bad + 1)); echo "# kill point $i: integrity_check fails"; }
done
echo "# $kills imports killed; afterwards before: $saw_before, after: $saw_after"
ok "at least 30 kill points" test "$kills" -ge 30
is "never in between (and integrity_check ok)" "$bad" 0
is "a rerun always completes the import" "$rerun_bad" 0
ok "some kills landed before the commit" test "$saw_before" -ge 10
raquet-report --ioc "$I" --date 2026-11-28 -o "$T/k.json" &&
	raquet-report --ioc "$I" --date 2026-11-28 --from 1970-01-01 -o "$T/c.json"
report_sans_period "$T/k.json" > "$T/k.s"; report_sans_period "$T/c.json" > "$T/c.s"
ok "  ... and the campaign's report tables agree with the scans" diff -u "$T/c.s" "$T/k.s"

# Two imports at once: the second waits for the first.
rm -rf "$I" && cp -a "$T/base" "$I"
sync_stick "$I" "$T/usb2" 000.01.20.H57 && rq-genrecords "$T/usb2" 500 50
# Another command holds the lock while they start, so each one must wait:
# the holder lets go only once all three said they are waiting.
mkfifo "$T/release"
flock "$I/lock" sh -c "read x < '$T/release'" & holder=$!
ok "  ... the lock is held" wait_until 30 sh -c "! flock -n '$I/lock' true"
raquet-sync --ioc "$I" import "$T/usb" > "$T/c1.out" 2> "$T/c1.err" & p1=$!
raquet-sync --ioc "$I" import "$T/usb2" > "$T/c2.out" 2> "$T/c2.err" & p2=$!
raquet-sync --ioc "$I" import "$T/usb" > "$T/c3.out" 2> "$T/c3.err" & p3=$!
ok "  ... all three wait for it" wait_until 60 sh -c "test \$(cat '$T'/c?.err | grep -c 'waiting for it') -eq 3"
echo go > "$T/release"
wait $p1; r1=$?; wait $p2; r2=$?; wait $p3; r3=$?; wait $holder
is "three concurrent imports all succeed" "$r1 $r2 $r3" "0 0 0"
ok "  ... one said it was waiting" sh -c "cat '$T'/c?.err | grep -q 'another raquet-sync is working on $I; waiting for it'"
is "  ... every record once" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM records")" 1100
is "  ... the same stick twice: 600 new, then 600 already imported" \
	"$(cat "$T/c1.out" "$T/c3.out" | grep -o '[0-9]* imported, [0-9]* already' | sort | tr '\n' ' ')" \
	"0 imported, 600 already 600 imported, 0 already "

# Disk full: the IOC on a small file system.
mkdir -p "$T/small"
if mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
	at_exit "umount '$T/small'"
	J=$T/small/ioc
	sync_ioc "$J" && sync_stick "$J" "$T/usb3" 000.00.12.H57 && rq-genrecords "$T/usb3" 1000 1000
	( cd "$T/usb3" && find . -type f -exec sha256sum {} + | sort ) > "$T/usb3.before"
	jbefore=$(ioc_data_sum "$J")
	exit_is "import onto a full disk fails" 2 raquet-sync --ioc "$J" import "$T/usb3"
	ok "  ... saying the disk is full" grep -q "nothing was imported: .*disk full" "$T/last.err"
	is "  ... ioc.db is as before" "$(ioc_data_sum "$J")" "$jbefore"
	( cd "$T/usb3" && find . -type f -exec sha256sum {} + | sort ) > "$T/usb3.after"
	ok "  ... the stick is untouched (no receipt)" cmp "$T/usb3.before" "$T/usb3.after"
	mount -o remount,size=64m "$T/small"
	exit_is "with room again, the import completes" 0 raquet-sync --ioc "$J" import "$T/usb3"
	is "  ... every record" "$(sqlite3 "$J/ioc.db" 'SELECT count(*) FROM records')" 1000
else
	ok "a tmpfs for the disk-full tests (needs root)" false
fi

done_testing
