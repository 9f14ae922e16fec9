#!/bin/sh
# RAQUET/config has one parser (lib/sticklayout.h) for raquet-scan, the
# launcher and raquet-sync: provision and update check the IOC's
# stick-config with it and refuse a bad one with its line number before
# writing anything to the stick; raquet-scan refuses the same lines.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc U=$T/usb S=$T/usb/RAQUET
sync_ioc "$I"
make_sigs "$T/sigs"
mkdir -p "$U" "$T/pc" && write_eicar "$T/pc/e.com"

bad_provision() { # NAME CONFIG MESSAGE
	printf "$2" > "$I/stick-config"
	rm -rf "$T/new" && mkdir -p "$T/new"
	exit_is "provision refuses $1" 2 raquet-sync --ioc "$I" provision "$T/new" \
		--unit 000.01.20.H57 --database "$T/sigs"
	ok "  ... with the file and line" grep -qF "$I/stick-config: $3" "$T/last.err"
	ok "  ... writing nothing to the stick" sh -c "! test -e '$T/new/RAQUET'"
}
bad_provision "an unknown action" '# IOC\n\naction = explode\n' "line 3: bad value for action"
bad_provision "a bad scan" 'scan = fast\n' "line 1: bad value for scan"
bad_provision "a bad unattended" 'unattended = maybe\n' "line 1: bad value for unattended"
bad_provision "a bad poweroff" 'poweroff = on\n' "line 1: bad value for poweroff"
bad_provision "an empty unit" 'unit =   \n' "line 1: bad value for unit"
bad_provision "a unit too long" "unit = $(printf '%0128d' 0)\n" "line 1: bad value for unit"
bad_provision "a line without =" 'action = report\nscan quick\n' "line 2: expected key = value"
bad_provision "a sample cap over the limit" 'sample_max_bytes = 62914561\n' \
	"line 1: bad value for sample_max_bytes"
bad_provision "a negative sample cap" 'sample_max_bytes = -1\n' "line 1: bad value for sample_max_bytes"
bad_provision "a sample cap that is not a number" 'sample_max_bytes = 12k\n' \
	"line 1: bad value for sample_max_bytes"
bad_provision "an unknown mode" 'mode = usb\n' "line 1: bad value for mode"
bad_provision "a station_idle over a day" 'mode = station\nstation_idle = 86401\n' \
	"line 2: bad value for station_idle"
bad_provision "a station_idle that is not a number" 'station_idle = 10m\n' \
	"line 1: bad value for station_idle"
printf 'action = report\0\n' > "$I/stick-config"
exit_is "provision refuses a NUL byte" 2 raquet-sync --ioc "$I" provision "$T/new" \
	--unit 000.01.20.H57 --database "$T/sigs"
ok "  ... naming its line" grep -qF "stick-config: line 1: a NUL byte" "$T/last.err"
head -c 65537 /dev/zero | tr '\0' '#' > "$I/stick-config"
exit_is "provision refuses a config over 64 KiB" 2 raquet-sync --ioc "$I" provision "$T/new" \
	--unit 000.01.20.H57 --database "$T/sigs"
ok "  ... saying so" grep -q "too large" "$T/last.err"

# Limits and unknown keys are accepted as raquet-scan accepts them.
printf '# edge\nsample_max_bytes = 62914560\nunit = %s\nnewer_key = anything\n  action\t=\tdelete \r\n' \
	"$(printf '%0127d' 0)" > "$I/stick-config"
exit_is "provision takes a config at the limits, with unknown keys" 0 raquet-sync --ioc "$I" \
	provision "$U" --unit 000.01.20.H57 --database "$T/sigs"
is "  ... copied as it is" "$(cat "$S/config")" "$(cat "$I/stick-config")"

# update checks it too, and leaves the stick's config as it was.
cp "$S/config" "$T/config.before"
printf 'action = quarantine\naction = nuke\n' > "$I/stick-config"
exit_is "update refuses a bad config" 2 raquet-sync --ioc "$I" update "$U" --database "$T/sigs"
ok "  ... with its line" grep -qF "$I/stick-config: line 2: bad value for action" "$T/last.err"
ok "  ... and leaves the stick's config alone" cmp "$T/config.before" "$S/config"

# raquet-scan refuses the same lines on a stick (a config edited by hand).
for c in 'action = nuke' 'scan = fast' 'unattended = 1' 'sample_max_bytes = 62914561' 'scan' \
	'mode = Station' 'station_idle = -5'; do
	printf '# by hand\n%s\n' "$c" > "$S/config"
	exit_is "raquet-scan refuses '$c'" 2 raquet-scan --no-progress --stick "$U" --unit 000.01.20.H57 "$T/pc"
	ok "  ... at line 2" grep -q "RAQUET/config: line 2: " "$T/last.err"
done
rm "$S/config"
exit_is "raquet-scan takes a missing config as the defaults" 1 raquet-scan --no-progress \
	--stick "$U" --unit 000.01.20.H57 "$T/pc"
ok "  ... report only: the file stays" test -f "$T/pc/e.com"

done_testing
