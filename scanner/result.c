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
#include "isotime.h"
#include "result.h"
#include "signedjson.h"
#include "stick.h"
#include "usbrepair.h"

void result_time(time_t t, char buf[32])
{
	struct tm tm;
	char z[8];

	localtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm); /* +0700 */
	snprintf(buf + strlen(buf), 32 - strlen(buf), "%.3s:%.2s", z, z + 3);
}

enum resultdoc_status result_status(const struct scan_report *rep)
{
	bool missing = false, left = false;

	for (size_t i = 0; i < rep->nroots; i++)
		missing |= rep->roots[i].missing;
	if (rep->interrupted || missing)
		return RESULTDOC_INCOMPLETE;
	if (rep->ndets == 0)
		return RESULTDOC_CLEAN;
	for (size_t i = 0; i < rep->ndets; i++)
		left |= rep->dets[i].outcome == RESULTDOC_REPORTED ||
			rep->dets[i].outcome == RESULTDOC_FAILED ||
			rep->dets[i].outcome == RESULTDOC_NEEDS_REPAIR;
	return left ? RESULTDOC_INFECTED_NOT_CLEANED : RESULTDOC_CLEANED;
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* The detections found under a PATH (its volume's "detections"). */
static uint64_t detections_under(const struct scan_report *rep, const char *root)
{
	size_t n = strlen(root);
	uint64_t count = 0;

	while (n > 1 && root[n - 1] == '/')
		n--;
	for (size_t i = 0; i < rep->ndets; i++) {
		const char *p = rep->dets[i].path;
		count += strncmp(p, root, n) == 0 && (p[n] == '/' || p[n] == '\0' || n == 1);
	}
	return count;
}

/* A folder scan's PATH in the volumes' one shape (lib/resultdoc.h); NULL
 * when json-c could not allocate, and result_build then returns NULL
 * rather than a document that silently lacks volumes. */
static json_object *root_volume(const struct scan_report *rep, const struct scan_root *root)
{
	struct resultdoc_volume out = {
	    .path = root->path,
	    .state = root->missing      ? RESULTDOC_MISSING
		     : rep->interrupted ? RESULTDOC_INTERRUPTED
					: RESULTDOC_SCANNED,
	    .detections = detections_under(rep, root->path),
	};

	scan_root_counts(root, &out.counts);
	return resultdoc_volume(&out);
}

static json_object *detection_json(const struct detection *d)
{
	json_object *o = json_object_new_object();
	bool bad = o == NULL;

	resultdoc_put_path(o, "path", d->path, &bad);
	resultdoc_put_str(o, "signature", d->signature, &bad);
	resultdoc_put_str(o, "sha256", d->sha256[0] ? d->sha256 : NULL, &bad);
	resultdoc_put_u64(o, "size", d->size, &bad);
	resultdoc_put_str(o, "outcome", resultdoc_outcome_name(d->outcome), &bad);
	resultdoc_put_str(o, "detail", d->detail, &bad);
	resultdoc_put_str(o, "sample", d->sample, &bad);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A PC is cleaned only when the entries that started its detections were
 * cleaned too: one left (a dirty hive, a failure) makes it not cleaned. */
enum resultdoc_status result_status_with(const struct scan_report *rep, json_object *autoruns)
{
	enum resultdoc_status status = result_status(rep);

	for (size_t i = 0; autoruns && i < json_object_array_length(autoruns); i++) {
		const char *o = json_str_member(json_object_array_get_idx(autoruns, i), "outcome");
		enum resultdoc_autorun_outcome out;
		if (status == RESULTDOC_CLEANED && resultdoc_autorun_outcome_parse(o, &out) == 0 &&
		    (out == RESULTDOC_AR_NOT_CLEANED || out == RESULTDOC_AR_REPORTED))
			return RESULTDOC_INFECTED_NOT_CLEANED;
	}
	return status;
}

static int cmp_det(const void *a, const void *b)
{
	return strcmp(((const struct detection *)a)->path, ((const struct detection *)b)->path);
}

/* The detections sorted by path; NULL when out of memory. */
static json_object *detections_json(const struct scan_report *rep)
{
	json_object *a = json_object_new_array();
	struct detection *sorted = malloc((rep->ndets ? rep->ndets : 1) * sizeof(*sorted));
	bool bad = a == NULL || sorted == NULL;

	if (!bad) {
		if (rep->ndets)
			memcpy(sorted, rep->dets, rep->ndets * sizeof(*sorted));
		qsort(sorted, rep->ndets, sizeof(*sorted), cmp_det);
		for (size_t i = 0; i < rep->ndets && !bad; i++)
			resultdoc_put(a, NULL, detection_json(&sorted[i]), &bad);
	}
	free(sorted);
	if (bad) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

static json_object *engine_json(const struct scan_report *rep, bool *bad)
{
	json_object *o = json_object_new_object();

	resultdoc_put_str(o, "libclamav", rep->engine.version, bad);
	resultdoc_put(o, "flevel", json_object_new_int((int)rep->engine.flevel), bad);
	resultdoc_put_u64(o, "signatures", rep->engine.signatures, bad);
	if (rep->engine.db_version)
		resultdoc_put_u64(o, "database_version", rep->engine.db_version, bad);
	else
		resultdoc_put_null_ok(o, "database_version", NULL, bad);
	resultdoc_put_str(o, "database_time", rep->engine.db_time[0] ? rep->engine.db_time : NULL,
			  bad);
	return o;
}

static json_object *mode_json(const struct scan_config *cfg, bool *bad)
{
	json_object *o = json_object_new_object();

	resultdoc_put_str(o, "scan",
			  resultdoc_scan_name(cfg->quick ? RESULTDOC_QUICK : RESULTDOC_FULL), bad);
	resultdoc_put_str(o, "action", resultdoc_action_name(cfg->action), bad);
	resultdoc_put(o, "jobs", json_object_new_int((int)cfg->jobs), bad);
	if (cfg->limits.max_filesize)
		resultdoc_put_u64(o, "max_filesize", cfg->limits.max_filesize, bad);
	else
		resultdoc_put_null_ok(o, "max_filesize", NULL, bad);
	if (cfg->limits.max_scansize)
		resultdoc_put_u64(o, "max_scansize", cfg->limits.max_scansize, bad);
	else
		resultdoc_put_null_ok(o, "max_scansize", NULL, bad);
	resultdoc_put(o, "alert_exceeds_max",
		      json_object_new_boolean(cfg->limits.alert_exceeds_max), bad);
	return o;
}

json_object *result_build(const struct scan_config *cfg, const struct scan_report *rep,
			  struct result_context *ctx)
{
	json_object *doc = json_object_new_object(), *o, *a, *autoruns;
	bool bad = doc == NULL;
	char when[32];

	resultdoc_put_str(doc, "format", RESULT_FORMAT, &bad);
	resultdoc_put_null_ok(doc, "record", ctx->record, &bad);
	resultdoc_put_str(doc, "unit", ctx->unit, &bad);
	resultdoc_put_str(doc, "technician", ctx->technician, &bad);
	resultdoc_put_null_ok(doc, "device", ctx->device, &bad);
	o = engine_json(rep, &bad);
	resultdoc_put(doc, "engine", o, &bad);
	o = mode_json(cfg, &bad);
	resultdoc_put(doc, "mode", o, &bad);

	if (ctx->volumes) {
		resultdoc_put(doc, "volumes", ctx->volumes, &bad);
	} else {
		a = json_object_new_array();
		for (size_t i = 0; i < rep->nroots && a; i++)
			resultdoc_put(a, NULL, root_volume(rep, &rep->roots[i]), &bad);
		resultdoc_put(doc, "volumes", a, &bad);
	}
	ctx->record = ctx->device = ctx->volumes = NULL;

	resultdoc_put(doc, "detections", detections_json(rep), &bad);
	/* live mode's persistence entries (windows/autoruns.h), taken over */
	resultdoc_put(doc, "autoruns", ctx->autoruns ? ctx->autoruns : json_object_new_array(),
		      &bad);
	autoruns = ctx->autoruns;
	ctx->autoruns = NULL;
	resultdoc_put(doc, "repairs", usbrepair_json(&rep->repairs), &bad);

	o = json_object_new_object();
	resultdoc_put_u64(o, "files", rep->files, &bad);
	resultdoc_put_u64(o, "bytes", rep->bytes, &bad);
	resultdoc_put_u64(o, "detections", rep->ndets, &bad);
	resultdoc_put_u64(o, "errors", rep->errors, &bad);
	resultdoc_put_u64(o, "cached", rep->cached, &bad);
	resultdoc_put(doc, "totals", o, &bad);

	result_time(rep->started.tv_sec, when);
	resultdoc_put_str(doc, "started", when, &bad);
	result_time(rep->started.tv_sec + (time_t)rep->seconds, when);
	resultdoc_put_str(doc, "finished", when, &bad);
	resultdoc_put(doc, "duration_seconds", json_object_new_double(rep->seconds), &bad);
	resultdoc_put_str(doc, "status",
			  resultdoc_status_name(result_status_with(rep, bad ? NULL : autoruns)),
			  &bad);
	if (bad) {
		json_object_put(doc);
		return NULL;
	}
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

/* Keeps the latest of the dates the IOC signed onto the stick. */
static void note_ioc_date(const char *date, int64_t *best, char best_text[40])
{
	int64_t t;

	if (isotime_parse(date, &t) == 0 && t > *best) {
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
		json_object_object_add(
		    engine, "manifest_version",
		    version > INT64_MAX ? NULL : json_object_new_int64((int64_t)version));
		json_object_object_add(engine, "manifest_date",
				       str_or_null(mdate[0] ? mdate : NULL));
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
