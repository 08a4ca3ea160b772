# Yamori — the only build file.  See README.md.
#   make            build ./yamori
#   make test       install missing packages, build, run every test suite
#   make asan       the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo       generate demo logs, ingest them, run example searches
#   make bench      run the benchmarks
#   make fuzz       run every fuzz target (decoders, store readers, search language) FUZZ_SECONDS each
#   make install PREFIX=/usr/local
#   make V=1        show the commands

CC       ?= cc
PKGS     := libzstd zlib libxml-2.0 yaml-0.1 libpcre2-8 libsodium libxxhash libcrypto libssl libmicrohttpd libhs libcurl sqlite3
TESTPKGS := cmocka jansson
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=

OPT      ?= -O2 -g
WARN     := -std=c17 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2
ifeq ($(CI),true)
WARN     += -Werror
endif
SAN      ?=
CPPFLAGS += -D_GNU_SOURCE -Isrc -MMD -MP
CFLAGS   += $(OPT) $(WARN) $(SAN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += $(SAN)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lroaring -lcsv -lm  # CRoaring and libcsv ship no .pc

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC  := $(sort $(shell find src -name '*.c' ! -path src/main.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit e2e asan fuzz demo bench install clean
.SECONDARY:

all: yamori

# The top-level ./yamori is the normal build; other BUILD dirs keep their own.
ifeq ($(BUILD),build)
yamori: $(BUILD)/yamori
	$(Q)cp $< $@
endif

$(BUILD)/yamori: $(BUILD)/src/main.o $(BUILD)/libyamori.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libyamori.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(shell pkg-config --cflags $(TESTPKGS)) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libyamori.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs $(TESTPKGS))

$(BUILD)/bench_%: bench/bench_%.c $(BUILD)/libyamori.a
	@echo "  LD      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/loadgen: bench/loadgen.c bench/bench_util.h
	@echo "  LD      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lpthread

deps:
	@scripts/deps.sh

# Every suite, one closing line "N passed, N failed".
test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BIN)
	$(Q)YAMORI=$(CURDIR)/$(BUILD)/yamori UNIT_DIR=$(CURDIR)/$(BUILD)/tests tests/run

unit: all $(UNIT_BIN)
	$(Q)YAMORI=$(CURDIR)/$(BUILD)/yamori UNIT_DIR=$(CURDIR)/$(BUILD)/tests tests/run --unit

e2e: all
	$(Q)YAMORI=$(CURDIR)/$(BUILD)/yamori UNIT_DIR=$(CURDIR)/$(BUILD)/tests tests/run --e2e

ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" SAN="$(ASAN_FLAGS)" \
		build-asan/yamori $(UNIT_BIN:$(BUILD)/%=build-asan/%)
	$(Q)ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1:exitcode=98 \
		YAMORI=$(CURDIR)/build-asan/yamori UNIT_DIR=$(CURDIR)/build-asan/tests tests/run

# One libFuzzer target per decoder, store reader and search-language entry, FUZZ_SECONDS each (tests/fuzz/run.sh).
fuzz: deps
	$(Q)tests/fuzz/run.sh

demo: deps all
	$(Q)scripts/demo.sh

bench: deps all $(BUILD)/bench_decode $(BUILD)/bench_tokindex $(BUILD)/bench_query $(BUILD)/loadgen \
		$(BUILD)/bench_sigma $(BUILD)/bench_regex $(BUILD)/bench_corr
	$(Q)BENCH_DECODE=$(CURDIR)/$(BUILD)/bench_decode BENCH_TOKINDEX=$(CURDIR)/$(BUILD)/bench_tokindex BENCH_QUERY=$(CURDIR)/$(BUILD)/bench_query LOADGEN=$(CURDIR)/$(BUILD)/loadgen \
		BENCH_SIGMA=$(CURDIR)/$(BUILD)/bench_sigma BENCH_REGEX=$(CURDIR)/$(BUILD)/bench_regex BENCH_CORR=$(CURDIR)/$(BUILD)/bench_corr bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/doc/yamori $(DESTDIR)$(PREFIX)/share/yamori/decoders
	install -m 0755 yamori $(DESTDIR)$(PREFIX)/bin/yamori
	install -m 0644 man/yamori.1 $(DESTDIR)$(PREFIX)/share/man/man1/yamori.1
	install -m 0644 README.md docs/*.md yamori.yaml.example contrib/yamori.service $(DESTDIR)$(PREFIX)/share/doc/yamori/
	install -m 0644 examples/decoders/*.yaml $(DESTDIR)$(PREFIX)/share/yamori/decoders/
	cd rules && find . -type f -exec install -D -m 0644 {} $(DESTDIR)$(PREFIX)/share/yamori/rules/{} \;

clean:
	rm -rf build build-asan build-fuzz yamori

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
