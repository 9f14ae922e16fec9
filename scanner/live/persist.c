/* persist: cleaning the entries that started a removed file (persist.h). An
 * entry is cleaned only when its target's removal succeeded: an entry left
 * pointing at nothing is harmless, a program left with no entry is not the
 * worst case either, but a boot-critical target (Shell = explorer.exe) must
 * keep its entry. Hives are changed per hive, all entries at once. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "live/persist.h"
#include "quarantine.h"
#include "walk.h"
#include "windows/hivefix.h"
#include "windows/winpath.h"

#define TASKCACHE "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache"

size_t persist_targets(const struct autoruns *ar, bool quick, const char **paths, size_t max)
{
	size_t n = 0, rootlen = strlen(ar->root);

	if (!quick)
		return 0;
	for (size_t i = 0; i < ar->n && n < max; i++) {
		const char *t = ar->v[i].target, *comps[16];
		char rel[WINPATH_MAX], *save = NULL, *c;
		size_t nc = 0;
		bool inside = false, dup = false;
		if (t == NULL)
			continue;
		snprintf(rel, sizeof(rel), "%s", t + rootlen + 1);
		*(strrchr(rel, '/') ? strrchr(rel, '/') : rel) = '\0';
		for (c = strtok_r(rel, "/", &save); c && nc < 16; c = strtok_r(NULL, "/", &save))
			comps[nc++] = c;
		/* Files directly in the root are covered; so is a covered folder. */
		if (nc == 0 || (walk_quick_dir(comps, nc, &inside) && inside))
			continue;
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(paths[k], t) == 0;
		if (!dup)
			paths[n++] = t;
	}
	return n;
}

/* Windows' own values for Winlogon (what a clean install has). */
static const char *winlogon_default(const char *name)
{
	return strcasecmp(name, "Shell") == 0 ? "explorer.exe"
					      : "C:\\Windows\\system32\\userinit.exe,";
}

static void settle(struct autorun *e, enum resultdoc_autorun_outcome o, const char *detail)
{
	free(e->detail);
	e->outcome = o;
	e->detail = detail && detail[0] ? strdup(detail) : NULL;
}

