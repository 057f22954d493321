/*
 * test_fakemx - the fake MX that the integration tests stand on: it must
 * send what the scenario says, pick replies by peer address and argument,
 * keep a multi-line reply in one write, log the dialogue, speak STARTTLS
 * with the throwaway CA and report a broken expect-source in its exit
 * status. Clients here are plain sockets bound to 127.0.0.x.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/support/dnsmasq_run.h"
#include "tests/support/fakemx_run.h"

/* How long a test waits for one reply, and for fakemx to finish. */
#define REPLY_WAIT_MS	5000
#define EXIT_WAIT_MS	5000
#define REPLY_BUF	8192
/* fakemx's longest command line without CRLF (FAKEMX_LINE_MAX). */
#define LINE_LIMIT	4096

TestSuite(fakemx, .timeout = 30);

/* connect_from - a TCP connection from src (127.0.0.x) to 127.0.0.1. */
static int
connect_from(const char *src, int port)
{
	struct sockaddr_in	 sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd != -1, "socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	cr_assert(inet_pton(AF_INET, src, &sin.sin_addr) == 1);
	/* Linux answers for all of 127.0.0.0/8 on lo without any setup. */
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "bind %s: %s", src, strerror(errno));
	sin.sin_port = htons((uint16_t)port);
	cr_assert(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr) == 1);
	cr_assert(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "connect: %s", strerror(errno));
	return fd;
}

/* recv_once - one recv() after waiting for data; "" at EOF. */
static void
recv_once(int fd, char *buf, size_t size)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	ssize_t		 n;

	cr_assert(poll(&pfd, 1, REPLY_WAIT_MS) == 1, "no reply in time");
	n = recv(fd, buf, size - 1, 0);
	cr_assert(n >= 0, "recv: %s", strerror(errno));
	buf[n] = '\0';
}

/*
 * read_reply - read until the buffer ends with a complete reply: a line
 * "NNN text\r\n" (RFC 5321 4.2: only the last line has a space).
 */
static void
read_reply(int fd, char *buf, size_t size)
{
	const char	*last;
	size_t		 len = 0;

	for (;;) {
		recv_once(fd, buf + len, size - len);
		cr_assert(buf[len] != '\0', "connection closed after '%s'",
		    buf);
		len += strlen(buf + len);
		if (len < 2 || strcmp(buf + len - 2, "\r\n") != 0)
			continue;
		for (last = buf + len - 2; last > buf && last[-1] != '\n';)
			last--;
		if (strlen(last) >= 4 && last[3] == ' ')
			return;
	}
}

/* chat - send a command line and read the whole reply into buf. */
static void
chat(int fd, const char *cmd, char *buf, size_t size)
{
	cr_assert(send(fd, cmd, strlen(cmd), 0) == (ssize_t)strlen(cmd));
	read_reply(fd, buf, size);
}

/* banner_from - connect from src and return the banner in buf. */
static void
banner_from(const char *src, int port, char *buf, size_t size)
{
	int	 fd;

	fd = connect_from(src, port);
	read_reply(fd, buf, size);
	chat(fd, "QUIT\r\n", buf + strlen(buf), size - strlen(buf));
	close(fd);
}

Test(fakemx, sends_the_scenario_banner_first)
{
	struct fakemx_run	 r;
	char			 buf[REPLY_BUF];

	cr_assert(fakemx_run_start(&r, "banner: 220 mx.test ESMTP hello\n",
	    NULL, 1, false) == 0);
	banner_from("127.0.0.1", r.port, buf, sizeof(buf));
	cr_expect_str_eq(buf, "220 mx.test ESMTP hello\r\n221 2.0.0 Bye\r\n");
	cr_expect_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 0);
	fakemx_run_stop(&r);
}

