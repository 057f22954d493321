/*
 * fuzz_psl - the Public Suffix List as DMARC uses it: libpsl loading a
 * hostile list file (probe_dmarc_psl_load(), psl_load_fp underneath) and
 * our organizational-domain function and relaxed alignment over it.
 *
 * Input: the list file, then a NUL, then NUL-separated domains to ask
 * about (a few fixed ones when none are given). The file goes into a
 * memory file (memfd_create) read back through /proc/self/fd/N, so the
 * loader runs unchanged. Invariants: a load ends with a verdict (loaded,
 * or an error in one line); an organizational domain is terminated, a
 * suffix of the domain asked (ignoring case and a trailing dot) that
 * starts at a label, and a domain aligns with itself in relaxed mode
 * whenever it has one; the same holds with no list loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/auth/probe_dmarc.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_PATH_MAX	32
#define FUZZ_DOMAINS_MAX 8

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* The bytes into a memory file; its fd, with its path in path. */
static int
fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz_psl", MFD_CLOEXEC);
	size_t done = 0;
	ssize_t n;

	fuzz_check(fd >= 0);
	while (done < size) {
		n = write(fd, data + done, size - done);
		fuzz_check(n > 0);
		done += (size_t)n;
	}
	n = snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	fuzz_check(n > 0 && (size_t)n < pathlen);
	return fd;
}

/* What org_domain and aligned promise for one domain. */
static void
fuzz_domain(const struct probe_dmarc_psl *psl, const char *d)
{
	char org[PROBE_DMARC_DOMAIN_MAX];
	size_t dlen = strlen(d), olen;

	if (!probe_dmarc_org_domain(psl, d, org, sizeof(org)))
		return;
	fuzz_check(memchr(org, '\0', sizeof(org)) != NULL);
	olen = strlen(org);
	if (dlen > 0 && d[dlen - 1] == '.')
		dlen--;
	fuzz_check(olen > 0 && olen <= dlen);
	fuzz_check(strncasecmp(d + dlen - olen, org, olen) == 0);
	fuzz_check(olen == dlen || d[dlen - olen - 1] == '.');
	fuzz_check(probe_dmarc_aligned(psl, d, d, PROBE_DMARC_RELAXED));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = { "mail.example.co.uk",
	    "mail.example.xn--55qx5d.cn", "a.b.c.d.example.ck", "www.ck",
	    "example", "EXAMPLE.COM.", "x.\xc3\xa9xample.com" };
	const uint8_t *nul = memchr(data, '\0', size);
	size_t listlen = nul != NULL ? (size_t)(nul - data) : size, n = 0, i;
	const char *domains[FUZZ_DOMAINS_MAX], *p, *end;
	struct probe_dmarc_psl psl, none;
	char path[FUZZ_PATH_MAX], err[256], *rest = NULL;
	int fd;

	fd = fuzz_memfile(data, listlen, path, sizeof(path));
	if (nul != NULL) {
		rest = malloc(size - listlen);
		fuzz_check(rest != NULL);
		memcpy(rest, nul + 1, size - listlen - 1);
		rest[size - listlen - 1] = '\0';
		end = rest + (size - listlen - 1);
		for (p = rest; p <= end && n < FUZZ_DOMAINS_MAX;
		    p += strlen(p) + 1)
			domains[n++] = p;
	}
	for (i = 0; n == 0 && i < sizeof(fixed) / sizeof(fixed[0]); i++)
		domains[i] = fixed[i];
	if (n == 0)
		n = sizeof(fixed) / sizeof(fixed[0]);
	probe_dmarc_psl_init(&psl);
	probe_dmarc_psl_init(&none);
	err[0] = '\0';
	if (probe_dmarc_psl_load(&psl, path, err, sizeof(err)) !=
	    PROBE_DMARC_OK) {
		fuzz_check(err[0] != '\0' && strchr(err, '\n') == NULL);
	}
	for (i = 0; i < n; i++) {
		fuzz_domain(&psl, domains[i]);
		fuzz_domain(&none, domains[i]);
	}
	probe_dmarc_psl_free(&psl);
	free(rest);
	close(fd);
	return 0;
}
