/* advice: what the technician is told when the stick or the scan cannot be
 * used — in the chosen language, with what to do next, and the program's
 * own (English) words only on a separate "Details:" line. */
#ifndef RAQUET_BOOT_ADVICE_H
#define RAQUET_BOOT_ADVICE_H

#include <stddef.h>

struct summary;

/* Why the stick at dir could not be opened, as a sentence saying what to do
 * (translated): not provisioned, half provisioned, unreadable (errno e,
 * errno after the failure, when known), or damaged. */
const char *advice_stick(const char *dir, int e);

/* A sentence for what went wrong in a scan whose messages say so (the
 * stick's databases differ from their MANIFEST), or NULL. */
const char *advice_scan(const struct summary *s);

/* "advice\nDetails: detail" into buf. */
const char *advice_with_detail(char *buf, size_t len, const char *advice, const char *detail);

#endif