Test(fakemx, writes_a_multiline_reply_in_one_piece)
{
	struct fakemx_run	 r;
	char			 buf[REPLY_BUF];
	const char		*cmd = "EHLO client.example\r\n";
	int			 fd;

	cr_assert(fakemx_run_start(&r,
	    "ehlo: 250-mx.test greets {helo}\n"
	    "ehlo: 250-SIZE 157286400\n"
	    "ehlo: 250-STARTTLS\n"
	    "ehlo: 250 SMTPUTF8\n", NULL, 1, false) == 0);
	fd = connect_from("127.0.0.1", r.port);
	read_reply(fd, buf, sizeof(buf));
	cr_assert(send(fd, cmd, strlen(cmd), 0) == (ssize_t)strlen(cmd));
	/* One write() of a few bytes reaches a loopback reader whole. */
	recv_once(fd, buf, sizeof(buf));
	cr_expect_str_eq(buf, "250-mx.test greets client.example\r\n"
	    "250-SIZE 157286400\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n");
	close(fd);
	fakemx_run_stop(&r);
}

Test(fakemx, picks_the_reply_group_by_peer_address)
{
	struct fakemx_run	 r;
	char			 two[REPLY_BUF], three[REPLY_BUF];
	char			 one[REPLY_BUF];

	cr_assert(fakemx_run_start(&r,
	    "banner@127.0.0.2: 220 for two\n"
	    "banner@!127.0.0.3: 220 for all but three\n"
	    "banner: 220 default\n", NULL, 3, false) == 0);
	banner_from("127.0.0.2", r.port, two, sizeof(two));
	banner_from("127.0.0.3", r.port, three, sizeof(three));
	banner_from("127.0.0.1", r.port, one, sizeof(one));
	cr_expect_str_eq(two, "220 for two\r\n221 2.0.0 Bye\r\n");
	cr_expect_str_eq(three, "220 default\r\n221 2.0.0 Bye\r\n");
	cr_expect_str_eq(one, "220 for all but three\r\n221 2.0.0 Bye\r\n");
	cr_expect_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 0);
	fakemx_run_stop(&r);
}

Test(fakemx, picks_the_reply_group_by_argument_in_any_case)
{
	struct fakemx_run	 r;
	char			 buf[REPLY_BUF];
	int			 fd;

	cr_assert(fakemx_run_start(&r,
	    "rcpt~NoSuchUser: 550-5.1.1 no {rcpt}\n"
	    "rcpt~NoSuchUser: 550 5.1.1 really\n"
	    "rcpt: 250 2.1.5 OK\n", NULL, 1, false) == 0);
	fd = connect_from("127.0.0.1", r.port);
	read_reply(fd, buf, sizeof(buf));
	chat(fd, "MAIL FROM:<a@example.org>\r\n", buf, sizeof(buf));
	chat(fd, "RCPT TO:<nosuchuser@gmail.test>\r\n", buf, sizeof(buf));
	cr_expect_str_eq(buf, "550-5.1.1 no nosuchuser@gmail.test\r\n"
	    "550 5.1.1 really\r\n");
	chat(fd, "rcpt to:<someone@gmail.test>\r\n", buf, sizeof(buf));
	cr_expect_str_eq(buf, "250 2.1.5 OK\r\n");
	close(fd);
	fakemx_run_stop(&r);
}

Test(fakemx, exits_1_and_logs_when_the_source_address_is_unexpected)
{
	struct fakemx_run	 r;
	char			 buf[REPLY_BUF];
	char			*log;

	cr_assert(fakemx_run_start(&r, "expect-source 127.0.0.2\n", NULL, 1,
	    false) == 0);
	banner_from("127.0.0.3", r.port, buf, sizeof(buf));
	cr_expect_str_eq(buf, "220 fakemx ESMTP\r\n221 2.0.0 Bye\r\n",
	    "the session is still served normally");
	cr_expect_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 1);
	log = fakemx_run_log(&r);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "error unexpected source 127.0.0.3\n"),
	    "log: %s", log);
	free(log);
	fakemx_run_stop(&r);
}

