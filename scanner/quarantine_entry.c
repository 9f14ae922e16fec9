/* quarantine_entry: what an entry recorded (its original path and
 * signature), read and authenticated without restoring it, for callers
 * that must know what an entry is before acting on it (a hive backup is
 * put back in place of the cleaned hive: windows/hivefix.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine_int.h"

int quarantine_entry(const char *qdir, const char *id, char **path, char **signature, rq_error *err)
{
	struct qmeta m = {0};
	unsigned char *key = NULL;
	int qfd, r, rc = -1;

	*path = *signature = NULL;
	if (sodium_init() < 0)
		return rq_fail(err, "cannot initialise libsodium");
	if (!qentry_is_id(id))
		return rq_fail(err, "not a quarantine id (%d hex digits)", QUARANTINE_ID_LEN);
	if ((qfd = qdir_open(qdir, false, err)) < 0)
		return -1;
	if ((key = qkey_alloc(err)) == NULL || qkey_load(qfd, qdir, false, key, err) != 0)
		goto out;
	r = qmeta_load(qfd, id, key, &m, err);
	if (r == 1)
		rq_fail(err, "no quarantine entry %s in %s", id, qdir);
	if (r != 0)
		goto out;
	*path = strdup(m.path);
	*signature = strdup(m.signature);
	if (*path == NULL || *signature == NULL) {
		free(*path);
		free(*signature);
		*path = *signature = NULL;
		rq_fail(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	close(qfd);
	sodium_free(key);
	qmeta_free(&m);
	return rc;
}
