/* live: the orchestration of --auto (see live.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "identity.h"
#include "live/act.h"
#include "live/discover.h"
#include "live/live.h"
#include "live/mount.h"
#include "windows/windows.h"

struct vol {
	struct live_volume v;
	struct live_mount m;
	char point[256];         /* where it was scanned; detections lie under it */
	enum resultdoc_state state;
	char detail[512];
	int root;                /* index in the scan's paths, -1 when not scanned */
	bool hiberfile_removed;
};

struct live {
	const struct live_config *lc;
	const struct scan_config *sc;
	struct vol *vols;
	size_t n;
	char stick_disk[DISCOVER_NAME_MAX];
	json_object *windows;
};

int live_read_bitlocker_key(const char *file, char pass[LIVE_KEY_LEN + 1], rq_error *err)
{
	char buf[256], digits[49];
	size_t nd = 0;
	ssize_t got;
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return rq_fail_errno(err, errno, "--bitlocker-key: cannot open the key file");
	got = read(fd, buf, sizeof(buf));
	close(fd);
	if (got < 0)
		return rq_fail_errno(err, errno, "--bitlocker-key: cannot read the key file");
	for (ssize_t i = 0; i < got && nd <= 48; i++) {
		if (isdigit((unsigned char)buf[i]))
			digits[nd++] = buf[i];
		else if (buf[i] != '-' && !isspace((unsigned char)buf[i]))
			nd = 49; /* not a recovery password */
	}
	explicit_bzero(buf, sizeof(buf));
	if (nd != 48 || got == sizeof(buf)) {
		explicit_bzero(digits, sizeof(digits));
		return rq_fail(err, "--bitlocker-key: the file must hold the 48-digit recovery "
				    "password (8 groups of 6 digits)");
	}
	for (int g = 0; g < 8; g++) {
		long v = 0;
		for (int i = 0; i < 6; i++)
			v = v * 10 + (digits[g * 6 + i] - '0');
		if (v % 11 != 0) {
			explicit_bzero(digits, sizeof(digits));
			return rq_fail(err, "--bitlocker-key: group %d of the recovery password is "
					    "mistyped (each group is a multiple of 11)", g + 1);
		}
		memcpy(pass + g * 7, digits + g * 6, 6);
		pass[g * 7 + 6] = g < 7 ? '-' : '\0';
	}
	explicit_bzero(digits, sizeof(digits));
	return 0;
}

static void set_state(struct vol *v, enum resultdoc_state state, const char *detail)
{
	v->state = state;
	snprintf(v->detail, sizeof(v->detail), "%s", detail ? detail : "");
}

static bool signal_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM));
}

/* Reads the Windows identity of a mounted volume into l->windows. */
static void read_windows(struct live *l, const struct vol *v)
{
	json_object *w = NULL;
	rq_error err;
	int rc = windows_identity(v->m.point, &w, &err);

	if (rc == 1 && w) {
		json_object_object_add(w, "volume", json_object_new_string(v->v.dev));
		json_object_array_add(l->windows, w);
	} else if (rc < 0) {
		w = json_object_new_object();
		json_object_object_add(w, "volume", json_object_new_string(v->v.dev));
		json_object_object_add(w, "error", json_object_new_string(err.msg));
		json_object_array_add(l->windows, w);
	}
}

/* Mounts every volume that can be read-only; records the others' states. */
static void mount_all(struct live *l, size_t *nroots)
{
	struct mount_options ro = {.bitlocker_pass = l->lc->bitlocker_pass};
	char msg[300];
	rq_error err;

	for (size_t i = 0; i < l->n; i++) {
		struct vol *v = &l->vols[i];
		bool locked = strcmp(v->v.fstype, "BitLocker") == 0;
		v->root = -1;
		if (signal_pending()) {
			set_state(v, RESULTDOC_INTERRUPTED, "not mounted: interrupted");
		} else if (v->v.fstype[0] == '\0') {
			set_state(v, RESULTDOC_UNSUPPORTED, v->v.note ? v->v.note : "no file system");
		} else if (locked && !l->lc->bitlocker_pass) {
			set_state(v, RESULTDOC_ENCRYPTED, "BitLocker: not scanned; give --bitlocker-key FILE "
						  "with the 48-digit recovery password to scan it");
		} else if (!mount_supported(v->v.fstype)) {
			char *t = escape_name(v->v.fstype);
			snprintf(msg, sizeof(msg), "no driver for file system %s", t ? t : "?");
			free(t);
			set_state(v, RESULTDOC_UNSUPPORTED, msg);
		} else if (mount_volume(&v->v, &ro, &v->m, &err) != 0) {
			set_state(v, locked ? RESULTDOC_ENCRYPTED : RESULTDOC_MOUNT_FAILED, err.msg);
		} else {
			v->root = (int)(*nroots)++;
			snprintf(v->point, sizeof(v->point), "%s", v->m.point);
			if (v->m.hibernated)
				set_state(v, RESULTDOC_HIBERNATED,
					  "Windows is hibernated or was shut down with Fast Startup: "
					  "scanned read-only, nothing can be removed");
			else
				set_state(v, RESULTDOC_SCANNED, locked ? "BitLocker: unlocked read-only" : NULL);
			read_windows(l, v);
		}
	}
}

