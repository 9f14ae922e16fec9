#!/bin/sh
# make deb's packages in a clean Debian 12 root (mmdebstrap): apt-get install
# ./raquet-ioc*.deb ./raquet-scan*.deb, then raquet-sync init and units, a
# report in CSV and JSON, man -w, a scan, the freshclam timer left disabled,
# and apt-get purge leaves no file of raquet's behind (docs/packaging.md).
# The root (a tarball) and apt's downloaded packages are kept under
# $RAQUET_BUILD/deb-root so that only the first run downloads anything.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (chroot, mounts)"; exit 0; }
command -v mmdebstrap >/dev/null && command -v dpkg-buildpackage >/dev/null ||
	{ echo "Bail out! needs mmdebstrap and dpkg-dev (make deps)"; exit 1; }

# The packages are built by debian/rules, not from RAQUET_BUILD: the
# sanitizer run (build-san) reuses the plain build's packages and root.
PKGBUILD=${RAQUET_BUILD%-san}
DEB=$PKGBUILD/deb
CACHE=$PKGBUILD/deb-root
BASE=$CACHE/bookworm-apt.tar
R=$T/root

# The packages: reused when no tracked file is newer than them.
ioc_deb() { ls "$DEB"/raquet-ioc_*_*.deb 2>/dev/null | head -1; }
fresh_debs() {
	_d=$(ioc_deb) && [ -n "$_d" ] && [ -f "$(ls "$DEB"/raquet-scan_*_*.deb 2>/dev/null | head -1)" ] &&
		[ -z "$(cd "$TOP" && git ls-files -z |
			xargs -0 sh -c 'for f; do [ "$f" -nt "$0" ] && echo "$f"; done' "$_d" 2>/dev/null | head -1)" ]
}
# (Built, then only checked to exist: a file edited during the build must
# not fail the test, it only makes the next run build again.)
fresh_debs || env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u SANITIZE make -C "$TOP" --no-print-directory O="$PKGBUILD" deb >"$T/deb.log" 2>&1 ||
	{ tail -30 "$T/deb.log" | sed 's/^/# /'; rm -f "$DEB"/raquet-ioc_*.deb; }
ok "make deb built raquet-ioc and raquet-scan" sh -c "ls '$DEB'/raquet-ioc_*_*.deb '$DEB'/raquet-scan_*_*.deb"
[ "$_failed" = 0 ] || { echo "Bail out! make deb failed"; exit 1; }

# The clean root: Debian 12 from this machine's apt sources, plus man-db for
# man -w. Made once; apt's lists are kept so later runs need no network.
if [ ! -s "$BASE" ]; then
	mkdir -p "$CACHE"
	set --
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -s "$f" ] && set -- "$@" "$f"
	done
	mmdebstrap --quiet --format=tar --variant=apt --include=man-db --skip=cleanup/apt/lists,cleanup/apt/cache \
		bookworm "$BASE.tmp" "$@" </dev/null >"$T/mmdebstrap.log" 2>&1 &&
		mv "$BASE.tmp" "$BASE" || { rm -rf "$BASE.tmp"; tail -20 "$T/mmdebstrap.log" | sed 's/^/# /'; }
fi
ok "a Debian 12 root (mmdebstrap)" test -s "$BASE"
mkdir -p "$R" "$CACHE/archives/partial"
ok "  ... unpacked" tar -C "$R" -xf "$BASE"
ok "  ... is Debian 12" grep -q '^VERSION_ID="12"' "$R/etc/os-release"
# Nothing below means anything without the root and the packages.
[ "$_failed" = 0 ] || { echo "Bail out! no Debian root or no packages"; exit 1; }

at_exit "umount '$R/var/cache/apt/archives' 2>/dev/null; umount '$R/proc' 2>/dev/null"
mount -t proc proc "$R/proc" && mount --bind "$CACHE/archives" "$R/var/cache/apt/archives" &&
	cp /etc/resolv.conf "$R/etc/resolv.conf"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"; }

# What a root without raquet holds, to compare after the purge.
root_files() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./root -o -path ./var/cache \
		-o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/log -o -path ./etc/ld.so.cache \) \
		-prune -o -print | sort)
}

