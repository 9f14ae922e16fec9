/* result: building and writing the result document. Untrusted names are
 * stored escaped (lib/escape.h) so the document is always valid UTF-8 JSON;
 * "path_escaped" says when escaping changed a path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "result.h"
#include "signedjson.h"
#include "stick.h"

void result_time(time_t t, char buf[32])
{
	struct tm tm;
	char z[8];

	localtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm); /* +0700 */
	snprintf(buf + strlen(buf), 32 - strlen(buf), "%.3s:%.2s", z, z + 3);
}

const char *result_status(const struct scan_report *rep)
{
	bool missing = false, left = false;

	for (size_t i = 0; i < rep->nroots; i++)
		missing |= rep->roots[i].missing;
	if (rep->interrupted || missing)
		return "incomplete";
	if (rep->ndets == 0)
		return "clean";
	for (size_t i = 0; i < rep->ndets; i++)
		left |= rep->dets[i].outcome == OUTCOME_REPORTED ||
			rep->dets[i].outcome == OUTCOME_FAILED;
	return left ? "infected-not-cleaned" : "cleaned";
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void add_path(json_object *o, const char *key, const char *path)
{
	char *esc = escape_name(path);

	json_object_object_add(o, key, json_object_new_string(esc ? esc : ""));
	json_object_object_add(o, "path_escaped", json_object_new_boolean(!escape_is_clean(path)));
	free(esc);
}

static json_object *u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static json_object *root_volume(const struct scan_report *rep, const struct scan_root *root)
{
	json_object *v = json_object_new_object();
	const char *state = root->missing ? "missing" : rep->interrupted ? "interrupted" : "scanned";

	json_object_object_add(v, "device", NULL);
	add_path(v, "path", root->path);
	json_object_object_add(v, "filesystem", NULL);
	json_object_object_add(v, "label", NULL);
	json_object_object_add(v, "size", NULL);
	json_object_object_add(v, "state", json_object_new_string(state));
	json_object_object_add(v, "files", u64(atomic_load(&root->stats.files)));
	json_object_object_add(v, "bytes", u64(atomic_load(&root->stats.bytes)));
	json_object_object_add(v, "errors",
			       u64(atomic_load(&root->stats.errors) + root->scan_errors));
	json_object_object_add(v, "skipped", u64(atomic_load(&root->stats.skipped)));
	json_object_object_add(v, "excluded", u64(atomic_load(&root->stats.excluded)));
	json_object_object_add(v, "changed", u64(atomic_load(&root->stats.changed)));
	return v;
}

static json_object *detection_json(const struct detection *d)
{
	json_object *o = json_object_new_object();

	add_path(o, "path", d->path);
	json_object_object_add(o, "signature", json_object_new_string(d->signature));
	json_object_object_add(o, "sha256", d->sha256[0] ? json_object_new_string(d->sha256) : NULL);
	json_object_object_add(o, "size", u64(d->size));
	json_object_object_add(o, "outcome", json_object_new_string(scan_outcome_name(d->outcome)));
	json_object_object_add(o, "detail", str_or_null(d->detail));
	json_object_object_add(o, "sample", str_or_null(d->sample));
	return o;
}

static int cmp_det(const void *a, const void *b)
{
	return strcmp(((const struct detection *)a)->path, ((const struct detection *)b)->path);
}

json_object *result_build(const struct scan_config *cfg, const struct scan_report *rep,
			  struct result_context *ctx)
{
	json_object *doc = json_object_new_object(), *o, *a;
	struct detection *sorted;
	char when[32];

	json_object_object_add(doc, "format", json_object_new_string(RESULT_FORMAT));
	json_object_object_add(doc, "record", ctx->record);
	json_object_object_add(doc, "unit", str_or_null(ctx->unit));
	json_object_object_add(doc, "technician", str_or_null(ctx->technician));
	json_object_object_add(doc, "device", ctx->device);

	o = json_object_new_object();
	json_object_object_add(o, "libclamav", json_object_new_string(rep->engine.version));
	json_object_object_add(o, "flevel", json_object_new_int((int)rep->engine.flevel));
	json_object_object_add(o, "signatures", u64(rep->engine.signatures));
	json_object_object_add(o, "database_version",
			       rep->engine.db_version ? u64(rep->engine.db_version) : NULL);
	json_object_object_add(o, "database_time", str_or_null(rep->engine.db_time[0]
								     ? rep->engine.db_time
								     : NULL));
	json_object_object_add(doc, "engine", o);

	o = json_object_new_object();
	json_object_object_add(o, "scan", json_object_new_string(cfg->quick ? "quick" : "full"));
	json_object_object_add(o, "action", json_object_new_string(scan_action_name(cfg->action)));
	json_object_object_add(o, "jobs", json_object_new_int((int)cfg->jobs));
	json_object_object_add(o, "max_filesize", cfg->limits.max_filesize
						      ? u64(cfg->limits.max_filesize) : NULL);
	json_object_object_add(o, "max_scansize", cfg->limits.max_scansize
						      ? u64(cfg->limits.max_scansize) : NULL);
	json_object_object_add(o, "alert_exceeds_max",
			       json_object_new_boolean(cfg->limits.alert_exceeds_max));
	json_object_object_add(doc, "mode", o);

	if (ctx->volumes) {
		json_object_object_add(doc, "volumes", ctx->volumes);
	} else {
		a = json_object_new_array();
		for (size_t i = 0; i < rep->nroots; i++)
			json_object_array_add(a, root_volume(rep, &rep->roots[i]));
		json_object_object_add(doc, "volumes", a);
	}
	ctx->record = ctx->device = ctx->volumes = NULL;

	a = json_object_new_array();
	sorted = malloc((rep->ndets ? rep->ndets : 1) * sizeof(*sorted));
	if (sorted) {
		if (rep->ndets)
			memcpy(sorted, rep->dets, rep->ndets * sizeof(*sorted));
		qsort(sorted, rep->ndets, sizeof(*sorted), cmp_det);
		for (size_t i = 0; i < rep->ndets; i++)
			json_object_array_add(a, detection_json(&sorted[i]));
		free(sorted);
	}
	json_object_object_add(doc, "detections", a);
	json_object_object_add(doc, "autoruns", json_object_new_array());

	o = json_object_new_object();
	json_object_object_add(o, "files", u64(rep->files));
	json_object_object_add(o, "bytes", u64(rep->bytes));
	json_object_object_add(o, "detections", u64(rep->ndets));
	json_object_object_add(o, "errors", u64(rep->errors));
	json_object_object_add(o, "cached", u64(rep->cached));
	json_object_object_add(doc, "totals", o);

	result_time(rep->started.tv_sec, when);
	json_object_object_add(doc, "started", json_object_new_string(when));
	result_time(rep->started.tv_sec + (time_t)rep->seconds, when);
	json_object_object_add(doc, "finished", json_object_new_string(when));
	json_object_object_add(doc, "duration_seconds", json_object_new_double(rep->seconds));
	json_object_object_add(doc, "status", json_object_new_string(result_status(rep)));
	return doc;
}

int result_write_file(json_object *doc, const char *path, rq_error *err)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE);
	char *dcopy = strdup(path), *ncopy = strdup(path);
	int dirfd, rc = -1;

	if (text == NULL || dcopy == NULL || ncopy == NULL) {
		rq_fail(err, "out of memory writing %s", path);
		goto out;
	}
	dirfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rq_fail_errno(err, errno, "cannot write %s", path);
		goto out;
	}
	{
		size_t len = strlen(text);
		char *buf = malloc(len + 2);
		if (buf == NULL) {
			rq_fail(err, "out of memory writing %s", path);
		} else {
			memcpy(buf, text, len);
			buf[len] = '\n';
			rc = atomic_write(dirfd, basename(ncopy), buf, len + 1, 0644, false, err);
			free(buf);
		}
	}
	close(dirfd);
