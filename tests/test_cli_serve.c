/*
 * test_cli_serve - smtpprobe serve as Prometheus and systemd meet it:
 * /metrics after a probe cycle, 404 elsewhere, scrapes that send no
 * mail (the fake MX counts sessions), SIGHUP with a good and a bad
 * configuration, SIGTERM and SIGINT, and hostile HTTP clients. The fake
 * MX plays Gmail (it accepts mail from 127.0.0.2 only, so mail2 from
 * 127.0.0.3 is refused); a private dnsmasq serves gmail.test.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/testnet.h"
#include "tests/support/tmp_dir.h"

/* How long a probe cycle, a reload or a start may take at most. */
#define WAIT_MS		20000
/* SIGTERM must end serve within its 5 s bound; a second of slack. */
#define STOP_MS		6000
#define BODY_MAX	(256 * 1024)

/* A stalled MX's test lengthens net.timeout, the probes' --timeout. */
static struct testnet net;
static pid_t serve_pid = -1;
static int serve_port;

static const char config_two[] =
    "paths:\n"
    TESTNET_PATH("mail1", "127.0.0.2")
    TESTNET_PATH("mail2", "127.0.0.3");

static const char config_one[] =
    "paths:\n"
    TESTNET_PATH("mail1", "127.0.0.2");

static const char config_bad[] =
    "paths:\n"
    "  - name: mail1\n"
    "    sourse: 127.0.0.2\n";

static void
setup(void)
{
	/* Each test writes its own config.yaml. */
	cr_assert_eq(testnet_gmail_start(&net, NULL), 0, "%s", net.error);
	cr_assert_not_null(tmp_dir_write(&net.dir, "serve.err", "", 0));
}

static void
teardown(void)
{
	if (serve_pid > 0) {
		kill(serve_pid, SIGKILL);
		waitpid(serve_pid, NULL, 0);
		serve_pid = -1;
	}
	testnet_stop(&net);
}

