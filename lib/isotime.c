/* isotime: the ISO 8601 reader (see isotime.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

int isotime_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, n = 0, sign;
	struct tm tm;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19)
		return -1;
	if (strcmp(s + 19, "Z") != 0 &&
	    ((s[19] != '+' && s[19] != '-') || strlen(s) != 25 ||
	     sscanf(s + 20, "%2d:%2d", &oh, &om) != 2 || oh > 18 || om > 59))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	tm = (struct tm){.tm_year = y - 1900,
			 .tm_mon = mo - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_sec = se};
	sign = s[19] == '-' ? -1 : s[19] == '+' ? 1 : 0; /* 'Z': 0 */
	*t = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}
