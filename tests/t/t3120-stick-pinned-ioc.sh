#!/bin/sh
# The stick is not its own trust anchor (issue 11, part 2): a system that
# pins an IOC key (the live image; lib/pin.h) refuses a stick whose ioc.pub
# is another key, even when everything on the stick is re-signed with that
# key and a one-signature database is dropped in, and even when only the
# sealing half or only the key id is swapped. raquet-scan refuses with exit
# 2 and writes nothing; the launcher says in Vietnamese to take the stick to
# the IOC. The genuine stick is accepted. Without a pin (a folder scan on
# any Linux box) today's behaviour stays.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"

A=$T/ioc          # the IOC the image serves (launcher-lib.sh made it and $T/usb)
B=$T/evil         # another key pair: the attacker's
make_ioc "$B" || exit 1
cp -a "$T/usb" "$T/genuine"

# rekey STICKDIR IOCPUB: ioc.pub replaced, stick.json and the roster re-signed
# by $B, and a database of one harmless signature with a MANIFEST signed by
# $B: everything the stick checks, consistent with the new key.
rekey() {
	_s=$1/RAQUET
	cp "$2" "$_s/ioc.pub" &&
	jq -c --arg ioc "$(key_id "$2")" '.ioc = $ioc' "$_s/stick.json" > "$_s/stick.json.new" &&
	mv "$_s/stick.json.new" "$_s/stick.json" &&
	rq-testkeys sign "$B" "$_s/stick.json" && rq-testkeys sign "$B" "$_s/roster.json" &&
	rm -rf "$_s/db" && mkdir "$_s/db" &&
	echo "Harmless.Sig:0:*:00112233445566778899aabbccddeeff" > "$_s/db/one.ndb" &&
	printf 'raquet-manifest/1\n%s %s one.ndb' "$(sha256sum "$_s/db/one.ndb" | cut -d' ' -f1)" \
		"$(stat -c %s "$_s/db/one.ndb")" > "$_s/db/MANIFEST" &&
	rq-testkeys sign "$B" "$_s/db/MANIFEST"
}
# mixed OUT TAGID SIGN BOX: an ioc.pub whose tag and id come from TAGID, its
# signing key from SIGN and its sealing key from BOX (each an ioc.pub).
mixed() {
	for _k in "$2" "$3" "$4"; do sed -n 2p "$_k" | base64 -d > "$_k.bin" || return 1; done
	{ head -1 "$2"
	  { head -c 10 "$2.bin"; tail -c +11 "$3.bin" | head -c 32; tail -c +43 "$4.bin"; } | base64 -w0
	  echo; } > "$1"
}
scan() { # scan STICKDIR: raquet-scan of the infected tree onto the stick
	raquet-scan --no-progress --no-summary --stick "$1" --unit 000.00.12.H57 \
		--identity-root "$T/sys" --action report "$T/pc"
}
records() { ls "$1/RAQUET/results" 2>/dev/null | grep -c '\.rqr$'; }

cp -a "$T/genuine" "$T/rekeyed" && rekey "$T/rekeyed" "$B/ioc.pub" || exit 1
ok "the re-keyed stick is self-consistent (stick.json checks with its own ioc.pub)" \
	rq-testkeys verify "$T/rekeyed/RAQUET/ioc.pub" "$T/rekeyed/RAQUET/stick.json"

# With the pin: refused, nothing written.
export RAQUET_PINNED_IOC="$A/ioc.pub"
exit_is "pinned: the re-keyed stick is refused" 2 scan "$T/rekeyed"
ok "  ... naming both IOCs and where to go" grep -q "the stick belongs to IOC $(key_id "$B/ioc.pub"), not to IOC $(key_id "$A/ioc.pub") that this system serves: take the stick to the IOC" "$T/last.err"
is "  ... no record sealed to the other key" "$(records "$T/rekeyed")" 0

exit_is "pinned: the genuine stick is accepted (EICAR found)" 1 scan "$T/genuine"
is "  ... its record written" "$(records "$T/genuine")" 1

mixed "$T/box-swapped.pub" "$A/ioc.pub" "$A/ioc.pub" "$B/ioc.pub"
cp -a "$T/genuine" "$T/boxonly" && cp "$T/box-swapped.pub" "$T/boxonly/RAQUET/ioc.pub"
ok "only the sealing key swapped: every IOC signature still checks" \
	rq-testkeys verify "$T/boxonly/RAQUET/ioc.pub" "$T/boxonly/RAQUET/stick.json"
