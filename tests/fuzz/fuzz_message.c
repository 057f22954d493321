/*
 * fuzz_message - the test message as it goes on the wire: the builder
 * (probe_message_build(): headers, Subject encoding and folding, extra
 * fields, an operator's own message) and the DATA encoding after it
 * (smtp_data_encode(): CRLF line ends, dot-stuffing, the final dot).
 *
 * Input: byte 0 holds flags (bit 0: the body field is an own message,
 * --message; bit 1: a List-Unsubscribe URL; bit 2: our own subject;
 * bit 3: our own body); then NUL-separated fields: subject, From:
 * address, To: address, two extra header fields, and the body, which is
 * the rest of the input, NUL bytes included. Invariants, whenever the
 * builder accepts: on the wire every CR is followed by LF and every LF
 * follows a CR (no bare CR or LF), the message ends in CRLF "." CRLF,
 * no line but the last is a lone ".", every line that begins with a
 * dot is stuffed (RFC 5321 4.5.2), and in a message we built the header
 * section holds no control byte but TAB and no line over 998 characters
 * (RFC 5322 2.1.1). A refusal says why (terminated, not empty).
 */
#include <stdlib.h>
#include <string.h>

#include "probe/run/probe_message.h"
#include "smtp/smtp_data.h"
#include "smtp/smtp_dialog.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_FIELDS	5
/* RFC 5322 2.1.1: 998 characters and the CRLF. */
#define FUZZ_LINE_MAX	998

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* One wire line (without its CRLF), in the header section or not. */
static void
fuzz_line(const char *s, size_t n, bool is_header, bool is_ours)
{
	size_t i;

	fuzz_check(n != 1 || s[0] != '.');
	if (n > 0 && s[0] == '.')
		fuzz_check(n >= 2 && s[1] == '.');
	if (!is_header || !is_ours)
		return;
	fuzz_check(n <= FUZZ_LINE_MAX);
	for (i = 0; i < n; i++)
		fuzz_check((unsigned char)s[i] >= 0x20 || s[i] == '\t');
}

static void
fuzz_wire(const char *w, size_t len, bool is_ours)
{
	size_t i, start = 0;
	bool is_header = true;

	fuzz_check(len >= 5 && memcmp(w + len - 5, "\r\n.\r\n", 5) == 0);
	for (i = 0; i < len; i++) {
		if (w[i] == '\r')
			fuzz_check(i + 1 < len && w[i + 1] == '\n');
		if (w[i] != '\n')
			continue;
		fuzz_check(i > 0 && w[i - 1] == '\r');
		if (i + 1 == len)
			break;	/* the final ".": checked above */
		fuzz_line(w + start, i - 1 - start, is_header, is_ours);
		if (i - 1 == start)
			is_header = false;
		start = i + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_message_opts o;
	struct smtp_buf msg = { 0 }, wire = { 0 };
	const char *f[FUZZ_FIELDS] = { 0 }, *to[1], *hdrs[2];
	char *buf, *p, *end, err[256];
	size_t i, nlines, body_len = 0;
	uint8_t flags;

	if (size == 0)
		return 0;
	flags = data[0];
	buf = malloc(size);
	fuzz_check(buf != NULL);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	end = buf + size - 1;
	for (i = 0, p = buf; i < FUZZ_FIELDS && p < end; i++) {
		f[i] = p;
		p += strlen(p) + 1;
	}
	if (p < end)
		body_len = (size_t)(end - p);
	memset(&o, 0, sizeof(o));
	o.probe_id = "sp-6553f100-0123456789ab";
	o.header_from = f[1] != NULL ? f[1] : "probe@example.test";
	to[0] = f[2] != NULL ? f[2] : "postmaster@example.net";
	o.to = to;
	o.nto = 1;
	o.subject = flags & 4 ? NULL : f[0];
	o.id_domain = "example.test";
	o.now = 1764720000;
	for (i = 0; i < 2 && f[3 + i] != NULL; i++)
		hdrs[i] = f[3 + i];
	o.headers = hdrs;
	o.nheaders = i;
	if (flags & 2)
		o.list_unsubscribe = "https://example.test/u?id=1";
	if (flags & 1) {
		o.own = p < end ? p : "";
		o.own_len = body_len;
	} else if (!(flags & 8)) {
		o.body = p < end ? p : "";
		o.body_len = body_len;
	}
	err[0] = '\0';
	if (probe_message_build(&o, &msg, err, sizeof(err)) == 0) {
		if (smtp_data_encode(msg.data, msg.len, &wire,
		    SMTP_DIALOG_WIRE_MAX, &nlines) == SMTP_OK)
			fuzz_wire(wire.data, wire.len, !(flags & 1));
	} else {
		/*
		 * It may quote the refused value, bytes and all: the
		 * program escapes err when it prints it (probe_main).
		 */
		fuzz_check(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
	}
	smtp_buf_free(&msg);
	smtp_buf_free(&wire);
	free(buf);
	return 0;
}
