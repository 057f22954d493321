/*
 * dns_filter - a UDP relay that drops one query type. See dns_filter.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/dns_filter.h"

/* RFC 1035 4.2.1: UDP messages are at most 512 bytes; EDNS allows more. */
#define FILTER_MSG_MAX		4096
#define FILTER_HEADER_LEN	12
/* Query ids are 16 bits: one client address each. */
#define FILTER_IDS		65536

/* The QTYPE of a query, or -1 when it cannot be read. */
static int
filter_qtype(const unsigned char *m, size_t len)
{
	size_t i = FILTER_HEADER_LEN;

	while (i < len && m[i] != 0) {
		if ((m[i] & 0xc0) != 0)
			return -1;	/* no compression in a question */
		i += (size_t)m[i] + 1;
	}
	if (i + 3 > len)
		return -1;
	return m[i + 1] << 8 | m[i + 2];
}

static int
filter_socket(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The relay's loop, in the child; never returns. */
static void
filter_run(int front, int back, int upstream_port, unsigned qtype)
{
	struct sockaddr_in *clients = calloc(FILTER_IDS, sizeof(*clients));
	struct sockaddr_in up, from;
	struct pollfd pfd[2] = { { front, POLLIN, 0 }, { back, POLLIN, 0 } };
	unsigned char m[FILTER_MSG_MAX];
	socklen_t fromlen;
	ssize_t n;
	unsigned id;

	if (clients == NULL)
		_exit(1);
	memset(&up, 0, sizeof(up));
	up.sin_family = AF_INET;
	up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	up.sin_port = htons((unsigned short)upstream_port);
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		fromlen = sizeof(from);
		if ((pfd[0].revents & POLLIN) != 0 && (n = recvfrom(front, m,
		    sizeof(m), 0, (struct sockaddr *)&from, &fromlen)) >=
		    FILTER_HEADER_LEN) {
			id = (unsigned)(m[0] << 8 | m[1]);
			clients[id] = from;
			if (filter_qtype(m, (size_t)n) != (int)qtype)
				(void)sendto(back, m, (size_t)n, 0,
				    (struct sockaddr *)&up, sizeof(up));
		}
		if ((pfd[1].revents & POLLIN) != 0 && (n = recv(back, m,
		    sizeof(m), 0)) >= FILTER_HEADER_LEN) {
			id = (unsigned)(m[0] << 8 | m[1]);
			(void)sendto(front, m, (size_t)n, 0,
			    (struct sockaddr *)&clients[id],
			    sizeof(clients[id]));
		}
	}
}

int
dns_filter_start(struct dns_filter *f, int upstream_port, unsigned qtype)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int front, back;

	memset(f, 0, sizeof(*f));
	front = filter_socket(0);
	back = filter_socket(0);
	if (front < 0 || back < 0 || getsockname(front,
	    (struct sockaddr *)&sin, &len) != 0) {
		(void)snprintf(f->error, sizeof(f->error), "socket: %s",
		    strerror(errno));
		goto fail;
	}
	f->port = ntohs(sin.sin_port);
	f->pid = fork();
	if (f->pid < 0) {
		(void)snprintf(f->error, sizeof(f->error), "fork: %s",
		    strerror(errno));
		goto fail;
	}
	if (f->pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		filter_run(front, back, upstream_port, qtype);
	}
	close(front);
	close(back);
	return 0;
fail:
	if (front >= 0)
		close(front);
	if (back >= 0)
		close(back);
	f->pid = 0;
	return -1;
}

void
dns_filter_stop(struct dns_filter *f)
{
	if (f->pid > 0) {
		(void)kill(f->pid, SIGTERM);
		(void)waitpid(f->pid, NULL, 0);
	}
	memset(f, 0, sizeof(*f));
}
