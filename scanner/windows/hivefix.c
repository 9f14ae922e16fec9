/* hivefix: the write path for hives (see hivefix.h). The order is what makes
 * it safe: nothing is written to the hive itself; the new hive is complete,
 * synced and verified before a rename puts it in place; the original stays
 * reachable under a second name (a hard link) until its encrypted copy is in
 * the quarantine. A power cut at any step leaves a hive Windows can boot:
 * either the old one or the new one. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "le.h"
#include "walk.h"
#include "windows/hivefix.h"
#include "windows/winpath.h"

#define HIVE_NAME_MAX 200

bool hivefix_is_clean(int fd)
{
	unsigned char hdr[12];

	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || memcmp(hdr, "regf", 4) != 0)
		return false;
	return load_le32(hdr + 4) == load_le32(hdr + 8);
}

/* The UTF-16LE form of a short ASCII/UTF-8 string with its NUL, as REG_SZ
 * holds it (the defaults written are ASCII). */
static size_t utf16(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *s && o + 4 <= outsz; s++) {
		out[o++] = *s;
		out[o++] = 0;
	}
	out[o++] = 0;
	out[o++] = 0;
	return o;
}

/* Removes the value name from node, keeping every other value as it is. */
static int delete_value(hive_h *h, hive_node_h node, const char *name)
{
	hive_value_h *vals = hivex_node_values(h, node);
	hive_set_value *keep;
	size_t n = 0, k = 0;
	bool found = false;
	int rc = -1;

	if (vals == NULL)
		return -1;
	while (vals[n])
		n++;
	keep = calloc(n + 1, sizeof(*keep));
	if (keep == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *key = hivex_value_key(h, vals[i]);
		if (key == NULL)
			goto out;
		if (!found && strcasecmp(key, name) == 0) {
			found = true;
			free(key);
			continue;
		}
		keep[k].key = key;
		keep[k].value = hivex_value_value(h, vals[i], &keep[k].t, &keep[k].len);
		if (keep[k++].value == NULL)
			goto out;
	}
	rc = found ? hivex_node_set_values(h, node, k, keep, 0) : 0;
out:
	for (size_t i = 0; keep && i < k; i++) {
		free(keep[i].key);
		free(keep[i].value);
	}
	free(keep);
	free(vals);
	return rc;
}

static int apply_op(hive_h *h, const struct hivefix_op *op)
{
	hive_node_h node = winpath_reg_key(h, hivex_root(h), op->key);
	char buf[1024];
	hive_set_value v = {.key = (char *)op->name};

	if (node == 0)
		return 0; /* already gone */
	switch (op->kind) {
	case HIVEFIX_DELETE_VALUE:
		return delete_value(h, node, op->name);
	case HIVEFIX_DELETE_KEY:
		return hivex_node_delete_child(h, node);
	case HIVEFIX_SET_SZ:
		v.t = hive_t_REG_SZ;
		v.len = utf16(op->sz, buf, sizeof(buf));
		v.value = buf;
		return hivex_node_set_value(h, node, &v, 0);
	case HIVEFIX_SET_DWORD:
		v.t = hive_t_REG_DWORD;
		store_le32((unsigned char *)buf, op->dword);
		v.len = 4;
		v.value = buf;
		return hivex_node_set_value(h, node, &v, 0);
	}
	return -1;
}

/* Whether the hive at path holds what ops asked for. */
static bool verify(const char *path, const struct hivefix_op *ops, size_t n)
{
	hive_h *h = hivex_open(path, 0);
	bool good = h != NULL;

	for (size_t i = 0; good && i < n; i++) {
		const struct hivefix_op *op = &ops[i];
		hive_node_h node = winpath_reg_key(h, hivex_root(h), op->key);
		unsigned d;
		char *s;
		switch (op->kind) {
		case HIVEFIX_DELETE_KEY:
			good = node == 0;
			break;
		case HIVEFIX_DELETE_VALUE:
			errno = 0;
			good = node == 0 ||
			       (hivex_node_get_value(h, node, op->name) == 0 && errno == 0);
			break;
		case HIVEFIX_SET_SZ:
			s = node ? winpath_reg_string(h, node, op->name, 1024) : NULL;
			good = node == 0 || (s && strcmp(s, op->sz) == 0);
			free(s);
			break;
		case HIVEFIX_SET_DWORD:
			good = node == 0 ||
			       (winpath_reg_dword(h, node, op->name, &d) == 1 && d == op->dword);
			break;
		}
	}
	if (h)
		hivex_close(h);
	return good;
}

