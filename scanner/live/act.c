/* act: re-opening a detection's file on a read-write volume and acting on
 * it. The scan ran read-only, so the file is found again by its path; the
 * walk down that path never follows a symlink and the content must hash to
 * what was scanned, or nothing is done. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashfd.h"
#include "live/act.h"
#include "quarantine.h"
#include "streams.h"
#include "walk.h"

bool act_under(const char *root, const char *path)
{
	size_t len = strlen(root);

	return strncmp(path, root, len) == 0 && path[len] == '/';
}

static void outcome(struct detection *d, enum resultdoc_outcome o, const char *detail)
{
	free(d->detail);
	d->outcome = o;
	d->detail = detail ? strdup(detail) : NULL;
}

/* walk_open_parent, its failure worded for the result document. */
static int open_parent(const char *root, const char *rel, const char **name, char *why,
		       size_t whylen)
{
	enum walk_parent_error failed;
	int dfd = walk_open_parent(root, rel, name, &failed);

	if (dfd >= 0)
		return dfd;
	switch (failed) {
	case WALK_PARENT_NAME:
		snprintf(why, whylen, "a path component is too long or empty");
		break;
	case WALK_PARENT_FOLDER:
		snprintf(why, whylen, "cannot open its folder again: %s", strerror(errno));
		break;
	case WALK_PARENT_ROOT:
		snprintf(why, whylen, "cannot open the volume again: %s", strerror(errno));
		break;
	}
	return -1;
}

static void act_one(const struct scan_config *sc, const char *root, bool streams,
		    struct detection *d)
{
	char why[300], hex[65], id[QUARANTINE_ID_LEN + 1], sha[65];
	const char *name;
	struct stat st, now;
	rq_error err;
	int dfd, fd;
	bool stream;

	if (d->sha256[0] == '\0') {
		outcome(d, RESULTDOC_FAILED,
			"its content could not be hashed when scanned; left in place");
		return;
	}
	if ((dfd = open_parent(root, d->path + strlen(root) + 1, &name, why, sizeof(why))) < 0) {
		outcome(d, RESULTDOC_FAILED, why);
		return;
	}
	stream = streams && streams_split(name) > 0;
	fd = walk_open_regular(dfd, name, false, &st);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open it again: %s",
			 fd == WALK_NOT_REGULAR ? "not a regular file" : strerror(errno));
		outcome(d, RESULTDOC_FAILED, why);
		goto out;
	}
	if (hashfd_sha256(fd, hex) != 0 || strcmp(hex, d->sha256) != 0) {
		outcome(d, RESULTDOC_FAILED,
			"its content changed since it was scanned; left in place");
		goto out;
	}
	if (sc->action == RESULTDOC_QUARANTINE && sc->on_detection)
		sc->on_detection(sc->hook_ctx, fd, d);
	if (sc->action == RESULTDOC_QUARANTINE && !stream) {
		if (quarantine_store(sc->quarantine_dir, fd, dfd, name, d->path, d->signature, id,
				     sha, &err) == 0)
			outcome(d, RESULTDOC_QUARANTINED, id);
		else
			outcome(d, RESULTDOC_FAILED, err.msg);
		goto out;
	}
	/* delete, or a stream (removing "file:stream" drops only the stream;
	 * ntfs-3g refuses that while the stream is open) */
	close(fd);
	fd = -1;
	if (fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_ino != st.st_ino ||
	    now.st_dev != st.st_dev)
		outcome(d, RESULTDOC_FAILED, "it was replaced since it was scanned; left in place");
	else if (unlinkat(dfd, name, 0) != 0) {
		snprintf(why, sizeof(why), "cannot remove it: %s; left in place", strerror(errno));
		outcome(d, RESULTDOC_FAILED, why);
	} else {
		outcome(d, RESULTDOC_DELETED,
			stream ? "stream removed; the file itself was kept" : NULL);
		if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS) {
			snprintf(why, sizeof(why),
				 "removed, but the folder could not be synced: %s",
				 strerror(errno));
			outcome(d, RESULTDOC_DELETED, why);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
}

void act_volume(const struct scan_config *sc, const char *root, bool streams,
		struct detection *dets, size_t n)
{
	/* Streams first: quarantining a host file first would take its streams
	 * with it unseen. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const char *base = strrchr(dets[i].path, '/');
			bool stream = streams && base && streams_split(base + 1) > 0;
			if (dets[i].outcome == RESULTDOC_NEEDS_REPAIR)
				continue; /* boot-critical: never touched */
			if (act_under(root, dets[i].path) && stream == (pass == 0))
				act_one(sc, root, streams, &dets[i]);
		}
}

void act_refuse(const char *root, struct detection *dets, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		if (act_under(root, dets[i].path) && dets[i].outcome != RESULTDOC_NEEDS_REPAIR)
			outcome(&dets[i], RESULTDOC_FAILED, why);
}
