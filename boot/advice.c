/* advice: the technician's sentences for a stick or a scan that cannot be
 * used (see advice.h). The stick is looked at again here, without trusting
 * it: only which of the provisioned files are there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "advice.h"
#include "launcher.h"
#include "sticklayout.h"

/* What `raquet-sync provision` writes into RAQUET/, every one of them
 * needed before a scan (docs/stick-layout.md). */
static const char *const provisioned[] = {
    STICK_INFO, "stick.sig", STICK_KEY, STICK_PUB, STICK_IOC_PUB, STICK_ROSTER, "roster.sig",
};

/* scanner/stickdb.c begins every refusal of the stick's databases with
 * these words (t6580 keeps the two in step). */
#define DB_REFUSED "refusing the stick's databases"

const char *advice_stick(const char *dir, int e)
{
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rq, have = 0;
	const size_t n = sizeof(provisioned) / sizeof(provisioned[0]);

	if (top < 0)
		return _("The stick cannot be read. Check that it is plugged in, then restart the "
			 "PC from the stick; if this comes back, take the stick to the IOC.");
	rq = openat(top, STICK_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(top);
	if (rq < 0 && errno == ENOENT)
		return _("This stick has not been provisioned: take it to the IOC "
			 "(raquet-sync provision).");
	if (rq < 0)
		return _("The stick's RAQUET folder cannot be read: take the stick to the IOC.");
	for (size_t i = 0; i < n; i++)
		have += faccessat(rq, provisioned[i], F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	close(rq);
	if (have == 0)
		return _("This stick has not been provisioned: take it to the IOC "
			 "(raquet-sync provision).");
	if ((size_t)have < n)
		return _("This stick was only partly provisioned (files are missing): take it "
			 "to the IOC to provision it again. Nothing was scanned.");
	if (e == EIO)
		return _("The stick cannot be read (read error): it may be failing. Take it to "
			 "the IOC.");
	return _("The stick's files are damaged or were changed: take the stick to the IOC "
		 "(raquet-sync update). Nothing was scanned.");
}

const char *advice_scan(const struct summary *s)
{
	for (size_t i = 0; i < s->nmessages; i++)
		if (strstr(s->messages[i], DB_REFUSED) != NULL)
			return _(
			    "The malware signatures on the stick differ from their signed list "
			    "(MANIFEST): nothing was scanned. Take the stick to the IOC for "
			    "an update (raquet-sync update).");
	return NULL;
}

const char *advice_with_detail(char *buf, size_t len, const char *advice, const char *detail)
{
	snprintf(buf, len, "%s\n%s %s", advice, _("Details:"), detail);
	return buf;
}
