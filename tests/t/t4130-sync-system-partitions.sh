#!/bin/sh
# The IOC stamps its key into a released image (raquet-sync image) and keeps
# the digest list of what it issued; at import and update it checks the
# stick's system partitions (MBR boot code, BIOS boot partition, every file
# of the RAQUETBOOT ESP) against it and reports a modified one, which
# `update --image` rewrites. The stamped key is what the pin reads. Real
# image files: a small fake "released image" (sfdisk, mkfs.fat, mcopy) with
# the real layout, the stick on a loop device with its data partition
# mounted through fusefat (docs/stick-layout.md, docs/office-guide.md).
. "$(dirname "$0")/../lib.sh"
export MTOOLS_SKIP_CHECK=1

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (loop devices, FUSE mounts)"; exit 0; }
[ -e /dev/fuse ] && command -v fusefat >/dev/null ||
	{ echo "Bail out! needs /dev/fuse and fusefat (make deps)"; exit 1; }

# released IMG SEED: a raquet-like image (the layout of image/build.sh):
# 1 RAQUET data (FAT32), 2 RAQUETBOOT ESP with shim, GRUB, kernel, initrd
# and two squashfs layers (random bytes from SEED), 3 BIOS boot; MBR code.
released() {
	_d=$T/rel-$2 && mkdir -p "$_d/f" &&
	for f in BOOTX64.EFI grubx64.efi grub.cfg vmlinuz initrd.img filesystem.squashfs raquet.squashfs; do
		openssl enc -aes-128-ctr -pass "pass:$2$f" -nosalt -pbkdf2 < /dev/zero 2>/dev/null | head -c 20000 > "$_d/f/$f" || return 1
	done
	printf 'filesystem.squashfs\nraquet.squashfs\n' > "$_d/f/filesystem.module" &&
	mkfs.fat -F 32 -n RAQUETBOOT -C "$_d/esp" 34816 >/dev/null 2>&1 &&
	mmd -i "$_d/esp" ::/EFI ::/EFI/BOOT ::/boot ::/boot/grub ::/live &&
	mcopy -i "$_d/esp" "$_d/f/BOOTX64.EFI" "$_d/f/grubx64.efi" ::/EFI/BOOT/ &&
	mcopy -i "$_d/esp" "$_d/f/grub.cfg" ::/boot/grub/ &&
	mcopy -i "$_d/esp" "$_d/f/vmlinuz" "$_d/f/initrd.img" "$_d/f/filesystem.squashfs" \
		"$_d/f/raquet.squashfs" "$_d/f/filesystem.module" ::/live/ &&
	# No FAT label on the data partition: fusefat shows a volume label
	# entry as a file, which would hide RAQUET/ (the kernel's vfat, at a
	# real IOC and in the live system, does not).
	mkfs.fat -F 32 -C "$_d/data" 34816 >/dev/null 2>&1 && mmd -i "$_d/data" ::/RAQUET &&
	truncate -s 72M "$1" &&
	sfdisk --quiet "$1" >/dev/null <<-PT &&
	label: gpt
	unit: sectors
	first-lba: 2048
	1 : start=75776, size=69632, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="RAQUET"
	2 : start=4096, size=69632, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="RAQUETBOOT"
	3 : start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="BIOS boot"
	PT
	dd if="$_d/esp" of="$1" bs=512 seek=4096 conv=notrunc status=none &&
	dd if="$_d/data" of="$1" bs=512 seek=75776 conv=notrunc status=none &&
	openssl enc -aes-128-ctr -pass "pass:$2bios" -nosalt -pbkdf2 < /dev/zero 2>/dev/null | head -c 1048576 |
		dd of="$1" bs=512 seek=2048 conv=notrunc status=none &&
	head -c 440 "$_d/f/grubx64.efi" | dd of="$1" bs=1 conv=notrunc status=none
}
part_start() { sfdisk -J "$1" | jq ".partitiontable.partitions[$(($2 - 1))].start * 512"; }

I=$T/ioc
sync_ioc "$I" && make_sigs "$T/sigs" && released "$T/release-1.img" one && released "$T/release-2.img" two || exit 1
sha_rel=$(sha256sum < "$T/release-1.img")

