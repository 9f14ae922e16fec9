/* result: building and writing the result document. Untrusted names are
 * stored escaped (lib/escape.h) so the document is always valid UTF-8 JSON;
 * "path_escaped" says when escaping changed a path. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "result.h"

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
