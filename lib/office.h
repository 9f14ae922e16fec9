/* office: the office's settings (raquet-sync settings, docs/report.md): the
 * keys an IOC may set, what each means, its default and the check its value
 * must pass. Shared by raquet-sync (which writes them into ioc.db's settings
 * table) and raquet-report (which reads them); no database code here. */
#ifndef RAQUET_OFFICE_H
#define RAQUET_OFFICE_H

#include <stdbool.h>
#include <stddef.h>

#include "rqerror.h"

#define OFFICE_VALUE_MAX 1024 /* bytes; recipients may have OFFICE_LIST_MAX */
#define OFFICE_LIST_MAX  4096
#define OFFICE_LINES_MAX 30 /* recipients */

typedef enum office_kind {
	OFFICE_TEXT,    /* one line of text */
	OFFICE_LIST,    /* lines: one per line or ';'-separated, stored one per line */
	OFFICE_PATTERN, /* a POSIX extended regular expression */
} office_kind;

typedef struct office_key {
	const char *name;
	office_kind kind;
	bool may_be_empty; /* an empty value means "print nothing" */
	bool per_unit;     /* may be set for one unit (--unit CODE) */
	const char *def;   /* the default: a placeholder that shows it is unset */
	const char *what;  /* one line for `settings list` and errors */
} office_key;

extern const office_key office_keys[];
extern const size_t office_nkeys;

/* The key called name, or NULL. */
const office_key *office_key_find(const char *name);

/* "place, authority, ..." for a message naming the known keys. */
const char *office_key_names(void);

/* Checks value for key k and writes its stored form into a malloc'd *out
 * (a list: trimmed items, one per line; text: trimmed). */
int office_normalise(const office_key *k, const char *value, char **out, rq_error *err);

#endif
