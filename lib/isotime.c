/* isotime: the ISO 8601 reader (see isotime.h). Each character is checked
 * for what it must be: sscanf's %d would also take a sign or spaces
 * ("2026-+1-04", "+ 7:00"), and timegm would quietly turn an impossible
 * date into another one (February 30 into March 2). */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

#define SHAPE_LEN 19 /* "YYYY-MM-DDTHH:MM:SS" */
#define ZONE_LEN  6  /* "+HH:MM" */

/* The n decimal digits at s as a number; false when one is not a digit. */
static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int mo)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mo == 2 && leap ? 29 : days[mo - 1];
}

int isotime_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	size_t len;
	struct tm tm;

	if (s == NULL)
		return -1;
	/* strnlen: a hostile megabyte is not read past what the shape needs */
	len = strnlen(s, SHAPE_LEN + ZONE_LEN + 1);
	if (len != SHAPE_LEN + 1 && len != SHAPE_LEN + ZONE_LEN)
		return -1;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return -1;
	if (len == SHAPE_LEN + 1 && s[SHAPE_LEN] != 'Z')
		return -1;
	if (len == SHAPE_LEN + ZONE_LEN) {
		const char *z = s + SHAPE_LEN;
		if ((z[0] != '+' && z[0] != '-') || z[3] != ':' || !digits(z + 1, 2, &oh) ||
		    !digits(z + 4, 2, &om) || oh > 18 || om > 59)
			return -1;
		sign = z[0] == '+' ? 1 : -1;
	}
	/* se 60: a leap second, as the next minute's first */
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	tm = (struct tm){.tm_year = y - 1900,
			 .tm_mon = mo - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_sec = se};
	*t = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}