Test(fakemx, exits_0_when_the_source_address_is_the_expected_one)
{
	struct fakemx_run	 r;
	char			 buf[REPLY_BUF];

	cr_assert(fakemx_run_start(&r, "expect-source 127.0.0.2\n", NULL, 1,
	    false) == 0);
	banner_from("127.0.0.2", r.port, buf, sizeof(buf));
	cr_expect_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 0);
	fakemx_run_stop(&r);
}

Test(fakemx, logs_the_peer_every_command_and_the_unstuffed_message)
{
	struct fakemx_run	 r;
	char			 buf[REPLY_BUF];
	char			*log;
	int			 fd;

	cr_assert(fakemx_run_start(&r,
	    "eod: 250 2.0.0 queued for {from_domain} from [{ip}]\n", NULL, 1,
	    false) == 0);
	fd = connect_from("127.0.0.2", r.port);
	read_reply(fd, buf, sizeof(buf));
	chat(fd, "EHLO client.example\r\n", buf, sizeof(buf));
	chat(fd, "MAIL FROM:<a@sender.example>\r\n", buf, sizeof(buf));
	chat(fd, "RCPT TO:<b@gmail.test>\r\n", buf, sizeof(buf));
	chat(fd, "DATA\r\n", buf, sizeof(buf));
	cr_expect_str_eq(buf, "354 Go ahead\r\n");
	chat(fd, "Subject: t\r\n\r\n..leading dot\r\n.\r\n", buf, sizeof(buf));
	cr_expect_str_eq(buf, "250 2.0.0 queued for sender.example from "
	    "[127.0.0.2]\r\n");
	chat(fd, "QUIT\r\n", buf, sizeof(buf));
	close(fd);
	cr_assert_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 0);
	log = fakemx_run_log(&r);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "session 1 peer 127.0.0.2 port "));
	cr_expect_not_null(strstr(log, " local 127.0.0.1:"));
	cr_expect_not_null(strstr(log, "\nrecv EHLO client.example\n"
	    "recv MAIL FROM:<a@sender.example>\nrecv RCPT TO:<b@gmail.test>\n"
	    "recv DATA\ndata-line Subject: t\ndata-line \n"
	    "data-line .leading dot\ndata-end 3 28\nrecv QUIT\nend 1\n"),
	    "log: %s", log);
	free(log);
	fakemx_run_stop(&r);
}

Test(fakemx, closes_the_connection_after_the_421_banner)
{
	struct fakemx_run	 r;
	char			 path[FAKEMX_RUN_PATH_MAX], buf[REPLY_BUF];
	int			 fd;

	cr_assert(fakemx_run_scenario(path, sizeof(path),
	    "banner-421.scn") == 0);
	cr_assert(fakemx_run_start(&r, path, NULL, 1, false) == 0);
	fd = connect_from("127.0.0.1", r.port);
	read_reply(fd, buf, sizeof(buf));
	cr_expect_str_eq(buf, "421 4.7.0 Try again later, closing connection."
	    " smtpprobe-sim - gsmtp\r\n");
	recv_once(fd, buf, sizeof(buf));
	cr_expect_str_eq(buf, "", "expected EOF, got '%s'", buf);
	close(fd);
	cr_expect_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 0);
	fakemx_run_stop(&r);
}