/* Writes the changed hive as dfd/tmp, synced and verified. */
static int write_copy(int fd, int dfd, const char *tmp, const struct hivefix_op *ops, size_t n,
		      char *why, size_t whysz)
{
	char src[64], dst[64 + HIVE_NAME_MAX];
	hive_h *h;
	int tfd, rc = -1;

	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d/%s", dfd, tmp);
	unlinkat(dfd, tmp, 0); /* a leftover of an earlier, interrupted run */
	if ((h = hivex_open(src, HIVEX_OPEN_WRITE)) == NULL) {
		snprintf(why, whysz, "cannot open the hive for writing: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (apply_op(h, &ops[i]) != 0) {
			snprintf(why, whysz, "cannot change %s: %s", ops[i].key, strerror(errno));
			hivex_close(h);
			return -1;
		}
	if (hivex_commit(h, dst, 0) != 0) {
		snprintf(why, whysz, "cannot write the new hive: %s", strerror(errno));
		hivex_close(h);
		goto out;
	}
	hivex_close(h);
	tfd = openat(dfd, tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0 || fsync(tfd) != 0) {
		snprintf(why, whysz, "cannot sync the new hive: %s", strerror(errno));
		if (tfd >= 0)
			close(tfd);
		goto out;
	}
	if (!hivefix_is_clean(tfd) || !verify(dst, ops, n)) {
		snprintf(why, whysz, "the new hive did not verify; the hive was left as it was");
		close(tfd);
		goto out;
	}
	close(tfd);
	rc = 0;
out:
	if (rc != 0)
		unlinkat(dfd, tmp, 0);
	return rc;
}

int hivefix_apply(const char *root, const char *rel, const struct hivefix_op *ops, size_t n,
		  const char *qdir, char backup_id[QUARANTINE_ID_LEN + 1], char *why, size_t whysz)
{
	char tmp[HIVE_NAME_MAX + 16], old[HIVE_NAME_MAX + 16], sha[65], *oldpath = NULL;
	const char *name;
	struct stat st;
	rq_error err;
	int dfd, fd = -1, rc = -1;

	backup_id[0] = '\0';
	if ((dfd = walk_open_parent(root, rel, &name, NULL)) < 0) {
		snprintf(why, whysz, "cannot open the hive's folder: %s", strerror(errno));
		return -1;
	}
	if (strlen(name) > HIVE_NAME_MAX || (fd = walk_open_regular(dfd, name, false, &st)) < 0) {
		snprintf(why, whysz, "cannot open the hive: %s",
			 fd == WALK_NOT_REGULAR ? "not a regular file" : strerror(errno));
		goto out;
	}
	if (!hivefix_is_clean(fd)) {
		snprintf(why, whysz, "%s", HIVEFIX_DIRTY);
		rc = 1;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.raquet-new", name);
	snprintf(old, sizeof(old), "%s%s", name, HIVEFIX_BACKUP_SUFFIX);
	if (write_copy(fd, dfd, tmp, ops, n, why, whysz) != 0)
		goto out;
	/* The original keeps a second name until its copy is in the quarantine:
	 * from here on some complete hive is always in place. */
	unlinkat(dfd, old, 0);
	if (linkat(dfd, name, dfd, old, 0) != 0) {
		snprintf(why, whysz, "cannot keep the original hive: %s", strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	if (renameat(dfd, tmp, dfd, name) != 0) {
		snprintf(why, whysz, "cannot put the new hive in place: %s", strerror(errno));
		unlinkat(dfd, tmp, 0);
		unlinkat(dfd, old, 0);
		goto out;
	}
	if (fsync(dfd) != 0 && errno != EINVAL) {
		snprintf(why, whysz, "the hive's folder could not be synced: %s", strerror(errno));
		goto out; /* both hives are there; the backup stays beside it */
	}
	rc = 0;
	if (asprintf(&oldpath, "%s/%s%s", root, rel, HIVEFIX_BACKUP_SUFFIX) < 0) {
		oldpath = NULL;
		snprintf(why, whysz, "out of memory; the original hive was kept as %s", old);
	} else if (quarantine_store(qdir, fd, dfd, old, oldpath, HIVEFIX_BACKUP_SIGNATURE,
				    backup_id, sha, &err) != 0) {
		snprintf(why, whysz, "the original hive was kept as %s, not in the quarantine: %s",
			 old, err.msg);
	} else {
		why[0] = '\0';
	}
out:
	free(oldpath);
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

int hivefix_restore_in_place(const char *path, char *why, size_t whysz)
{
	size_t len = strlen(path), sl = strlen(HIVEFIX_BACKUP_SUFFIX);
	char *target, *slash;
	int dfd, rc = -1;

	if (len <= sl || strcmp(path + len - sl, HIVEFIX_BACKUP_SUFFIX) != 0 ||
	    (slash = strrchr(path, '/')) == NULL) {
		snprintf(why, whysz, "not a hive backup's name");
		return -1;
	}
	if ((target = strndup(path, len - sl)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	*strrchr(target, '/') = '\0';
	dfd = open(target[0] ? target : "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(why, whysz, "cannot open the hive's folder: %s", strerror(errno));
	} else {
		char *old = slash + 1, *name = strndup(old, strlen(old) - sl);
		if (name && renameat(dfd, old, dfd, name) == 0 &&
		    (fsync(dfd) == 0 || errno == EINVAL))
			rc = 0;
		else
			snprintf(why, whysz, "cannot put the hive back: %s",
				 name ? strerror(errno) : "out of memory");
		free(name);
		close(dfd);
	}
	free(target);
	return rc;
}