TestSuite(cli_serve, .init = setup, .fini = teardown, .timeout = 120);

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The whole of a file of the test's folder, NUL-terminated (static). */
static const char *
read_file(const char *name)
{
	static char buf[BODY_MAX];
	char path[512];
	size_t n;
	FILE *fp;

	buf[0] = '\0';
	fp = fopen(tmp_dir_path(&net.dir, name, path, sizeof(path)), "r");
	if (fp == NULL)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/*
 * smtpprobe serve on the test network, the config file config.yaml,
 * stderr into serve.err, listening on a port of the kernel's choice,
 * which is read back from its first line.
 */
static void
serve_start(const char *config)
{
	char cfg[512], errp[512];
	const char *argv[32];
	const char *line;
	long until = now_ms() + WAIT_MS;
	size_t n = 0;
	int fd;

	cr_assert_not_null(tmp_dir_write(&net.dir, "config.yaml", config,
	    strlen(config)));
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "serve";
	argv[n++] = "--config";
	argv[n++] = tmp_dir_path(&net.dir, "config.yaml", cfg, sizeof(cfg));
	argv[n++] = "--listen=127.0.0.1:0";
	argv[n++] = "--interval";
	argv[n++] = "1h";
	argv[n++] = "--jitter=0";
	cr_assert_eq(testnet_args(&net, argv, &n, 32), 0, "%s", net.error);
	argv[n] = NULL;
	tmp_dir_path(&net.dir, "serve.err", errp, sizeof(errp));
	/* Emptied here, not in the child: the last run's line would do. */
	cr_assert_eq(truncate(errp, 0), 0);
	serve_pid = fork();
	cr_assert_geq(serve_pid, 0);
	if (serve_pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(errp, O_WRONLY | O_TRUNC);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		setenv("SMTPPROBE_HISTORY", "off", 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	serve_port = 0;
	while (serve_port == 0 && now_ms() < until) {
		line = strstr(read_file("serve.err"), "listening on 127.0.0.1:");
		if (line != NULL)
			serve_port = (int)strtol(line + strlen("listening on "
			    "127.0.0.1:"), NULL, 10);
		else
			usleep(20000);
	}
	cr_assert_gt(serve_port, 0, "serve did not start: %s",
	    read_file("serve.err"));
}

/*
 * Send req (len bytes) to serve and read the answer into buf (static,
 * NUL-terminated); NULL when the connection failed. The read ends at
 * the server's close or after WAIT_MS.
 */
static const char *
http_raw(const char *req, size_t len)
{
	static char buf[BODY_MAX];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pollfd pfd;
	long until = now_ms() + WAIT_MS;
	size_t got = 0, sent = 0;
	ssize_t k;
	int fd;

	sa.sin_port = htons((uint16_t)serve_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return NULL;
	}
	/* A hostile client may be cut off half-way: that is an answer. */
	while (sent < len && (k = write(fd, req + sent, len - sent)) > 0)
		sent += (size_t)k;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got + 1 < sizeof(buf) && now_ms() < until &&
	    poll(&pfd, 1, 200) >= 0) {
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	close(fd);
	return buf;
}

static const char *
http_get(const char *method, const char *target)
{
	char req[1024];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: "
	    "127.0.0.1\r\n\r\n", method, target);

	return http_raw(req, (size_t)n);
}

/* Scrape until want is in the body or WAIT_MS passed; the last body. */
static const char *
scrape_until(const char *want)
{
	long until = now_ms() + WAIT_MS;
	const char *body;

	do {
		body = http_get("GET", "/metrics");
		cr_assert_not_null(body, "serve does not answer");
		if (strstr(body, want) != NULL)
			return body;
		usleep(50000);
	} while (now_ms() < until);
	cr_assert_fail("never scraped %s; last body:\n%s\nstderr: %s", want,
	    body, read_file("serve.err"));
	return NULL;
}

/* How many SMTP sessions the fake MX has seen. */
static int
sessions(void)
{
	char *log = fakemx_run_log(&net.mx), *p;
	int n = 0;

	cr_assert_not_null(log);
	for (p = log; (p = strstr(p, "session ")) != NULL; p++)
		if (p == log || p[-1] == '\n')
			n++;
	free(log);
	return n;
}

/* SIGnal serve and wait for it; its exit status, -1 after STOP_MS. */
static int
serve_stop(int sig, long *took_ms)
{
	long start = now_ms();
	int status;
	pid_t r;

	cr_assert_eq(kill(serve_pid, sig), 0);
	while ((r = waitpid(serve_pid, &status, WNOHANG)) == 0 &&
	    now_ms() - start < STOP_MS)
		usleep(10000);
	*took_ms = now_ms() - start;
	if (r != serve_pid)
		return -1;
	serve_pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(cli_serve, serves_every_cells_metrics_after_one_probe_cycle)
{
	const char *body;

	serve_start(config_two);
	body = scrape_until("smtpprobe_serve_probes_total 2\n");
	cr_assert(strstr(body, "HTTP/1.1 200") || strstr(body, "HTTP/1.0 200"),
	    "%s", body);
	cr_assert_not_null(strstr(body, "Content-Type: text/plain; "
	    "version=0.0.4"), "%s", body);
	cr_assert_not_null(strstr(body,
	    "smtpprobe_path_up{path=\"mail1\",profile=\"gmail\"} 1\n"));
	cr_assert_not_null(strstr(body,
	    "smtpprobe_path_up{path=\"mail2\",profile=\"gmail\"} 0\n"));
	cr_assert_not_null(strstr(body, "smtpprobe_path_verdict{path=\"mail2\","
	    "profile=\"gmail\",verdict=\"fail\"} 1\n"));
	cr_assert_not_null(strstr(body, "smtpprobe_path_reply_code{path="
	    "\"mail2\",profile=\"gmail\"} 550\n"));
	cr_assert_not_null(strstr(body, "smtpprobe_path_tls_version_info{"));
	cr_assert_not_null(strstr(body,
	    "smtpprobe_path_cert_not_after_timestamp_seconds{"));
	cr_assert_not_null(strstr(body, "smtpprobe_last_run_timestamp_seconds{"
	    "path=\"mail1\""));
	cr_assert_not_null(strstr(body, "smtpprobe_serve_up 1\n"));
	cr_assert_not_null(strstr(body,
	    "smtpprobe_serve_config_load_success 1\n"));
	cr_assert_not_null(strstr(body, "smtpprobe_serve_probe_errors_total 0\n"));
	cr_assert_not_null(strstr(body, "# TYPE smtpprobe_serve_probes_total "
	    "counter\n"));
}

Test(cli_serve, answers_404_to_every_path_but_metrics_and_never_reads_a_target)
{
	static const char *const paths[] = { "/", "/metrics/", "/probe?target="
	    "evil.example", "/metricsx", "/../metrics", "/METRICS", NULL };
	const char *body;
	size_t i;

	serve_start(config_one);
	scrape_until("smtpprobe_serve_probes_total 1\n");
	for (i = 0; paths[i] != NULL; i++) {
		body = http_get("GET", paths[i]);
		cr_assert_not_null(body);
		cr_assert(strncmp(body, "HTTP/1.0 404", 12) == 0 ||
		    strncmp(body, "HTTP/1.1 404", 12) == 0, "%s: %s", paths[i],
		    body);
	}
	body = http_get("POST", "/metrics");
	cr_assert_not_null(strstr(body, " 405 "), "%s", body);
	cr_assert_not_null(strstr(body, "Allow: GET, HEAD"), "%s", body);
	/* A query string is not a target: the same cells, nothing new. */
	body = http_get("GET", "/metrics?target=evil.example&module=x");
	cr_assert_not_null(strstr(body, " 200 "), "%s", body);
	cr_assert_null(strstr(body, "evil"), "%s", body);
	cr_assert_eq(sessions(), 1);
}

Test(cli_serve, sends_no_mail_when_scraped)
{
	int i;

	serve_start(config_two);
	scrape_until("smtpprobe_serve_probes_total 2\n");
	cr_assert_eq(sessions(), 2);
	for (i = 0; i < 50; i++)
		cr_assert_not_null(http_get(i % 2 ? "HEAD" : "GET",
		    "/metrics"));
	usleep(300000);
	cr_assert_eq(sessions(), 2, "a scrape started a probe");
	cr_assert_not_null(strstr(http_get("GET", "/metrics"),
	    "smtpprobe_serve_probes_total 2\n"));
}

Test(cli_serve, reloads_a_good_config_on_sighup_and_keeps_the_old_on_a_bad_one)
{
	const char *body;

	serve_start(config_one);
	scrape_until("smtpprobe_serve_probes_total 1\n");
	cr_assert_not_null(tmp_dir_write(&net.dir, "config.yaml", config_two,
	    strlen(config_two)));
	cr_assert_eq(kill(serve_pid, SIGHUP), 0);
	/* The new path is probed; mail1's result is kept, not probed again. */
	body = scrape_until("smtpprobe_serve_probes_total 2\n");
	cr_assert_not_null(strstr(body, "smtpprobe_serve_cells 2\n"), "%s",
	    body);
	cr_assert_not_null(strstr(body,
	    "smtpprobe_path_up{path=\"mail2\",profile=\"gmail\"} 0\n"));
	cr_assert_not_null(strstr(body,
	    "smtpprobe_path_up{path=\"mail1\",profile=\"gmail\"} 1\n"));
	cr_assert_eq(sessions(), 2);
	cr_assert_not_null(tmp_dir_write(&net.dir, "config.yaml", config_bad,
	    strlen(config_bad)));
	cr_assert_eq(kill(serve_pid, SIGHUP), 0);
	body = scrape_until("smtpprobe_serve_config_load_success 0\n");
	cr_assert_not_null(strstr(body, "smtpprobe_serve_cells 2\n"));
	cr_assert_not_null(strstr(body,
	    "smtpprobe_path_up{path=\"mail2\",profile=\"gmail\"} 0\n"));
	cr_assert_not_null(strstr(read_file("serve.err"),
	    "configuration not reloaded"), "%s", read_file("serve.err"));
	cr_assert_not_null(strstr(read_file("serve.err"), "sourse"));
}

Test(cli_serve, exits_0_promptly_on_sigterm_and_sigint)
{
	long took;
	int rc;

	serve_start(config_one);
	scrape_until("smtpprobe_serve_probes_total 1\n");
	rc = serve_stop(SIGTERM, &took);
	cr_assert_eq(rc, 0, "status %d: %s", rc, read_file("serve.err"));
	cr_assert_lt(took, 2000);
	serve_start(config_one);
	rc = serve_stop(SIGINT, &took);
	cr_assert_eq(rc, 0, "status %d: %s", rc, read_file("serve.err"));
	cr_assert_lt(took, STOP_MS);
}

/*
 * A probe that would wait a minute for a banner that never comes does not
 * hold SIGTERM up: serve leaves it within its 5 s bound, status 0.
 */
Test(cli_serve, stops_within_its_bound_while_a_probe_hangs)
{
	long took, until;
	int rc;

	cr_assert_eq(testnet_mx_start(&net, "banner stall:\n", 0,
	    TESTNET_MX_TLS), 0, "%s", net.error);
	net.timeout = "60";
	serve_start(config_one);
	until = now_ms() + WAIT_MS;
	while (sessions() < 1 && now_ms() < until)
		usleep(20000);
	cr_assert_eq(sessions(), 1);
	rc = serve_stop(SIGTERM, &took);
	cr_assert_eq(rc, 0, "status %d: %s", rc, read_file("serve.err"));
	cr_assert_lt(took, STOP_MS);
	net.timeout = TESTNET_TIMEOUT;
}

/* A request that is all headers: n copies of a long one. */
static char *
huge_headers(size_t n, size_t *len)
{
	static const char head[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
	static const char hdr[] = "X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
	char *req = malloc(sizeof(head) + n * (sizeof(hdr) - 1) + 3);
	size_t i, at;

	cr_assert_not_null(req);
	memcpy(req, head, sizeof(head) - 1);
	at = sizeof(head) - 1;
	for (i = 0; i < n; i++, at += sizeof(hdr) - 1)
		memcpy(req + at, hdr, sizeof(hdr) - 1);
	memcpy(req + at, "\r\n", 2);
	*len = at + 2;
	return req;
}

Test(cli_serve, survives_hostile_and_huge_requests)
{
	static const char body_req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 100000000\r\n\r\nxxxxxxxxxxxxxxxx";
	static const char nul_req[] = "GET /met\0rics HTTP/1.1\r\n\r\n";
	static const char bad_version[] = "GET /metrics HTTP/9.9\r\n\r\n";
	char *req, *line;
	const char *r;
	size_t len;

	serve_start(config_one);
	scrape_until("smtpprobe_serve_probes_total 1\n");
	req = huge_headers(20000, &len);	/* about 2 MB of headers */
	r = http_raw(req, len);
	free(req);
	cr_assert(r == NULL || strstr(r, " 200 ") == NULL, "%.200s", r);
	line = malloc(200000);
	cr_assert_not_null(line);
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', 200000 - 5);
	http_raw(line, 200000);
	free(line);
	http_raw(body_req, sizeof(body_req) - 1);
	http_raw(nul_req, sizeof(nul_req) - 1);
	http_raw("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
	http_raw(bad_version, sizeof(bad_version) - 1);
	/* Still there, still answering, still exiting cleanly. */
	cr_assert_eq(waitpid(serve_pid, NULL, WNOHANG), 0, "serve died");
	scrape_until("smtpprobe_serve_up 1\n");
	cr_assert_eq(sessions(), 1);
	{
		long took;

		cr_assert_eq(serve_stop(SIGTERM, &took), 0, "%s",
		    read_file("serve.err"));
	}
}

/* Usage errors exit 3 before anything listens or probes. */
Test(cli_serve, refuses_send_only_flags_a_bad_listen_and_a_bad_config)
{
	long took;
	int rc;

	cr_assert_not_null(tmp_dir_write(&net.dir, "config.yaml", config_bad,
	    strlen(config_bad)));
	serve_pid = fork();
	cr_assert_geq(serve_pid, 0);
	if (serve_pid == 0) {
		char cfg[512];

		execl(SMTPPROBE_BIN, SMTPPROBE_BIN, "serve", "--config",
		    tmp_dir_path(&net.dir, "config.yaml", cfg, sizeof(cfg)),
		    "--listen", "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	rc = serve_stop(0, &took);
	cr_assert_eq(rc, 3);
	cr_assert_eq(sessions(), 0);
}

Test(cli_serve, refuses_a_target_a_send_format_and_a_bad_address)
{
	static const char *const bad[][6] = {
		{ "--to", "x@gmail.test", NULL },
		{ "--format", "prometheus", NULL },
		{ "--listen", "localhost:9185", NULL },
		{ "--listen", "127.0.0.1:99999", NULL },
		{ "--listen", "127.0.0.1", NULL },
		{ "--interval", "0", NULL },
		{ "--interval", "2d", NULL },
		{ "--jitter", NULL },
	};
	const char *argv[10];
	struct cmd_run r;
	size_t i, k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = SMTPPROBE_BIN;
		argv[1] = "serve";
		for (k = 0; bad[i][k] != NULL; k++)
			argv[2 + k] = bad[i][k];
		argv[2 + k] = NULL;
		cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0);
		cr_assert_eq(r.status, 3, "%s %s: %d %s", bad[i][0],
		    bad[i][1] ? bad[i][1] : "", r.status, r.err);
		cr_assert_not_null(strstr(r.err, "smtpprobe serve: "), "%s",
		    r.err);
		cmd_run_free(&r);
	}
}
