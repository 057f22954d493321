# smtpprobe - will my mail get in?
#
#   make            build ./smtpprobe
#   make demo       install what is missing, build, run the simulated Gmail
#   make check      install what is missing, then make test
#   make test       build with ASan+UBSan and run every test (unit,
#                   integration, corpus replay, lint); never calls apt-get
#   make install    PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc : binary,
#                   profiles and catalogs, man pages, bash completion,
#                   sample config, systemd units, cron example
#   make uninstall  the same paths, removed
#   make fuzz       libFuzzer (clang) on each fuzz target, FUZZ_SECONDS (60) each
#   make fuzz-long  each fuzz target in turn until FUZZ_LONG_RUNS executions
#                   (10,000,000); a table of executions, coverage, findings
#   make valgrind   a full probe, both verdicts, under valgrind memcheck
#
# Packagers: CC, CFLAGS, CPPFLAGS, LDFLAGS, PKG_CONFIG, PREFIX, DESTDIR,
# SYSCONFDIR, SYSTEMDUNITDIR are honoured; WERROR= turns -Werror off.

VERSION		= 0.1.0
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
DATADIR		?= $(PREFIX)/share/smtpprobe
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR	?= /etc
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system

CC		?= cc
PKG_CONFIG	?= pkg-config
PKGS		= openssl libcares yaml-0.1 libpcre2-8 libpsl sqlite3 libesmtp-1.0 \
		  opendkim libmicrohttpd libidn2
WERROR		?= -Werror
WARN		= -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 \
		  -Wstrict-prototypes -Wmissing-prototypes -Wvla
CFLAGS		?= -O2 -g
SAN		?=
B		?= build/rel

# Read once per make, after install-deps.sh has run: demo and check install
# the packages first and then build in a sub-make that reads this anew.
# A failure is kept and reported by pkg-config-ok before anything compiles.
PKG_ERR		:= $(shell $(PKG_CONFIG) --print-errors --exists $(PKGS) 2>&1 \
		     >/dev/null || echo "failed")