IOC_DEB=$(ioc_deb) SCAN_DEB=$(ls "$DEB"/raquet-scan_*_*.deb | head -1)
mkdir -p "$R/tmp/debs" && cp "$IOC_DEB" "$SCAN_DEB" "$R/tmp/debs/"
exit_is "apt-get install ./raquet-ioc*.deb ./raquet-scan*.deb" 0 \
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"/tmp/debs/${IOC_DEB##*/}" "/tmp/debs/${SCAN_DEB##*/}"
[ "$_failed" = 0 ] || { tail -5 "$T/last.out" | sed 's/^/# /'; echo "Bail out! the packages do not install"; exit 1; }
# The dependencies stay after the purge; raquet's own files must not.
in_root dpkg -L raquet-ioc raquet-scan | sort -u > "$T/dpkg-L"
ok "  ... the programs are on PATH" in_root sh -c 'command -v raquet-sync && command -v raquet-report && command -v raquet-scan && command -v raquet-launcher'

I=/root/ioc
exit_is "raquet-sync init" 0 in_root raquet-sync --ioc $I init
exit_is "raquet-sync unit add" 0 in_root raquet-sync --ioc $I unit add 000.00.12.H57 "Sở Y tế" --informed
is "  ... unit list" "$(in_root raquet-sync --ioc $I unit list)" "$(printf '000.00.12.H57\tSở Y tế\t-\tinformed')"
exit_is "raquet-sync status --stale-days 30" 0 in_root raquet-sync --ioc $I status --stale-days 30
exit_is "raquet-report -o x.csv" 0 in_root env RAQUET_IOC=$I raquet-report -o /root/x.csv
ok "  ... the appendix's rows" grep -q "Tổng số máy tính được rà quét" "$R/root/x.csv"
exit_is "raquet-report -o x.json" 0 in_root raquet-report --ioc $I -o /root/x.json
ok "  ... JSON naming the unit" sh -c "jq -e . '$R/root/x.json' >/dev/null && grep -q '000.00.12.H57' '$R/root/x.json'"
is "man -w raquet-sync" "$(in_root man -w raquet-sync)" /usr/share/man/man1/raquet-sync.1.gz
is "man -w raquet-report" "$(in_root man -w raquet-report)" /usr/share/man/man1/raquet-report.1.gz
is "man -w raquet-scan" "$(in_root man -w raquet-scan)" /usr/share/man/man1/raquet-scan.1.gz
ok "the Vietnamese raquet-launcher(1) is installed" test -f "$R/usr/share/man/vi/man1/raquet-launcher.1.gz"
is "  ... and man --warnings reads it there" \
	"$(in_root env MANROFFSEQ= MANWIDTH=80 man --warnings -E UTF-8 -l /usr/share/man/vi/man1/raquet-launcher.1.gz 2>&1 >/dev/null)" ""
make_sigs "$R/root/sigs" && write_eicar "$R/root/eicar.com"
exit_is "raquet-scan finds EICAR (exit 1)" 1 in_root raquet-scan --no-progress -d /root/sigs /root/eicar.com
ok "  ... as clamscan says it" grep -q '^/root/eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND$' "$T/last.out"
ok "the completion files are where bash-completion looks" test -f "$R/usr/share/bash-completion/completions/raquet-sync" \
	-a -f "$R/usr/share/bash-completion/completions/raquet-report" -a -f "$R/usr/share/bash-completion/completions/raquet-scan"
ok "the freshclam timer is installed" test -f "$R/lib/systemd/system/raquet-freshclam.timer" -a -f "$R/lib/systemd/system/raquet-freshclam.service"
ok "  ... and not enabled" sh -c "! find '$R/etc/systemd' -name 'raquet-freshclam*' | grep -q ."
ok "  ... its service runs the installed raquet-sync" grep -q '^ExecStart=/usr/bin/raquet-sync status --stale-days' "$R/lib/systemd/system/raquet-freshclam.service"

exit_is "apt-get purge raquet-ioc raquet-scan" 0 \
	in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q raquet-ioc raquet-scan
is "  ... dpkg knows neither" "$(in_root dpkg-query -W -f '${db:Status-Abbrev}\n' raquet-ioc raquet-scan 2>/dev/null | tr -d ' ')" ""
left=
while IFS= read -r f; do
	[ -e "$R$f" ] && [ ! -d "$R$f" ] && left="$left $f"
done < "$T/dpkg-L"
is "  ... no file dpkg -L listed is left" "$left" ""
ok "  ... dpkg -L listed the programs (the check above saw them)" grep -q '^/usr/bin/raquet-sync$' "$T/dpkg-L"
is "  ... nothing named raquet outside /root and /tmp" "$(root_files | grep -i raquet)" ""
done_testing
