/* escape: control characters (C0, DEL and C1) and invalid UTF-8 become
 * \xNN, byte by byte. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/* The C1 controls U+0080..U+009F are valid UTF-8 (C2 80..C2 9F) but still
 * control characters: U+009B is CSI on the Linux console and in xterm with
 * UTF-8, so a name holding it can move the cursor or recolour the screen as
 * ESC [ does. They are escaped as their two bytes. */
static bool needs_escape(const unsigned char *s, size_t *len)
{
	*len = utf8_seq_len(s);
	if (*len == 0) {
		*len = 1;
		return true;
	}
	if (*len == 2 && s[0] == 0xc2 && s[1] <= 0x9f)
		return true;
	return *len == 1 && (s[0] < 0x20 || s[0] == 0x7f || s[0] == '\\');
}

bool escape_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	while (*p) {
		if (needs_escape(p, &len))
			return false;
		p += len;
	}
	return true;
}

char *escape_name(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t len;

	out = malloc(strlen(s) * 4 + 1);
	if (out == NULL)
		return NULL;
	o = out;
	while (*p) {
		if (!needs_escape(p, &len)) {
			memcpy(o, p, len);
			o += len;
		} else if (*p == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else {
			for (size_t i = 0; i < len; i++) { /* len is 2 for a C1 control */
				*o++ = '\\';
				*o++ = 'x';
				*o++ = hex[p[i] >> 4];
				*o++ = hex[p[i] & 15];
			}
		}
		p += len;
	}
	*o = '\0';
	return out;
}
