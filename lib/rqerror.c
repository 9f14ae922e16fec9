/* rqerror: filling an rq_error; and the two things every program's main does
 * alike with errors: say them on stderr, and finish stdout. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rqerror.h"

int rq_fail(rq_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int rq_fail_errno(rq_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	return -1;
}

static const char *progname = "raquet";

void rq_set_progname(const char *name)
{
	progname = name;
}

void rq_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int rq_finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rq_warn("cannot write to standard output: %s", strerror(errno ? errno : EIO));
		return 2;
	}
	return status;
}