# --- raquet-sync image ---------------------------------------------------------
exit_is "image: stamps the IOC's key into a released image" 0 \
	raquet-sync --ioc "$I" image --from "$T/release-1.img" --out "$T/stick-1.img"
key1=$(sed -n 's/.*recorded as image \([0-9a-f]\{16\}\)$/\1/p' "$T/last.out")
ok "  ... says which IOC it pins and which list it recorded" \
	grep -q "pins IOC $(key_id "$I/ioc.pub"); 9 files on its system partition, recorded as image $key1" "$T/last.out"
esp=$(part_start "$T/stick-1.img" 2)
ok "  ... RAQUETBOOT/live/ioc.pub is the IOC's public key" sh -c \
	"mcopy -i '$T/stick-1.img@@$esp' ::/live/ioc.pub '$T/stamped.pub' && cmp '$T/stamped.pub' '$I/ioc.pub'"
is "  ... the released image is left as it was" "$(sha256sum < "$T/release-1.img")" "$sha_rel"
ok "  ... the IOC keeps the issued image and its digest list" sh -c \
	"test -f '$I/image/issued.img' && cmp '$I/image/issued.list' '$I/image/$key1.list' && cmp '$I/image/issued.img' '$T/stick-1.img'"
is "  ... lists readable by all, not writable" "$(stat -c %a "$I/image/issued.list" "$I/image/issued.img" | sort -u)" 644
ok "  ... the list names the MBR code, the BIOS boot partition, the pin, the squashfs layers" sh -c \
	"head -1 '$I/image/issued.list' | grep -qx raquet.sysimage/1 && grep -q ' mbr\$' '$I/image/issued.list' && grep -q ' bios-boot\$' '$I/image/issued.list' && grep -q ' esp:/live/ioc.pub\$' '$I/image/issued.list' && grep -q ' esp:/live/raquet.squashfs\$' '$I/image/issued.list' && grep -q ' esp:/EFI/BOOT/BOOTX64.EFI\$' '$I/image/issued.list'"
is "  ... the digest of the pin in the list is the key's" \
	"$(awk '$3 == "esp:/live/ioc.pub" {print $1}' "$I/image/issued.list")" "$(sha256sum < "$I/ioc.pub" | cut -d' ' -f1)"

exit_is "image: a file that is not a raquet image is refused" 2 \
	raquet-sync --ioc "$I" image --from "$T/sigs/test.hdb" --out "$T/x.img"
ok "  ... saying why" grep -q "no RAQUETBOOT partition\|no partition table" "$T/last.err"
ok "  ... and leaves no output" sh -c "! test -e '$T/x.img' && ! test -e '$T/x.img.tmp' && ! test -e '$I/image/issued.img.tmp'"
exit_is "image: --from a missing file" 2 raquet-sync --ioc "$I" image --from "$T/nope.img" --out "$T/x.img"
exit_is "image: --out is required" 2 raquet-sync --ioc "$I" image --from "$T/release-1.img"
ln -s "$T/release-1.img" "$T/link.img"
exit_is "image: --out a symlink or device is refused" 2 raquet-sync --ioc "$I" image --from "$T/release-1.img" --out "$T/link.img"
ok "  ... saying to use dd" grep -q "is not a regular file: write the image to a stick with dd" "$T/last.err"
is "  ... and what it pointed to is untouched" "$(sha256sum < "$T/release-1.img")" "$sha_rel"
mkdir -p "$T/ioc2" && sync_ioc "$T/ioc2"
exit_is "image: without --from, an IOC that issued nothing yet says what to give" 2 \
	raquet-sync --ioc "$T/ioc2" image --out "$T/x.img"
ok "  ... saying so" grep -q "no image issued yet: give the released image with --from FILE" "$T/last.err"

# --- the stamped key is what the pin reads ---------------------------------------
# The live system reads the pin from the ESP live-boot mounted
# (/run/live/medium/live/ioc.pub, boot/raquet-live): here the stamped
# image's ESP through fusefat, read-only.
cp --sparse=always "$T/stick-1.img" "$T/medium.img"
mkdir -p "$T/medium" "$T/pin-stick" "$T/other-stick" "$T/pc" && write_eicar "$T/pc/e.com"
lm=$(losetup -f --show -P "$T/medium.img") && at_exit "partx -d $lm 2>/dev/null; losetup -d $lm" &&
	partx -a "$lm" 2>/dev/null; fusefat -o ro "${lm}p2" "$T/medium" >/dev/null 2>&1 &&
	at_exit "fusermount -u '$T/medium' 2>/dev/null"
