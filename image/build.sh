#!/bin/sh
# image/build.sh: builds the bootable USB image (DESIGN §4 "The image").
#
#   image/build.sh OUT.img STAGING CACHE
#
# STAGING is raquet installed with `make install DESTDIR=STAGING` (the PREFIX
# it was built with: the launcher finds its catalogues there);
# CACHE keeps the slow parts between runs (build/image-cache/):
#   base-KEY/      the Debian root as a squashfs, its kernel and initrd, made
#                  by mmdebstrap; KEY hashes packages.list and rootfs-hook.sh
#   raquet-KEY.squashfs  raquet and boot/ as a second squashfs layer that
#                  live-boot stacks on the first; KEY hashes their bytes
# so a rebuild with nothing changed only reassembles the disk (seconds), and
# a changed raquet only remakes the small layer.
#
# The disk (GPT, also bootable on legacy BIOS through the protective MBR):
#   1  RAQUET      FAT32 data partition (docs/stick-layout.md), first in the
#                  table so Windows versions that show one partition of a
#                  removable disk show this one; physically last so it can grow
#   2  RAQUETBOOT  EFI system partition, FAT32: shim, GRUB, kernel, initrd,
#                  live/*.squashfs, GRUB's i386-pc modules, and
#                  live/ioc.pub, the IOC key the live system pins
#                  ($IMAGE_IOC_PUB; without it an unstamped release that
#                  refuses every stick until an IOC runs raquet-sync image)
#   3  BIOS boot   GRUB's core.img for legacy BIOS
# No loop device: sfdisk and mkfs.fat write into files, mtools fills them.
set -eu
[ $# = 3 ] || { echo "usage: image/build.sh OUT.img STAGING CACHE" >&2; exit 2; }
OUT=$1 STAGING=$2 CACHE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
: "${IMAGE_DATA_MIB:=128}"           # the data partition (grow it on the stick)
: "${IMAGE_SUITE:=bookworm}"
: "${IMAGE_MIRROR:=http://deb.debian.org/debian}"
: "${IMAGE_SECURITY:=http://deb.debian.org/debian-security}"
: "${SQUASHFS_COMP:=-comp zstd -Xcompression-level 6}"  # quick to make and to read under TCG
: "${IMAGE_IOC_PUB:=}"               # the IOC public key to pin (make image IOC_PUB=FILE)
SHIM=/usr/lib/shim/shimx64.efi.signed
MOKMANAGER=/usr/lib/shim/mmx64.efi.signed
GRUB_EFI=/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
GRUB_PC=/usr/lib/grub/i386-pc
FONT=/usr/share/grub/unicode.pf2

say() { printf '  %-6s %s\n' "$1" "$2"; }
die() { echo "image/build.sh: $*" >&2; exit 1; }
for f in "$SHIM" "$MOKMANAGER" "$GRUB_EFI" "$GRUB_PC/boot.img" "$FONT"; do
	[ -f "$f" ] || die "$f missing (make deps installs shim-signed, grub-efi-amd64-signed, grub-pc-bin)"
done
for c in mmdebstrap mksquashfs sfdisk mkfs.fat mcopy grub-mkimage; do
	command -v "$c" >/dev/null || die "$c missing (make deps)"
done
[ -n "$(find "$STAGING" -name raquet-scan -type f 2>/dev/null)" ] ||
	die "no raquet-scan in $STAGING (make install DESTDIR=$STAGING)"
mkdir -p "$CACHE"
# An IOC public key file as keys_ioc_write_public writes it: a comment line,
# then base64 of tag (2) + id (8) + Ed25519 key (32) + X25519 key (32).
if [ -s "$IMAGE_IOC_PUB" ]; then
	head -1 "$IMAGE_IOC_PUB" | grep -q '^untrusted comment: ' &&
		[ "$(sed -n 2p "$IMAGE_IOC_PUB" | base64 -d 2>/dev/null | wc -c)" = 74 ] ||
		die "the key to pin ($IMAGE_IOC_PUB, from IOC_PUB) is not an IOC public key (ioc.pub)"
fi

# poke FILE OFFSET VALUE COUNT: VALUE as COUNT little-endian bytes at OFFSET.
poke() {
	_v=$3 _i=0 _b=''
	while [ $_i -lt "$4" ]; do
		_b="$_b$(printf '\\%03o' $((_v & 255)))"
		_v=$((_v >> 8)) _i=$((_i + 1))
	done
	# shellcheck disable=SC2059 # the bytes are the format
	printf "$_b" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# bios_setup DISK CORE LBA: what grub-bios-setup does for a GPT disk with a
# BIOS boot partition at LBA: boot.img's code (not the partition table) in
# the MBR, told where core.img starts (0x5c) and to trust the BIOS's drive
# number (0x66: the jump over the check becomes two NOPs); core.img at LBA,
# its first sector's block list (0x1f4) naming the sectors that follow.
bios_setup() {
	_sectors=$(( ($(stat -c %s "$2") + 511) / 512 ))
	[ "$_sectors" -le 2048 ] || die "core.img is $_sectors sectors, the BIOS boot partition 2048"
	dd if="$GRUB_PC/boot.img" of="$1" bs=440 count=1 conv=notrunc status=none
	poke "$1" $((0x5c)) "$3" 8
	poke "$1" $((0x66)) $((0x9090)) 2
	dd if="$2" of="$1" bs=512 seek="$3" conv=notrunc status=none
	poke "$1" $(($3 * 512 + 0x1f4)) $(($3 + 1)) 8
	poke "$1" $(($3 * 512 + 0x1fc)) $((_sectors - 1)) 2
}

# Removes a directory of the cache. An mmdebstrap that was killed (a ^C, a
# CI run stopped) leaves its /proc, /sys, /dev/pts and /dev/shm mounted in
# the root it was building; a plain rm -rf would go through them into the
# host's /dev/shm. They are unmounted first, deepest first, and rm does not
# cross into another file system in any case.
remove_tree() {
	[ -e "$1" ] || return 0
	_d=$(realpath "$1")
	awk -v d="$_d/" 'index($2 "/", d) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r _m; do
			umount -l "$_m" || die "cannot unmount $_m (left by an interrupted build)"
		done
	rm -rf --one-file-system "$_d"
}

# --- 1. the Debian root (slow: minutes; cached) -----------------------------
base_key=$( (cat "$HERE/packages.list" "$HERE/rootfs-hook.sh"; echo "$IMAGE_SUITE $SQUASHFS_COMP") |
	sha256sum | cut -c1-16)
BASE=$CACHE/base-$base_key
if [ ! -f "$BASE/done" ]; then
	say DEBOOT "$BASE (mmdebstrap $IMAGE_SUITE, Debian archive only)"
	for old in "$BASE" "$CACHE"/base-*.tmp; do remove_tree "$old"; done
	root=$BASE.tmp/root
	mkdir -p "$BASE.tmp"
	pkgs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HERE/packages.list" | paste -sd, -)
	mmdebstrap --variant=essential --mode=root --format=directory \
		--include="$pkgs" \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--essential-hook="sh '$HERE/rootfs-hook.sh' essential \"\$1\"" \
		--customize-hook="sh '$HERE/rootfs-hook.sh' customize \"\$1\"" \
		"$IMAGE_SUITE" "$root" \
		"deb $IMAGE_MIRROR $IMAGE_SUITE main" \
		"deb $IMAGE_MIRROR $IMAGE_SUITE-updates main" \
		"deb $IMAGE_SECURITY $IMAGE_SUITE-security main" ||
		die "mmdebstrap failed"
	cp "$root"/boot/vmlinuz-* "$BASE.tmp/vmlinuz"
	cp "$root"/boot/initrd.img-* "$BASE.tmp/initrd.img"
	rm -f "$root"/boot/initrd.img-* "$root"/boot/System.map-*
	say SQFS "$BASE/filesystem.squashfs"
	# shellcheck disable=SC2086 # options on purpose
	mksquashfs "$root" "$BASE.tmp/filesystem.squashfs" -noappend -quiet -no-progress \
		$SQUASHFS_COMP -no-xattrs -wildcards -e "boot/vmlinuz-*" >/dev/null
	rm -rf "$root"
	touch "$BASE.tmp/done"
	mv "$BASE.tmp" "$BASE"
	# keep only this base: an old one is hundreds of MiB
	for old in "$CACHE"/base-*; do [ "$old" = "$BASE" ] || remove_tree "$old"; done
fi

# --- 2. raquet and boot/ as a layer (seconds; cached) -----------------------
layer=$(mktemp -d "${TMPDIR:-/tmp}/raquet-layer.XXXXXX")
trap 'rm -rf "$layer" "$OUT.tmp" "$OUT.esp" "$OUT.data" "$OUT.core"' EXIT
cp -a "$STAGING"/. "$layer"/
install -d "$layer/usr/lib/raquet" "$layer/etc/systemd/system/multi-user.target.wants"
install -m 755 "$TOP/boot/raquet-live" "$TOP/boot/raquet-init" "$layer/usr/lib/raquet/"
install -m 644 "$TOP/boot/raquet-live-fallback" "$layer/usr/lib/raquet/"
for u in raquet-live.service raquet-live-serial.service; do
	install -m 644 "$TOP/boot/$u" "$layer/etc/systemd/system/"
	ln -sf "../$u" "$layer/etc/systemd/system/multi-user.target.wants/$u"
done
layer_key=$(cd "$layer" && find . -print0 | LC_ALL=C sort -z |
	xargs -0 sh -c 'for f; do echo "$f"; [ -f "$f" ] && ! [ -L "$f" ] && cat "$f"; [ -L "$f" ] && readlink "$f"; done; true' sh |
	sha256sum | cut -c1-16)
LAYER=$CACHE/raquet-$layer_key.squashfs
if [ ! -f "$LAYER" ]; then
	say SQFS "$LAYER"
	rm -f "$CACHE"/raquet-*.squashfs
	mksquashfs "$layer" "$LAYER.tmp" -noappend -quiet -no-progress -all-root >/dev/null
	mv "$LAYER.tmp" "$LAYER"
fi

# --- 3. the EFI system partition (RAQUETBOOT) -------------------------------
MiB=1048576
size_of() { stat -c %s "$@" | awk '{s += $1} END {print s}'; }
payload=$(size_of "$BASE/filesystem.squashfs" "$LAYER" "$BASE/vmlinuz" "$BASE/initrd.img")
esp_mib=$(( (payload / MiB) * 105 / 100 + 24 ))
[ $esp_mib -ge 40 ] || esp_mib=40                   # FAT32's smallest with 512 B clusters
say FAT "RAQUETBOOT ($esp_mib MiB)"
rm -f "$OUT.esp"
mkfs.fat -F 32 -n RAQUETBOOT -i 5251424f -C "$OUT.esp" $((esp_mib * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
m="$OUT.esp"
mmd -i "$m" ::/EFI ::/EFI/BOOT ::/EFI/debian ::/boot ::/boot/grub ::/boot/grub/i386-pc ::/live
# Removable-media path: shim as BOOTX64.EFI loads grubx64.efi beside it (no
# fbx64.efi: the fallback would try to write boot entries into NVRAM).
mcopy -i "$m" "$SHIM" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$m" "$GRUB_EFI" ::/EFI/BOOT/grubx64.efi
mcopy -i "$m" "$MOKMANAGER" ::/EFI/BOOT/mmx64.efi
for d in EFI/BOOT EFI/debian boot/grub; do mcopy -i "$m" "$HERE/grub.cfg" "::/$d/grub.cfg"; done
mcopy -i "$m" "$FONT" ::/boot/grub/unicode.pf2
mcopy -i "$m" "$GRUB_PC"/*.mod "$GRUB_PC"/*.lst ::/boot/grub/i386-pc/
mcopy -i "$m" "$BASE/vmlinuz" ::/live/vmlinuz
mcopy -i "$m" "$BASE/initrd.img" ::/live/initrd.img
mcopy -i "$m" "$BASE/filesystem.squashfs" ::/live/filesystem.squashfs
mcopy -i "$m" "$LAYER" ::/live/raquet.squashfs
printf 'filesystem.squashfs\nraquet.squashfs\n' > "$layer/filesystem.module"
mcopy -i "$m" "$layer/filesystem.module" ::/live/filesystem.module
if [ -s "$IMAGE_IOC_PUB" ]; then
	say PIN "IOC $(head -1 "$IMAGE_IOC_PUB" | sed 's/.* //')"
	mcopy -i "$m" "$IMAGE_IOC_PUB" ::/live/ioc.pub
else
	say PIN "none: an unstamped release (raquet-sync image stamps an IOC's key)"
fi

# --- 4. the data partition (RAQUET) ----------------------------------------
say FAT "RAQUET ($IMAGE_DATA_MIB MiB)"
rm -f "$OUT.data"
mkfs.fat -F 32 -n RAQUET -C "$OUT.data" $((IMAGE_DATA_MIB * 1024)) >/dev/null
mmd -i "$OUT.data" ::/RAQUET

# --- 5. the disk --------------------------------------------------------------
bios_start=1 esp_start=2
data_start=$((esp_start + esp_mib))
total=$((data_start + IMAGE_DATA_MIB + 1))
say DISK "$OUT ($total MiB)"
rm -f "$OUT.tmp"
truncate -s $((total * MiB)) "$OUT.tmp"
sfdisk --quiet --no-reread --no-tell-kernel "$OUT.tmp" >/dev/null <<EOF
label: gpt
unit: sectors
first-lba: 2048
1 : start=$((data_start * 2048)), size=$((IMAGE_DATA_MIB * 2048)), type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="RAQUET"
2 : start=$((esp_start * 2048)), size=$((esp_mib * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="RAQUETBOOT"
3 : start=$((bios_start * 2048)), size=2048, type=21686148-6449-6E6F-744E-656564454649, name="BIOS boot"
EOF
dd if="$OUT.esp" of="$OUT.tmp" bs=1M seek=$esp_start conv=notrunc,sparse status=none
dd if="$OUT.data" of="$OUT.tmp" bs=1M seek=$data_start conv=notrunc,sparse status=none

# Legacy BIOS: boot.img in the MBR, core.img in the BIOS boot partition,
# patched as grub-bios-setup would, without a loop device.
grub-mkimage -O i386-pc -o "$OUT.core" -p /boot/grub -c "$HERE/grub-early.cfg" \
	biosdisk part_gpt fat search search_label normal configfile echo test linux \
	all_video gfxterm font serial terminal halt
bios_setup "$OUT.tmp" "$OUT.core" $((bios_start * 2048))
mv "$OUT.tmp" "$OUT"
say DONE "$OUT: $(du -m --apparent-size "$OUT" | cut -f1) MiB"
