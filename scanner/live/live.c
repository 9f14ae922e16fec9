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
	const char *state;
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

static void set_state(struct vol *v, const char *state, const char *detail)
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
			set_state(v, "interrupted", "not mounted: interrupted");
		} else if (v->v.fstype[0] == '\0') {
			set_state(v, "unsupported", v->v.note ? v->v.note : "no file system");
		} else if (locked && !l->lc->bitlocker_pass) {
			set_state(v, "encrypted", "BitLocker: not scanned; give --bitlocker-key FILE "
						  "with the 48-digit recovery password to scan it");
		} else if (!mount_supported(v->v.fstype)) {
			char *t = escape_name(v->v.fstype);
			snprintf(msg, sizeof(msg), "no driver for file system %s", t ? t : "?");
			free(t);
			set_state(v, "unsupported", msg);
		} else if (mount_volume(&v->v, &ro, &v->m, &err) != 0) {
			set_state(v, locked ? "encrypted" : "mount-failed", err.msg);
		} else {
			v->root = (int)(*nroots)++;
			snprintf(v->point, sizeof(v->point), "%s", v->m.point);
			if (v->m.hibernated)
				set_state(v, "read-only-hibernated",
					  "Windows is hibernated or was shut down with Fast Startup: "
					  "scanned read-only, nothing can be removed");
			else
				set_state(v, "scanned", locked ? "BitLocker: unlocked read-only" : NULL);
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
			set_state(v, "read-only-hibernated",
				  "Windows used Fast Startup or is hibernated: ntfs-3g allows "
				  "read-only only; nothing was removed");
		return;
	}
	if (was_hibernated) {
		v->hiberfile_removed = true;
		set_state(v, "scanned", "hiberfil.sys removed (--remove-hiberfile)");
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

static json_object *u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static json_object *str_or_null(const char *s, bool escape)
{
	char *esc;
	json_object *o;

	if (s == NULL || s[0] == '\0')
		return NULL;
	if (!escape)
		return json_object_new_string(s);
	esc = escape_name(s);
	o = json_object_new_string(esc ? esc : "");
	free(esc);
	return o;
}

static json_object *volume_json(const struct vol *v, const struct scan_report *rep)
{
	json_object *o = json_object_new_object();
	const struct scan_root *r = v->root >= 0 ? &rep->roots[v->root] : NULL;
	const char *state = r && rep->interrupted && strcmp(v->state, "scanned") == 0
				    ? "interrupted" : v->state;

	json_object_object_add(o, "device", json_object_new_string(v->v.dev));
	json_object_object_add(o, "filesystem", str_or_null(v->v.fstype, true));
	json_object_object_add(o, "label", str_or_null(v->v.label, true));
	json_object_object_add(o, "uuid", str_or_null(v->v.uuid, true));
	json_object_object_add(o, "size", u64(v->v.size));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "detail", str_or_null(v->detail, false));
	json_object_object_add(o, "path", r ? json_object_new_string(v->point) : NULL);
	json_object_object_add(o, "path_escaped", json_object_new_boolean(false));
	json_object_object_add(o, "driver", r ? str_or_null(v->m.driver, false) : NULL);
	json_object_object_add(o, "files", u64(r ? atomic_load(&r->stats.files) : 0));
	json_object_object_add(o, "bytes", u64(r ? atomic_load(&r->stats.bytes) : 0));
	json_object_object_add(o, "errors",
			       u64(r ? atomic_load(&r->stats.errors) + r->scan_errors : 0));
	json_object_object_add(o, "skipped", u64(r ? atomic_load(&r->stats.skipped) : 0));
	json_object_object_add(o, "excluded", u64(r ? atomic_load(&r->stats.excluded) : 0));
	json_object_object_add(o, "changed", u64(r ? atomic_load(&r->stats.changed) : 0));
	json_object_object_add(o, "detections", u64(r ? count_under(rep, v->point) : 0));
	json_object_object_add(o, "hiberfile_removed", json_object_new_boolean(v->hiberfile_removed));
	return o;
}

static json_object *device_json(struct live *l)
{
	struct identity *id = calloc(1, sizeof(*id));
	json_object *dev = NULL;
	rq_error err;

	if (id && identity_collect(l->lc->identity_root ? l->lc->identity_root : "/",
				   l->stick_disk[0] ? l->stick_disk : NULL, id, &err) == 0)
		identity_to_json(id, &dev);
	if (dev == NULL) {
		dev = json_object_new_object();
		json_object_object_add(dev, "error", json_object_new_string(id ? err.msg
									     : "out of memory"));
	}
	free(id);
	json_object_object_add(dev, "windows", l->windows);
	l->windows = NULL;
	return dev;
}

/* The scan of every mounted volume in one run, read-only (report). */
static int scan_all(struct live *l, size_t nroots, struct scan_report *rep, rq_error *err)
{
	const char **paths = calloc(nroots + 1, sizeof(*paths));
	bool *streams = calloc(nroots + 1, sizeof(*streams));
	const char **volumes = calloc(nroots + 1, sizeof(*volumes));
	struct scan_config cfg = *l->sc;
	int rc;

	if (paths == NULL || streams == NULL || volumes == NULL) {
		free(paths);
		free(streams);
		free(volumes);
		return rq_fail(err, "out of memory");
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->vols[i].root >= 0) {
			paths[l->vols[i].root] = l->vols[i].point;
			streams[l->vols[i].root] = l->vols[i].m.streams;
			/* The clean-file cache knows a volume by its UUID; none: "" */
			volumes[l->vols[i].root] = l->vols[i].v.uuid;
		}
	cfg.paths = paths;
	cfg.volumes = volumes;
	cfg.npaths = nroots;
	cfg.streams = streams;
	cfg.action = SCAN_REPORT; /* acting comes after, on a read-write mount */
	cfg.on_detection = NULL;
	rc = scan_run(&cfg, rep, err);
	free(paths);
	free(streams);
	free(volumes);
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
		else if (sc->action != SCAN_REPORT)
			clean_volume(&l, v, rep);
	}
	rc = 0;
out:
	release_all(&l, out);
	if (rc == 0) {
		out->volumes = json_object_new_array();
		for (size_t i = 0; i < l.n; i++) {
			json_object_array_add(out->volumes, volume_json(&l.vols[i], rep));
			out->failed += strcmp(l.vols[i].state, "mount-failed") == 0;
			out->hibernated += strcmp(l.vols[i].state, "read-only-hibernated") == 0;
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
