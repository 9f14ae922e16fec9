#!/bin/sh
# rootfs-hook.sh essential|customize ROOT: mmdebstrap's hooks, run on the host.
#
# essential (before the kernel is installed): a small initramfs with what
# finds the stick and mounts the root (USB, SATA/NVMe/SD, FAT, squashfs,
# overlay; live-boot adds its own) and the drivers of the PC's disk
# controllers, so the live system needs no driver coldplug of its own
# (boot/raquet-init): MODULES=most made a 35 MiB initrd that takes a minute
# to unpack and probe under TCG.
#
# customize (once the packages are in): a quiet live system: Vietnamese
# console font and locale, no logins on the consoles raquet-live uses, a
# volatile journal, no EFI pstore (every EFI variable read is an SMM trap,
# slow on QEMU with Secure Boot), no sound/wireless/media drivers (size), no
# apt leftovers.
set -eu
R=$2

if [ "$1" = essential ]; then
	mkdir -p "$R/etc/initramfs-tools/conf.d" "$R/etc/initramfs-tools/hooks" \
		"$R/usr/share/initramfs-tools/modules.d"
	printf 'MODULES=list\nCOMPRESS=zstd\n' > "$R/etc/initramfs-tools/conf.d/raquet"
	# Loaded in any case: FUSE (ntfs-3g; /dev/fuse exists only once it is)
	# and USB keyboards plugged in after the boot (nothing loads drivers
	# later: raquet-init runs no udev).
	printf 'fuse\nusbhid\nhid_generic\n' > "$R/usr/share/initramfs-tools/modules.d/raquet"
	# The rest copied, not force-loaded (each modprobe takes a second under
	# TCG): the initramfs's udev loads what the hardware needs, live-boot
	# the rest. Disk controllers: every SATA/PATA (IDE mode on old PCs), NVMe
	# (and Intel VMD), SD/MMC and the common RAID/SAS host adapters.
	# live-boot's and the kms hooks add every network and GPU driver (for
	# network boot and early graphics) and btrfs/ext4 (persistence): none is
	# used to find a FAT stick, and they tripled the initrd.
	cat > "$R/etc/initramfs-tools/hooks/raquet" <<'HOOK'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
manual_add_modules xhci_pci xhci_hcd ehci_pci ehci_hcd ohci_pci ohci_hcd uhci_hcd \
	usb_storage uas sd_mod ahci nvme sdhci_pci mmc_block \
	usbhid hid_generic vfat nls_cp437 nls_ascii nls_utf8 nls_iso8859_1 \
	squashfs overlay loop fuse \
	megaraid_sas mpt3sas mptsas mptspi hpsa smartpqi aacraid isci mvsas arcmsr \
	virtio_scsi virtio_blk vmw_pvscsi hv_storvsc
auto_add_modules ata block mmc
k=${DESTDIR:?}/lib/modules/${version:?}/kernel
rm -rf "$k/drivers/net" "$k/drivers/gpu" "$k/drivers/infiniband" "$k/fs/btrfs" \
	"$k/fs/ext4" "$k/fs/jbd2" "$k/fs/hfs" "$k/fs/hfsplus" "$k/fs/jffs2"
HOOK
	chmod 755 "$R/etc/initramfs-tools/hooks/raquet"
	exit 0
fi

printf 'vi_VN.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n' > "$R/etc/locale.gen"
chroot "$R" locale-gen >/dev/null
printf 'LANG=vi_VN.UTF-8\nLANGUAGE=vi:en\n' > "$R/etc/default/locale"

# The Vietnamese codeset of console-setup: all of Vietnamese's letters with
# their diacritics, in a 512-glyph font the VGA text mode can show. Only the
# Fixed face has them: Vietnamese-Terminus16 lacks ư, ơ and every letter of
# U+1EA0..1EF9 (the launcher showed "đ◆◆c" for "được").
cat > "$R/etc/default/console-setup" <<'CS'
ACTIVE_CONSOLES="/dev/tty[1-6]"
CHARMAP="UTF-8"
CODESET="Vietnamese"
FONTFACE="Fixed"
FONTSIZE="8x16"
VIDEOMODE=
CS
cat > "$R/etc/default/keyboard" <<'KB'
XKBMODEL="pc105"
XKBLAYOUT="us"
XKBVARIANT=""
XKBOPTIONS=""
BACKSPACE="guess"
KB
# The console's font and keymap computed now (setupcon runs ckbcomp, a Perl
# script: 25 s at boot under TCG); console-setup uses this cache while it is
# newer than the two files above.
chroot "$R" setupcon --save-only --force ||
	echo "rootfs-hook.sh: setupcon --save-only failed: the console is set up at boot" >&2

echo raquet > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\traquet\n' > "$R/etc/hosts"
# raquet-live owns tty1 and the serial console; the root account stays locked
# (the menu's shell entry runs bash from raquet-live, no login).
chroot "$R" systemctl mask serial-getty@ttyS0.service >/dev/null 2>&1
chroot "$R" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true
chroot "$R" systemctl mask systemd-pstore.service >/dev/null 2>&1 || true
printf 'install efi_pstore /bin/true\n' > "$R/etc/modprobe.d/raquet.conf"
mkdir -p "$R/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n' > "$R/etc/systemd/journald.conf.d/raquet.conf"

# Drivers an offline scanner never needs (the initrd, made before this hook,
# keeps its own copy of the storage drivers).
for k in "$R"/lib/modules/*; do
	v=$(basename "$k")
	for d in sound drivers/media drivers/net/wireless net/wireless net/mac80211 \
		drivers/infiniband drivers/staging drivers/gpu/drm/amd drivers/gpu/drm/nouveau \
		drivers/gpu/drm/radeon drivers/bluetooth net/bluetooth drivers/isdn drivers/iio; do
		rm -rf "${k:?}/kernel/$d"
	done
	chroot "$R" depmod "$v"
done
rm -rf "$R"/var/cache/apt/* "$R"/var/lib/apt/lists/* "$R"/var/log/*.log "$R"/var/cache/debconf/*-old
