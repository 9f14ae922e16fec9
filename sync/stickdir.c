/* stickdir: opening a stick's RAQUET/ from the IOC side (see stickdir.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stickdir.h"

int stickdir_open(const struct ioc *ioc, const char *stick, struct stickdir *sd, rq_error *err)
{
	const char *v, *fmt;
	int top;

	memset(sd, 0, sizeof(*sd));
	sd->fd = -1;
	if (asprintf(&sd->path, "%s/%s", stick, STICKDIR_RAQUET) < 0) {
		sd->path = NULL;
		return rq_fail(err, "out of memory");
	}
	top = open(stick, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		rq_fail_errno(err, errno, "cannot open stick %s", stick);
		goto fail;
	}
	sd->fd = openat(top, STICKDIR_RAQUET, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(top);
	if (sd->fd < 0) {
		rq_fail_errno(err, errno, "%s is not a raquet stick (no %s/)", stick,
			      STICKDIR_RAQUET);
		goto fail;
	}
	if ((sd->info = signed_json_read(sd->fd, STICK_INFO, &ioc->pub, err)) == NULL) {
		rq_error e = *err;
		rq_fail(err, "%s is not a stick of this IOC: %s", stick, e.msg);
		goto fail;
	}
	fmt = json_str_member(sd->info, "format");
	v = json_str_member(sd->info, "stick");
	if (fmt == NULL || strcmp(fmt, "raquet.stick/1") != 0 || v == NULL ||
	    keys_id_parse(v, &sd->id) != 0) {
		rq_fail(err, "%s/stick.json is not a raquet.stick/1 document with a stick id",
			sd->path);
		goto fail;
	}
	keys_id_hex(sd->id, sd->id_hex);
	return 0;
fail:
	stickdir_close(sd);
	return -1;
}

void stickdir_close(struct stickdir *sd)
{
	if (sd->fd >= 0)
		close(sd->fd);
	json_object_put(sd->info);
	free(sd->path);
	memset(sd, 0, sizeof(*sd));
	sd->fd = -1;
}

int stickdir_write_signed_json(int fd, const char *name, json_object *obj,
			       const keys_ioc_secret *sk, rq_error *err)
{
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE);
	char *buf;
	size_t len;
	int rc;

	if (text == NULL)
		return rq_fail(err, "out of memory");
	len = strlen(text);
	if ((buf = malloc(len + 2)) == NULL)
		return rq_fail(err, "out of memory");
	memcpy(buf, text, len);
	buf[len++] = '\n';
	rc = keys_signed_file_write(fd, name, buf, len, sk, err);
	free(buf);
	return rc;
}
