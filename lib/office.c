/* office: the office's settings keys, defaults and checks (see office.h).
 *
 * The defaults are placeholders in brackets, so a document printed before
 * the office has filled them in shows at a glance what is missing; none of
 * them names a real body (bodies merge and are renamed: the Sở Thông tin và
 * Truyền thông became part of the Sở Khoa học và Công nghệ in 2025, and
 * district-level government ended on 1 July 2025). */
#include <ctype.h>
#include <stdio.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "office.h"

/* The national electronic identifier of agencies and organisations (mã định
 * danh điện tử, Decision 20/2020/QĐ-TTg): three groups of digits and a
 * province or ministry group, e.g. 000.00.12.H57. */
#define CODE_PATTERN "^[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}$"

const office_key office_keys[] = {
    {"place", OFFICE_TEXT, false, true, "[Địa danh]",
     "địa danh: the place in the place-and-date line (Huế, ngày ...)"},
    {"authority", OFFICE_TEXT, true, true, "[CƠ QUAN CHỦ QUẢN]",
     "cơ quan chủ quản: the upper line of the header (UBND THÀNH PHỐ HUẾ)"},
    {"issuer", OFFICE_TEXT, false, true, "[CƠ QUAN BAN HÀNH]",
     "cơ quan ban hành: the bold line of the header (SỞ KHOA HỌC VÀ CÔNG NGHỆ)"},
    {"number", OFFICE_TEXT, false, true, "BC-[KÝ HIỆU]",
     "ký hiệu: after the number in \"Số: .../BC-SKHCN\""},
    {"sign-authority", OFFICE_TEXT, true, true, "",
     "thẩm quyền ký: KT. GIÁM ĐỐC, TL. GIÁM ĐỐC, TM. ỦY BAN NHÂN DÂN (empty: none)"},
    {"signer-title", OFFICE_TEXT, false, true, "[CHỨC VỤ NGƯỜI KÝ]",
     "chức vụ người ký: PHÓ GIÁM ĐỐC"},
    {"signer", OFFICE_TEXT, false, true, "[Họ và tên người ký]", "họ và tên người ký"},
    {"recipients", OFFICE_LIST, false, true, "[Nơi nhận]\nLưu: VT",
     "nơi nhận: one per line or ';'-separated (Như trên; Lưu: VT, KTTT)"},
    {"unit-code-pattern", OFFICE_PATTERN, false, false, CODE_PATTERN,
     "unit codes must match this POSIX extended regular expression"},
};
const size_t office_nkeys = sizeof(office_keys) / sizeof(office_keys[0]);

const office_key *office_key_find(const char *name)
{
	for (size_t i = 0; name && i < office_nkeys; i++)
		if (strcmp(office_keys[i].name, name) == 0)
			return &office_keys[i];
	return NULL;
}

const char *office_key_names(void)
{
	static char names[512];
	size_t n = 0;

	if (names[0] == '\0')
		for (size_t i = 0; i < office_nkeys && n + 40 < sizeof(names); i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
					      office_keys[i].name);
	return names;
}

/* Valid UTF-8 without control characters; a pattern may hold backslashes
 * (escape_is_clean refuses them, as it is made for file names). */
static bool clean_text(const char *s, bool backslash)
{
	char *copy;
	bool ok;

	if (!backslash || strchr(s, '\\') == NULL)
		return escape_is_clean(s);
	if ((copy = strdup(s)) == NULL)
		return false;
	for (char *p = copy; *p; p++)
		if (*p == '\\')
			*p = '/';
	ok = escape_is_clean(copy);
	free(copy);
	return ok;
}

/* s[0..n) without the spaces at either end: moves *s, returns the length. */
static size_t trim(const char **s, size_t n)
{
	while (n > 0 && isspace((unsigned char)**s))
		(*s)++, n--;
	while (n > 0 && isspace((unsigned char)(*s)[n - 1]))
		n--;
	return n;
}

static int normalise_list(const office_key *k, const char *value, char **out, rq_error *err)
{
	size_t cap = strlen(value) + 1, len = 0, items = 0;
	char *buf = malloc(cap);
	const char *p = value;

	if (buf == NULL)
		return rq_fail(err, "out of memory");
	while (*p) {
		size_t n = strcspn(p, ";\n"), m;
		const char *item = p;
		p += n + (p[n] != '\0');
		if ((m = trim(&item, n)) == 0)
			continue;
		if (++items > OFFICE_LINES_MAX) {
			free(buf);
			return rq_fail(err, "%s: more than %d items", k->name, OFFICE_LINES_MAX);
		}
		if (len)
			buf[len++] = '\n';
		memcpy(buf + len, item, m);
		len += m;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int office_normalise(const office_key *k, const char *value, char **out, rq_error *err)
{
	size_t max = k->kind == OFFICE_LIST ? OFFICE_LIST_MAX : OFFICE_VALUE_MAX, n;
	const char *v = value;
	regex_t re;
	char *copy;

	*out = NULL;
	if (strlen(value) > max)
		return rq_fail(err, "%s: the value is longer than %zu bytes", k->name, max);
	if (k->kind == OFFICE_LIST) {
		/* Lines are the list's separator: everything else must be clean. */
		if ((copy = strdup(value)) == NULL)
			return rq_fail(err, "out of memory");
		for (char *p = copy; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		n = escape_is_clean(copy);
		free(copy);
		if (!n)
			return rq_fail(err,
				       "%s: the value is not valid UTF-8 text (or has control "
				       "characters)",
				       k->name);
		if (normalise_list(k, value, out, err) != 0)
			return -1;
	} else {
		if (!clean_text(value, k->kind == OFFICE_PATTERN))
			return rq_fail(err,
				       "%s: the value is not valid UTF-8 text on one line (or has "
				       "control characters)",
				       k->name);
		n = trim(&v, strlen(v));
		if ((*out = strndup(v, n)) == NULL)
			return rq_fail(err, "out of memory");
	}
	if (**out == '\0' && !k->may_be_empty) {
		free(*out);
		*out = NULL;
		return rq_fail(err, "%s may not be empty (unset it to go back to the default '%s')",
			       k->name, k->def);
	}
	if (k->kind == OFFICE_PATTERN) {
		int rc = regcomp(&re, *out, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char msg[128];
			regerror(rc, &re, msg, sizeof(msg));
			free(*out);
			*out = NULL;
			return rq_fail(err,
				       "%s: not a POSIX extended regular expression: %s "
				       "(the default is %s)",
				       k->name, msg, CODE_PATTERN);
		}
		regfree(&re);
	}
	return 0;
}
