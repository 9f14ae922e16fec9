/* seal_run: a run's record on the stick (seal_run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "quarantine_pc.h"
#include "record.h"
#include "result.h"
#include "seal_run.h"
#include "usbrepair.h"

void seal_run_print_summary(FILE *out, const struct scan_report *rep, const char *status)
{
	double mb = (double)rep->bytes / 1e6;
	double s = rep->seconds > 0 ? rep->seconds : 1e-9;

	fprintf(out, "\n----------- SCAN SUMMARY -----------\n");
	fprintf(out, "Known viruses: %u\n", rep->engine.signatures);
	fprintf(out, "Engine version: %s\n", rep->engine.version);
	fprintf(out, "Scanned files: %llu\n", (unsigned long long)rep->files);
	if (rep->cached > 0) /* unchanged since found clean: counted, not read */
		fprintf(out, "Files from the clean-file cache: %llu\n",
			(unsigned long long)rep->cached);
	fprintf(out, "Infected files: %zu\n", rep->ndets);
	fprintf(out, "Errors: %llu\n", (unsigned long long)rep->errors);
	fprintf(out, "Data scanned: %.2f MB\n", mb);
	fprintf(out, "Time: %.3f sec (%d m %d s)\n", rep->seconds, (int)rep->seconds / 60,
		(int)rep->seconds % 60);
	fprintf(out, "Throughput: %.1f files/s, %.2f MB/s\n", (double)rep->files / s, mb / s);
	fprintf(out, "Status: %s\n", status ? status : resultdoc_status_name(result_status(rep)));
	if (rep->repairs.n)
		fprintf(out, "USB repairs: %zu (drives repaired: %zu)\n", rep->repairs.n,
			usbrepair_volumes_repaired(&rep->repairs));
}

/* The scan log sealed with a stick result: what stdout showed. */
static char *scan_log(const struct scan_report *rep, const char *status)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < rep->ndets; i++) {
		const struct detection *d = &rep->dets[i];
		char *esc = escape_name(d->path);
		fprintf(f, "%s: %s FOUND\n", esc ? esc : "?", d->signature);
		fprintf(f, "%s: %s%s%s\n", esc ? esc : "?", resultdoc_outcome_name(d->outcome),
			d->detail ? ": " : "", d->detail ? d->detail : "");
		free(esc);
	}
	usbrepair_print(f, &rep->repairs);
	seal_run_print_summary(f, rep, status);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Each file about to be quarantined also goes to the IOC as a sealed
 * sample; a sample that cannot be sealed is reported, the scan goes on. */
static void seal_sample(void *ctx, int fd, struct detection *d)
{
	struct seal_run_hook *h = ctx;
	char name[RECORD_NAME_MAX];
	rq_error err;

	if (stick_seal_sample(h->stick, fd, d, h->unit, name, sizeof(name), &err) == 0)
		d->sample = strdup(name);
	else
		fprintf(stderr, "raquet-scan: sample not sealed: %s\n", err.msg);
}

static json_object *device_json(const char *root)
{
	rq_error err;
	json_object *out = resultdoc_device(root, NULL, &err);

	if (out == NULL)
		fprintf(stderr, "raquet-scan: device identity: %s\n", err.msg);
	return out;
}

/* Sealing failed after the preflight passed (the stick pulled out, an I/O
 * error): the result is kept next to the quarantine, to be sealed at the
 * next start; the scan still fails (exit 2), as nothing was sealed. */
static void keep_pending(struct stick *stick, json_object *doc, const char *log, const char *why)
{
	char name[96];
	rq_error err;

	fprintf(stderr, "raquet-scan: the result was NOT sealed to the stick: %s\n", why);
	if (stick_write_pending(stick, doc, log, why, name, sizeof(name), &err) == 0)
		fprintf(
		    stderr,
		    "raquet-scan: the result was kept in %s/%s; it will be sealed the next time "
		    "raquet-scan starts with this stick\n",
		    stick->path, name);
	else
		fprintf(stderr,
			"raquet-scan: the result could not be kept on the stick either: %s\n",
			err.msg);
}

/* Seals the result to the stick; returns 0 and prints where it went. Live
 * mode hands its own device and volumes (taken over), else NULL. */
