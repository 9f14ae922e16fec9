/* resultdoc: name tables for the result document's words and checked
 * json-c helpers (resultdoc.h). */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "identity.h"
#include "resultdoc.h"

static const char *const status_names[RESULTDOC_NSTATUS] = {
    [RESULTDOC_CLEAN] = "clean",
    [RESULTDOC_CLEANED] = "cleaned",
    [RESULTDOC_INFECTED_NOT_CLEANED] = "infected-not-cleaned",
    [RESULTDOC_INCOMPLETE] = "incomplete",
};

static const char *const state_names[RESULTDOC_NSTATES] = {
    [RESULTDOC_SCANNED] = "scanned",           [RESULTDOC_MISSING] = "missing",
    [RESULTDOC_INTERRUPTED] = "interrupted",   [RESULTDOC_HIBERNATED] = "read-only-hibernated",
    [RESULTDOC_ENCRYPTED] = "encrypted",       [RESULTDOC_UNSUPPORTED] = "unsupported",
    [RESULTDOC_MOUNT_FAILED] = "mount-failed",
};

static const char *const outcome_names[RESULTDOC_NOUTCOMES] = {
    [RESULTDOC_REPORTED] = "reported",         [RESULTDOC_QUARANTINED] = "quarantined",
    [RESULTDOC_DELETED] = "deleted",           [RESULTDOC_FAILED] = "failed",
    [RESULTDOC_NEEDS_REPAIR] = "needs-repair",
};

static const char *const action_names[RESULTDOC_NACTIONS] = {
    [RESULTDOC_REPORT] = "report",
    [RESULTDOC_QUARANTINE] = "quarantine",
    [RESULTDOC_DELETE] = "delete",
};

static const char *const scan_names[RESULTDOC_NSCANS] = {
    [RESULTDOC_QUICK] = "quick",
    [RESULTDOC_FULL] = "full",
};

static const char *const repair_kind_names[RESULTDOC_NREPAIR_KINDS] = {
    [RESULTDOC_SHORTCUT] = "shortcut",
    [RESULTDOC_AUTORUN] = "autorun",
    [RESULTDOC_HIDDEN] = "hidden",
};

static const char *const repair_action_names[RESULTDOC_NREPAIR_ACTIONS] = {
    [RESULTDOC_R_QUARANTINE] = "quarantine",
    [RESULTDOC_R_DELETE] = "delete",
    [RESULTDOC_R_UNHIDE] = "unhide",
};

static const char *const repair_outcome_names[RESULTDOC_NREPAIR_OUTCOMES] = {
    [RESULTDOC_PLANNED] = "planned",
    [RESULTDOC_DONE] = "done",
    [RESULTDOC_NOT_DONE] = "failed",
    [RESULTDOC_NO_WAY] = "unsupported",
};

static const char *const device_kind_names[RESULTDOC_NDEVICE_KINDS] = {
    [RESULTDOC_COMPUTER] = "computer",
    [RESULTDOC_REMOVABLE] = "removable",
};

static const char *const autorun_kind_names[RESULTDOC_NAUTORUN_KINDS] = {
    [RESULTDOC_AUTORUN_RUN] = "run",         [RESULTDOC_AUTORUN_WINLOGON] = "winlogon",
    [RESULTDOC_AUTORUN_IFEO] = "ifeo",       [RESULTDOC_AUTORUN_APPINIT] = "appinit",
    [RESULTDOC_AUTORUN_SERVICE] = "service", [RESULTDOC_AUTORUN_STARTUP] = "startup",
    [RESULTDOC_AUTORUN_TASK] = "task",
};

static const char *const autorun_verdict_names[RESULTDOC_NAUTORUN_VERDICTS] = {
    [RESULTDOC_VERDICT_NOT_FOUND] = "not-found",
    [RESULTDOC_VERDICT_CLEAN] = "clean",
    [RESULTDOC_VERDICT_DETECTED] = "detected",
};

static const char *const autorun_outcome_names[RESULTDOC_NAUTORUN_OUTCOMES] = {
    [RESULTDOC_AR_LEFT] = "left",
    [RESULTDOC_AR_REPORTED] = "reported",
    [RESULTDOC_AR_CLEANED] = "cleaned",
    [RESULTDOC_AR_NOT_CLEANED] = "not-cleaned",
};

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

static int index_of(const char *const *names, size_t n, const char *s)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

