# smtpprobe - will my mail get in?
#
#   make            build ./smtpprobe
#   make check      install what is missing, build with ASan+UBSan, run
#                   every test (unit, integration, lint)
#   make demo       install what is missing, build, run the simulated Gmail
#   make install    PREFIX=/usr/local DESTDIR= : binary and profiles
#   make fuzz       libFuzzer (clang) on each fuzz target, FUZZ_SECONDS (60) each
#   make valgrind   a full probe, both verdicts, under valgrind memcheck

VERSION		= 0.1.0
PREFIX		?= /usr/local
BINDIR		= $(PREFIX)/bin
DATADIR		= $(PREFIX)/share/smtpprobe

CC		?= cc
PKGS		= openssl libcares yaml-0.1 libpcre2-8
WARN		= -Wall -Wextra -Werror -Wshadow -Wformat=2 \
		  -Wstrict-prototypes -Wmissing-prototypes -Wvla
CFLAGS		?= -O2 -g
SAN		?=
B		?= build/rel

PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CPPFLAGS	= -I. -D_GNU_SOURCE -DSMTPPROBE_VERSION='"$(VERSION)"' \
		  -DSMTPPROBE_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS	= -std=c11 $(WARN) $(CFLAGS) $(SAN) -MMD -MP
ALL_LDFLAGS	= $(SAN) $(LDFLAGS) -pthread

SMTP_SRCS	= smtp/smtp_err.c smtp/smtp_buf.c smtp/smtp_num.c \
		  smtp/smtp_io.c smtp/smtp_reply.c smtp/smtp_ehlo.c \
		  smtp/smtp_data.c smtp/smtp_stage.c smtp/smtp_transcript.c \
		  smtp/smtp_dialog.c
TLS_SRCS	= tls/tls_conn.c tls/tls_cert.c
PROBE_SRCS	= probe/probe_escape.c probe/probe_yaml.c probe/probe_profile.c \
		  probe/probe_verdict.c probe/probe_mx.c probe/probe_message.c \
		  probe/probe_run.c probe/probe_report_text.c \
		  probe/probe_report_json.c probe/probe_cli.c probe/probe_send.c \
		  probe/probe_catalog.c probe/probe_catalog_match.c \
		  probe/probe_explain.c probe/probe_lint.c probe/probe_diag.c \
		  probe/probe_cmd.c probe/probe_config.c probe/probe_multi.c \
		  probe/probe_sendcmd.c probe/probe_report_matrix.c \
		  probe/probe_report_nagios.c probe/probe_report_prom.c \
		  probe/probe_dns.c probe/probe_spf.c probe/probe_ares.c \
		  probe/probe_dmarc.c probe/probe_dkim.c probe/probe_ptr.c \
		  probe/probe_check.c probe/probe_check_report.c probe/probe_checkcmd.c \
		  probe/probe_taglist.c
LIB_SRCS	= $(SMTP_SRCS) $(TLS_SRCS) $(PROBE_SRCS)
MAIN_SRCS	= probe/probe_main.c
TEST_SRCS	= $(wildcard tests/support/*.c) $(wildcard tests/test_*.c)
FAKEMX_SRCS	= $(wildcard tests/fakemx/*.c)

LIB_OBJS	= $(LIB_SRCS:%.c=$(B)/%.o)
MAIN_OBJS	= $(MAIN_SRCS:%.c=$(B)/%.o)
TEST_OBJS	= $(TEST_SRCS:%.c=$(B)/%.o)
FAKEMX_OBJS	= $(FAKEMX_SRCS:%.c=$(B)/%.o) \
		  $(B)/probe/probe_spf.o $(B)/probe/probe_dns.o \
		  $(B)/probe/probe_ares.o $(B)/smtp/smtp_num.o \
		  $(B)/smtp/smtp_buf.o

# Tests find the programs they drive by absolute path.
$(TEST_OBJS): ALL_CPPFLAGS += -DFAKEMX_BIN='"$(abspath $(B))/fakemx"' \
		  -DSMTPPROBE_BIN='"$(abspath $(B))/smtpprobe"' \
		  -DMKCERTS_SH='"$(abspath tests/mkcerts.sh)"' \
		  -DSRCDIR='"$(abspath .)"'

.PHONY: all deps check demo install clean lint-banned lint-catalogs unit \
	FORCE

all: smtpprobe

smtpprobe: $(B)/smtpprobe
	cp $(B)/smtpprobe $@

$(B)/smtpprobe: $(LIB_OBJS) $(MAIN_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/unit: $(LIB_OBJS) $(TEST_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

$(B)/fakemx: $(FAKEMX_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ \
	    $(shell pkg-config --libs openssl libcares)

# The data folder is compiled in; rebuild what uses it when PREFIX changes.
$(B)/datadir.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
$(B)/probe/probe_profile.o: $(B)/datadir.stamp
FORCE:

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

deps:
	@./scripts/install-deps.sh

# check rebuilds everything under the sanitizers in its own tree, so that
# a release build and a checked build never mix objects.
ASAN_FLAGS	= -fsanitize=address,undefined -fno-omit-frame-pointer \
		  -fno-sanitize-recover=all
check: deps
	$(MAKE) B=build/asan SAN="$(ASAN_FLAGS)" CFLAGS="-O1 -g" \
	    build/asan/smtpprobe build/asan/unit build/asan/fakemx
	$(MAKE) lint-banned
	$(MAKE) B=build/asan unit
	$(MAKE) fuzz-replay
	$(MAKE) B=build/asan lint-catalogs

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
	    smtp/*.[ch] tls/*.[ch] probe/*.[ch] tests/*.c tests/*/*.[ch] \
	    | grep -v '^[^:]*:[0-9]*:.*\(snprintf\|vsnprintf\)' || \
	    { echo "lint-banned: banned call above" >&2; exit 1; }
	@! grep -nE '(^|[^_a-z])(printf|fprintf|puts|perror|exit)[[:space:]]*\(' \
	    smtp/*.c tls/*.c | grep -v snprintf || \
	    { echo "lint-banned: smtp/ and tls/ must not print or exit" >&2; exit 1; }

demo: deps all $(B)/fakemx
	./scripts/demo.sh $(B)/fakemx

install: all
	@# An installed binary finds the installed profiles (DATADIR).
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/profiles/catalogs
	install -m 755 smtpprobe $(DESTDIR)$(BINDIR)/smtpprobe
	install -m 644 profiles/*.yaml $(DESTDIR)$(DATADIR)/profiles/
	install -m 644 profiles/catalogs/*.yaml \
	    $(DESTDIR)$(DATADIR)/profiles/catalogs/

clean:
	rm -rf build smtpprobe

-include $(shell find build -name '*.d' 2>/dev/null)

# Last: its rules use LIB_OBJS, and "all" must stay the default goal.
include mk/fuzz.mk