static size_t count_under(const struct scan_report *rep, const char *point)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->ndets; i++)
		n += act_under(point, rep->dets[i].path);
	return n;
}

/* Remounts one volume read-write, acts, and releases it. */
static void clean_volume(struct live *l, struct vol *v, struct scan_report *rep)
{
	struct mount_options rw = {.rw = true,
				   .remove_hiberfile = l->lc->remove_hiberfile,
				   .bitlocker_pass = l->lc->bitlocker_pass};
	bool was_hibernated = v->m.hibernated;
	char why[600];
	rq_error err;

	if (was_hibernated && !l->lc->remove_hiberfile) {
		act_refuse(v->point, rep->dets, rep->ndets,
			   "Windows on this volume is hibernated or used Fast Startup: it was "
			   "scanned read-only and nothing was removed");
		return;
	}
	if (mount_release(&v->m, &err) != 0 || mount_volume(&v->v, &rw, &v->m, &err) != 0) {
		snprintf(why, sizeof(why), "cannot mount the volume read-write: %s", err.msg);
		act_refuse(v->point, rep->dets, rep->ndets, why);
		if (v->m.hibernated)
			set_state(v, RESULTDOC_HIBERNATED,
				  "Windows used Fast Startup or is hibernated: ntfs-3g allows "
				  "read-only only; nothing was removed");
		return;
	}
	if (was_hibernated) {
		v->hiberfile_removed = true;
		set_state(v, RESULTDOC_SCANNED, "hiberfil.sys removed (--remove-hiberfile)");
	}
	act_volume(l->sc, v->point, v->m.streams, rep->dets, rep->ndets);
}

static void release_all(struct live *l, struct live_result *out)
{
	rq_error err;

	for (size_t i = 0; i < l->n; i++) {
		struct vol *v = &l->vols[i];
		if (mount_release(&v->m, &err) != 0 && mount_release(&v->m, &err) != 0) {
			snprintf(out->release_error, sizeof(out->release_error), "%s", err.msg);
			snprintf(v->detail, sizeof(v->detail), "%s", err.msg);
		}
	}
	sync();
}

/* An empty text is null; names from the disk are escaped (lib/escape.h). */
static void put_text(json_object *o, const char *key, const char *s, bool escape, bool *bad)
{
	char *esc;

	if (s == NULL || s[0] == '\0' || !escape) {
		resultdoc_put_str(o, key, s && s[0] ? s : NULL, bad);
		return;
	}
	if ((esc = escape_name(s)) == NULL) {
		*bad = true;
		return;
	}
	resultdoc_put_str(o, key, esc, bad);
	free(esc);
}

