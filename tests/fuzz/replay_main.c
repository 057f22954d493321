/*
 * replay_main - run a fuzz target once on every file of the corpus
 * directories (or files) named on the command line, without libFuzzer, so
 * that `make check` replays the committed corpora under gcc's ASan and
 * UBSan and a crash once fixed stays fixed.
 *
 * Each input is read into a buffer of exactly its size, as libFuzzer
 * does, so that reading one byte past it is a sanitizer report. Files run
 * in name order. A directory that is missing or holds no file is a
 * failure: a corpus that replays nothing proves nothing.
 *
 * When a target aborts (a broken invariant, or a sanitizer report with
 * abort_on_error=1), the name of the input is written to stderr before
 * the process dies; a leak is only found at exit, after every input. Exit: 0 when every input ran, 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

/* Corpus files are small; anything larger is not one of ours. */
#define REPLAY_FILE_MAX		(1024u * 1024)
#define REPLAY_PATH_MAX		4096

/*
 * The input being run, for the SIGABRT handler: a signal handler can
 * reach nothing else, so this one file-scope buffer is the exception to
 * "no global state" in a test driver.
 */
static char replay_current[REPLAY_PATH_MAX];

static void
replay_on_abort(int sig)
{
	static const char on[] = "replay: aborted on input ";
	static const char after[] = "replay: aborted after the last input "
	    "(LeakSanitizer checks at exit: its stacks name the allocation)";
	size_t len = strnlen(replay_current, sizeof(replay_current));

	/* Best effort on the way down: nothing to do if stderr is gone. */
	if (len > 0) {
		(void)!write(STDERR_FILENO, on, sizeof(on) - 1);
		(void)!write(STDERR_FILENO, replay_current, len);
	} else {
		(void)!write(STDERR_FILENO, after, sizeof(after) - 1);
	}
	(void)!write(STDERR_FILENO, "\n", 1);
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

/* The whole file in a buffer of exactly its size; NULL with a message. */
static uint8_t *
replay_slurp(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n;
	long end = -1;

	if (fp == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0)
		end = ftell(fp);
	if (end < 0 || (unsigned long)end > REPLAY_FILE_MAX ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: unreadable or over %u bytes\n",
		    path, REPLAY_FILE_MAX);
		goto out;
	}
	/* malloc(0) may return NULL; an empty input still needs a pointer. */
	buf = malloc(end > 0 ? (size_t)end : 1);
	n = buf == NULL ? 0 : fread(buf, 1, (size_t)end, fp);
	if (buf == NULL || n != (size_t)end) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	*size = n;
out:
	(void)fclose(fp);	/* read-only: nothing to lose */
	return buf;
}

static bool
replay_file(const char *path)
{
	uint8_t *data;
	size_t size = 0;

	(void)snprintf(replay_current, sizeof(replay_current), "%s", path);
	data = replay_slurp(path, &size);
	if (data == NULL)
		return false;
	(void)LLVMFuzzerTestOneInput(data, size);	/* always 0 */
	free(data);
	replay_current[0] = '\0';
	return true;
}

/* Only regular files are inputs; "." and ".." and subfolders are not. */
static bool
replay_is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Every file of dir in name order; the count run in *count. */
static bool
replay_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	char path[REPLAY_PATH_MAX];
	bool ok = true;
	int i, n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return false;
	}
	for (i = 0; i < n; i++) {
		if (ok && snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name) < (int)sizeof(path) &&
		    replay_is_file(path)) {
			ok = replay_file(path);
			*count += ok;
		}
		free(names[i]);
	}
	free(names);
	return ok;
}

int
main(int argc, char **argv)
{
	size_t count;
	bool ok = argc > 1;
	int i;

	(void)signal(SIGABRT, replay_on_abort);
	for (i = 1; ok && i < argc; i++) {
		count = 0;
		if (replay_is_file(argv[i])) {
			ok = replay_file(argv[i]);
			count = ok;
		} else
			ok = replay_dir(argv[i], &count);
		if (ok && count == 0) {
			fprintf(stderr, "replay: %s: no inputs\n", argv[i]);
			ok = false;
		}
		if (ok)
			printf("replay: %s: %zu inputs, no finding\n", argv[i],
			    count);
	}
	if (argc < 2)
		fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
	return ok ? 0 : 1;
}
