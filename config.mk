# raquet build configuration: edit here or override on the command line.
VERSION = 0.1.0

PREFIX  = /usr/local
BINDIR  = $(PREFIX)/bin
MANDIR  = $(PREFIX)/share/man
LOCALEDIR = $(PREFIX)/share/locale
DATADIR = $(PREFIX)/share
BASHCOMPDIR = $(DATADIR)/bash-completion/completions
# systemd searches $(PREFIX)/lib/systemd/system for /usr and /usr/local;
# debian/rules gives /lib/systemd/system (bookworm's place).
SYSTEMDUNITDIR = $(PREFIX)/lib/systemd/system
DESTDIR =

PKG_CONFIG = pkg-config
PKGS = libclamav libarchive libsodium json-c sqlite3 hivex blkid ncursesw liblnk xlsxwriter

CC      = cc
CLANG   = clang
# Build directory; SANITIZE=1 builds into its own tree so both can coexist.
O       = build

CPPFLAGS_RQ = -D_GNU_SOURCE -DRAQUET_VERSION=\"$(VERSION)\" -DRAQUET_LOCALEDIR=\"$(LOCALEDIR)\" \
              -Ilib -Iscanner -Iboot \
              $(shell $(PKG_CONFIG) --cflags $(PKGS))
CFLAGS_RQ   = -std=c11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
              -Wshadow -Wstrict-prototypes -Wmissing-prototypes -pthread
LDLIBS_RQ   = $(shell $(PKG_CONFIG) --libs $(PKGS)) -pthread

# Debian packages needed to build and to run every test (make deps).
DEB_PACKAGES = build-essential pkg-config clang libclang-rt-14-dev \
  libclamav-dev clamav clamav-testfiles libarchive-dev libsodium-dev \
  libjson-c-dev libsqlite3-dev sqlite3 libblkid-dev libhivex-dev libwin-hivex-perl \
  libtest-harness-perl p7zip-full zip jq time \
  dosfstools exfatprogs fusefat exfat-fuse ntfs-3g util-linux fdisk mtools dislocker \
  libncurses-dev gettext tmux \
  libreoffice-writer-nogui libreoffice-calc-nogui fonts-liberation2 poppler-utils \
  mmdebstrap squashfs-tools mtools ovmf qemu-system-x86 shim-signed grub-efi-amd64-signed grub-pc-bin \
  debhelper dpkg-dev fakeroot lintian man-db bash-completion \
  liblnk-dev libbfio-dev liblnk-utils attr libxlsxwriter-dev libhivex-bin clang-format \
  strace
