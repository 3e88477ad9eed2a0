# wisp - the hotspot shop console. See README.md.
#
#   make            build bin/wisp
#   make deps       install the Debian packages building, testing and the demo need
#   make check      the test suite: real PostgreSQL and Redis, unit tests, sanitizers
#   make bench      the benchmarks in tests/bench/
#   make fuzz       each libFuzzer target in tests/fuzz/ for FUZZ_TIME seconds
#                   (default 60); make check runs each for a few seconds
#   make install    bin/wisp, its data (themes, templates), catalogs, man page, docs, completion and the
#                   systemd units under PREFIX (/usr/local), staged under DESTDIR;
#                   make uninstall removes them
#   make deb        a Debian package, build/wisp_VERSION_ARCH.deb (debian/)

VERSION  := 0.1.0
PREFIX   ?= /usr/local
CC       ?= cc
PKGS     := ncursesw libpq hiredis jansson libqrencode libssh2 readline libcurl cairo pangocairo \
            libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?= -O2 -g
# A field left out of a struct initialiser is 0, which the command tables'
# positional entries rely on for fields added since (cmd_entry.places).
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
            -Wno-missing-field-initializers
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -Ibuild $(PKG_CFLAGS) \
             -DWISP_VERSION='"$(VERSION)"' -DWISP_DATADIR='"$(PREFIX)/share/wisp"' \
             -DWISP_LOCALEDIR='"$(PREFIX)/share/locale"' -MMD -MP
LDLIBS   := $(PKG_LIBS) -lm -lpthread

# Debian packages for build, tests and demo (make deps installs the missing ones).
DEB_PKGS := build-essential pkg-config libncurses-dev libpq-dev libhiredis-dev libjansson-dev \
            libqrencode-dev libssh2-1-dev libreadline-dev libcurl4-openssl-dev libcmocka-dev \
            postgresql postgresql-client redis-server redis-tools openssh-server openssh-client \
            tmux zbar-tools ghostscript python3 procps jq bc curl prometheus gettext \
            clang libclang-rt-dev \
            libcairo2-dev libpango1.0-dev fonts-noto-core fonts-wqy-microhei poppler-utils \
            libssl-dev systemd strace debhelper lintian fakeroot man-db locales \
            freeradius freeradius-postgresql freeradius-utils
