/* isotime: reading the ISO 8601 times raquet writes ("2026-11-28T19:20:05+07:00",
 * or "...Z" from the IOC). One reader for the scanner (the IOC's dates on a
 * stick) and the IOC (a result's started and finished): both read text that
 * came from a stick, so the reader takes exactly that shape and nothing more. */
#ifndef RAQUET_ISOTIME_H
#define RAQUET_ISOTIME_H

#include <stdint.h>

/* Parses "YYYY-MM-DDTHH:MM:SS" followed by "Z" or a UTC offset "+HH:MM" or
 * "-HH:MM" (at most 18 hours), years 1970 to 9999, into seconds since the
 * epoch (UTC). Returns 0, or -1 (*t untouched) for anything else, NULL
 * included. */
int isotime_parse(const char *s, int64_t *t);

#endif