/* Moves a task's XML file into the quarantine. */
static int quarantine_file(const char *root, const char *path, const char *qdir, char *why,
			   size_t whysz)
{
	char id[QUARANTINE_ID_LEN + 1], sha[65];
	const char *name;
	struct stat st;
	rq_error err;
	int dfd = walk_open_parent(root, path + strlen(root) + 1, &name, NULL), fd, rc = -1;

	if (dfd < 0) {
		snprintf(why, whysz, "cannot open its folder: %s", strerror(errno));
		return -1;
	}
	fd = walk_open_regular(dfd, name, false, &st);
	if (fd < 0)
		snprintf(why, whysz, "cannot open the file");
	else if (quarantine_store(qdir, fd, dfd, name, path, "Raquet.Autorun", id, sha, &err) != 0)
		snprintf(why, whysz, "cannot quarantine it: %s", err.msg);
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

/* The task's GUID from TaskCache\Tree (to find its other TaskCache keys). */
static char *task_id(const struct autoruns *ar, const char *taskpath)
{
	char why[256], key[1200];
	hive_h *h;
	char *id = NULL;
	int rootfd = open(ar->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return NULL;
	h = winpath_open_hive(rootfd, ar->software, 0, why, sizeof(why));
	close(rootfd);
	if (h == NULL)
		return NULL;
	snprintf(key, sizeof(key), "%s\\Tree%s", TASKCACHE, taskpath);
	hive_node_h node = winpath_reg_key(h, hivex_root(h), key);
	if (node)
		id = winpath_reg_string(h, node, "Id", 64);
	hivex_close(h);
	if (id && (id[0] != '{' || strchr(id, '\\') != NULL)) {
		free(id);
		id = NULL;
	}
	return id;
}

struct ops {
	struct hivefix_op v[8 * 64];
	size_t n;
	char *strings[8 * 64];
	size_t ns;
};

static const char *keep(struct ops *o, char *s)
{
	if (s && o->ns < sizeof(o->strings) / sizeof(o->strings[0]))
		return o->strings[o->ns++] = s;
	free(s);
	return NULL;
}

/* The hive changes that clean e; false when there is no room. */
static bool ops_for(struct ops *o, const struct autoruns *ar, struct autorun *e)
{
	static const char *const caches[] = {"Tasks", "Boot", "Logon", "Plain", "Maintenance"};
	struct hivefix_op op = {.key = e->key};
	char *id, *k;

	if (o->n + 8 > sizeof(o->v) / sizeof(o->v[0]))
		return false;
	switch (e->kind) {
	case RESULTDOC_AUTORUN_RUN:
		op.kind = HIVEFIX_DELETE_VALUE;
		op.name = strcmp(e->name, "(Default)") == 0 ? "" : e->name;
		break;
	case RESULTDOC_AUTORUN_WINLOGON:
		op.kind = HIVEFIX_SET_SZ;
		op.name = e->name;
		op.sz = winlogon_default(e->name);
		break;
	case RESULTDOC_AUTORUN_IFEO:
		op.kind = HIVEFIX_DELETE_VALUE;
		op.name = "Debugger";
		break;
	case RESULTDOC_AUTORUN_APPINIT:
		op.kind = HIVEFIX_SET_SZ;
		op.name = "AppInit_DLLs";
		op.sz = "";
		break;
	case RESULTDOC_AUTORUN_SERVICE:
		op.kind = HIVEFIX_SET_DWORD;
		op.name = "Start";
		op.dword = 4;
		break;
	case RESULTDOC_AUTORUN_TASK:
		id = task_id(ar, e->key);
		if (asprintf(&k, "%s\\Tree%s", TASKCACHE, e->key) >= 0 && keep(o, k))
			o->v[o->n++] = (struct hivefix_op){.kind = HIVEFIX_DELETE_KEY, .key = k};
		for (size_t i = 0; id && i < sizeof(caches) / sizeof(caches[0]); i++)
			if (asprintf(&k, "%s\\%s\\%s", TASKCACHE, caches[i], id) >= 0 && keep(o, k))
				o->v[o->n++] =
				    (struct hivefix_op){.kind = HIVEFIX_DELETE_KEY, .key = k};
		free(id);
		return true;
	case RESULTDOC_AUTORUN_STARTUP:
		return true;
	}
	o->v[o->n++] = op;
	return true;
}

/* Cleans the pending entries (outcome RESULTDOC_AR_CLEANED so far, unsettled) whose
 * changes go to hive. */
static void clean_hive(struct autoruns *ar, const char *hive, const char *qdir)
{
	struct ops *o = calloc(1, sizeof(*o));
	char why[600] = "", id[QUARANTINE_ID_LEN + 1], note[700];
	int rc;

	if (o == NULL)
		return;
	for (size_t i = 0; i < ar->n; i++) {
		struct autorun *e = &ar->v[i];
		if (e->outcome == RESULTDOC_AR_CLEANED && e->detail == NULL && e->hive &&
		    strcmp(e->hive, hive) == 0 && !ops_for(o, ar, e))
			settle(e, RESULTDOC_AR_NOT_CLEANED,
			       "too many changes to one hive in one run");
	}
	rc = hivefix_apply(ar->root, hive, o->v, o->n, qdir, id, why, sizeof(why));
	if (rc == 0)
		snprintf(note, sizeof(note), "%s%s%s%s",
			 id[0] ? "hive backup in the quarantine as " : "", id,
			 why[0] && id[0] ? "; " : "", why);
	for (size_t i = 0; i < ar->n; i++) {
		struct autorun *e = &ar->v[i];
		if (e->outcome != RESULTDOC_AR_CLEANED || e->detail != NULL || !e->hive ||
		    strcmp(e->hive, hive) != 0)
			continue;
		settle(e, rc == 0 ? RESULTDOC_AR_CLEANED : RESULTDOC_AR_NOT_CLEANED,
		       rc == 0 ? note : why);
		if (rc == 0 && e->detail == NULL)
			e->detail = strdup("");
	}
	for (size_t i = 0; i < o->ns; i++)
		free(o->strings[i]);
	free(o);
}

/* Why an entry whose target was detected cannot be cleaned, or NULL. */
static const char *blocked(const struct autorun *e)
{
	switch (e->det->outcome) {
	case RESULTDOC_QUARANTINED:
	case RESULTDOC_DELETED:
		return NULL;
	case RESULTDOC_NEEDS_REPAIR:
		return "its target is a boot-critical Windows file: repair Windows";
	default:
		return "its target was not removed";
	}
}

void persist_settle(struct autoruns *ar, const struct scan_config *sc, bool writable,
		    const char *why_not)
{
	char why[600];

	for (size_t i = 0; i < ar->n; i++) {
		struct autorun *e = &ar->v[i];
		const char *b;
		if (e->verdict != RESULTDOC_VERDICT_DETECTED)
			continue;
		if (sc->action == RESULTDOC_REPORT)
			settle(e, RESULTDOC_AR_REPORTED, NULL);
		else if (!writable)
			settle(e, RESULTDOC_AR_NOT_CLEANED, why_not);
		else if ((b = blocked(e)) != NULL)
			settle(e, RESULTDOC_AR_NOT_CLEANED, b);
		else if (e->kind == RESULTDOC_AUTORUN_STARTUP && strcmp(e->target, e->file) == 0)
			settle(e, RESULTDOC_AR_CLEANED, "the Startup item itself was removed");
		else if (e->kind == RESULTDOC_AUTORUN_STARTUP &&
			 quarantine_file(ar->root, e->file, sc->quarantine_dir, why, sizeof(why)) !=
			     0)
			settle(e, RESULTDOC_AR_NOT_CLEANED, why);
		else if (e->kind == RESULTDOC_AUTORUN_STARTUP)
			settle(e, RESULTDOC_AR_CLEANED, "the shortcut was moved to the quarantine");
		else if (e->kind == RESULTDOC_AUTORUN_TASK &&
			 quarantine_file(ar->root, e->file, sc->quarantine_dir, why, sizeof(why)) !=
			     0)
			settle(e, RESULTDOC_AR_NOT_CLEANED, why);
		else if (e->hive == NULL)
			settle(e, RESULTDOC_AR_NOT_CLEANED, "its hive is unknown");
		else
			settle(e, RESULTDOC_AR_CLEANED,
			       NULL); /* pending: its hive is changed below */
	}
	for (size_t i = 0; i < ar->n; i++) {
		struct autorun *e = &ar->v[i];
		if (e->verdict == RESULTDOC_VERDICT_DETECTED &&
		    e->outcome == RESULTDOC_AR_CLEANED && e->detail == NULL && e->hive)
			clean_hive(ar, e->hive, sc->quarantine_dir);
	}
	/* "" marked the hive's entries as done; no detail is no detail */
	for (size_t i = 0; i < ar->n; i++)
		if (ar->v[i].detail && ar->v[i].detail[0] == '\0') {
			free(ar->v[i].detail);
			ar->v[i].detail = NULL;
		}
}

/* One volume for persist_list: its entries, their targets scanned. */
static int list_one(const struct scan_config *sc, const char *root, FILE *out, rq_error *err)
{
	struct scan_config cfg = *sc;
	struct scan_report rep;
	struct autoruns ar;
	const char **paths;
	size_t n = 0;
	int rc = 0;

	if (autoruns_read(root, &ar, err) != 0)
		return -1;
	paths = calloc(ar.n + 1, sizeof(*paths));
	if (paths == NULL) {
		autoruns_free(&ar);
		return rq_fail(err, "out of memory");
	}
	for (size_t i = 0; i < ar.n; i++) {
		bool dup = false;
		for (size_t k = 0; ar.v[i].target && k < n && !dup; k++)
			dup = strcmp(paths[k], ar.v[i].target) == 0;
		if (ar.v[i].target && !dup)
			paths[n++] = ar.v[i].target;
	}
	cfg.paths = paths;
	cfg.npaths = n;
	cfg.action = RESULTDOC_REPORT;
	cfg.quick = false;
	cfg.streams = NULL;
	cfg.on_detection = NULL;
	if (n > 0 && scan_run(&cfg, &rep, err) != 0) {
		rc = -1;
	} else {
		if (n == 0)
			memset(&rep, 0, sizeof(rep));
		autoruns_judge(&ar, rep.dets, rep.ndets);
		autoruns_print(&ar, out);
		for (size_t i = 0; i < ar.n; i++)
			rc |= ar.v[i].verdict == RESULTDOC_VERDICT_DETECTED;
		scan_report_free(&rep);
	}
	free(paths);
	autoruns_free(&ar);
	return rc;
}

int persist_list(const struct scan_config *sc, FILE *out, rq_error *err)
{
	int found = 0;

	for (size_t i = 0; i < sc->npaths; i++) {
		int r = list_one(sc, sc->paths[i], out, err);
		if (r < 0)
			return -1;
		found |= r;
	}
	return found;
}
