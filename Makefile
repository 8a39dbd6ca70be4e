# feedsd build. `make` builds, `make test` runs every test, `make run` starts the daemon.
# Dependencies come from pkg-config (libev ships no .pc file on Debian: linked by name).

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR  ?= $(PREFIX)/lib/systemd/system
MANDIR   ?= $(PREFIX)/share/man
BUILD    ?= build
CC       ?= cc
PKG_CONFIG ?= pkg-config
PKGS     := libxml-2.0 libcurl sqlite3 jansson libxxhash openssl
VERSION  := 0.1.0

# SAN=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer; any report aborts.
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT      ?= -O1 -g
else
OPT      ?= -O2 -g
endif

# ACCEL=unproven allows the libxml2 accelerators on any libxml2 version (feeds/xml_compat.h):
# the build that proves them on a new version (scripts/compat-libxml2.sh --prove), never one
# to install. It reads the parser's internal state, which libxml2 2.14 marks deprecated.
ifeq ($(ACCEL),unproven)
ACCELFLAGS := -DFEEDSD_ACCEL_UNPROVEN -Wno-deprecated-declarations
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lev -lm
CFLAGS   ?=
CFLAGS   += -std=c17 -D_GNU_SOURCE -Wall -Wextra $(OPT) $(SANFLAGS) $(ACCELFLAGS) \
            -I. $(PKG_CFLAGS) -DFEEDSD_VERSION='"$(VERSION)"'
LDFLAGS  += $(SANFLAGS)

# The pipeline's layers, lowest first (scripts/layers.sh, docs/architecture.md). Each
# folder is a static library of every .c in it (cli/main.c, which holds only main(),
# aside); a layer may call only the layers below it, which `make` checks
# ($(BUILD)/.layers-ok) before it links the program.
LAYERS   := $(shell sh scripts/layers.sh list)
MAIN_SRC := cli/main.c
layer_src = $(filter-out $(MAIN_SRC),$(sort $(wildcard $(1)/*.c)))
reverse   = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
LIB_SRC  := $(foreach l,$(LAYERS),$(call layer_src,$(l)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
# Linked highest layer first, so that each archive resolves what the ones before it need.
LINK_LIBS := $(foreach l,$(call reverse,$(LAYERS)),$(BUILD)/lib$(l).a)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
DEPS_OK  := $(BUILD)/.deps-run
TEST_DEPS_OK := $(BUILD)/.deps-test

.PHONY: all deps test unit integration corpus test-san test-systemd run install clean bench \
        fuzz lint
# Public targets first install dependencies, then re-enter make so that pkg-config
# flags are computed with the packages present.
all: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(BUILD)/feedsd

# Installs what a fresh Debian machine lacks (apt-get as root, else sudo, else says what to
# run): building and running need the libraries, testing also the test tools.
$(DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh run
	@mkdir -p $(BUILD) && touch $@
$(TEST_DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh test
	@mkdir -p $(BUILD) && touch $@
deps: $(DEPS_OK)

$(BUILD)/%.o: %.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

define layer_archive
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/%.o,$(call layer_src,$(1)))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l))))

# Each layer's archive whole, with only the layers below it: a call upward fails to link.
$(BUILD)/.layers-ok: $(LINK_LIBS) scripts/layers.sh
	CC="$(CC)" LDFLAGS="$(LDFLAGS)" LIBS="$(PKG_LIBS)" sh scripts/layers.sh check $(BUILD)
	@touch $@

$(BUILD)/feedsd: $(BUILD)/cli/main.o $(LINK_LIBS) $(BUILD)/.layers-ok
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/cli/main.o $(LINK_LIBS) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LINK_LIBS) $(TEST_DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -MMD -MP -o $@ $< $(LINK_LIBS) \
	    $(LDFLAGS) $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

unit: $(UNIT_BIN) $(BUILD)/.layers-ok
	@sh tests/run-unit.sh $(UNIT_BIN)
	@CC="$(CC)" LDFLAGS="$(LDFLAGS)" LIBS="$(PKG_LIBS)" sh tests/layers_test.sh $(BUILD)

integration: $(BUILD)/feedsd $(TEST_DEPS_OK)
	python3 tests/integration/run.py --feedsd $(BUILD)/feedsd

# Every testdata document through `feedsd parse`, and every entry's HTML through html2md
# and back through cmark-gfm (the round-trip property of issue 4).
corpus: $(BUILD)/feedsd $(TEST_DEPS_OK)
	python3 tests/integration/corpus.py --feedsd $(BUILD)/feedsd
	python3 tests/integration/roundtrip.py --feedsd $(BUILD)/feedsd

# The installed units under a real systemd (Debian's, as PID 1 of a systemd-nspawn
# container booted from a root cached in $(BUILD)/systemd-root): needs root and
# namespaces; elsewhere it says SKIP, which FEEDSD_REQUIRE_SYSTEMD_TEST=1 (CI) makes a
# failure. See tests/systemd/run.py.
test-systemd: $(BUILD)/feedsd $(TEST_DEPS_OK)
	python3 tests/systemd/run.py --build $(BUILD)

# The whole suite, the units under systemd, then again under ASan+UBSan in a separate
# build folder, then a short repeatable run of every fuzz target (the long runs are
# `make fuzz`), then the static analysis (a finding fails the suite like a failing test:
# it kept creeping back in).
test: $(TEST_DEPS_OK)
	$(MAKE) --no-print-directory unit integration corpus
	$(MAKE) --no-print-directory test-systemd
	$(MAKE) --no-print-directory BUILD=build-san SAN=1 unit integration corpus
	FUZZ_REPEATABLE=1 sh fuzz/run.sh
	$(MAKE) --no-print-directory lint

test-san:
	$(MAKE) --no-print-directory BUILD=build-san SAN=1 unit integration corpus

run: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(BUILD)/feedsd
	@mkdir -p var out
	$(BUILD)/feedsd run -c examples/feedsd.conf

# libFuzzer targets (clang): each runs FUZZ_SECONDS; a crash exits 1 (see fuzz/README.md).
FUZZ_SECONDS ?= 60
fuzz: $(TEST_DEPS_OK)
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh

# cppcheck and clang-tidy on the checked-in configuration (.clang-tidy, scripts/lint.sh).
lint: $(TEST_DEPS_OK)
	sh scripts/lint.sh

bench: $(BUILD)/feedsd $(TEST_DEPS_OK)
	python3 bench/poll.py --feedsd $(BUILD)/feedsd

install: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(BUILD)/feedsd
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/feedsd $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BUILD)/feedsd $(DESTDIR)$(BINDIR)/feedsd
	for u in feedsd.service feedsd@.service; do \
	    sed -e 's|/usr/local/bin/feedsd|$(BINDIR)/feedsd|g' -e 's|/etc/feedsd|$(SYSCONFDIR)/feedsd|g' \
	        systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 0644 docs/feedsd.1 $(DESTDIR)$(MANDIR)/man1/feedsd.1
	install -m 0644 docs/feedsd.conf.5 $(DESTDIR)$(MANDIR)/man5/feedsd.conf.5
	test -e $(DESTDIR)$(SYSCONFDIR)/feedsd/feedsd.conf || \
	    install -m 0644 systemd/feedsd.conf $(DESTDIR)$(SYSCONFDIR)/feedsd/feedsd.conf

clean:
	rm -rf build build-san build-*

-include $(LIB_OBJ:.o=.d) $(BUILD)/cli/main.d $(UNIT_BIN:=.d)
