# raquet — top-level build. See README.md; `make help` lists the targets.
include config.mk

ifeq ($(SANITIZE),1)
override O := $(O)-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

ifneq ($(V),1)
Q = @
E = @printf '  %-6s %s\n'
else
Q =
E = @true
endif

ALL_CPPFLAGS = $(CPPFLAGS_RQ) $(CPPFLAGS)
ALL_CFLAGS   = $(CFLAGS_RQ) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS  = $(SANFLAGS) $(LDFLAGS)
ALL_LDLIBS   = $(LDLIBS_RQ) $(LDLIBS)

LIB_SRC  = $(wildcard lib/*.c)
SCAN_SRC = $(filter-out scanner/main.c,$(wildcard scanner/*.c scanner/live/*.c scanner/windows/*.c))
SYNC_SRC = $(filter-out sync/main.c,$(wildcard sync/*.c))
REP_SRC  = $(filter-out reports/main.c,$(wildcard reports/*.c))
BOOT_SRC = $(filter-out boot/main.c,$(wildcard boot/*.c))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
HELP_SRC = $(wildcard tests/helpers/*.c)

# Texts compiled in, generated from their own files at build time
# (tools/embed-text.sh; never committed). A new migration is one entry in
# SCHEMA_TEXTS and one row in sync/schema.c's schema_migrations.
SCHEMA_TEXTS = schema_sql=sync/schema.sql schema_v2_sql=sync/schema-v2.sql \
               schema_v3_sql=sync/schema-v3.sql schema_v4_sql=sync/schema-v4.sql \
               schema_v5_sql=sync/schema-v5.sql schema_v6_sql=sync/schema-v6.sql \
               schema_v7_sql=sync/schema-v7.sql schema_v8_sql=sync/schema-v8.sql \
               schema_v9_sql=sync/schema-v9.sql
TEMPLATE_TEXTS = template_default_json=reports/templates/default.json
# The counting rule, run by raquet-sync import and by raquet-report: both
# link sync/counting.c and this text.
COUNTING_TEXTS = counting_sql=sync/counting.sql
GEN_SCHEMA   = $(O)/gen/schema_sql.c
GEN_TEMPLATE = $(O)/gen/template_default.c
GEN_COUNTING = $(O)/gen/counting_sql.c
COUNTING_OBJ = $(O)/obj/sync/counting.o $(O)/obj/gen/counting_sql.o

LIB_OBJ  = $(LIB_SRC:%.c=$(O)/obj/%.o)
SCAN_OBJ = $(SCAN_SRC:%.c=$(O)/obj/%.o)
SYNC_OBJ = $(SYNC_SRC:%.c=$(O)/obj/%.o) $(O)/obj/gen/schema_sql.o $(O)/obj/gen/counting_sql.o
REP_OBJ  = $(REP_SRC:%.c=$(O)/obj/%.o) $(O)/obj/gen/template_default.o $(COUNTING_OBJ)
BOOT_OBJ = $(BOOT_SRC:%.c=$(O)/obj/%.o)
# Message catalogues: po/LANG.po -> $(O)/share/locale/LANG/LC_MESSAGES/raquet.mo
MO = $(patsubst po/%.po,$(O)/share/locale/%/LC_MESSAGES/raquet.mo,$(wildcard po/*.po))

PROGS = $(O)/bin/raquet-scan
PROGS += $(if $(wildcard sync/main.c),$(O)/bin/raquet-sync)
PROGS += $(if $(wildcard reports/main.c),$(O)/bin/raquet-report)
PROGS += $(if $(wildcard boot/main.c),$(O)/bin/raquet-launcher)
UNITS = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%.t)
HELPERS = $(HELP_SRC:tests/helpers/%.c=$(O)/bin/%)

.SECONDARY:
.PHONY: all deps test check check-san check-fuzz check-vm image bench demo programs install deb clean help pot format format-check FORCE
all: $(PROGS) $(MO) $(UNITS) $(HELPERS)

help:
	@echo 'make [all]      build programs and tests into $(O)/'
	@echo 'make deps       install the Debian packages needed to build and test'
	@echo 'make test       fast test suite (unit + shell tests)'
	@echo 'make check      deps, then everything: layout, tests, sanitizer run, short fuzz, VM'
	@echo 'make format-check  fail if a C file differs from .clang-format (make format rewrites them)'
	@echo 'make image      the bootable USB image $(O)/raquet.img (image/); IOC_PUB=FILE pins that key'
	@echo 'make check-vm   boot the image in QEMU (UEFI Secure Boot, BIOS) and scan a PC; a USB station'
	@echo 'make bench      performance figures against clamscan (not part of check)'
	@echo 'make demo       deps, build, and scan a small infected sample tree'
	@echo 'make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)'
	@echo 'make deb        Debian packages raquet-ioc and raquet-scan into $(O)/deb/ (lintian-checked)'
	@echo 'V=1 shows commands; SANITIZE=1 builds with ASan+UBSan into $(O)-san/'

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(E) CC $<
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(GEN_SCHEMA): tools/embed-text.sh $(foreach t,$(SCHEMA_TEXTS),$(word 2,$(subst =, ,$(t))))
	@mkdir -p $(@D)
	$(E) GEN $@
	$(Q)sh tools/embed-text.sh $@ $(SCHEMA_TEXTS)

$(GEN_TEMPLATE): tools/embed-text.sh $(foreach t,$(TEMPLATE_TEXTS),$(word 2,$(subst =, ,$(t))))
	@mkdir -p $(@D)
	$(E) GEN $@
	$(Q)sh tools/embed-text.sh $@ $(TEMPLATE_TEXTS)

$(GEN_COUNTING): tools/embed-text.sh $(foreach t,$(COUNTING_TEXTS),$(word 2,$(subst =, ,$(t))))
	@mkdir -p $(@D)
	$(E) GEN $@
	$(Q)sh tools/embed-text.sh $@ $(COUNTING_TEXTS)

$(O)/obj/gen/%.o: $(O)/gen/%.c
	@mkdir -p $(@D)
	$(E) CC $<
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libraquet.a: $(LIB_OBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/libscan.a: $(SCAN_OBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/libsync.a: $(SYNC_OBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/libreport.a: $(REP_OBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/libboot.a: $(BOOT_OBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/bin/raquet-scan: $(O)/obj/scanner/main.o $(O)/libscan.a $(O)/libraquet.a
	@mkdir -p $(@D)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(O)/bin/raquet-sync: $(O)/obj/sync/main.o $(O)/libsync.a $(O)/libraquet.a
	@mkdir -p $(@D)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(O)/bin/raquet-report: $(O)/obj/reports/main.o $(O)/libreport.a $(O)/libraquet.a
	@mkdir -p $(@D)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(O)/bin/raquet-launcher: $(O)/obj/boot/main.o $(O)/libboot.a $(O)/libraquet.a
	@mkdir -p $(@D)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(O)/share/locale/%/LC_MESSAGES/raquet.mo: po/%.po
	@mkdir -p $(@D)
	$(E) MSGFMT $<
	$(Q)msgfmt --check -o $@ $<

# po/raquet.pot from the launcher's sources; then msgmerge -U po/vi.po po/raquet.pot.
pot:
	xgettext --from-code=UTF-8 -k_ -kN_ -c/ --package-name=raquet -o po/raquet.pot boot/*.c

# Test helpers (tests/helpers/*.c) are small programs built on lib/.
$(O)/bin/%: $(O)/obj/tests/helpers/%.o $(O)/libraquet.a
	@mkdir -p $(@D)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# Unit tests link against every module library; each prints TAP.
$(O)/tests/%.t: $(O)/obj/tests/unit/%.o $(O)/libscan.a $(O)/libsync.a $(O)/libreport.a $(O)/libboot.a $(O)/libraquet.a
	@mkdir -p $(@D)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# --- dependencies --------------------------------------------------------
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo 'deps: all Debian packages present'; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	else echo "deps: run as root: apt-get install -y $$missing"; exit 1; fi

# --- the bootable USB image (image/, boot/; docs/stick-layout.md) ---------
# raquet is installed into $(O)/image-root (PREFIX as built); image/build.sh
# keeps mmdebstrap's root and the squashfs layers in $(O)/image-cache.
# IOC_PUB=FILE pins that IOC key in the image (RAQUETBOOT/live/ioc.pub;
# docs/stick-layout.md); without it the image is a release that refuses
# every stick until an IOC stamps it (raquet-sync image). $(O)/image-pin.pub
# holds the key of the last build (empty: none), touched only when it
# changes, so a new key remakes the image and the same key does not.
IMAGE_INPUTS = $(wildcard image/*) $(filter-out %.c %.h,$(wildcard boot/*))
image: $(O)/raquet.img
$(O)/image-pin.pub: FORCE
	@mkdir -p $(@D)
	$(Q)if [ -n "$(IOC_PUB)" ]; then cmp -s "$(IOC_PUB)" $@ || cp "$(IOC_PUB)" $@; \
	elif [ ! -f $@ ] || [ -s $@ ]; then : > $@; fi
FORCE:
$(O)/raquet.img: $(PROGS) $(IMAGE_INPUTS) $(O)/image-pin.pub
	$(Q)rm -rf $(O)/image-root
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(abspath $(O))/image-root >/dev/null
	$(Q)IMAGE_IOC_PUB=$(O)/image-pin.pub image/build.sh $@ $(O)/image-root $(O)/image-cache

# --- tests ----------------------------------------------------------------
test: all
	$(Q)RAQUET_BUILD=$(abspath $(O)) tests/run.sh

check-san:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test

check: deps
	$(Q)$(MAKE) --no-print-directory format-check
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory check-san
	$(Q)if [ -f tests/fuzz/Makefile.inc ]; then $(MAKE) --no-print-directory check-fuzz; fi
	$(Q)$(MAKE) --no-print-directory check-vm

-include tests/fuzz/Makefile.inc

# The layout of every tracked C file is .clang-format's (STYLE.md, habit 10).
FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRC)
format-check:
	$(Q)bad=0; for f in $(FORMAT_SRC); do \
		clang-format "$$f" | diff -u --label "$$f" --label "$$f (clang-format)" "$$f" - || bad=1; \
	done; if [ $$bad = 1 ]; then echo 'format-check: run make format' >&2; exit 1; fi

# The image booted in QEMU (TCG), twice; deps may install QEMU and OVMF.
check-vm: deps
	$(Q)$(MAKE) --no-print-directory all image
	$(Q)RAQUET_BUILD=$(abspath $(O)) prove --timer tests/vm/run.sh

# deps may install the libraries pkg-config describes, so build in a new make.
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)RAQUET_BUILD=$(abspath $(O)) tests/bench/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)RAQUET_BUILD=$(abspath $(O)) tests/demo.sh

# The programs and catalogues only (debian/rules builds this, not tests).
programs: $(PROGS) $(MO)

install: programs
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	for mo in $(MO); do l=$${mo#$(O)/share/locale/}; l=$${l%%/*}; \
	    install -D -m 644 $$mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/raquet.mo || exit 1; done
	if [ -d docs/man ]; then install -d $(DESTDIR)$(MANDIR)/man1 && \
	    install -m 644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/; fi
	for d in docs/man/*/; do [ -d "$$d" ] || continue; l=$$(basename "$$d"); \
	    install -d $(DESTDIR)$(MANDIR)/$$l/man1 && install -m 644 "$$d"*.1 $(DESTDIR)$(MANDIR)/$$l/man1/ || exit 1; done
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 completion/raquet-* $(DESTDIR)$(BASHCOMPDIR)/
	install -D -m 644 reports/templates/default.json $(DESTDIR)$(DATADIR)/raquet/templates/default.json
	# The freshclam timer (docs/office-guide.md): installed, never enabled here.
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/raquet-freshclam.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/raquet-freshclam.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/raquet-freshclam.service
	install -m 644 contrib/raquet-freshclam.timer $(DESTDIR)$(SYSTEMDUNITDIR)/

# --- Debian packages (debian/, docs/packaging.md) --------------------------
# The tracked files are copied to $(O)/deb/src and built there, so the
# packages land in $(O)/deb/ and nothing is written into the tree. lintian
# must find no error.
deb:
	$(Q)git rev-parse --is-inside-work-tree >/dev/null 2>&1 || \
	    { echo 'make deb packages the files git tracks: run it in a git checkout' >&2; exit 1; }
	$(Q)rm -rf $(O)/deb && mkdir -p $(O)/deb/src
	$(Q)git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(O)/deb/src
	$(Q)cd $(O)/deb/src && dpkg-buildpackage -us -uc -b -Jauto
	$(Q)lintian --fail-on error $(O)/deb/*.changes

clean:
	rm -rf $(O) $(O)-san build-fuzz
