# mk/fuzz.mk - fuzzing, corpus replay and the memcheck run; included by
# the Makefile, whose variables (B, SAN, CFLAGS, ASAN_FLAGS, LIB_OBJS,
# PKG_LIBS, ALL_LDFLAGS) and $(B)/%.o rule it uses.
#
#   make fuzz           install clang's libFuzzer when missing, build every
#                       target with clang and -fsanitize=fuzzer,address,
#                       undefined in build/fuzz, run each FUZZ_SECONDS
#                       (default 60) from its committed corpus; new inputs
#                       and crashes go to build/fuzz/work/NAME/, never the
#                       repo
#   make fuzz-long      every target in turn on one core until it has
#                       done FUZZ_LONG_RUNS executions (10,000,000) or
#                       FUZZ_LONG_SECONDS (when set) passed; prints a table
#                       of executions, coverage and findings per target
#                       (scripts/fuzz-long.sh); scratch in build/fuzz/long/
#   make fuzz-replay    (fuzz-replay-run without installing anything)
#                       build every target with gcc, ASan and UBSan against
#                       build/asan's objects (those of make check) and run
#                       each committed corpus file once; fails on any
#                       sanitizer report or abort
#   make valgrind       a full probe (both verdict paths of the simulated
#                       Gmail) under valgrind memcheck; fails on any error,
#                       leak or leaked descriptor
#
# A fuzz target is three things: tests/fuzz/fuzz_NAME.c (its
# LLVMFuzzerTestOneInput, see tests/fuzz/fuzz.h), its seeds in
# tests/fuzz/corpus/NAME/, and NAME in FUZZ_TARGETS below. Optional:
# tests/fuzz/NAME.dict (a libFuzzer dictionary) and FUZZ_MAX_LEN_NAME.

# Sub-makes name this file with -f while the Makefile also includes it.
ifndef SMTPPROBE_FUZZ_MK
SMTPPROBE_FUZZ_MK = 1

FUZZ_TARGETS	= reply profile catalog config explain records spf cli html \
		  dns psl cert message report

FUZZ_SECONDS	?= 60
FUZZ_CC		?= clang-14
FUZZ_B		= build/fuzz
# Scratch space of make fuzz: the fuzzer's own corpus, crash files, logs.
FUZZ_WORK	= $(FUZZ_B)/work
FUZZ_CORPUS	= tests/fuzz/corpus
# Debian 12: clang-14 is the compiler, libclang-rt-14-dev holds
# libclang_rt.fuzzer (libFuzzer) and the sanitizer runtimes for clang.
FUZZ_PKGS	= clang-14 libclang-rt-14-dev
FUZZ_SAN	= -fsanitize=fuzzer-no-link,address,undefined \
		  -fno-omit-frame-pointer -fno-sanitize-recover=all

# The longest input libFuzzer makes. A reply input must reach past one
# SMTP_REPLY_LINE_MAX (8192) line to try that limit at N-1, N and N+1, and
# hold SMTP_REPLY_LINES_MAX (500) short lines; a profile past
# PROBE_YAML_KEYS_MAX keys or PROBE_YAML_ITEMS_MAX items needs a few KiB.
FUZZ_MAX_LEN		?= 8192
FUZZ_MAX_LEN_reply	?= 20000
fuzz_max_len	= $(or $(FUZZ_MAX_LEN_$(1)),$(FUZZ_MAX_LEN))

# The whole replay of one corpus; it takes well under a second.
FUZZ_REPLAY_TIMEOUT	= 300

FUZZ_SUPPORT_OBJS = $(B)/tests/support/mem_io.o $(B)/tests/support/yaml_loc.o \
		    $(B)/tests/support/zone_dns.o \
		    $(B)/tests/support/report_case.o \
		    $(B)/tests/support/json_check.o
# fuzz_explain finds the shipped catalogs as the program does (next to the
# binary or in the build tree), else here.
$(FUZZ_TARGETS:%=$(B)/tests/fuzz/fuzz_%.o): ALL_CPPFLAGS += \
    -DSRCDIR='"$(abspath .)"'
# Objects that only pattern rules name would be deleted as intermediates
# and rebuilt every time; keep them like every other object.
.SECONDARY: $(FUZZ_TARGETS:%=$(B)/tests/fuzz/fuzz_%.o) \
    $(B)/tests/fuzz/replay_main.o

