/*
 * cmd_run - run a program from a test and keep what it printed: argv in
 * (and optionally a file as its standard input), exit status, stdout and
 * stderr out, with a deadline after which the program is killed (and the
 * test sees status -1). Tests may fork and
 * exec; smtpprobe itself never does.
 */
#ifndef SMTPPROBE_TESTS_CMD_RUN_H
#define SMTPPROBE_TESTS_CMD_RUN_H

#include <stddef.h>

struct cmd_run {
	int	 status;	/* exit status, -1 when killed or failed */
	char	*out;		/* stdout, NUL-terminated, owned */
	char	*err;		/* stderr, NUL-terminated, owned */
	double	 elapsed_ms;
};

/*
 * cmd_run - run argv[0] with argv (NULL-terminated) for at most
 * timeout_ms. Fills *r; free with cmd_run_free(). Returns 0 when the
 * program ran and exited, -1 otherwise.
 */
int	cmd_run(struct cmd_run *r, const char *const *argv, int timeout_ms);

/*
 * cmd_run_stdin - cmd_run with the program's standard input read from
 * the file stdin_path (NULL: inherited, as cmd_run does). A file that
 * cannot be opened makes the spawn fail: -1, status -1.
 */
int	cmd_run_stdin(struct cmd_run *r, const char *const *argv,
	    int timeout_ms, const char *stdin_path);
void	cmd_run_free(struct cmd_run *r);

#endif