ok "the stamped ESP mounts as the live system sees it" test -f "$T/medium/live/ioc.pub"
sync_stick "$I" "$T/pin-stick" 000.00.12.H57 && mkdir -p "$T/evil" && make_ioc "$T/evil" && make_stick "$T/evil" "$T/other-stick"
RAQUET_PINNED_IOC=$T/medium/live/ioc.pub exit_is "pinned by the stamped key: this IOC's stick scans" 1 \
	raquet-scan --no-progress --no-summary --stick "$T/pin-stick" --unit 000.00.12.H57 "$T/pc"
RAQUET_PINNED_IOC=$T/medium/live/ioc.pub exit_is "  ... another IOC's stick is refused" 2 \
	raquet-scan --no-progress --no-summary --stick "$T/other-stick" --unit 000.00.12.H57 "$T/pc"
ok "  ... as another IOC's" grep -q "the stick belongs to IOC $(key_id "$T/evil/ioc.pub"), not to IOC $(key_id "$I/ioc.pub")" "$T/last.err"

# --- a stick made from the stamped image ---------------------------------------
cp --sparse=always "$T/stick-1.img" "$T/stick.img"
L=$(losetup -f --show -P "$T/stick.img") && at_exit "partx -d $L 2>/dev/null; losetup -d $L" &&
	partx -a "$L" 2>/dev/null
M=$T/m && mkdir -p "$M" && fusefat -o rw+ "${L}p1" "$M" >/dev/null 2>&1 &&
	at_exit "fusermount -u '$M' 2>/dev/null"
ok "the stick's data partition is mounted through fusefat" mountpoint -q "$M"
exit_is "provision the stick" 0 raquet-sync --ioc "$I" provision "$M" --unit 000.00.12.H57 --database "$T/sigs"
exit_is "import: an untouched stick" 0 raquet-sync --ioc "$I" import "$M"
ok "  ... its system partitions are as issued" grep -qx "system partitions on $L: as issued (image $key1)" "$T/last.out"
exit_is "update: the same" 0 raquet-sync --ioc "$I" update "$M" --database "$T/sigs"
ok "  ... as issued" grep -qx "system partitions on $L: as issued (image $key1)" "$T/last.out"

# modified IMPORT-WANT WHAT: import reports the modification and exits 1.
modified() {
	exit_is "import: $1 is reported" 1 raquet-sync --ioc "$I" import "$M"
	ok "  ... naming it: $2" grep -qxF "system partition: $2" "$T/last.out"
	ok "  ... as MODIFIED" grep -qx "system partitions on $L: MODIFIED" "$T/last.out"
	ok "  ... telling the operator what to do" grep -q "differ from every image this IOC issued: do not boot a PC from it; raquet-sync update STICK --image rewrites them" "$T/last.err"
}
echo "evil layer" > "$T/evil.squashfs"
mcopy -o -i "${L}p2" "$T/evil.squashfs" ::/live/raquet.squashfs 2>/dev/null
modified "a replaced squashfs layer" "changed esp:/live/raquet.squashfs"
ok "  ... the records are still imported (evidence)" grep -q "^stick .*: 0 imported, 0 already imported, 0 rejected" "$T/last.out"

exit_is "update --image rewrites the system partitions" 0 raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image
ok "  ... and checks them again" grep -qx "system partitions on $L: as issued (image $key1), rewritten" "$T/last.out"
exit_is "  ... import finds them as issued" 0 raquet-sync --ioc "$I" import "$M"
ok "  ... says so" grep -qx "system partitions on $L: as issued (image $key1)" "$T/last.out"
ok "  ... the data partition kept its stick" test -f "$M/RAQUET/stick.json"