# Sub-makes must read this file too, also when it is named with -f.
FUZZ_MAKEFILES	:= $(filter-out %.d,$(MAKEFILE_LIST))
FUZZ_MAKE	= $(MAKE) $(addprefix -f ,$(FUZZ_MAKEFILES))

# As make unit runs the tests, and abort_on_error so that replay_main can
# name the input that failed.
FUZZ_UBSAN	= print_stacktrace=1:halt_on_error=1:abort_on_error=1
FUZZ_SAN_ENV	= LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
		  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		  UBSAN_OPTIONS=$(FUZZ_UBSAN)

.PHONY: fuzz fuzz-long fuzz-replay fuzz-replay-run valgrind fuzz-deps \
	valgrind-deps

# fuzz_install(packages): install the Debian packages that are missing,
# the way scripts/install-deps.sh does for the build's own list; silent
# when all are there.
define fuzz_install
	@missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | \
		    grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "$@: missing packages:$$missing (run as root or install" \
	    "sudo)" >&2; exit 3; fi; \
	echo "$@: installing:$$missing" >&2; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get update -qq >&2 && \
	$$SUDO apt-get install -y -qq --no-install-recommends $$missing >&2
endef

fuzz-deps: deps
	$(call fuzz_install,$(FUZZ_PKGS))

valgrind-deps: deps
	$(call fuzz_install,valgrind)

# A target linked with libFuzzer's main (make fuzz, B=build/fuzz).
$(B)/fuzz-%: $(B)/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT_OBJS) $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

# A target linked with the replay driver (make fuzz-replay, B=build/asan).
$(B)/replay-%: $(B)/tests/fuzz/fuzz_%.o $(B)/tests/fuzz/replay_main.o \
    $(FUZZ_SUPPORT_OBJS) $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

fuzz: fuzz-deps
	$(FUZZ_MAKE) B=$(FUZZ_B) CC=$(FUZZ_CC) SAN="$(FUZZ_SAN)" \
	    CFLAGS="-O1 -g" $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz-%)
	@fail=0; \
	$(foreach t,$(FUZZ_TARGETS),tests/fuzz/run-fuzz.sh $(t) \
	    $(FUZZ_B)/fuzz-$(t) $(FUZZ_CORPUS)/$(t) $(FUZZ_WORK)/$(t) \
	    $(FUZZ_SECONDS) $(call fuzz_max_len,$(t)) || fail=1;) \
	exit $$fail

# Executions per target of make fuzz-long (the issue's bar: 10 million);
# FUZZ_LONG_SECONDS (0: none) caps each target's time as well.
FUZZ_LONG_RUNS	?= 10000000
FUZZ_LONG_SECONDS ?= 0

fuzz-long: fuzz-deps
	$(FUZZ_MAKE) B=$(FUZZ_B) CC=$(FUZZ_CC) SAN="$(FUZZ_SAN)" \
	    CFLAGS="-O1 -g" $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz-%)
	FUZZ_LONG_SECONDS=$(FUZZ_LONG_SECONDS) \
	    scripts/fuzz-long.sh $(FUZZ_LONG_RUNS) $(FUZZ_TARGETS)

# fuzz-replay-run is what make test runs: no package installation.
fuzz-replay: deps
	$(FUZZ_MAKE) fuzz-replay-run

fuzz-replay-run:
	$(FUZZ_MAKE) B=build/asan SAN="$(ASAN_FLAGS)" CFLAGS="-O1 -g" \
	    $(FUZZ_TARGETS:%=build/asan/replay-%)
	@for t in $(FUZZ_TARGETS); do \
		$(FUZZ_SAN_ENV) timeout $(FUZZ_REPLAY_TIMEOUT) \
		    build/asan/replay-$$t $(FUZZ_CORPUS)/$$t || { \
			echo "fuzz-replay: $$t failed (status $$?)" >&2; \
			exit 1; }; \
	done

valgrind: valgrind-deps
	$(FUZZ_MAKE) B=build/rel SAN= build/rel/smtpprobe build/rel/fakemx
	./scripts/valgrind-probe.sh build/rel/smtpprobe build/rel/fakemx

endif
