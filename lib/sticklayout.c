/* sticklayout: RAQUET/ and its config (sticklayout.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "sticklayout.h"

int stick_dir_open(const char *dir, rq_error *err)
{
	int top, fd;

	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return rq_fail_errno(err, errno, "cannot open stick %s", dir);
	/* O_NOFOLLOW: a stick is hostile; RAQUET/ must not lead elsewhere. */
	fd = openat(top, STICK_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(top);
	if (fd < 0)
		return rq_fail_errno(err, errno, "%s is not a raquet stick (no %s/)", dir,
				     STICK_DIR);
	return fd;
}

void stick_config_defaults(struct stick_config *c)
{
	*c = (struct stick_config){.action = RESULTDOC_REPORT, .sample_max = STICK_SAMPLE_MAX};
}

static int yes_no(const char *val, bool *out)
{
	if (strcmp(val, "yes") == 0)
		*out = true;
	else if (strcmp(val, "no") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* Decimal digits only, at most max: strtoull alone would take "-1", "+1"
 * and " 1". */
static int number(const char *val, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (*val < '0' || *val > '9')
		return -1;
	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* One known key's value into c; -1 when the value is not one it takes. */
static int config_value(struct stick_config *c, const char *key, const char *val)
{
	enum resultdoc_scan scan;
	unsigned long long v;

	if (strcmp(key, "action") == 0)
		return resultdoc_action_parse(val, &c->action);
	if (strcmp(key, "scan") == 0) {
		if (resultdoc_scan_parse(val, &scan) != 0)
			return -1;
		c->quick = scan == RESULTDOC_QUICK;
		return 0;
	}
	if (strcmp(key, "unattended") == 0)
		return yes_no(val, &c->unattended);
	if (strcmp(key, "poweroff") == 0)
		return yes_no(val, &c->poweroff);
	if (strcmp(key, "unit") == 0) {
		/* Checked against the signed roster where it is used. */
		if (*val == '\0' || strlen(val) >= sizeof(c->unit))
			return -1;
		snprintf(c->unit, sizeof(c->unit), "%s", val);
		return 0;
	}
	if (strcmp(key, "sample_max_bytes") == 0) {
		if (number(val, STICK_SAMPLE_LIMIT, &v) != 0)
			return -1;
		c->sample_max = v;
		return 0;
	}
	if (strcmp(key, "mode") == 0) {
		if (strcmp(val, "pc") == 0)
			c->station = false;
		else if (strcmp(val, "station") == 0)
			c->station = true;
		else
			return -1;
		return 0;
	}
	if (strcmp(key, "station_idle") == 0) {
		if (number(val, STICK_IDLE_MAX, &v) != 0)
			return -1;
		c->station_idle = (unsigned int)v;
		return 0;
	}
	/* Unknown keys are for newer scanners: ignored. */
	return 0;
}

/* Parses one line (NUL-terminated, no '\n'), modifying it. */
static int config_line(struct stick_config *c, char *line, const char *where, size_t lineno,
		       rq_error *err)
{
	char *eq, *key = line, *val, *p;

	while (*key == ' ' || *key == '\t')
		key++;
	if (*key == '#' || *key == '\0' || *key == '\r')
		return 0;
	if ((eq = strchr(key, '=')) == NULL)
		return rq_fail(err, "%s: line %zu: expected key = value", where, lineno);
	*eq = '\0';
	for (p = eq - 1; p >= key && (*p == ' ' || *p == '\t'); p--)
		*p = '\0';
	for (val = eq + 1; *val == ' ' || *val == '\t'; val++)
		;
	for (p = val + strlen(val) - 1; p >= val && strchr(" \t\r", *p); p--)
		*p = '\0';
	if (config_value(c, key, val) != 0)
		return rq_fail(err, "%s: line %zu: bad value for %s", where, lineno, key);
	return 0;
}

int stick_config_parse(const char *text, size_t len, const char *where, struct stick_config *c,
		       rq_error *err)
{
	struct stick_config out;
	char *buf, *line, *nl;
	size_t lineno = 1;
	int rc = 0;

	if (len > STICK_CONFIG_MAX)
		return rq_fail(err, "%s is too large (%zu bytes, at most %d)", where, len,
			       STICK_CONFIG_MAX);
	if (memchr(text, '\0', len) != NULL) {
		const char *z = memchr(text, '\0', len);
		for (const char *p = text; p < z; p++)
			lineno += *p == '\n';
		return rq_fail(err, "%s: line %zu: a NUL byte", where, lineno);
	}
	if ((buf = malloc(len + 1)) == NULL)
		return rq_fail(err, "out of memory reading %s", where);
	memcpy(buf, text, len);
	buf[len] = '\0';
	stick_config_defaults(&out);
	/* Every line counts, blank ones too, so the number is the editor's. */
	for (line = buf; rc == 0 && line < buf + len; line = nl + 1, lineno++) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = buf + len;
		*nl = '\0';
		rc = config_line(&out, line, where, lineno, err);
	}
	free(buf);
	if (rc == 0)
		*c = out;
	return rc;
}

int stick_config_read(int dirfd, const char *name, const char *where, struct stick_config *c,
		      rq_error *err)
{
	char *buf;
	size_t len;
	int rc;

	if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) {
		stick_config_defaults(c);
		return 0;
	}
	if (read_file_bounded(dirfd, name, STICK_CONFIG_MAX, &buf, &len, err) != 0)
		return -1;
	rc = stick_config_parse(buf, len, where, c, err);
	free(buf);
	return rc;
}
