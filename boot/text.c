/* text: UTF-8 text for an 80-column console: display width, cutting to a
 * column count, matching without case or diacritics (technicians type unit
 * names without accents), and the numbers the progress screen shows. Pure
 * functions of the locale's UTF-8 decoding; tests/unit/test_launcher.c. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "launcher.h"

/* Decodes one character at s (len bytes left); returns its length, and
 * *wc = 0xFFFD with length 1 for a byte that starts no valid character. */
static size_t next_char(const char *s, size_t len, wchar_t *wc)
{
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof(st));
	n = mbrtowc(wc, s, len, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*wc = 0xFFFD;
		return 1;
	}
	return n;
}

static int char_width(wchar_t wc)
{
	int w = (wc < 0x20 || (wc >= 0x7f && wc < 0xa0)) ? -1 : wcwidth(wc);
	return w < 0 ? -1 : w;
}

size_t text_width(const char *s)
{
	size_t len = strlen(s), cols = 0;

	while (len > 0) {
		wchar_t wc;
		size_t n = next_char(s, len, &wc);
		int w = char_width(wc);
		cols += w < 0 ? 1 : (size_t)w;
		s += n, len -= n;
	}
	return cols;
}

static bool append(char *out, size_t outsz, size_t *used, const char *bytes, size_t n)
{
	if (*used + n + 1 > outsz)
		return false;
	memcpy(out + *used, bytes, n);
	*used += n;
	out[*used] = '\0';
	return true;
}

void text_cell(const char *s, size_t cols, bool pad, char *out, size_t outsz)
{
	size_t len = strlen(s), used = 0, width = 0;
	bool cut = text_width(s) > cols;
	size_t room = cut && cols > 0 ? cols - 1 : cols; /* one column for "…" */

	if (outsz == 0)
		return;
	out[0] = '\0';
	while (len > 0) {
		wchar_t wc;
		size_t n = next_char(s, len, &wc);
		int w = char_width(wc);
		const char *bytes = s;
		if (w < 0 || wc == 0xFFFD) { /* never send control bytes to the terminal */
			bytes = "?";
			w = 1;
		}
		if (width + (size_t)w > room)
			break;
		if (!append(out, outsz, &used, bytes, bytes == s ? n : 1))
			break;
		width += (size_t)w;
		s += n, len -= n;
	}
	if (cut && cols > 0 && append(out, outsz, &used, "…", strlen("…")))
		width++;
	while (pad && width < cols && append(out, outsz, &used, " ", 1))
		width++;
}

void text_tail(const char *s, size_t cols, char *out, size_t outsz)
{
	size_t len = strlen(s);
	const char *p = s;

	if (text_width(s) <= cols || cols < 2) {
		text_cell(s, cols, false, out, outsz);
		return;
	}
	/* Drop whole characters from the front until "…" and the rest fit. */
	while (*p && text_width(p) > cols - 1) {
		wchar_t wc;
		p += next_char(p, len - (size_t)(p - s), &wc);
	}
	snprintf(out, outsz, "…");
	text_cell(p, cols - 1, false, out + strlen(out),
		  outsz > strlen(out) ? outsz - strlen(out) : 0);
}

void text_middle(const char *s, size_t cols, char *out, size_t outsz)
{
	size_t len = strlen(s), head, used;
	const char *p = s;

	if (text_width(s) <= cols || cols < 3) {
		text_cell(s, cols, false, out, outsz);
		return;
	}
	head = (cols - 1) / 2;
	text_cell(s, head + 1, false, out, outsz); /* head columns and "…" */
	while (*p && text_width(p) > cols - head - 1) {
		wchar_t wc;
		p += next_char(p, len - (size_t)(p - s), &wc);
	}
	used = strlen(out);
	text_cell(p, cols - head - 1, false, out + used, outsz > used ? outsz - used : 0);
}

/* Vietnamese letters with their marks, each group folding to its base. */
static const struct {
	wchar_t base;
	const wchar_t *marked;
} fold_table[] = {
    {L'a', L"àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
    {L'e', L"èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"},
    {L'i', L"ìíỉĩịÌÍỈĨỊ"},
    {L'o', L"òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
    {L'u', L"ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"},
    {L'y', L"ỳýỷỹỵỲÝỶỸỴ"},
    {L'd', L"đĐ"},
};

static wchar_t fold(wchar_t wc)
{
	if (wc < 0x80)
		return (wchar_t)towlower((wint_t)wc);
	for (size_t i = 0; i < sizeof(fold_table) / sizeof(fold_table[0]); i++)
		if (wcschr(fold_table[i].marked, wc))
			return fold_table[i].base;
	return (wchar_t)towlower((wint_t)wc);
}

/* Folds s into at most max characters; returns how many. */
static size_t fold_string(const char *s, wchar_t *out, size_t max)
{
	size_t len = strlen(s), k = 0;

	while (len > 0 && k < max) {
		wchar_t wc;
		size_t n = next_char(s, len, &wc);
		out[k++] = fold(wc);
		s += n, len -= n;
	}
	return k;
}

bool text_match(const char *haystack, const char *needle)
{
	wchar_t h[512], n[128];
	size_t hl = fold_string(haystack, h, 512), nl = fold_string(needle, n, 128);

	if (nl == 0)
		return true;
	for (size_t i = 0; i + nl <= hl; i++)
		if (wmemcmp(h + i, n, nl) == 0)
			return true;
	return false;
}

void text_duration(double seconds, char *out, size_t outsz)
{
	unsigned long s = seconds > 0 && seconds < 1e7 ? (unsigned long)(seconds + 0.5) : 0;

	if (s >= 3600)
		snprintf(out, outsz, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, outsz, "%02lu:%02lu", s / 60, s % 60);
}

double text_eta(const struct progress_line *pl)
{
	double rate;

	if (!pl->total_known)
		return -1;
	if (pl->eta >= 0)
		return pl->eta;
	if (pl->seconds < 1 || pl->bytes == 0)
		return -1;
	if (pl->bytes >= pl->bytes_total)
		return 0;
	rate = (double)pl->bytes / pl->seconds;
	return (double)(pl->bytes_total - pl->bytes) / rate;
}
