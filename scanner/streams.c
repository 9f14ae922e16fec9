/* streams: listing and opening NTFS named streams through ntfs-3g's
 * streams_interface=windows (see streams.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "escape.h"
#include "streams.h"

#define LIST_XATTR "ntfs.streams.list"

size_t streams_split(const char *name)
{
	const char *colon = strchr(name, ':');

	return colon && colon != name && colon[1] != '\0' ? (size_t)(colon - name) : 0;
}

/* Reads the NUL-separated list of stream names; *len 0 when there is none. */
static char *read_list(int fd, size_t *len, int *errnum)
{
	char *buf = NULL;

	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = fgetxattr(fd, LIST_XATTR, NULL, 0), got;
		if (n < 0) {
			*errnum = errno == ENODATA || errno == ENOTSUP ? 0 : errno;
			*len = 0;
			return NULL;
		}
		if ((size_t)n > STREAMS_LIST_MAX) {
			*errnum = E2BIG;
			return NULL;
		}
		if ((buf = malloc((size_t)n + 1)) == NULL) {
			*errnum = ENOMEM;
			return NULL;
		}
		got = fgetxattr(fd, LIST_XATTR, buf, (size_t)n);
		if (got >= 0) {
			buf[got] = '\0';
			*len = (size_t)got;
			return buf;
		}
		free(buf);
		buf = NULL;
		if (errno != ERANGE) { /* ERANGE: the list grew; ask again */
			*errnum = errno;
			return NULL;
		}
	}
	*errnum = ERANGE;
	return NULL;
}

static struct walk_entry *open_stream(const struct walk_entry *e, const char *stream, int *errnum)
{
	struct walk_entry *se = calloc(1, sizeof(*se));
	size_t plen = strlen(e->path), nlen = strlen(e->name);

	if (se == NULL || (se->path = malloc(plen + 1 + strlen(stream) + 1)) == NULL) {
		free(se);
		*errnum = ENOMEM;
		return NULL;
	}
	sprintf(se->path, "%s:%s", e->path, stream);
	se->name = se->path + plen - nlen;
	se->dirfd = -1;
	se->tag = e->tag;
	se->fd = walk_open_regular(e->dirfd, se->name, false, &se->st);
	if (se->fd == WALK_NOT_REGULAR)
		*errnum = EINVAL;
	else if (se->fd < 0)
		*errnum = errno;
	else
		return se;
	walk_entry_free(se);
	return NULL;
}

int streams_each(const struct walk_entry *e, streams_fn fn, void *ctx, rq_error *err)
{
	size_t len = 0;
	int errnum = 0, rc = 0;
	char *list = read_list(e->fd, &len, &errnum);

	if (list == NULL && errnum == 0)
		return 0;
	if (list == NULL)
		return rq_fail_errno(err, errnum, "cannot list its alternate data streams");
	for (size_t off = 0; off < len; off += strlen(list + off) + 1) {
		const char *s = list + off;
		struct walk_entry *se;

		if (*s == '\0' || strchr(s, '/') != NULL) {
			rc = rq_fail(err, "a stream with an impossible name; skipped");
			continue;
		}
		if ((se = open_stream(e, s, &errnum)) == NULL) {
			char *sd = escape_name(s);
			rc = rq_fail_errno(err, errnum, "cannot open its stream %s", sd ? sd : "?");
			free(sd);
			continue;
		}
		if (fn(se, ctx) != 0) {
			walk_entry_free(se);
			break;
		}
		walk_entry_free(se);
	}
	free(list);
	return rc;
}