# pango-view: the tickets' test draws their text itself (tests/tools/inkcmp.py)
DEB_PKGS += pango1.0-tools

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard screens/*.c)
SCHEMA   := $(sort $(wildcard src/schema/*.sql))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)
# Message catalogs (docs/i18n.md): po/LANG.po -> build/locale/LANG/LC_MESSAGES/wisp.mo,
# where bin/wisp finds them; `make install` puts them under PREFIX/share/locale.
PO_LANGS := $(patsubst po/%.po,%,$(wildcard po/*.po))
MO_FILES := $(patsubst %,build/locale/%/LC_MESSAGES/wisp.mo,$(PO_LANGS))

OBJ      := $(patsubst %.c,build/obj/%.o,$(LIB_SRC)) build/obj/schema.o
ASAN_OBJ := $(patsubst %.c,build/asan/%.o,$(LIB_SRC)) build/asan/schema.o
UNIT_BIN := $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRC))
UNIT_ASAN := $(patsubst tests/unit/%.c,build/tests/asan-%,$(UNIT_SRC))
BENCH_BIN := $(patsubst tests/bench/%.c,build/bench/%,$(BENCH_SRC))
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# libFuzzer targets: clang, the library built again with coverage and sanitizers.
FUZZ_CC  ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
            -Wno-format-zero-length
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(LIB_SRC)) build/fuzz/obj/schema.o
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/bin/%,$(FUZZ_SRC))
FUZZ_TIME ?= 60

.PHONY: all deps check check-asan bench fuzz install uninstall deb clean demo demo-clean format lint \
        pot po-check units
all: bin/wisp $(MO_FILES)

# The strings marked with _() and N_() (include/wisp/i18n.h), for translators
# (POT=FILE writes elsewhere: 77_i18n compares the catalogs with a fresh one).
POT ?= po/wisp.pot
pot:
	xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ --add-comments=TRANSLATORS \
	    --package-name=wisp --package-version=$(VERSION) --msgid-bugs-address=wisp \
	    --sort-by-file -o $(POT) $(sort $(wildcard src/*.c screens/*.c))

# Every catalog checked (format specifiers, headers) and compiled.
# The catalog is checked with the format flags of the source (po/wisp.pot), not
# its own: msgfmt --check trusts a "c-format" a .po may have dropped, and a
# msgstr with other conversions than its msgid crashes printf. msgmerge marks
# such an entry fuzzy; a fuzzy entry stops the build.
build/locale/%/LC_MESSAGES/wisp.mo: po/%.po po/wisp.pot
	@mkdir -p $(dir $@)
	msgmerge --quiet --no-fuzzy-matching -o $@.po $< po/wisp.pot
	@if msgattrib --only-fuzzy --no-obsolete $@.po | grep -q '^msgid'; then \
	    echo "$<: entries whose format differs from the source's (po/wisp.pot):" >&2; \
	    msgattrib --only-fuzzy --no-obsolete $@.po | grep '^msgid' >&2; rm -f $@.po; exit 1; fi
	msgfmt --check -o $@ $@.po
	@rm -f $@.po

po-check: $(MO_FILES)
	@for po in po/*.po; do msgfmt --check --statistics -o /dev/null $$po || exit 1; done

bin/wisp: build/obj/src/main.o build/libwisp.a
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bin/wisp-asan: build/asan/src/main.o build/libwisp-asan.a
	@mkdir -p bin
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

build/libwisp.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

build/libwisp-asan.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

# SQL migrations are embedded in the binary (src/schema/NNN_name.sql).
build/schema.c: $(SCHEMA) src/schema/embed.sh
	@mkdir -p build
	sh src/schema/embed.sh $(SCHEMA) > $@.tmp && mv $@.tmp $@

build/obj/schema.o: build/schema.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/asan/schema.o: build/schema.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build/fuzz/libwisp.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/obj/schema.o: build/schema.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -c -o $@ $<

build/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h build/fuzz/libwisp.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< build/fuzz/libwisp.a $(LDLIBS)

build/tests/%: tests/unit/%.c build/libwisp.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libwisp.a $(LDLIBS) -lcmocka

build/tests/asan-%: tests/unit/%.c build/libwisp-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $< build/libwisp-asan.a $(LDLIBS) -lcmocka

build/bench/%: tests/bench/%.c build/libwisp.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libwisp.a $(LDLIBS)

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	    sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	    echo "make deps: installing" $$missing; \
	    $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

tests-build: bin/wisp bin/wisp-asan $(MO_FILES) $(UNIT_BIN) $(UNIT_ASAN) $(FUZZ_BIN)

# The README's test command.
check: deps
	@$(MAKE) --no-print-directory tests-build
	@bash tests/run.sh

bench: deps bin/wisp $(BENCH_BIN)
	@bash tests/bench/run.sh

# FUZZ_TIME=S seconds per target (default 60); FUZZ_TARGETS=PATTERN for some.
fuzz: deps $(FUZZ_BIN)
	@FUZZ_TIME=$(FUZZ_TIME) bash tests/fuzz/run.sh $(FUZZ_TARGETS)

# The README's run command: a private PostgreSQL and Redis under var/demo/.
demo: deps bin/wisp $(MO_FILES)
	@bash tests/tools/demo.sh

demo-clean:
	@if [ -d var/demo ]; then bash -c '. tests/tools/services.sh && services_stop var/demo'; fi
	rm -rf var/demo

# Where `make install` puts things; DESTDIR stages them (packages). The
# binary finds its data relative to itself (src/datadir.c), so PREFIX given
# only to `make install` works too.
BINDIR   := $(PREFIX)/bin
DATADIR  := $(PREFIX)/share/wisp
MANDIR   := $(PREFIX)/share/man/man1
DOCDIR   := $(PREFIX)/share/doc/wisp
LOCALEDIR := $(PREFIX)/share/locale
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
DOCS     := $(wildcard docs/*.md)

# The bash completion script, printed by the binary from its command table.
build/completion/wisp: bin/wisp
	@mkdir -p $(dir $@)
	bin/wisp completion bash > $@.tmp && mv $@.tmp $@

# systemd units (docs/deploy.md) under PREFIX/lib/systemd/system, which systemd
# reads for /usr and /usr/local alike (the Debian package puts them in
# /lib/systemd/system); the user they run as under PREFIX/lib/sysusers.d.
# They name the binary at PREFIX, so `units` makes them for the PREFIX given,
# every time (into UNITS_OUT).
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERS_DIR ?= $(PREFIX)/lib/sysusers.d
UNITS_OUT ?= build/systemd
UNITS := wisp-worker.service wisp-backup.service wisp-backup.timer
units:
	@mkdir -p $(UNITS_OUT)
	for u in $(UNITS); do \
	    if [ -f systemd/$$u.in ]; then sed 's|@BINDIR@|$(BINDIR)|g' systemd/$$u.in; \
	    else cat systemd/$$u; fi > $(UNITS_OUT)/$$u || exit 1; \
	done

install: bin/wisp $(MO_FILES) build/completion/wisp units
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)/themes $(DESTDIR)$(DATADIR)/templates \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMD_UNITDIR) $(DESTDIR)$(SYSUSERS_DIR)
	for l in $(PO_LANGS); do \
	    install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	    install -m 644 build/locale/$$l/LC_MESSAGES/wisp.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/wisp.mo; \
	done
	install -m 755 bin/wisp $(DESTDIR)$(BINDIR)/wisp
	sed 's|docs/\([a-z0-9_]*\.md\)|$(DOCDIR)/\1|g' docs/wisp.1 > $(DESTDIR)$(MANDIR)/wisp.1
	chmod 644 $(DESTDIR)$(MANDIR)/wisp.1
	install -m 644 themes/*.json $(DESTDIR)$(DATADIR)/themes/
	install -m 644 templates/*.json templates/*.png $(DESTDIR)$(DATADIR)/templates/
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 644 build/completion/wisp $(DESTDIR)$(BASHCOMPDIR)/wisp
	install -m 644 $(addprefix $(UNITS_OUT)/,$(UNITS)) $(DESTDIR)$(SYSTEMD_UNITDIR)/
	install -m 644 systemd/wisp.sysusers $(DESTDIR)$(SYSUSERS_DIR)/wisp.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wisp $(DESTDIR)$(MANDIR)/wisp.1 $(DESTDIR)$(BASHCOMPDIR)/wisp
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	for l in $(PO_LANGS); do rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/wisp.mo; done
	rm -f $(addprefix $(DESTDIR)$(SYSTEMD_UNITDIR)/,$(UNITS)) $(DESTDIR)$(SYSUSERS_DIR)/wisp.conf

# The Debian package (debian/): built by dpkg-buildpackage from a copy of the
# tracked sources in build/deb/, so the tree's own build/ and bin/ are left
# alone; dependencies come from the linked libraries (dpkg-shlibdeps).
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_FILE := build/wisp_$(VERSION)_$(DEB_ARCH).deb
deb:
	rm -rf build/deb && mkdir -p build/deb/wisp-$(VERSION)
	git ls-files -z | xargs -0 tar -cf - | tar -C build/deb/wisp-$(VERSION) -xf -
	cd build/deb/wisp-$(VERSION) && dpkg-buildpackage -b -us -uc -j2 >../build.log 2>&1 || \
	    { tail -30 ../build.log; exit 1; }
	mv build/deb/wisp_$(VERSION)_$(DEB_ARCH).deb $(DEB_FILE)
	@echo "make deb: $(DEB_FILE)"

format:
	clang-format -i src/*.c include/wisp/*.h tests/unit/*.c $(wildcard screens/*.c tests/bench/*.c)

# cppcheck does not read system headers: jansson's iteration macros are spelt
# out for it in tests/lint/cppcheck.h.
# tests/lint/canary.c holds a fault: with flags that turn the analysis off,
# lint fails there instead of passing everything.
CPPCHECK = cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	    --suppress=missingIncludeSystem --inline-suppr -Iinclude --include=tests/lint/cppcheck.h
lint:
	@$(CPPCHECK) tests/lint/canary.c 2>&1 | grep -q arrayIndexOutOfBounds || \
	    { echo "lint: cppcheck missed the fault in tests/lint/canary.c: its flags are wrong"; exit 1; }
	$(CPPCHECK) src $(wildcard screens/*.c)
	@! grep -rnw strtok src screens include || { echo "lint: strtok keeps hidden state (threads): use strsep"; exit 1; }

clean:
	rm -rf build bin

-include $(shell find build -path build/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