out:
	free(dcopy);
	free(ncopy);
	return rc;
}

/* ---- what the stick adds: its databases' version, the PC's clock ------- */

/* "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM" (what the IOC writes,
 * sync/ioc.c): seconds since the epoch, or -1. */
static int64_t iso_time(const char *s)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, n = 0;
	struct tm tm;
	int64_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
	    n != 19)
		return -1;
	if (strcmp(s + 19, "Z") != 0 &&
	    ((s[19] != '+' && s[19] != '-') || strlen(s) != 25 ||
	     sscanf(s + 20, "%2d:%2d", &oh, &om) != 2 || oh > 18 || om > 59))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	tm = (struct tm){.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = se};
	t = (int64_t)timegm(&tm);
	return t - (s[19] == '-' ? -1 : s[19] == '+' ? 1 : 0) * (oh * 3600 + om * 60);
}

/* Keeps the latest of the dates the IOC signed onto the stick. */
static void note_ioc_date(const char *date, int64_t *best, char best_text[40])
{
	int64_t t = iso_time(date);

	if (t > *best) {
		*best = t;
		snprintf(best_text, 40, "%s", date);
	}
}

/* The IOC's receipt's "issued", when it is there and verifies. */
static void note_receipt(const struct stick *s, int64_t *best, char best_text[40])
{
	rq_error e;
	json_object *doc = stick_receipt(s, &e);

	note_ioc_date(json_str_member(doc, "issued"), best, best_text);
	json_object_put(doc);
}

int result_add_stick(json_object *doc, const struct stick *s, time_t pc, FILE *warnings)
{
	json_object *engine = NULL, *clock = json_object_new_object();
	char mdate[40], best_text[40] = "", now[32];
	int64_t best = -1;
	uint64_t version;
	bool behind;
	rq_error e;

	if (clock == NULL)
		return -1;
	if (stick_manifest_info(s, &version, mdate, sizeof(mdate), &e) == 0 &&
	    json_object_object_get_ex(doc, "engine", &engine)) {
		/* Beyond int64 no IOC counter goes: say nothing rather than a
		 * number the IOC would refuse the whole result for. */
		json_object_object_add(engine, "manifest_version",
				       version > INT64_MAX ? NULL
							   : json_object_new_int64((int64_t)version));
		json_object_object_add(engine, "manifest_date", str_or_null(mdate[0] ? mdate : NULL));
		note_ioc_date(mdate, &best, best_text);
	}
	note_ioc_date(json_str_member(s->info, "issued"), &best, best_text);
	note_ioc_date(json_str_member(s->roster, "issued"), &best, best_text);
	note_receipt(s, &best, best_text);
	behind = best >= 0 && (int64_t)pc + RESULT_CLOCK_SLACK < best;
	result_time(pc, now);
	json_object_object_add(clock, "pc", json_object_new_string(now));
	json_object_object_add(clock, "ioc_min", str_or_null(best >= 0 ? best_text : NULL));
	json_object_object_add(clock, "behind", json_object_new_boolean(behind));
	json_object_object_add(doc, "clock", clock);
	if (behind && warnings)
		fprintf(warnings,
			"raquet-scan: warning: this PC's clock says %s, earlier than %s, when the "
			"IOC last updated the stick; the result keeps both dates\n",
			now, best_text);
	return behind ? 1 : 0;
}
