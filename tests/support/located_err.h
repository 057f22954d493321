/*
 * located_err - the one check every loader test makes of an error: it
 * was refused (rc -1), the message starts "PATH:LINE:COL: " and is one
 * line. Criterion assertions inside, so a failure names the test.
 */
#ifndef SMTPPROBE_TESTS_LOCATED_ERR_H
#define SMTPPROBE_TESTS_LOCATED_ERR_H

/* located_err_exact - err is exactly "PATH:LINE:COL: what". */
void	located_err_exact(int rc, const char *err, const char *path,
	    unsigned long line, unsigned long col, const char *what);

/*
 * located_err_says - err starts "PATH:LINE:COL: " and the rest holds
 * what (any non-empty text when what is "").
 */
void	located_err_says(int rc, const char *err, const char *path,
	    unsigned long line, unsigned long col, const char *what);

#endif