int seal_run_result(const struct seal_run_options *so, const struct scan_config *sc,
		    struct stick *stick, const struct scan_report *rep, json_object *device,
		    json_object *volumes, json_object *autoruns)
{
	struct result_context ctx = {.unit = so->unit,
				     .technician = so->technician,
				     .device = device,
				     .volumes = volumes,
				     .autoruns = autoruns};
	char name[RECORD_NAME_MAX];
	json_object *doc;
	char *log = scan_log(rep, resultdoc_status_name(result_status_with(rep, autoruns)));
	uint64_t seq = 0;
	rq_error err;
	int rc = -1;

	if (ctx.device == NULL)
		ctx.device = device_json(so->identity_root);
	doc = result_build(sc, rep, &ctx);
	if (doc == NULL) {
		fprintf(stderr, "raquet-scan: out of memory building the result document\n");
		free(log);
		return -1;
	}
	result_add_stick(doc, stick, rep->started.tv_sec, stderr); /* clock, MANIFEST version */
	/* Which PC the quarantined files came from, for --list-quarantine. */
	if (quarantine_note_pc(sc->quarantine_dir, doc, rep, &err) != 0)
		fprintf(stderr,
			"raquet-scan: warning: the quarantine will not say which PC its "
			"new entries came from: %s\n",
			err.msg);
	if (log == NULL)
		fprintf(stderr, "raquet-scan: out of memory building the scan log\n");
	else if (stick_seal_result(stick, doc, log, &seq, &err) != 0)
		keep_pending(stick, doc, log, err.msg);
	else {
		record_name(stick->key->id, seq, RECORD_TYPE_RESULT, name, sizeof(name));
		printf("Record saved: %s/results/%s (#%llu)\n", stick->path, name,
		       (unsigned long long)seq);
		rc = 0;
	}
	if (so->json_path && result_write_file(doc, so->json_path, &err) != 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		rc = -1;
	}
	json_object_put(doc);
	free(log);
	return rc;
}

static void pending_sealed(void *ctx, const char *name, uint64_t seq)
{
	struct stick *stick = ctx;
	char rec[RECORD_NAME_MAX];

	record_name(stick->key->id, seq, RECORD_TYPE_RESULT, rec, sizeof(rec));
	printf("Pending record sealed: %s/results/%s (#%llu), from %s/quarantine/%s\n", stick->path,
	       rec, (unsigned long long)seq, stick->path, name);
}

static void print_warnings(struct stick *stick)
{
	for (size_t i = 0; i < stick->nwarnings; i++) {
		fprintf(stderr, "raquet-scan: warning: %s\n", stick->warnings[i]);
		free(stick->warnings[i]);
	}
	if (stick->warnings_dropped)
		fprintf(stderr, "raquet-scan: warning: %zu more like these\n",
			stick->warnings_dropped);
	stick->nwarnings = stick->warnings_dropped = 0;
}

/* No action without a record: everything that would make sealing fail is
 * checked before the first file is touched, and a result an earlier run
 * could not seal is sealed first. */
static int ready_to_seal(const struct scan_config *sc, struct stick *stick)
{
	rq_error err;
	int rc = stick_check_sealable(stick, sc->action == RESULTDOC_QUARANTINE, &err);

	print_warnings(stick);
	if (rc != 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		return -1;
	}
	if (stick_seal_pending(stick, pending_sealed, stick, &err) < 0) {
		fprintf(stderr,
			"raquet-scan: a result kept from an earlier scan could not be sealed: "
			"%s\n",
			err.msg);
		return -1;
	}
	print_warnings(stick);
	return 0;
}

static int open_stick_checked(const struct seal_run_options *so, struct scan_config *sc,
			      struct stick *stick, struct seal_run_hook *hook)
{
	rq_error err;

	if (stick_open(so->stick_dir, stick, &err) != 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		return -1;
	}
	if (so->list_stick)
		return 0;
	if (so->stick_db && stick_check_database(stick, &err) != 0)
		return fprintf(stderr, "raquet-scan: %s\n", err.msg), stick_close(stick), -1;
	if (stick_unit_name(stick, so->unit) == NULL) {
		char *esc = escape_name(so->unit);
		fprintf(stderr, "raquet-scan: unit '%s' is not in the stick's signed roster\n",
			esc ? esc : "?");
		free(esc);
		stick_close(stick);
		return -1;
	}
	if (!so->action_given)
		sc->action = stick->config.action;
	if (!so->qdir_given &&
	    asprintf((char **)&sc->quarantine_dir, "%s/quarantine", stick->path) < 0)
		return stick_close(stick), -1;
	if (!so->qdir_given)
		sc->keep_free = STICK_KEEP_FREE; /* the quarantine shares the stick */
	if (!so->no_cache && sc->cache_dir == NULL &&
	    asprintf((char **)&sc->cache_dir, "%s/cache", stick->path) < 0)
		return stick_close(stick), -1;
	if (ready_to_seal(sc, stick) != 0)
		return stick_close(stick), -1;
	hook->stick = stick;
	hook->unit = so->unit;
	if (sc->action == RESULTDOC_QUARANTINE) {
		sc->on_detection = seal_sample;
		sc->hook_ctx = hook;
	}
	return 0;
}

int seal_run_open_stick(const struct seal_run_options *so, struct scan_config *sc,
			struct stick *stick, struct seal_run_hook *hook)
{
	if (open_stick_checked(so, sc, stick, hook) == 0)
		return 0;
	if (!so->list_stick) /* every refusal before the scan: the technician may go on */
		fprintf(stderr, "raquet-scan: nothing was scanned and nothing was changed\n");
	return -1;
}