PKG_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libmicrohttpd is opened by serve at run time (probe/probe_servehttp.c
# says why): its headers are used, its library is not linked.
PKGS_OPENED	= libmicrohttpd
PKG_LIBS	:= $(shell $(PKG_CONFIG) --libs $(filter-out $(PKGS_OPENED),$(PKGS)) \
		   2>/dev/null)
ALL_CPPFLAGS	= -I. -D_GNU_SOURCE $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS	= -std=c11 $(WARN) $(CFLAGS) $(SAN) -MMD -MP
ALL_LDFLAGS	= $(SAN) $(LDFLAGS) -pthread

SMTP_SRCS	= smtp/smtp_err.c smtp/smtp_buf.c smtp/smtp_num.c smtp/smtp_clock.c \
		  smtp/smtp_io.c smtp/smtp_reply.c smtp/smtp_ehlo.c \
		  smtp/smtp_data.c smtp/smtp_stage.c smtp/smtp_transcript.c \
		  smtp/smtp_dialog.c
TLS_SRCS	= tls/tls_conn.c tls/tls_cert.c tls/tls_key.c tls/tls_sign.c
# probe/: the commands at the top, each part in its folder (README,
# "Architecture"); every .c there is a module.
PROBE_SRCS	= $(sort $(wildcard probe/*/*.c)) \
		  $(filter-out probe/probe_main.c,$(sort $(wildcard probe/*.c)))
LIB_SRCS	= $(SMTP_SRCS) $(TLS_SRCS) $(PROBE_SRCS)
MAIN_SRCS	= probe/probe_main.c
TEST_SRCS	= $(wildcard tests/support/*.c) $(wildcard tests/test_*.c)
FAKEMX_SRCS	= $(wildcard tests/fakemx/*.c)

LIB_OBJS	= $(LIB_SRCS:%.c=$(B)/%.o)
MAIN_OBJS	= $(MAIN_SRCS:%.c=$(B)/%.o)
TEST_OBJS	= $(TEST_SRCS:%.c=$(B)/%.o)
FAKEMX_OBJS	= $(FAKEMX_SRCS:%.c=$(B)/%.o) \
		  $(B)/probe/auth/probe_spf.o $(B)/probe/dns/probe_dns.o \
		  $(B)/probe/dns/probe_ares.o $(B)/probe/dns/probe_idna.o \
		  $(B)/probe/util/probe_fmt.o \
		  $(B)/smtp/smtp_num.o $(B)/smtp/smtp_clock.o \
		  $(B)/smtp/smtp_buf.o $(B)/tests/support/dkim_verify.o

# The default goal: before any other rule.
all: smtpprobe

# Tests find the programs they drive by absolute path.
$(TEST_OBJS): ALL_CPPFLAGS += -DFAKEMX_BIN='"$(abspath $(B))/fakemx"' \
		  -DSMTPPROBE_BIN='"$(abspath $(B))/smtpprobe"' \
		  -DMKCERTS_SH='"$(abspath tests/mkcerts.sh)"' \
		  -DSRCDIR='"$(abspath .)"'

# Only these objects embed the version and the data folder; they rebuild
# when either changes (a stamp holds the last value, see below).
STAMPED_OBJS	= $(B)/probe/util/probe_datadir.o $(B)/probe/probe_main.o \
		  $(B)/probe/report/probe_report_text.o $(B)/probe/report/probe_report_json.o \
		  $(B)/probe/report/probe_report_matrix.o $(B)/probe/probe_sendcmd.o \
		  $(B)/probe/report/probe_check_report.o \
		  $(B)/probe/report/probe_report_html.o \
		  $(B)/probe/probe_servecmd.o $(TEST_OBJS)
$(STAMPED_OBJS): ALL_CPPFLAGS += -DSMTPPROBE_VERSION='"$(VERSION)"' \
		  -DSMTPPROBE_DATADIR='"$(DATADIR)"'
$(STAMPED_OBJS): $(B)/build.stamp

.PHONY: all deps check test tsan demo install uninstall clean lint-banned \
	lint-catalogs lint-deps unit pkg-config-ok html-check prometheus-check \
	FORCE

smtpprobe: $(B)/smtpprobe
	cp $(B)/smtpprobe $@

$(B)/smtpprobe: $(LIB_OBJS) $(MAIN_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/unit: $(LIB_OBJS) $(TEST_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

$(B)/fakemx: $(FAKEMX_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The corpus scorer (tests/corpus/README.md; scripts/bench-diagnosis.sh);
# the unit tests run it on tests/corpus/dev (a floor, never heldout/).
$(B)/corpus-score: $(B)/tests/corpus/score.o $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/unit: | $(B)/corpus-score

# What is compiled in; rebuild what embeds it when PREFIX or VERSION change.
$(B)/build.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(VERSION) $(DATADIR)' | cmp -s - $@ || \
	    echo '$(VERSION) $(DATADIR)' > $@
FORCE:

# Loud, once, before the first compile: which .pc file is missing and
# how to get it, instead of a wall of undefined references.
pkg-config-ok:
	@if [ -n '$(strip $(PKG_ERR))' ]; then \
		echo "make: $(PKG_CONFIG) cannot give the flags for: $(PKGS)" >&2; \
		$(PKG_CONFIG) --print-errors --exists $(PKGS) 2>&1 | \
		    sed 's/^/make:   /' >&2 || true; \
		echo "make: install the build dependencies first: make deps" \
		    "(or scripts/install-deps.sh)" >&2; \
		exit 1; \
	fi

$(B)/%.o: %.c | pkg-config-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

deps:
	@./scripts/install-deps.sh

# check = deps, then test in a new make that reads the flags of the
# packages just installed. Order matters, so it is sequenced here and not
# left to prerequisites that make -j would run side by side.
check:
	@./scripts/install-deps.sh
	$(MAKE) test

# test rebuilds everything under the sanitizers in its own tree, so that
# a release build and a checked build never mix objects.
ASAN_FLAGS	= -fsanitize=address,undefined -fno-omit-frame-pointer \
		  -fno-sanitize-recover=all
test:
	$(MAKE) B=build/asan SAN="$(ASAN_FLAGS)" CFLAGS="-O1 -g" \
	    build/asan/smtpprobe build/asan/unit build/asan/fakemx
	$(MAKE) lint-banned
	$(MAKE) B=build/asan SAN="$(ASAN_FLAGS)" CFLAGS="-O1 -g" lint-deps
	$(MAKE) B=build/asan unit
	$(MAKE) fuzz-replay-run
	$(MAKE) B=build/asan lint-catalogs
	$(MAKE) B=build/asan SAN="$(ASAN_FLAGS)" CFLAGS="-O1 -g" install-test
	$(MAKE) B=build/asan html-check
	$(MAKE) B=build/asan prometheus-check

# The threaded runs under ThreadSanitizer (scripts/check-tsan.sh): its own
# build tree; on demand, not part of test (the build alone takes minutes).
TSAN_FLAGS	= -fsanitize=thread -fno-omit-frame-pointer
tsan:
	$(MAKE) B=build/tsan SAN="$(TSAN_FLAGS)" CFLAGS="-O1 -g" \
	    build/tsan/smtpprobe build/tsan/fakemx
	./scripts/check-tsan.sh build/tsan

# The HTML report in a real browser (scripts/check-html.sh); a skip, said,
# where Debian's chromium is not installed (it is not a build dependency).
html-check: $(B)/smtpprobe $(B)/fakemx
	@./scripts/check-html.sh $(B)/smtpprobe $(B)/fakemx; rc=$$?; \
	    [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

# smtpprobe serve scraped by Debian's real prometheus, the shipped alerting
# rules checked and unit-tested by promtool, the Grafana dashboard's JSON
# and metric names (scripts/check-prometheus.sh, check-dashboard.py); a
# skip, said, where prometheus or python3 is not installed.
prometheus-check: $(B)/smtpprobe $(B)/fakemx
	@if command -v python3 >/dev/null 2>&1; then \
		./scripts/check-dashboard.py \
		    contrib/prometheus/smtpprobe-grafana.json || exit 1; \
	else echo "check-dashboard: skipped: python3 is not installed" >&2; fi
	@./scripts/check-prometheus.sh $(B)/smtpprobe $(B)/fakemx; rc=$$?; \
	    [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

# Every shipped catalog loads, and every example classifies to its entry.
lint-catalogs:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    $(B)/smtpprobe catalog lint

unit:
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(B)/unit --jobs 2

# STYLE.md: banned calls anywhere; printing and exiting in smtp/ and tls/.
lint-banned:
	@! grep -nE '\b(sprintf|strcpy|strcat|atoi|sscanf|gets|strtok|alloca)[[:space:]]*\(' \
	    smtp/*.[ch] tls/*.[ch] probe/*.[ch] probe/*/*.[ch] tests/*.c tests/*/*.[ch] \
	    | grep -v '^[^:]*:[0-9]*:.*\(snprintf\|vsnprintf\)' || \
	    { echo "lint-banned: banned call above" >&2; exit 1; }
	@! grep -nE '(^|[^_a-z])(printf|fprintf|puts|perror|exit)[[:space:]]*\(' \
	    smtp/*.c tls/*.c | grep -v snprintf || \
	    { echo "lint-banned: smtp/ and tls/ must not print or exit" >&2; exit 1; }

# The layers of probe/ and the calls the objects make (README,
# "Architecture"): scripts/lint-deps.sh on this build's objects.
lint-deps: $(B)/smtpprobe
	@./scripts/lint-deps.sh $(B)

# Same sequencing as check: packages first, then a make that sees them.
demo:
	@./scripts/install-deps.sh
	$(MAKE) all $(B)/fakemx
	./scripts/demo.sh $(B)/fakemx

include mk/install.mk

clean:
	rm -rf build smtpprobe

-include $(shell find build -name '*.d' 2>/dev/null)

# Last: its rules use LIB_OBJS, and "all" must stay the default goal.
include mk/fuzz.mk
