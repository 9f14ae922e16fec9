/* quarantine_find: the entry a technician means by what they typed (a whole
 * id, or enough of its first digits to name one entry), and the note an
 * entry leaves when it is restored, so that a second restore says "already
 * restored" instead of "no such entry". */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "quarantine_int.h"

/* Fewer digits than this name too many entries by chance. */
#define PREFIX_MIN 4
/* How many candidates an "ambiguous" error lists. */
#define CANDIDATES_SHOWN 6
/* A restored note: a time and a path (escaped), bounded. */
#define RESTORED_MAX (Q_PATH_MAX * 4 + 64)

/* The id of a directory entry named <id>.meta, <id>.data or <id>.restored. */
static bool entry_id(const char *name, char id[QUARANTINE_ID_LEN + 1])
{
	const char *suffix = name + QUARANTINE_ID_LEN;

	if (strlen(name) <= QUARANTINE_ID_LEN)
		return false;
	if (strcmp(suffix, ".meta") != 0 && strcmp(suffix, ".data") != 0 &&
	    strcmp(suffix, Q_RESTORED) != 0)
		return false;
	memcpy(id, name, QUARANTINE_ID_LEN);
	id[QUARANTINE_ID_LEN] = '\0';
	return qentry_is_id(id);
}

static int check_prefix(const char *arg, char *lower, rq_error *err)
{
	size_t n = strlen(arg);

	for (size_t i = 0; i < n && i <= QUARANTINE_ID_LEN; i++)
		lower[i] = (char)tolower((unsigned char)arg[i]);
	if (n >= PREFIX_MIN && n <= QUARANTINE_ID_LEN) {
		lower[n] = '\0';
		if (strspn(lower, "0123456789abcdef") == n)
			return 0;
	}
	char *d = escape_name(arg);
	rq_fail(err,
		"%s is not a quarantine id: give the id --list-quarantine shows (%d hex "
		"digits), or its first %d digits or more",
		d ? d : "(?)", QUARANTINE_ID_LEN, PREFIX_MIN);
	free(d);
	return -1;
}

int qentry_find(int qfd, const char *qdir, const char *arg, char id[QUARANTINE_ID_LEN + 1],
		rq_error *err)
{
	char want[QUARANTINE_ID_LEN + 1], cand[QUARANTINE_ID_LEN + 1];
	char shown[CANDIDATES_SHOWN * (QUARANTINE_ID_LEN + 2) + 8] = "";
	struct dirent *de;
	size_t plen;
	int n = 0, dfd;
	DIR *d;

	if (check_prefix(arg, want, err) != 0)
		return -1;
	plen = strlen(want);
	if ((dfd = dup(qfd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return rq_fail_errno(err, e, "cannot read quarantine directory %s", qdir);
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!entry_id(de->d_name, cand) || strncmp(cand, want, plen) != 0)
			continue;
		if (n > 0 && strcmp(cand, id) == 0)
			continue; /* the same entry's other file */
		if (n > 0 && strstr(shown, cand) != NULL)
			continue;
		if (n == 0)
			strcpy(id, cand);
		if (n < CANDIDATES_SHOWN)
			snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "%s%s",
				 n ? ", " : "", cand);
		else if (n == CANDIDATES_SHOWN)
			snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), ", ...");
		n++;
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		return rq_fail_errno(err, e, "cannot read quarantine directory %s", qdir);
	}
	closedir(d);
	if (n == 0)
		return rq_fail(err, "no quarantine entry %s in %s", want, qdir);
	if (n > 1)
		return rq_fail(err, "%s is more than one quarantine entry (%s): give more digits",
			       want, shown);
	return 0;
}

int qentry_mark_restored(int qfd, const char *id, const char *disp, rq_error *err)
{
	char name[QUARANTINE_ID_LEN + sizeof(Q_RESTORED)], when[32], *buf;
	time_t now = time(NULL);
	struct tm tm;
	int rc, len;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(when, "?");
	if ((len = asprintf(&buf, "%s\n%s\n", when, disp)) < 0)
		return rq_fail(err, "out of memory");
	snprintf(name, sizeof(name), "%s%s", id, Q_RESTORED);
	rc = atomic_write(qfd, name, buf, (size_t)len, 0600, false, err);
	free(buf);
	return rc;
}

int qentry_restored(int qfd, const char *id, rq_error *err)
{
	char name[QUARANTINE_ID_LEN + sizeof(Q_RESTORED)], *buf, *nl, *when, *where;
	rq_error rerr;
	size_t len;

	snprintf(name, sizeof(name), "%s%s", id, Q_RESTORED);
	if (read_file_bounded(qfd, name, RESTORED_MAX, &buf, &len, &rerr) != 0)
		return 0;
	/* The stick is anyone's to edit: show what is there, escaped. */
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	where = nl ? nl + 1 : buf + len;
	where[strcspn(where, "\n")] = '\0';
	when = escape_name(buf);
	char *w = escape_name(where);
	rq_fail(err, "quarantine entry %s was already restored (on %s, to %s)", id,
		when ? when : "?", w ? w : "?");
	free(when);
	free(w);
	free(buf);
	return 1;
}