/* NULL when json-c could not allocate: the caller's document fails. */
static json_object *volume_json(const struct vol *v, const struct scan_report *rep)
{
	json_object *o = json_object_new_object();
	const struct scan_root *r = v->root >= 0 ? &rep->roots[v->root] : NULL;
	enum resultdoc_state state = r && rep->interrupted && v->state == RESULTDOC_SCANNED
					     ? RESULTDOC_INTERRUPTED : v->state;
	struct resultdoc_counts counts = {0};
	bool bad = o == NULL;

	if (r)
		scan_root_counts(r, &counts);
	resultdoc_put_str(o, "device", v->v.dev, &bad);
	put_text(o, "filesystem", v->v.fstype, true, &bad);
	put_text(o, "label", v->v.label, true, &bad);
	put_text(o, "uuid", v->v.uuid, true, &bad);
	resultdoc_put_u64(o, "size", v->v.size, &bad);
	resultdoc_put_str(o, "state", resultdoc_state_name(state), &bad);
	put_text(o, "detail", v->detail, false, &bad);
	resultdoc_put_str(o, "path", r ? v->point : NULL, &bad);
	resultdoc_put(o, "path_escaped", json_object_new_boolean(false), &bad);
	put_text(o, "driver", r ? v->m.driver : NULL, false, &bad);
	resultdoc_put_counts(o, &counts, &bad);
	resultdoc_put_u64(o, "detections", r ? count_under(rep, v->point) : 0, &bad);
	resultdoc_put(o, "hiberfile_removed", json_object_new_boolean(v->hiberfile_removed), &bad);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *device_json(struct live *l)
{
	json_object *dev;
	rq_error err;

	dev = resultdoc_device(l->lc->identity_root, l->stick_disk[0] ? l->stick_disk : NULL, &err);
	if (dev == NULL) {
		dev = json_object_new_object();
		json_object_object_add(dev, "error", json_object_new_string(err.msg));
	}
	json_object_object_add(dev, "windows", l->windows);
	l->windows = NULL;
	return dev;
}

/* The scan of every mounted volume in one run, read-only (report). */
static int scan_all(struct live *l, size_t nroots, struct scan_report *rep, rq_error *err)
{
	const char **paths = calloc(nroots + 1, sizeof(*paths));
	bool *streams = calloc(nroots + 1, sizeof(*streams));
	struct scan_config cfg = *l->sc;
	int rc;

	if (paths == NULL || streams == NULL) {
		free(paths);
		free(streams);
		return rq_fail(err, "out of memory");
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->vols[i].root >= 0) {
			paths[l->vols[i].root] = l->vols[i].point;
			streams[l->vols[i].root] = l->vols[i].m.streams;
		}
	cfg.paths = paths;
	cfg.npaths = nroots;
	cfg.streams = streams;
	cfg.action = RESULTDOC_REPORT; /* acting comes after, on a read-write mount */
	cfg.on_detection = NULL;
	rc = scan_run(&cfg, rep, err);
	free(paths);
	free(streams);
	return rc;
}

int live_run(const struct live_config *lc, const struct scan_config *sc, struct scan_report *rep,
	     struct live_result *out, rq_error *err)
{
	struct live l = {.lc = lc, .sc = sc};
	struct live_volume *found = NULL;
	size_t nroots = 0;
	sigset_t stop;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(rep, 0, sizeof(*rep));
	/* SIGINT/SIGTERM wait while disks are mounted: scan_run's signal thread
	 * takes a pending one as "stop", and the unmounting always happens. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (lc->stick_dir && discover_stick_disk(lc->stick_dir, l.stick_disk, err) < 0)
		return -1;
	if (discover_volumes(lc->devices, lc->ndevices, l.stick_disk, &found, &l.n, err) != 0)
		return -1;
	l.vols = calloc(l.n + 1, sizeof(*l.vols));
	l.windows = json_object_new_array();
	if (l.vols == NULL || l.windows == NULL) {
		rq_fail(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		l.vols[i].v = found[i];
	mount_all(&l, &nroots);
	if (scan_all(&l, nroots, rep, err) != 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		struct vol *v = &l.vols[i];
		if (v->root < 0 || count_under(rep, v->point) == 0)
			continue;
		if (rep->interrupted)
			act_refuse(v->point, rep->dets, rep->ndets,
				   "interrupted before cleaning; left in place");
		else if (sc->action != RESULTDOC_REPORT)
			clean_volume(&l, v, rep);
	}
	rc = 0;
out:
	release_all(&l, out);
	if (rc == 0) {
		bool bad = (out->volumes = json_object_new_array()) == NULL;
		for (size_t i = 0; i < l.n; i++) {
			if (!bad)
				resultdoc_put(out->volumes, NULL, volume_json(&l.vols[i], rep), &bad);
			out->failed += l.vols[i].state == RESULTDOC_MOUNT_FAILED;
			out->hibernated += l.vols[i].state == RESULTDOC_HIBERNATED;
		}
		if (bad) {
			/* Out of memory: the document then lists the mounted roots
			 * (result_build's plain volumes) rather than half a list. */
			json_object_put(out->volumes);
			out->volumes = NULL;
		}
		out->device = device_json(&l);
	} else {
		scan_report_free(rep);
	}
	json_object_put(l.windows);
	free(l.vols);
	free(found);
	return rc;
}
