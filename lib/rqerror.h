/* rqerror: how library code reports failure. A function that can fail
 * returns -1 (or NULL) and fills an rq_error the caller prints; library code
 * never prints and never exits. */
#ifndef RAQUET_RQERROR_H
#define RAQUET_RQERROR_H

#include <stddef.h>

typedef struct rq_error {
	char msg[512];
} rq_error;

/* Formats the message into *err (when err is not NULL); always returns -1 so
 * callers can write `return rq_fail(err, "...")`. */
int rq_fail(rq_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As rq_fail, with ": strerror(errnum)" appended. */
int rq_fail_errno(rq_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* For a program's main, not for library code: the name that prefixes its
 * messages ("raquet-sync"), set once before the first rq_warn. */
void rq_set_progname(const char *name);

/* "NAME: message" and a newline on stderr. */
void rq_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flushes stdout before exit: a full disk or a closed pipe must not look
 * like success (git's habit). Returns status, or 2 after saying why. */
int rq_finish_stdout(int status);

#endif
