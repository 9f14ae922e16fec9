#!/bin/sh
# Every mount of a scanned disk is nosuid,nodev,noexec, read-only for the
# scan and read-write for acting, FUSE (ntfs-3g) and kernel alike: seen in
# /proc/self/mountinfo at the moment each volume is mounted, through the
# RAQUET_MOUNT_TRACE hook (docs/live-mode.md). An ext4 volume holding a
# set-uid program, a FIFO and device nodes is scanned to the end without
# any of them being opened.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live mode needs root (loop devices, mounts)"; exit 0; }
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-MOUNT-1
# ext4 with what a hostile disk can hold: a set-uid root shell, a FIFO, the
# kernel's zero and memory devices (reading them would never end or leak).
special_ext4() {
	rm -rf "$T/x4" && mkdir -p "$T/x4/bin" "$T/x4/dev" "$T/x4/home/an" &&
	cp /bin/sh "$T/x4/bin/rootsh" && chmod 4755 "$T/x4/bin/rootsh" &&
	mkfifo "$T/x4/home/an/pipe" && mknod "$T/x4/dev/zero" c 1 5 && mknod "$T/x4/dev/mem" c 1 1 &&
	write_eicar "$T/x4/home/an/eicar.com" &&
	truncate -s 8M "$1" && mke2fs -q -F -t ext4 -L hostile -d "$T/x4" "$1"
}
ntfs_image "$T/p.ntfs" 24 WINDOWS && fat_image "$T/p.fat" && exfat_image "$T/p.exfat" &&
	special_ext4 "$T/p.ext4" &&
	make_disk "$T/disk.img" "$T/p.ntfs" "$T/p.fat" "$T/p.exfat" "$T/p.ext4" ||
	{ echo "Bail out! cannot build the disk image"; exit 1; }
attach "$T/disk.img" || { echo "Bail out! cannot attach the disk image"; exit 1; }
V=/run/raquet/vol/$(basename "$L")

auto() {
	RAQUET_MOUNT_TRACE=$T/trace timeout 600 raquet-scan --auto --device "$L" --stick "$T/usb" \
		--unit 000.00.12.H57 --identity-root "$T/sys1" --no-progress "$@" </dev/null
}
# opts P: the per-mount options of each line traced for partition P.
opts() { awk -v p="${V}p$1" '$5 == p {print $6}' "$T/trace"; }
flags_ok() { # flags_ok "OPTS..." WANT...: every line has the three flags and WANT in turn
	_o=$1; shift
	[ "$(echo $_o | wc -w)" = $# ] || return 1
	for _l in $_o; do
		case ,$_l, in *,nosuid,*) ;; *) return 1 ;; esac
		case ,$_l, in *,nodev,*) ;; *) return 1 ;; esac
		case ,$_l, in *,noexec,*) ;; *) return 1 ;; esac
		case ,$_l, in *,$1,*) ;; *) return 1 ;; esac
		shift
	done
}

rm -f "$T/trace"
exit_is "report run over NTFS, FAT32, exFAT and ext4" 1 auto --action report
ok "nothing stays mounted" no_raquet_mounts
for p in 1 2 3 4; do
	o=$(opts $p)
	ok "p$p was mounted read-only, nosuid,nodev,noexec ($o)" flags_ok "$o" ro
done
ok "  ... ntfs-3g's mount among them (FUSE)" awk -v p="${V}p1" '$5 == p && / - fuse/' "$T/trace"

rm -f "$T/trace"
exit_is "quarantine run: volumes mounted again read-write to act" 1 auto --action quarantine
for p in 1 2 3 4; do
	o=$(opts $p)
	ok "p$p: the scan's and the action's mounts are nosuid,nodev,noexec ($(echo $o))" flags_ok "$o" ro rw
done
ok "nothing stays mounted" no_raquet_mounts
ok "the ext4 detection was quarantined" grep -q "p4/home/an/eicar.com: .*quarantine" "$T/last.out"
ok "the FIFO and the devices were passed by (scan ended, no error for them)" \
	sh -c "! grep -q 'pipe\|/dev/zero\|/dev/mem\|rootsh' '$T/last.err'"

done_testing
