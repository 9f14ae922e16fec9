#!/bin/sh
# Bad input gets a clear error and loses nothing else: missing paths,
# unreadable files, symlinks out of the tree and in loops, hostile names,
# deep trees, sparse and huge files, special files, broken databases.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
scan() { raquet-scan --no-progress -d "$T/db" "$@"; }

# --- a missing path: reported, the others still scanned, exit 2 ---
mkdir "$T/a" && write_eicar "$T/a/eicar.com"
exit_is "missing path among good ones" 2 scan "$T/nope" "$T/a"
ok "the missing path is named on stderr" grep -q "$T/nope: No such file or directory" "$T/last.err"
ok "the good path is still scanned" grep -q "$T/a/eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/last.out"

# --- an unreadable file (as an unprivileged user): counted, not fatal ---
mkdir -p "$T/perm/ok" "$T/pub" && chmod 755 "$T" "$T/perm" "$T/perm/ok" "$T/db" && chmod 777 "$T/pub"
chmod 644 "$T/db"/*
write_eicar "$T/perm/ok/eicar.com" && chmod 644 "$T/perm/ok/eicar.com"
write_eicar "$T/perm/secret.com" && chmod 000 "$T/perm/secret.com"
mkdir "$T/perm/closed" && chmod 000 "$T/perm/closed"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	raquet-scan --no-progress -d "$T/db" --json "$T/pub/perm.json" "$T/perm" >"$T/perm.out" 2>"$T/perm.err"
is "unreadable file: exit 2" "$?" 2
ok "unreadable file: named with the reason" grep -q "secret.com: Permission denied" "$T/perm.err"
ok "unreadable directory: named with the reason" grep -q "closed: Permission denied" "$T/perm.err"
ok "unreadable file: the readable one still found" grep -q "ok/eicar.com: .* FOUND" "$T/perm.out"
is "unreadable: two errors counted in the result" "$(jq .totals.errors "$T/pub/perm.json")" 2

# --- a symlink to a file outside the tree: never scanned, never acted on ---
mkdir "$T/out" "$T/in"
write_eicar "$T/out/outside.com"
ln -s "$T/out/outside.com" "$T/in/link.com"
ln -s ../out "$T/in/dirlink"
exit_is "symlinks out of the tree are not followed" 0 scan --action delete --quarantine-dir "$T/q" "$T/in"
ok "the outside file is untouched" test -f "$T/out/outside.com"
ok "the link is untouched" test -L "$T/in/link.com"

# --- symlink loops ---
mkdir "$T/loop" && ln -s self "$T/loop/self" && ln -s b "$T/loop/a" && ln -s a "$T/loop/b"
ln -s .. "$T/loop/up"
exit_is "symlink loops end cleanly" 0 timeout 20 raquet-scan --no-progress -d "$T/db" "$T/loop"
ln -s loop2 "$T/loop2"
exit_is "a root that is a symlink loop is an error" 2 scan "$T/loop2"
ok "  ... named with ELOOP's message" grep -q "loop2: Too many levels of symbolic links" "$T/last.err"

# --- hostile names: escaped on stdout, valid JSON ---
mkdir "$T/names"
for n in "$(printf 'new\nline.com')" "$(printf 'esc\033[2Jape.com')" "$(printf 'bad\377utf8.com')" "Đơn vị ưu tiên.com"; do
	write_eicar "$T/names/$n"
done
scan --json "$T/names.json" "$T/names" > "$T/names.out" 2>&1
ok "newline escaped on stdout" grep -qF 'new\x0aline.com: Raquet.Test.Eicar.UNOFFICIAL FOUND' "$T/names.out"
ok "terminal escape escaped" grep -qF 'esc\x1b[2Jape.com: ' "$T/names.out"
ok "invalid UTF-8 escaped" grep -qF 'bad\xffutf8.com: ' "$T/names.out"
ok "Vietnamese kept as is" grep -qF 'Đơn vị ưu tiên.com: ' "$T/names.out"
ok "no raw control bytes on stdout" sh -c "! LC_ALL=C grep -q \"\$(printf '\\033')\" '$T/names.out'"
ok "result document is valid JSON" jq -e '.detections | length == 4' "$T/names.json"
ok "escaped paths are flagged" jq -e '[.detections[] | select(.path_escaped)] | length == 3' "$T/names.json"

# --- a 10,000-level deep tree ---
mkdir "$T/deep" && (cd "$T/deep" && EICAR=$EICAR perl -e '
	for (1 .. 10000) { mkdir "d" or die "mkdir: $!"; chdir "d" or die "chdir: $!" }
	open(my $f, ">", "bottom.com") or die; print $f $ENV{EICAR};')
exit_is "10,000 levels deep: found at the bottom" 1 scan -j2 --json "$T/deep.json" "$T/deep"
ok "  ... the detection is printed" grep -q "/d/d/bottom.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/last.out"
is "  ... 10,001 directories entered, no errors" "$(jq '.totals.errors' "$T/deep.json")" 0
exit_is "10,000 levels deep: delete works at the bottom" 1 scan --action delete "$T/deep"
ok "  ... Removed. printed" grep -q "bottom.com: Removed.$" "$T/last.out"
rm -rf "$T/deep"

# --- sparse and >2 GiB files: same verdict as clamscan, no error ---
mkdir "$T/big"
truncate -s 3G "$T/big/sparse.bin"
write_eicar "$T/big/head.com"
dd if="$T/big/head.com" of="$T/big/sparse.bin" conv=notrunc status=none
truncate -s 2200M "$T/big/sparse2.bin"
clamscan -r --no-summary -d "$T/db" "$T/big" 2>/dev/null | grep ' FOUND$' | sort > "$T/big.clam"
scan --no-summary --json "$T/big.json" "$T/big" 2>"$T/big.err" | grep ' FOUND$' | sort > "$T/big.rq"
ok "huge sparse files: same verdicts as clamscan" diff -u "$T/big.clam" "$T/big.rq"
is "huge sparse files: no errors" "$(jq .totals.errors "$T/big.json")" 0
is "huge sparse files: sizes counted in full" "$(jq '.totals.bytes > 5000000000' "$T/big.json")" true

# --- FIFOs, sockets and device nodes are skipped without blocking ---
mkdir "$T/special" && mkfifo "$T/special/fifo" && mknod "$T/special/null" c 1 3
perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 1) or die' "$T/special/sock"
write_eicar "$T/special/eicar.com"
exit_is "special files do not block the scan" 1 timeout 20 raquet-scan --no-progress -d "$T/db" --json "$T/sp.json" "$T/special"
is "  ... three skipped" "$(jq '.volumes[0].skipped' "$T/sp.json")" 3

# --- broken signature databases: exit 2, the file named ---
mkdir "$T/baddb" && echo 'this is : not a : valid line with too:many:fields:x:y:z' > "$T/baddb/broken.hdb"
exit_is "corrupt database" 2 raquet-scan --no-progress -d "$T/baddb/broken.hdb" "$T/a"
ok "  ... names the file" grep -q "broken.hdb" "$T/last.err"
: > "$T/empty.ndb"
exit_is "empty database" 2 raquet-scan --no-progress -d "$T/empty.ndb" "$T/a"
ok "  ... names the file" grep -q "signature database $T/empty.ndb is empty" "$T/last.err"
exit_is "missing database" 2 raquet-scan --no-progress -d "$T/none.hdb" "$T/a"
ok "  ... names the file" grep -q "none.hdb: No such file" "$T/last.err"
mkdir "$T/emptydir"
exit_is "database directory with nothing in it" 2 raquet-scan --no-progress -d "$T/emptydir" "$T/a"

# --- bad options ---
exit_is "unknown action" 2 scan --action burn "$T/a"
ok "  ... says what is accepted" grep -q "report, quarantine or delete" "$T/last.err"
exit_is "bad size" 2 scan --max-filesize lots "$T/a"
exit_is "bad jobs" 2 scan -j 0 "$T/a"
exit_is "no path" 2 scan

done_testing
