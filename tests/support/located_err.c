/*
 * located_err - FILE:LINE:COL error checks shared by the loader tests.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/located_err.h"

/* Loader messages are bounded well below this. */
#define LOCATED_ERR_MAX	2048

void
located_err_exact(int rc, const char *err, const char *path,
    unsigned long line, unsigned long col, const char *what)
{
	char want[LOCATED_ERR_MAX];

	cr_assert_eq(rc, -1, "loaded a file it should refuse");
	(void)snprintf(want, sizeof(want), "%s:%lu:%lu: %s", path, line, col,
	    what);	/* a cut shows as a mismatch */
	cr_assert_str_eq(err, want);
	cr_assert_null(strchr(err, '\n'), "the error is not one line");
}

void
located_err_says(int rc, const char *err, const char *path,
    unsigned long line, unsigned long col, const char *what)
{
	char want[LOCATED_ERR_MAX];
	size_t n;

	cr_assert_eq(rc, -1, "loaded a file it should refuse");
	(void)snprintf(want, sizeof(want), "%s:%lu:%lu: ", path, line, col);
	n = strlen(want);
	cr_assert_eq(strncmp(err, want, n), 0,
	    "\"%s\" does not start with \"%s\"", err, want);
	cr_assert_gt(strlen(err), n, "the error says nothing");
	cr_assert_not_null(strstr(err + n, what),
	    "\"%s\" does not say \"%s\"", err, what);
	cr_assert_null(strchr(err, '\n'), "the error is not one line: %s",
	    err);
}
