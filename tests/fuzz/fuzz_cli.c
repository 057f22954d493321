/*
 * fuzz_cli - the command-line parsers and the time words they take:
 * "send"'s flags (probe_cli_parse_send: getopt, --server's HOST[:PORT],
 * --to's comma list, numbers, --expect, --remind), and the points in
 * time of --since (probe_when_parse, probe_when_duration).
 *
 * Input: NUL-separated words, the argv after "send" (at most 64). The
 * same words are then parsed as times. Invariants: a refused command
 * line comes with a one-line reason; an accepted one keeps its bounds
 * (recipients, catalogs, paths, a port in 1-65535, a --server host
 * without a colon unless it is an IPv6 literal); a parsed time of a
 * duration is never after now.
 */
#include <stdlib.h>
#include <string.h>

#include "probe/config/probe_cli.h"
#include "probe/util/probe_when.h"
#include "smtp/smtp_transcript.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_ARGS_MAX	64
#define FUZZ_NOW	1764720000

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[FUZZ_ARGS_MAX + 2], *p, *end;
	struct probe_cli_send o;
	char err[PROBE_CLI_ERR_MAX];
	long long secs;
	time_t t;
	int argc = 0, i;

	fuzz_check(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"send";
	for (p = buf, end = buf + size; p < end && argc <= FUZZ_ARGS_MAX;
	    p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	err[0] = '\0';
	if (probe_cli_parse_send(argc, argv, &o, err, sizeof(err)) != 0) {
		/* Printed escaped (probe_escape_text): any bytes may be in. */
		fuzz_check(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
	} else {
		fuzz_check(o.nto <= SMTP_RCPTS_MAX);
		fuzz_check(o.ncatalogs <= PROBE_CLI_CATALOGS_MAX);
		fuzz_check(o.npaths <= PROBE_CLI_PATHS_MAX);
		fuzz_check(o.port >= 0 && o.port <= 65535);
		fuzz_check(o.server_port >= 0 && o.server_port <= 65535);
		for (i = 0; (size_t)i < o.nto; i++)
			fuzz_check(o.to[i][0] != '\0' &&
			    strchr(o.to[i], ',') == NULL);
	}
	/* The words once more, as times. */
	for (i = 1; i < argc; i++) {
		if (probe_when_duration(argv[i], &secs) == 0)
			fuzz_check(secs >= 0);
		if (probe_when_parse(argv[i], FUZZ_NOW, &t) == 0 &&
		    argv[i][0] != '@' && strchr(argv[i], '-') == NULL)
			fuzz_check(t <= FUZZ_NOW);
	}
	free(buf);
	return 0;
}
