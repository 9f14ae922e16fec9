#!/bin/sh
# Records on the stick's real file systems (FAT32 through fusefat, exFAT
# through exfat-fuse, as this kernel needs): sequence numbers stay unique
# and gapless with concurrent writers and after a crashed writer's
# leftovers, and every record verifies and opens.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "not ok 1 - needs root and /dev/fuse"; echo "1..1"; exit 1
fi
rq-testkeys ioc "$T/ioc" >/dev/null || exit 1
printf '{"schema":"raquet.result/1"}\n' > "$T/result.json"

for fs in vfat exfat; do
	img=$T/$fs.img M=$T/mnt-$fs
	truncate -s 64M "$img" && mkdir -p "$M"
	if [ $fs = vfat ]; then
		mkfs.vfat -F 32 "$img" >/dev/null && fusefat -o rw+ "$img" "$M" >/dev/null 2>&1
	else
		# exfat-fuse run by root wants a block device.
		mkfs.exfat "$img" >/dev/null && loop=$(losetup -f --show "$img") &&
			at_exit "losetup -d $loop" &&
			mount.exfat-fuse "$loop" "$M" >/dev/null 2>&1
	fi
	ok "$fs: mounted" mountpoint -q "$M"
	mountpoint -q "$M" || continue
	at_exit "fusermount -u '$M' 2>/dev/null"
	S=$M/RAQUET
	ok "$fs: stick keys" rq-testkeys stick "$S"
	cp "$T/ioc/ioc.pub" "$S/"
	id=$(head -1 "$S/stick.pub" | sed 's/.* //')
	is "$fs: first record" "$(rq-testkeys seal "$S" "$S/results" "$T/result.json")" "$id-1.rqr"
	# A writer that died after creating its temporary file.
	printf 'torn' > "$S/results/.$id-2.rqr.tmp4242.0"
	is "$fs: leftover ignored, next is 2" \
		"$(rq-testkeys seal "$S" "$S/results" "$T/result.json")" "$id-2.rqr"
	ok "$fs: leftover removed" test ! -e "$S/results/.$id-2.rqr.tmp4242.0"
	# The concurrent writers read their keys from a local copy: fusefat
	# sometimes returns zeros to concurrent readers of one file, which is
	# not what this test is about.
	K=$T/keys-$fs
	mkdir -p "$K" && cp "$S/stick.key" "$S/ioc.pub" "$K/"
	for k in 1 2 3 4; do
		(for i in 1 2 3 4 5; do
			rq-testkeys seal "$K" "$S/results" "$T/result.json" || echo FAIL
		done > "$T/$fs-w$k.out" 2>&1) &
	done
	wait
	ok "$fs: 4 concurrent writers succeeded" sh -c "! cat '$T'/$fs-w*.out | grep -q FAIL"
	seqs=$(ls "$S/results" | sed -n "s/^$id-\([0-9]*\)\.rqr$/\1/p" | sort -n | tr '\n' ' ')
	is "$fs: numbers 1..22, each once" "$seqs" "$(seq 1 22 | tr '\n' ' ')"
	bad=0
	for r in "$S/results/$id-"*.rqr; do
		rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$r" "$T/o" 2>>"$T/open.err" || bad=$((bad + 1))
	done
	is "$fs: every record verifies and opens" "$bad" 0
	rm -f "$S/results/$id-"*.rqr
	is "$fs: deleted records' numbers are not reused" \
		"$(rq-testkeys seal "$S" "$S/results" "$T/result.json")" "$id-23.rqr"
	ok "$fs: the record verifies and opens" rq-testkeys open -s "$S/stick.pub" "$T/ioc" \
		"$S/results/$id-23.rqr" "$T/out-$fs"
	ok "$fs: content intact" cmp "$T/result.json" "$T/out-$fs/result.json"
	fusermount -u "$M" && sleep 0.2
done
done_testing