Test(fakemx, answers_an_overlong_line_with_500)
{
	struct fakemx_run	 r;
	char			 line[LINE_LIMIT + 8], buf[REPLY_BUF];
	int			 fd;

	cr_assert(fakemx_run_start(&r, "noop: 250 fine\n", NULL, 1,
	    false) == 0);
	fd = connect_from("127.0.0.1", r.port);
	read_reply(fd, buf, sizeof(buf));
	/* LINE_LIMIT bytes before the CRLF are allowed, one more is not. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	memcpy(line + LINE_LIMIT, "\r\n", 3);
	chat(fd, line, buf, sizeof(buf));
	cr_expect_str_eq(buf, "250 fine\r\n");
	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	memcpy(line + LINE_LIMIT + 1, "\r\n", 3);
	chat(fd, line, buf, sizeof(buf));
	cr_expect_str_eq(buf, "500 5.5.2 Line too long\r\n");
	chat(fd, "NOOP\r\n", buf, sizeof(buf));
	cr_expect_str_eq(buf, "250 fine\r\n", "the next line is read anew");
	close(fd);
	fakemx_run_stop(&r);
}

/*
 * run_s_client - openssl s_client through STARTTLS, verifying the chain
 * against ca and the name mx.gmail.test; sends QUIT. Returns its status.
 */
static int
run_s_client(int port, const char *ca)
{
	char	 connect[64];
	int	 in[2], null, st;
	pid_t	 pid;

	(void)snprintf(connect, sizeof(connect), "127.0.0.1:%d", port);
	cr_assert(pipe(in) == 0);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		if (dup2(in[0], 0) == -1 || dup2(null, 1) == -1 ||
		    dup2(null, 2) == -1)
			_exit(127);
		close(in[1]);
		execlp("openssl", "openssl", "s_client", "-connect", connect,
		    "-starttls", "smtp", "-CAfile", ca, "-verify_return_error",
		    "-verify_hostname", "mx.gmail.test", "-quiet", "-crlf",
		    (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	cr_assert(write(in[1], "QUIT\n", 5) == 5);
	close(in[1]);
	cr_assert(waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(fakemx, completes_starttls_with_a_certificate_from_the_test_ca)
{
	struct fakemx_run	 r;
	char			 path[FAKEMX_RUN_PATH_MAX];
	char			*log;

	cr_assert(fakemx_run_scenario(path, sizeof(path), "gmail-sim.scn") ==
	    0);
	cr_assert(fakemx_run_start(&r, path, NULL, 1, true) == 0);
	cr_assert_not_null(fakemx_run_ca(&r));
	cr_expect_eq(run_s_client(r.port, fakemx_run_ca(&r)), 0,
	    "s_client did not verify or complete the handshake");
	cr_assert_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 0);
	log = fakemx_run_log(&r);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "recv STARTTLS\ntls TLSv1.3 "),
	    "log: %s", log);
	cr_expect_not_null(strstr(log, "\nrecv QUIT\nend 1\n"), "log: %s",
	    log);
	free(log);
	fakemx_run_stop(&r);
}

Test(fakemx, exits_2_on_a_bad_scenario_line)
{
	struct fakemx_run	 r;

	cr_expect_eq(fakemx_run_start(&r, "banner: 220 ok\nrcpt@not-an-ip: x\n",
	    NULL, 1, false), -1);
	cr_expect_eq(fakemx_run_stop(&r), 2);
}

Test(fakemx, loads_every_shipped_scenario)
{
	static const char *const names[] = {
		"gmail-sim.scn", "banner-421.scn", "tls-required.scn",
		"starttls-inject.scn", "gmail-sim-spf.scn",
	};
	struct fakemx_run	 r;
	char			 path[FAKEMX_RUN_PATH_MAX];
	size_t			 i;

	/* Only a --dns-server's syntax is checked at start; none is asked. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert(fakemx_run_scenario(path, sizeof(path), names[i]) ==
		    0);
		cr_expect_eq(fakemx_run_start_dns(&r, path, NULL, 0, NULL,
		    "127.0.0.1:53"), 0, "%s", names[i]);
		cr_expect_eq(fakemx_run_stop(&r), 0, "%s", names[i]);
	}
}

Test(fakemx, exits_2_on_an_spf_condition_without_dns_server)
{
	struct fakemx_run	 r;

	cr_expect_eq(fakemx_run_start(&r, "eod?spf=pass: 250 ok\n", NULL, 1,
	    false), -1);
	cr_expect_eq(fakemx_run_stop(&r), 2);
}

Test(fakemx, exits_2_on_an_unknown_spf_result)
{
	struct fakemx_run	 r;

	cr_expect_eq(fakemx_run_start_dns(&r, "eod?spf=maybe: 250 ok\n",
	    NULL, 1, NULL, "127.0.0.1:53"), -1);
	cr_expect_eq(fakemx_run_stop(&r), 2);
	cr_expect_eq(fakemx_run_start_dns(&r, "eod?dkim=maybe: 250 ok\n",
	    NULL, 1, NULL, "127.0.0.1:53"), -1);
	cr_expect_eq(fakemx_run_stop(&r), 2);
}

Test(fakemx, exits_2_on_a_bad_dns_server)
{
	struct fakemx_run	 r;

	cr_expect_eq(fakemx_run_start_dns(&r, "eod: 250 ok\n", NULL, 1, NULL,
	    "dns.example:53"), -1);
	cr_expect_eq(fakemx_run_stop(&r), 2);
}

/* mail_from - a whole transaction from src; the reply to "." in buf. */
static void
mail_from(const char *src, int port, const char *from, char *buf,
    size_t size)
{
	char	 cmd[256];
	int	 fd;

	fd = connect_from(src, port);
	read_reply(fd, buf, size);
	chat(fd, "EHLO mail.example.test\r\n", buf, size);
	(void)snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", from);
	chat(fd, cmd, buf, size);
	chat(fd, "RCPT TO:<postmaster@gmail.test>\r\n", buf, size);
	chat(fd, "DATA\r\n", buf, size);
	chat(fd, "Subject: t\r\n\r\nhi\r\n.\r\n", buf, size);
	chat(fd, "QUIT\r\n", buf + strlen(buf), size - strlen(buf));
	close(fd);
}

Test(fakemx, picks_the_reply_group_by_spf_result)
{
	static const char *const zone[] = {
		"--local=/test/",
		"--txt-record=example.test,v=spf1 ip4:127.0.0.2 -all",
		"--txt-record=soft.test,v=spf1 ~all",
		NULL,
	};
	struct dnsmasq_run	 dns;
	struct fakemx_run	 r;
	char			 server[32], pass[REPLY_BUF], fail[REPLY_BUF];
	char			 soft[REPLY_BUF], none[REPLY_BUF];
	char			*log;

	cr_assert_eq(dnsmasq_run_start(&dns, zone), 0, "dnsmasq: %s",
	    dns.error);
	(void)snprintf(server, sizeof(server), "127.0.0.1:%d", dns.port);
	cr_assert(fakemx_run_start_dns(&r,
	    "eod?spf=pass: 250 spf passed\n"
	    "eod?!spf=fail: 451 not fail: {from_domain}\n"
	    "eod: 550 5.7.26 spf failed\n", NULL, 4, NULL, server) == 0);
	mail_from("127.0.0.2", r.port, "probe@example.test", pass,
	    sizeof(pass));
	mail_from("127.0.0.3", r.port, "probe@example.test", fail,
	    sizeof(fail));
	mail_from("127.0.0.3", r.port, "probe@soft.test", soft, sizeof(soft));
	mail_from("127.0.0.3", r.port, "probe@nospf.test", none, sizeof(none));
	cr_expect_str_eq(pass, "250 spf passed\r\n221 2.0.0 Bye\r\n");
	cr_expect_str_eq(fail, "550 5.7.26 spf failed\r\n221 2.0.0 Bye\r\n");
	cr_expect_str_eq(soft, "451 not fail: soft.test\r\n221 2.0.0 Bye\r\n");
	cr_expect_str_eq(none, "451 not fail: nospf.test\r\n221 2.0.0 Bye\r\n");
	cr_expect_eq(fakemx_run_wait(&r, EXIT_WAIT_MS), 0);
	log = fakemx_run_log(&r);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "\nspf pass\n"), "log: %s", log);
	cr_expect_not_null(strstr(log, "\nspf fail\n"), "log: %s", log);
	cr_expect_not_null(strstr(log, "\nspf softfail\n"), "log: %s", log);
	cr_expect_not_null(strstr(log, "\nspf none\n"), "log: %s", log);
	free(log);
	fakemx_run_stop(&r);
	dnsmasq_run_stop(&dns);
}
