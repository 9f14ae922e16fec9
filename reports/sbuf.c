/* sbuf: the growing string every writer builds its file in, and the escapes
 * they share. Text comes from ioc.db, where unit names come from an
 * operator's CSV and computer names from infected disks' registries: it may
 * hold anything, so every writer goes through the one cleaning rule here. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

static bool grow(sbuf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + need + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void sb_addn(sbuf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_add(sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n;

	/* Usually the text fits in what is left: one vsnprintf. */
	va_start(ap, fmt);
	n = b->oom ? -1 : vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		if (!grow(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* n's digits, sign first, at the end of buf[24]; returns where they start. */
static char *plain_digits(char buf[24], long long n)
{
	char *p = buf + 24;
	unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (n < 0)
		*--p = '-';
	return p;
}

void sb_int(sbuf *b, long long n)
{
	char buf[24], *p = plain_digits(buf, n);

	sb_addn(b, p, (size_t)(buf + sizeof(buf) - p));
}

void sb_free(sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Length of the valid, XML-allowed UTF-8 character at s (1-4), or 0 when
 * the bytes there are not one. */
static size_t utf8_char(const unsigned char *s)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n') && s[0] != 0x7f ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	if ((c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	if (c >= 0x80 && c <= 0x9f) /* C1 controls */
		return 0;
	return n;
}

/* Appends s cleaned, with the five XML specials escaped when xml is set.
 * Runs of characters that need nothing are copied in one piece. */
static void add_clean(sbuf *b, const char *s, bool xml)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *run = p;

	while (*p) {
		size_t n = utf8_char(p);
		const char *put;

		if (n == 0)
			put = REPLACEMENT;
		else if (!xml || n > 1 ||
			 !(*p == '&' || *p == '<' || *p == '>' || *p == '"' || *p == '\'')) {
			p += n;
			continue;
		} else
			put = *p == '&'   ? "&amp;"
			      : *p == '<' ? "&lt;"
			      : *p == '>' ? "&gt;"
			      : *p == '"' ? "&quot;"
					  : "&#39;";
		sb_addn(b, (const char *)run, (size_t)(p - run));
		sb_add(b, put);
		run = ++p; /* an invalid byte or an escaped special: one byte */
	}
	sb_addn(b, (const char *)run, (size_t)(p - run));
}

void sb_clean(sbuf *b, const char *s)
{
	add_clean(b, s, false);
}

void sb_reserve(sbuf *b, size_t n)
{
	grow(b, n);
}

void sb_xml(sbuf *b, const char *s)
{
	add_clean(b, s, true);
}

char *rep_clean_text(const char *s)
{
	const unsigned char *p;
	sbuf b = {0};
	size_t n;

	if (s == NULL)
		s = "";
	/* Nearly always clean already: one exact allocation. */
	for (p = (const unsigned char *)s; *p && (n = utf8_char(p)) != 0;)
		p += n;
	if (*p == '\0') {
		size_t len = (size_t)(p - (const unsigned char *)s);
		char *copy = malloc(len + 1);
		if (copy)
			memcpy(copy, s, len + 1);
		return copy;
	}

	sb_add(&b, "");
	add_clean(&b, s, false);
	if (b.oom) {
		sb_free(&b);
		return NULL;
	}
	return b.p;
}

void sb_num(sbuf *b, long long n)
{
	char buf[24], *p = plain_digits(buf, n);
	size_t len;

	if (*p == '-')
		sb_addn(b, p++, 1);
	for (len = (size_t)(buf + sizeof(buf) - p); len > 0; p++, len--) {
		sb_addn(b, p, 1);
		if (len > 1 && (len - 1) % 3 == 0)
			sb_addn(b, ".", 1);
	}
}

void sb_percent(sbuf *b, long long part, long long whole)
{
	long long tenths;

	if (whole <= 0) {
		sb_add(b, "0%");
		return;
	}
	tenths = (part * 1000 + whole / 2) / whole;
	if (tenths % 10 == 0)
		sb_printf(b, "%lld%%", tenths / 10);
	else
		sb_printf(b, "%lld,%lld%%", tenths / 10, tenths % 10);
}

void sb_date_vn(sbuf *b, const char *ymd)
{
	if (ymd == NULL || strlen(ymd) != 10) {
		sb_add(b, ymd ? ymd : "");
		return;
	}
	sb_printf(b, "%.2s/%.2s/%.4s", ymd + 8, ymd + 5, ymd);
}