cp "$T/evil/ioc.pub" "$T/evil.pub" && mcopy -o -i "${L}p2" "$T/evil.pub" ::/live/ioc.pub 2>/dev/null
modified "another IOC's key pinned on the stick" "changed esp:/live/ioc.pub"
raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image >/dev/null 2>&1
mcopy -i "${L}p2" "$T/evil.squashfs" ::/EFI/BOOT/fbx64.efi 2>/dev/null
modified "an added EFI program" "added esp:/EFI/BOOT/fbx64.efi"
exit_is "  ... update --image also removes it" 0 raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image
ok "  ... gone" sh -c "! mdir -i '${L}p2' ::/EFI/BOOT/fbx64.efi >/dev/null 2>&1"
mcopy -i "${L}p2" "$T/evil.squashfs" "::/EFI/BOOT/x$(printf '\302\233')2Jy.efi" 2>/dev/null
modified "a file with a terminal control (U+009B, CSI) in its name" 'added esp:/EFI/BOOT/x\xc2\x9b2Jy.efi'
ok "  ... printed escaped: no raw C1 control reaches the terminal" sh -c "! grep -q \"\$(printf '\302\233')\" '$T/last.out'"
raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image >/dev/null 2>&1
mdel -i "${L}p2" ::/boot/grub/grub.cfg 2>/dev/null
modified "a deleted grub.cfg" "missing esp:/boot/grub/grub.cfg"
raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image >/dev/null 2>&1
printf 'X' | dd of="$L" bs=1 seek=100 conv=notrunc status=none
modified "changed boot code in the MBR" "changed mbr"
raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image >/dev/null 2>&1
printf 'X' | dd of="${L}p3" bs=1 seek=5000 conv=notrunc status=none
modified "a changed BIOS boot partition (GRUB's core.img)" "changed bios-boot"
raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image >/dev/null 2>&1
exit_is "  ... rewritten, as issued again" 0 raquet-sync --ioc "$I" import "$M"

dd if=/dev/zero of="${L}p2" bs=512 count=1 conv=notrunc status=none
exit_is "import: an ESP whose FAT cannot be read is an error" 2 raquet-sync --ioc "$I" import "$M"
ok "  ... said as such" grep -q "cannot check the stick's system partitions: mdir (listing the system partition) failed" "$T/last.err"
ok "  ... the records are imported all the same" grep -q "^stick .*: 0 imported, 0 already imported, 0 rejected" "$T/last.out"
exit_is "  ... update --image rewrites it" 0 raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image
ok "  ... as issued" grep -qx "system partitions on $L: as issued (image $key1), rewritten" "$T/last.out"

# A later release: sticks of the earlier one stay "as issued".
exit_is "image: a second release" 0 raquet-sync --ioc "$I" image --from "$T/release-2.img" --out "$T/stick-2.img"
key2=$(sed -n 's/.*recorded as image \([0-9a-f]\{16\}\)$/\1/p' "$T/last.out")
ok "  ... another list" sh -c "test -n '$key2' && test '$key2' != '$key1' && test -f '$I/image/$key1.list' && test -f '$I/image/$key2.list'"
exit_is "  ... a stick of the first release is as issued still" 0 raquet-sync --ioc "$I" import "$M"
ok "  ... naming the first image" grep -qx "system partitions on $L: as issued (image $key1)" "$T/last.out"
exit_is "  ... update --image brings it to the current release" 0 raquet-sync --ioc "$I" update "$M" --database "$T/sigs" --image
ok "  ... now the second image" grep -qx "system partitions on $L: as issued (image $key2), rewritten" "$T/last.out"
exit_is "image: without --from, the last issued image again" 0 raquet-sync --ioc "$I" image --out "$T/stick-2b.img"
ok "  ... the same list" grep -q "recorded as image $key2\$" "$T/last.out"

# Folders and other disks.
exit_is "update --image on a folder stick is refused" 2 raquet-sync --ioc "$I" update "$T/pin-stick" --database "$T/sigs" --image
ok "  ... saying it needs the stick itself" grep -q "is not the mounted data partition of a stick: --image needs the stick itself" "$T/last.err"
exit_is "import of a folder stick: nothing to check, nothing said" 0 raquet-sync --ioc "$I" import "$T/pin-stick"
ok "  ... no system partition line" sh -c "! grep -q 'system partition' '$T/last.out'"
mv "$I/image" "$I/image.away"
exit_is "import on an IOC that issued no image: the records are imported" 0 raquet-sync --ioc "$I" import "$M"
ok "  ... and the operator told nothing was checked" grep -qx "system partitions on $L: not checked: this IOC has issued no image yet (raquet-sync image)" "$T/last.out"
mv "$I/image.away" "$I/image"
done_testing