before=$(records "$T/boxonly")
exit_is "pinned: a stick whose sealing key alone was swapped is refused" 2 scan "$T/boxonly"
ok "  ... as altered" grep -q "holds other keys than the ones this system pins: the stick was altered" "$T/last.err"
is "  ... nothing sealed to the swapped key" "$(records "$T/boxonly")" "$before"

mixed "$T/id-copied.pub" "$A/ioc.pub" "$B/ioc.pub" "$B/ioc.pub"
cp -a "$T/genuine" "$T/idcopy" && rekey "$T/idcopy" "$T/id-copied.pub"
exit_is "pinned: a re-keyed stick that copies the IOC's key id is refused" 2 scan "$T/idcopy"
ok "  ... as altered" grep -q "the stick was altered" "$T/last.err"

# The pin itself must be there when the system says it pins.
RAQUET_PINNED_IOC=$T/nothing-here.pub exit_is "a pin named but missing refuses even the genuine stick" 2 scan "$T/genuine"
ok "  ... saying the system trusts no stick" grep -q "the pinned IOC key .*nothing-here.pub cannot be read .*this system trusts no stick" "$T/last.err"
printf 'untrusted comment: garbage\nAAAA\n' > "$T/bad.pub"
RAQUET_PINNED_IOC=$T/bad.pub exit_is "a corrupt pin refuses" 2 scan "$T/genuine"
RAQUET_PINNED_IOC= exit_is "an empty RAQUET_PINNED_IOC refuses" 2 scan "$T/genuine"
ok "  ... saying so" grep -q "RAQUET_PINNED_IOC is set but empty" "$T/last.err"
ln -s "$A/ioc.pub" "$T/link.pub"
RAQUET_PINNED_IOC=$T/link.pub exit_is "a pin that is a symlink is refused (read with O_NOFOLLOW)" 2 scan "$T/genuine"

# No pin at all: a folder scan on any Linux box, as before.
if [ -e /etc/raquet/ioc.pub ]; then
	echo "ok $((_n = _n + 1)) - # SKIP /etc/raquet/ioc.pub exists on this machine"
else
	unset RAQUET_PINNED_IOC
	cp -a "$T/genuine" "$T/nopin"
	exit_is "no pin: the stick's own key is taken (today's behaviour off the image)" 1 scan "$T/nopin"
	cp -a "$T/rekeyed" "$T/rekeyed-nopin"
	exit_is "  ... which is why the image pins: unpinned, the re-keyed stick calls EICAR clean" 0 scan "$T/rekeyed-nopin"
fi

# The launcher, with the pin, on the technician's screen.
export RAQUET_PINNED_IOC="$A/ioc.pub"
rm -rf "$T/usb" && cp -a "$T/rekeyed" "$T/usb"
launch --scan-path "'$T/pc'"
ok "launcher, pinned: the re-keyed stick is refused on screen" wait_for "USB BỊ TỪ CHỐI: KHÔNG PHẢI USB CỦA IOC NÀY"
ok "  ... in Vietnamese, saying to take it to the IOC" sh -c "tr -d '\n' < '$T/screen' | tr -s ' ' | grep -q 'Hãy mang USB về IOC đã cấp nó'"
ok "  ... no unit is offered" sh -c "! grep -q 'Sở Y tế' '$T/screen'"
keys Enter
wait_exit
is "  ... and it ends with exit 2" "$(cat "$T/exit" 2>/dev/null)" 2
is "  ... no record written" "$(records "$T/usb")" 0

rm -rf "$T/usb" && cp -a "$T/genuine" "$T/usb"
launch --scan-path "'$T/pc'"
ok "launcher, pinned: the genuine stick offers its units" wait_for "Máy tính này thuộc đơn vị nào?"

# An image no IOC stamped: raquet-live names a pin that is not there.
export RAQUET_PINNED_IOC="$T/medium/live/ioc.pub"
launch --scan-path "'$T/pc'"
ok "launcher, no pin on the medium: even the genuine stick is refused" wait_for "USB BỊ TỪ CHỐI: KHÔNG PHẢI USB CỦA IOC NÀY"
ok "  ... saying the image carries no IOC key" sh -c "tr -d '\n' < '$T/screen' | tr -s ' ' | grep -q 'Hệ thống này không có khóa IOC để kiểm tra USB'"
keys Enter
wait_exit
is "  ... exit 2" "$(cat "$T/exit" 2>/dev/null)" 2
done_testing
