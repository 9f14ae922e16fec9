#!/bin/sh
# Records end to end through rq-testkeys (the IOC/stick stand-in): keys,
# signed files, sealing as a stick, verifying and opening as the IOC, and
# refusals for records that were changed, moved or sealed to another IOC.
. "$(dirname "$0")/../lib.sh"

S=$T/stick/RAQUET
mkdir -p "$T/stick"
ok "IOC keys with a passphrase" rq-testkeys ioc -p "mật khẩu" "$T/ioc"
ok "stick keys" rq-testkeys stick "$S"
ok "second stick" rq-testkeys stick "$T/other"
ok "second IOC" rq-testkeys ioc "$T/ioc2"
cp "$T/ioc/ioc.pub" "$S/" && cp "$T/ioc/ioc.pub" "$T/other/"
is "secret keys are mode 600" "$(stat -c %a "$S/stick.key" "$T/ioc/ioc.key" | sort -u)" 600
fails "an existing key is never replaced" rq-testkeys stick "$S"

printf '{"units":["H01"]}\n' > "$S/roster.json"
ok "roster signed" rq-testkeys sign -p "mật khẩu" "$T/ioc" "$S/roster.json"
ok "roster.sig verifies" rq-testkeys verify "$T/ioc/ioc.pub" "$S/roster.json"
fails "wrong passphrase refused" rq-testkeys sign -p sai "$T/ioc" "$S/roster.json"
cp "$S/roster.json" "$T/roster.orig"
printf '{"units":["H01","X99"]}\n' > "$S/roster.json"
fails "changed roster refused" rq-testkeys verify "$T/ioc/ioc.pub" "$S/roster.json"
cp "$T/roster.orig" "$S/roster.json"

printf '{"schema":"raquet.result/1"}\n' > "$T/result.json"
printf 'scan log\n' > "$T/scan.log"
id=$(head -1 "$S/stick.pub" | sed 's/.* //')
is "first record" "$(rq-testkeys seal "$S" "$S/results" "$T/result.json" "$T/scan.log")" "$id-1.rqr"
is "second record" "$(rq-testkeys seal "$S" "$S/results" "$T/result.json" "$T/scan.log")" "$id-2.rqr"
is "first sample" "$(rq-testkeys seal --sample "$S" "$S/samples" "$T/scan.log")" "$id-1.rqs"
R=$S/results/$id-2.rqr
ok "header readable without keys" sh -c "rq-testkeys info '$R' | grep -qx 'seq 2'"
ok "verify + open with the IOC key" \
	rq-testkeys open -p "mật khẩu" -s "$S/stick.pub" "$T/ioc" "$R" "$T/out"
ok "result.json extracted intact" cmp "$T/result.json" "$T/out/result.json"
ok "scan.log extracted intact" cmp "$T/scan.log" "$T/out/scan.log"

fails "another stick's key refuses it" \
	rq-testkeys open -p "mật khẩu" -s "$T/other/stick.pub" "$T/ioc" "$R" "$T/out2"
ok "another IOC cannot open it" sh -c \
	"rq-testkeys open -s '$S/stick.pub' '$T/ioc2' '$R' '$T/out3' 2>&1 | grep -q 'wrong IOC key'"
size=$(stat -c %s "$R")
head -c $((size - 1)) "$R" > "$T/cut.rqr"
ok "truncated record refused as truncated" sh -c \
	"rq-testkeys open -p 'mật khẩu' -s '$S/stick.pub' '$T/ioc' '$T/cut.rqr' '$T/o4' 2>&1 |
	 grep -q truncated"
cp "$R" "$T/flip.rqr"
flip_byte "$T/flip.rqr" 300
ok "changed record refused" sh -c \
	"rq-testkeys open -p 'mật khẩu' -s '$S/stick.pub' '$T/ioc' '$T/flip.rqr' '$T/o5' 2>&1 |
	 grep -q 'bad signature'"
: > "$T/empty.rqr"
ok "empty file refused" sh -c "rq-testkeys info '$T/empty.rqr' 2>&1 | grep -q 'zero length'"
ok "no key material that opens records is on the stick" sh -c \
	"! grep -rl 'IOC secret' '$T/stick'"
done_testing
