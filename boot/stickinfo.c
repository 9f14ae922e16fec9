/* stickinfo: the stick's files as the launcher needs them. The roster and
 * stick.json are read through the IOC's signature, as raquet-scan reads
 * them, so the technician is never offered a unit the scan would refuse. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "keys.h"
#include "pin.h"
#include "signedjson.h"
#include "sticklayout.h"
#include "launcher.h"

#define ROSTER_MAX 20000 /* units; a province has a few thousand */

static int read_roster(struct stickinfo *si, json_object *roster, rq_error *err)
{
	json_object *units;
	size_t n;

	if (!json_object_object_get_ex(roster, "units", &units) ||
	    !json_object_is_type(units, json_type_array))
		return rq_fail(err, "roster.json: no list of units");
	n = json_object_array_length(units);
	if (n > ROSTER_MAX)
		return rq_fail(err, "roster.json: %zu units (at most %d)", n, ROSTER_MAX);
	si->units = calloc(n ? n : 1, sizeof(*si->units));
	if (si->units == NULL)
		return rq_fail(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *u = json_object_array_get_idx(units, i);
		const char *code = json_str_member(u, "code"), *name = json_str_member(u, "name");
		struct unit *t = &si->units[si->nunits];
		if (code == NULL || *code == '\0')
			continue; /* nothing raquet-scan would accept */
		t->code_raw = strdup(code);
		t->code = escape_name(code);
		t->name = escape_name(name ? name : code);
		if (t->code_raw == NULL || t->code == NULL || t->name == NULL) {
			free(t->code_raw), free(t->code), free(t->name);
			return rq_fail(err, "out of memory");
		}
		si->nunits++;
	}
	if (si->nunits == 0)
		return rq_fail(err, "roster.json lists no unit");
	return 0;
}

/* Strips blanks around s in place. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r", e[-1]))
		*--e = '\0';
	return s;
}

/* The scanner's own parser (lib/sticklayout.h): a config the scan would
 * refuse is refused here, with the same line number, before the
 * technician is asked anything. */
static int read_config(struct stickinfo *si, rq_error *err)
{
	struct stick_config c;
	char where[sizeof(STICK_DIR) + sizeof(STICK_CONFIG) + 1];

	snprintf(where, sizeof(where), "%s/%s", STICK_DIR, STICK_CONFIG);
	if (stick_config_read(si->dirfd, STICK_CONFIG, where, &c, err) != 0) {
		si->bad_config = true;
		return -1;
	}
	si->action = c.action;
	si->quick = c.quick;
	si->unattended = c.unattended;
	si->poweroff = c.poweroff;
	si->station = c.station;
	si->station_idle = c.station_idle;
	snprintf(si->unit, sizeof(si->unit), "%s", c.unit);
	return 0;
}

bool launcher_name_ok(const char *name)
{
	size_t len = strlen(name);
	return len > 0 && len < LAUNCHER_NAME_MAX && escape_is_clean(name) &&
	       strspn(name, " ") < len;
}

/* A missing or unreadable name is only a missing default. */
static void read_technician(struct stickinfo *si)
{
	char *buf, *nl;
	size_t len;
	rq_error err;

	if (read_file_bounded(si->dirfd, STICK_TECHNICIAN, 4 * LAUNCHER_NAME_MAX, &buf, &len,
			      &err) != 0)
		return;
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	if (launcher_name_ok(trim(buf)))
		snprintf(si->technician, sizeof(si->technician), "%s", trim(buf));
	free(buf);
}

int stickinfo_open(const char *dir, struct stickinfo *si, rq_error *err)
{
	json_object *info = NULL, *roster = NULL;
	enum pin_state pin = PIN_NONE;
	keys_ioc_public ioc;
	const char *label;
	bool bad_config;

	memset(si, 0, sizeof(*si));
	si->dirfd = -1;
	if ((si->dir = strdup(dir)) == NULL)
		return rq_fail(err, "out of memory");
	if ((si->dirfd = stick_dir_open(dir, err)) < 0)
		goto fail;
	if (keys_ioc_read_public(si->dirfd, STICK_IOC_PUB, &ioc, err) != 0 ||
	    pin_check(&ioc, &pin, err) != 0 ||
	    (info = signed_json_read(si->dirfd, STICK_INFO, &ioc, err)) == NULL ||
	    (roster = signed_json_read(si->dirfd, STICK_ROSTER, &ioc, err)) == NULL ||
	    read_roster(si, roster, err) != 0 || read_config(si, err) != 0)
		goto fail;
	if ((label = json_str_member(info, "label")) != NULL)
		si->label = escape_name(label);
	read_technician(si);
	si->pin = pin;
	json_object_put(info);
	json_object_put(roster);
	return 0;
fail:
	json_object_put(info);
	json_object_put(roster);
	bad_config = si->bad_config;
	stickinfo_close(si);
	si->pin = pin;
	si->bad_config = bad_config;
	return -1;
}

void stickinfo_close(struct stickinfo *si)
{
	for (size_t i = 0; i < si->nunits; i++) {
		free(si->units[i].code);
		free(si->units[i].code_raw);
		free(si->units[i].name);
	}
	free(si->units);
	free(si->label);
	free(si->dir);
	if (si->dirfd >= 0)
		close(si->dirfd);
	memset(si, 0, sizeof(*si));
	si->dirfd = -1;
}

const struct unit *stickinfo_unit(const struct stickinfo *si, const char *code)
{
	for (size_t i = 0; i < si->nunits; i++)
		if (strcmp(si->units[i].code_raw, code) == 0)
			return &si->units[i];
	return NULL;
}

int stickinfo_save_technician(struct stickinfo *si, const char *name, rq_error *err)
{
	char buf[LAUNCHER_NAME_MAX + 1];
	int n;

	if (!launcher_name_ok(name))
		return rq_fail(err, "not a name to remember");
	if (strcmp(si->technician, name) == 0)
		return 0;
	n = snprintf(buf, sizeof(buf), "%s\n", name);
	if (atomic_write(si->dirfd, STICK_TECHNICIAN, buf, (size_t)n, 0644, false, err) != 0)
		return -1;
	snprintf(si->technician, sizeof(si->technician), "%s", name);
	return 0;
}
