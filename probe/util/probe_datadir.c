/*
 * probe_datadir - where the shipped profiles and catalogs are.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/util/probe_datadir.h"

/* Directory of the running binary, for finding the tree's profiles. */
static bool
datadir_exe_dir(char *out, size_t outlen)
{
	ssize_t n = readlink("/proc/self/exe", out, outlen - 1);
	char *slash;

	if (n <= 0)
		return false;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	return true;
}

static bool
datadir_is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool
probe_datadir_source_tree(char *out, size_t outlen)
{
	static const char *const up[] = { "", "/../.." };
	char exe[PATH_MAX], mark[PATH_MAX + 64];
	struct stat sb;
	size_t i;
	int n;

	if (!datadir_exe_dir(exe, sizeof(exe)))
		return false;
	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		n = snprintf(mark, sizeof(mark), "%s%s/smtp/smtp_dialog.h",
		    exe, up[i]);
		if (n <= 0 || (size_t)n >= sizeof(mark) ||
		    stat(mark, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		n = snprintf(out, outlen, "%s%s/profiles", exe, up[i]);
		if (n > 0 && (size_t)n < outlen && datadir_is_dir(out))
			return true;
	}
	return false;
}

const char *
probe_datadir_env(void)
{
	const char *d = getenv("SMTPPROBE_DATADIR");

	return d != NULL && d[0] != '\0' ? d : NULL;
}

const char *
probe_datadir_compiled(void)
{
	return SMTPPROBE_DATADIR;
}

int
probe_datadir_find(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *env = probe_datadir_env();
	int n;

	if (env != NULL) {
		n = snprintf(out, outlen, "%s/profiles", env);
		if (n > 0 && (size_t)n < outlen && datadir_is_dir(out))
			return 0;
		(void)snprintf(err, errlen, "SMTPPROBE_DATADIR=%.512s has no "
		    "profiles/ folder", env);
		return -1;
	}
	if (probe_datadir_source_tree(out, outlen))
		return 0;
	n = snprintf(out, outlen, "%s/profiles", SMTPPROBE_DATADIR);
	if (n > 0 && (size_t)n < outlen && datadir_is_dir(out))
		return 0;
	(void)snprintf(err, errlen, "no data folder: %s/profiles does not "
	    "exist (set SMTPPROBE_DATADIR to the folder holding profiles/ "
	    "for a moved or staged install)", SMTPPROBE_DATADIR);
	return -1;
}

