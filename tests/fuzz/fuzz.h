/*
 * fuzz - what every fuzz target in tests/fuzz/ shares: the libFuzzer entry
 * point, declared once so that the targets and the replay driver compile
 * with -Wmissing-prototypes.
 *
 * A target is tests/fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput(),
 * its seeds in tests/fuzz/corpus/NAME/, and NAME in FUZZ_TARGETS
 * (mk/fuzz.mk). `make fuzz` links it with libFuzzer (clang); `make
 * fuzz-replay` links it with replay_main.c (gcc, ASan and UBSan) and runs
 * every file of its corpus once.
 *
 * A target checks invariants with abort(): the library itself never
 * aborts on input (STYLE.md), so an abort here is a finding. Whatever a
 * target allocates it frees, so LeakSanitizer sees our leaks only.
 */
#ifndef SMTPPROBE_TESTS_FUZZ_H
#define SMTPPROBE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * LLVMFuzzerTestOneInput - run one input. data is borrowed for the call.
 * Returns 0 (libFuzzer reserves other values); aborts on a broken
 * invariant.
 */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