#define NAMES(type, table)                                                                         \
	const char *resultdoc_##type##_name(enum resultdoc_##type v)                               \
	{                                                                                          \
		return name_of(table, sizeof(table) / sizeof(table[0]), (unsigned)v);              \
	}                                                                                          \
	int resultdoc_##type##_parse(const char *s, enum resultdoc_##type *out)                    \
	{                                                                                          \
		int i = index_of(table, sizeof(table) / sizeof(table[0]), s);                      \
		if (i < 0)                                                                         \
			return -1;                                                                 \
		*out = (enum resultdoc_##type)i;                                                   \
		return 0;                                                                          \
	}

NAMES(status, status_names)
NAMES(state, state_names)
NAMES(outcome, outcome_names)
NAMES(action, action_names)
NAMES(scan, scan_names)
NAMES(repair_kind, repair_kind_names)
NAMES(repair_action, repair_action_names)
NAMES(autorun_kind, autorun_kind_names)
NAMES(autorun_verdict, autorun_verdict_names)
NAMES(autorun_outcome, autorun_outcome_names)
NAMES(repair_outcome, repair_outcome_names)
NAMES(device_kind, device_kind_names)

static int failed(bool *bad)
{
	if (bad)
		*bad = true;
	return -1;
}

int resultdoc_put_null_ok(json_object *obj, const char *key, json_object *child, bool *bad)
{
	int rc;

	if (obj == NULL) {
		json_object_put(child);
		return failed(bad);
	}
	rc = key ? json_object_object_add(obj, key, child) : json_object_array_add(obj, child);
	if (rc != 0) {
		json_object_put(child);
		return failed(bad);
	}
	return 0;
}

int resultdoc_put(json_object *obj, const char *key, json_object *child, bool *bad)
{
	if (child == NULL) {
		/* What json-c's constructors return when out of memory. */
		return failed(bad);
	}
	return resultdoc_put_null_ok(obj, key, child, bad);
}

int resultdoc_put_str(json_object *obj, const char *key, const char *s, bool *bad)
{
	if (s == NULL)
		return resultdoc_put_null_ok(obj, key, NULL, bad);
	return resultdoc_put(obj, key, json_object_new_string(s), bad);
}

int resultdoc_put_u64(json_object *obj, const char *key, uint64_t v, bool *bad)
{
	/* Counts beyond INT64_MAX do not occur; json-c has no unsigned writer
	 * that older IOCs read, so the document has always held int64. */
	return resultdoc_put(obj, key, json_object_new_int64((int64_t)v), bad);
}

int resultdoc_put_path(json_object *obj, const char *key, const char *path, bool *bad)
{
	char *esc = escape_name(path);
	int rc;

	if (esc == NULL)
		return failed(bad);
	rc = resultdoc_put_str(obj, key, esc, bad);
	free(esc);
	if (rc != 0)
		return -1;
	return resultdoc_put(obj, "path_escaped", json_object_new_boolean(!escape_is_clean(path)),
			     bad);
}

/* A string from the disk: escaped, an empty one as null. */
static void put_disk_text(json_object *o, const char *key, const char *s, bool *bad)
{
	char *esc;

	if (s == NULL || s[0] == '\0') {
		resultdoc_put_null_ok(o, key, NULL, bad);
		return;
	}
	if ((esc = escape_name(s)) == NULL) {
		failed(bad);
		return;
	}
	resultdoc_put_str(o, key, esc, bad);
	free(esc);
}

json_object *resultdoc_volume(const struct resultdoc_volume *v)
{
	json_object *o = json_object_new_object();
	bool bad = o == NULL;

	resultdoc_put_str(o, "device", v->device, &bad);
	put_disk_text(o, "filesystem", v->filesystem, &bad);
	put_disk_text(o, "label", v->label, &bad);
	put_disk_text(o, "uuid", v->uuid, &bad);
	if (v->has_size)
		resultdoc_put_u64(o, "size", v->size, &bad);
	else
		resultdoc_put_null_ok(o, "size", NULL, &bad);
	resultdoc_put_str(o, "state", resultdoc_state_name(v->state), &bad);
	resultdoc_put_str(o, "detail", v->detail && v->detail[0] ? v->detail : NULL, &bad);
	if (v->path) {
		resultdoc_put_path(o, "path", v->path, &bad);
	} else {
		resultdoc_put_null_ok(o, "path", NULL, &bad);
		resultdoc_put(o, "path_escaped", json_object_new_boolean(false), &bad);
	}
	resultdoc_put_str(o, "driver", v->driver && v->driver[0] ? v->driver : NULL, &bad);
	resultdoc_put_counts(o, &v->counts, &bad);
	resultdoc_put_u64(o, "detections", v->detections, &bad);
	resultdoc_put(o, "hiberfile_removed", json_object_new_boolean(v->hiberfile_removed), &bad);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int resultdoc_put_counts(json_object *vol, const struct resultdoc_counts *c, bool *bad)
{
	bool failed_here = false;

	resultdoc_put_u64(vol, "files", c->files, &failed_here);
	resultdoc_put_u64(vol, "bytes", c->bytes, &failed_here);
	resultdoc_put_u64(vol, "errors", c->errors, &failed_here);
	resultdoc_put_u64(vol, "skipped", c->skipped, &failed_here);
	resultdoc_put_u64(vol, "excluded", c->excluded, &failed_here);
	resultdoc_put_u64(vol, "changed", c->changed, &failed_here);
	return failed_here ? failed(bad) : 0;
}

json_object *resultdoc_device(const char *root, const char *exclude_disk, rq_error *err)
{
	/* struct identity is large (disks, MACs, ignored values): not on the
	 * stack of a scanner thread. */
	struct identity *id = calloc(1, sizeof(*id));
	json_object *out = NULL;

	if (id == NULL) {
		rq_fail(err, "out of memory");
		return NULL;
	}
	if (identity_collect(root ? root : "/", exclude_disk, id, err) == 0 &&
	    identity_to_json(id, &out) != 0) {
		rq_fail(err, "out of memory building the device identity");
		out = NULL;
	}
	free(id);
	return out;
}
