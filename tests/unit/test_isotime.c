/* Unit tests for lib/isotime: the ISO 8601 times read from a stick (the
 * IOC's dates, by the scanner; a result's started and finished, by the
 * IOC). Everything there is hostile: only the exact shape raquet writes
 * passes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "tap.h"

static void good(const char *s, int64_t want, const char *what)
{
	int64_t t = -12345;
	int rc = isotime_parse(s, &t);

	ok(rc == 0 && t == want, "%s: %s", what, s);
	if (rc != 0 || t != want)
		printf("#   rc %d, got %lld, want %lld\n", rc, (long long)t, (long long)want);
}

static void bad(const char *s, const char *what)
{
	int64_t t = -12345;

	ok(isotime_parse(s, &t) == -1 && t == -12345, "%s refused: %s", what, s ? s : "NULL");
}

int main(void)
{
	const int64_t dec4 = 1796407200; /* 2026-12-04T18:00:00Z */
	size_t big = 1 << 20;
	char *huge;

	good("2026-12-04T18:00:00Z", dec4, "UTC");
	good("2026-12-05T01:00:00+07:00", dec4, "east of UTC (Vietnam)");
	good("2026-12-04T12:30:00-05:30", dec4, "west of UTC, with minutes");
	good("2026-12-04T18:00:00+00:00", dec4, "+00:00");
	good("2026-12-04T18:00:00-00:00", dec4, "-00:00");
	good("2026-12-05T12:00:00+18:00", dec4, "the largest offset, +18:00");
	good("2026-12-04T00:00:00-18:00", dec4, "the largest offset, -18:00");
	good("2024-02-29T12:00:00Z", 1709208000, "leap day");
	good("2000-02-29T00:00:00Z", 951782400, "leap day of a year divisible by 400");
	good("2026-12-31T23:59:60Z", 1798761600, "a leap second (the next minute)");
	good("1970-01-01T00:00:00Z", 0, "the first second");
	good("9999-12-31T23:59:59Z", 253402300799, "the last second");

	bad(NULL, "NULL");
	bad("", "empty");
	bad("2026-12-04T18:00:00", "no zone");
	bad("2026-12-04", "a date alone");
	bad("2026-12-04 18:00:00Z", "a space for T");
	bad("2026-12-04t18:00:00Z", "lower-case t");
	bad("2026-12-04T18:00:00z", "lower-case z");
	bad("2026-13-01T00:00:00Z", "month 13");
	bad("2026-00-10T00:00:00Z", "month 0");
	bad("2026-01-32T00:00:00Z", "day 32");
	bad("2026-01-00T00:00:00Z", "day 0");
	bad("2026-01-01T24:00:00Z", "hour 24");
	bad("2026-01-01T23:60:00Z", "minute 60");
	bad("2026-01-01T23:59:61Z", "second 61");
	bad("1969-12-31T23:59:59Z", "a year before 1970");
	bad("2026-12-04T18:00:00+19:00", "an offset over 18 hours");
	bad("2026-12-04T18:00:00+07:60", "offset minutes 60");
	bad("2026-12-04T18:00:00+0700", "an offset without its colon");
	bad("2026-12-04T18:00:00+07", "an offset without minutes");
	bad("2026-12-04T18:00:00+07;00", "another separator in the offset");
	bad("2026-12-04T18:00:00Zjunk", "trailing junk after Z");
	bad("2026-12-04T18:00:00+07:00x", "trailing junk after the offset");
	bad("2026-12-04T18:00:00 Z", "a space before Z");
	bad("20261204T180000Z", "the basic (compact) form");

	/* what sscanf and timegm used to let through */
	bad("2025-02-29T00:00:00Z", "February 29 of a common year");
	bad("2100-02-29T00:00:00Z", "February 29 of a century not divisible by 400");
	bad("2026-02-30T00:00:00Z", "February 30");
	bad("2026-04-31T00:00:00Z", "April 31");
	bad("2026-11-31T00:00:00Z", "November 31");
	bad("2026-+1-04T00:00:00Z", "a sign in the month");
	bad("2026-12- 4T00:00:00Z", "a space in the day");
	bad("2026-12-04T-1:00:00Z", "a negative hour");
	bad("2026-12-04T18:00:00+ 7:00", "a space in the offset");
	bad("2026-12-04T18:00:00+-1:00", "a negative offset hour after the sign");
	bad("2026-12-04T18:00:00+07:-1", "negative offset minutes");

	/* hostile lengths: a valid time followed by a megabyte */
	huge = malloc(big + 1);
	if (huge == NULL)
		return 2;
	memset(huge, '0', big);
	huge[big] = '\0';
	memcpy(huge, "2026-12-04T18:00:00+07:00", 25);
	bad(huge, "a megabyte after a valid time");
	memcpy(huge, "2026-12-04T18:00:00Z", 20);
	bad(huge, "a megabyte after a valid UTC time");
	memset(huge, '9', big);
	bad(huge, "a megabyte of digits");
	free(huge);
	return done_testing();
}
