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
#include "usbrepair.h"
#include "live/persist.h"
#include "windows/bootcrit.h"
#include "windows/windows.h"

struct vol {
	struct live_volume v;
	struct live_mount m;
	char point[256]; /* where it was scanned; detections lie under it */
	enum resultdoc_state state;
	char detail[512];
	int root; /* index in the scan's paths, -1 when not scanned */
	bool hiberfile_removed;
	bool settled;       /* its autorun entries were settled by acting */
	struct autoruns ar; /* its Windows persistence (empty: none) */
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
			return rq_fail(err,
				       "--bitlocker-key: group %d of the recovery password is "
				       "mistyped (each group is a multiple of 11)",
				       g + 1);
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

/* The volume's persistence entries; a failure (out of memory) leaves it
 * without any, as a volume with no Windows. */
static void read_autoruns(struct vol *v)
{
	rq_error err;

	if (autoruns_read(v->m.point, &v->ar, &err) != 0)
		memset(&v->ar, 0, sizeof(v->ar));
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
			set_state(v, RESULTDOC_UNSUPPORTED,
				  v->v.note ? v->v.note : "no file system");
		} else if (locked && !l->lc->bitlocker_pass) {
			set_state(v, RESULTDOC_ENCRYPTED,
				  "BitLocker: not scanned; give --bitlocker-key FILE "
				  "with the 48-digit recovery password to scan it");
		} else if (!mount_supported(v->v.fstype)) {
			char *t = escape_name(v->v.fstype);
			snprintf(msg, sizeof(msg), "no driver for file system %s", t ? t : "?");
			free(t);
			set_state(v, RESULTDOC_UNSUPPORTED, msg);
		} else if (mount_volume(&v->v, &ro, &v->m, &err) != 0) {
			set_state(v, locked ? RESULTDOC_ENCRYPTED : RESULTDOC_MOUNT_FAILED,
				  err.msg);
		} else {
			v->root = (int)(*nroots)++;
			snprintf(v->point, sizeof(v->point), "%s", v->m.point);
			if (v->m.hibernated)
				set_state(
				    v, RESULTDOC_HIBERNATED,
				    "Windows is hibernated or was shut down with Fast Startup: "
				    "scanned read-only, nothing can be removed");
			else
				set_state(v, RESULTDOC_SCANNED,
					  locked ? "BitLocker: unlocked read-only" : NULL);
			read_windows(l, v);
			read_autoruns(v);
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

/* Boot-critical files are never acted on, whatever the action: their
 * detections become needs-repair before anything is done. Without the list
 * (out of memory) every detection on the volume is left in place. */
static void mark_boot_critical(struct vol *v, struct scan_report *rep)
{
	struct bootcrit *b;
	rq_error err;

	if (bootcrit_load(v->point, &b, &err) != 0) {
		char why[600];
		snprintf(why, sizeof(why),
			 "the boot-critical list could not be read (%s); "
			 "left in place",
			 err.msg);
		act_refuse(v->point, rep->dets, rep->ndets, why);
		return;
	}
	bootcrit_mark(b, v->point, rep->dets, rep->ndets);
	bootcrit_free(b);
}

/* Shortcut-worm repair of a mounted volume (usbrepair.h); dry: only what
 * would be done, whatever the action. */
static void repair_volume(struct live *l, struct vol *v, struct scan_report *rep, bool dry)
{
	struct scan_config cfg = *l->sc;
	char sysdir[DISCOVER_NAME_MAX + 16];
	struct usbrepair_volume uv = {.root = v->point, .name = v->v.dev, .fat_source = v->v.dev};
	rq_error err;

	snprintf(sysdir, sizeof(sysdir), "/sys/block/%s", v->v.disk);
	uv.removable = usbrepair_sysfs_removable(sysdir);
	if (dry)
		cfg.action = RESULTDOC_REPORT;
	if (usbrepair_volume(&uv, &cfg, rep->dets, rep->ndets, &rep->repairs, &err) < 0)
		if (v->detail[0] == '\0')
			snprintf(v->detail, sizeof(v->detail), "USB repair: %.480s", err.msg);
}

/* Remounts one volume read-write, acts, and releases it. Returns 0 when
 * it acted on a read-write mount. */
static int clean_volume(struct live *l, struct vol *v, struct scan_report *rep)
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
		return -1;
	}
	v->settled = true;
	if (mount_release(&v->m, &err) != 0 || mount_volume(&v->v, &rw, &v->m, &err) != 0) {
		snprintf(why, sizeof(why), "cannot mount the volume read-write: %s", err.msg);
		act_refuse(v->point, rep->dets, rep->ndets, why);
		persist_settle(&v->ar, l->sc, false, why);
		if (v->m.hibernated)
			set_state(v, RESULTDOC_HIBERNATED,
				  "Windows used Fast Startup or is hibernated: ntfs-3g allows "
				  "read-only only; nothing was removed");
		return -1;
	}
	if (was_hibernated) {
		v->hiberfile_removed = true;
		set_state(v, RESULTDOC_SCANNED, "hiberfil.sys removed (--remove-hiberfile)");
	}
	act_volume(l->sc, v->point, v->m.streams, rep->dets, rep->ndets);
	persist_settle(&v->ar, l->sc, true, NULL);
	return 0;
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

/* NULL when json-c could not allocate: the caller's document fails. */
static json_object *volume_json(const struct vol *v, const struct scan_report *rep)
{
	const struct scan_root *r = v->root >= 0 ? &rep->roots[v->root] : NULL;
	struct resultdoc_volume out = {
	    .device = v->v.dev,
	    .filesystem = v->v.fstype,
	    .label = v->v.label,
	    .uuid = v->v.uuid,
	    .has_size = true,
	    .size = v->v.size,
	    .state = r && rep->interrupted && v->state == RESULTDOC_SCANNED ? RESULTDOC_INTERRUPTED
									    : v->state,
	    .detail = v->detail,
	    .path = r ? v->point : NULL,
	    .driver = r ? v->m.driver : NULL,
	    .detections = r ? count_under(rep, v->point) : 0,
	    .hiberfile_removed = v->hiberfile_removed,
	};

	if (r)
		scan_root_counts(r, &out.counts);
	return resultdoc_volume(&out);
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

/* The autorun targets a --quick walk would not reach, put first in paths
 * (their detections are the first found). Returns how many. */
static size_t autorun_targets(struct live *l, const char **paths, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n && n < max; i++)
		if (l->vols[i].root >= 0)
			n += persist_targets(&l->vols[i].ar, l->sc->quick, paths + n, max - n);
	return n;
}

/* The scan of every mounted volume in one run, read-only (report): first
 * the autorun targets, then the volumes, whose roots are moved after them. */
static int scan_all(struct live *l, size_t nroots, struct scan_report *rep, rq_error *err)
{
	size_t ntargets = 0, max = 0;
	const char **paths, **volumes;
	bool *streams;
	struct scan_config cfg = *l->sc;
	int rc;

	for (size_t i = 0; i < l->n; i++)
		max += l->vols[i].ar.n;
	paths = calloc(nroots + max + 1, sizeof(*paths));
	streams = calloc(nroots + max + 1, sizeof(*streams));
	volumes = calloc(nroots + max + 1, sizeof(*volumes));
	if (paths == NULL || streams == NULL || volumes == NULL) {
		free(paths);
		free(streams);
		free(volumes);
		return rq_fail(err, "out of memory");
	}
	ntargets = autorun_targets(l, paths, max);
	for (size_t i = 0; i < l->n; i++)
		if (l->vols[i].root >= 0) {
			l->vols[i].root += (int)ntargets;
			paths[l->vols[i].root] = l->vols[i].point;
			streams[l->vols[i].root] = l->vols[i].m.streams;
			/* The clean-file cache knows a volume by its UUID; none: "" */
			volumes[l->vols[i].root] = l->vols[i].v.uuid;
		}
	cfg.paths = paths;
	/* Autorun targets are always read again: "" keeps them out of the
	 * clean-file cache. */
	for (size_t i = 0; i < ntargets; i++)
		volumes[i] = "";
	cfg.volumes = volumes;
	cfg.npaths = nroots + ntargets;
	cfg.streams = streams;
	cfg.action = RESULTDOC_REPORT; /* acting comes after, on a read-write mount */
	cfg.on_detection = NULL;
	rc = scan_run(&cfg, rep, err);
	/* A target gone since it was resolved is no unscanned volume. */
	for (size_t i = 0; rc == 0 && i < ntargets; i++)
		rep->roots[i].missing = false;
	free(paths);
	free(streams);
	free(volumes);
	return rc;
}

/* Every volume's entries with a detected target, once acting is over. */
static json_object *autoruns_all(struct live *l)
{
	json_object *all = json_object_new_array();

	for (size_t i = 0; all && i < l->n; i++) {
		json_object *a = autoruns_json(&l->vols[i].ar, l->lc->list_autoruns);
		for (size_t k = 0; a && k < json_object_array_length(a); k++) {
			json_object *e = json_object_get(json_object_array_get_idx(a, k));
			json_object_object_add(e, "volume",
					       json_object_new_string(l->vols[i].v.dev));
			json_object_array_add(all, e);
		}
		json_object_put(a);
	}
	return all;
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
		size_t mark = rep->repairs.n;
		bool detected, repair;
		if (v->root < 0)
			continue;
		autoruns_judge(&v->ar, rep->dets, rep->ndets);
		detected = count_under(rep, v->point) > 0;
		if (detected)
			mark_boot_critical(v, rep);
		if (rep->interrupted) {
			if (detected)
				act_refuse(v->point, rep->dets, rep->ndets,
					   "interrupted before cleaning; left in place");
		} else {
			repair_volume(&l, v, rep, true); /* on the read-only mount */
			repair = rep->repairs.n > mark;
			if (sc->action != RESULTDOC_REPORT && (detected || repair) &&
			    clean_volume(&l, v, rep) == 0 && repair) {
				usbrepair_truncate(&rep->repairs, mark);
				repair_volume(&l, v, rep, false);
			}
		}
		if (detected && !v->settled)
			persist_settle(
			    &v->ar, sc, false,
			    rep->interrupted
				? "interrupted before cleaning"
				: "the volume could not be written: its target was left in place");
	}
	rc = 0;
out:
	release_all(&l, out);
	if (rc == 0) {
		bool bad = (out->volumes = json_object_new_array()) == NULL;
		for (size_t i = 0; i < l.n; i++) {
			if (!bad)
				resultdoc_put(out->volumes, NULL, volume_json(&l.vols[i], rep),
					      &bad);
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
		out->autoruns = autoruns_all(&l);
	} else {
		scan_report_free(rep);
	}
	json_object_put(l.windows);
	for (size_t i = 0; l.vols && i < l.n; i++)
		autoruns_free(&l.vols[i].ar);
	free(l.vols);
	free(found);
	return rc;
}
