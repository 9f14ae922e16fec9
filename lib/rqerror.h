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

#endif
