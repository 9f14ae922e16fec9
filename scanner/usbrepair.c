/* usbrepair: see usbrepair.h and docs/usb-repair.md. Everything on the
 * volume is hostile: names are compared as bytes, shortcut and autorun
 * contents are bounded, nothing is ever resolved or opened by what a
 * shortcut says (a target "outside the volume" is only text to match), and
 * only entries named by a rule are ever changed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dosattr.h"
#include "escape.h"
#include "lnk.h"
#include "quarantine.h"
#include "usbrepair.h"

#define AUTORUN_MAX  (64u << 10) /* a real autorun.inf is a few lines */
#define SIG_SHORTCUT "Raquet.Repair.WormShortcut"
#define SIG_AUTORUN  "Raquet.Repair.WormAutorun"

struct entry {
	char *name;
	bool dir, reg;
	bool removed; /* a shortcut of the worm, taken away (or would be) */
};

struct rctx {
	const struct usbrepair_volume *v;
	const struct scan_config *sc;
	const char *volume;
	char root[4096]; /* v->root without trailing slashes */
	int rootfd;
	const char **bases; /* basenames of the detections under root */
	const char **sigs;
	size_t nbases;
	struct entry *ents;
	size_t nents;
	struct usbrepair_list *list;
	int added;
};

void usbrepair_free(struct usbrepair_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].volume);
		free(list->v[i].path);
		free(list->v[i].reason);
		free(list->v[i].detail);
	}
	free(list->v);
	memset(list, 0, sizeof(*list));
}

void usbrepair_truncate(struct usbrepair_list *list, size_t n)
{
	while (list->n > n) {
		struct usb_repair *r = &list->v[--list->n];
		free(r->volume);
		free(r->path);
		free(r->reason);
		free(r->detail);
	}
}

static struct usb_repair *add(struct rctx *c, const char *name, enum resultdoc_repair_kind kind,
			      enum resultdoc_repair_action action, const char *reason)
{
	struct usbrepair_list *l = c->list;
	struct usb_repair *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct usb_repair *p = realloc(l->v, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		l->v = p;
		l->cap = cap;
	}
	r = &l->v[l->n];
	memset(r, 0, sizeof(*r));
	r->volume = strdup(c->volume);
	if (asprintf(&r->path, "%s/%s", c->root, name) < 0)
		r->path = NULL;
	r->reason = reason ? strdup(reason) : NULL;
	if (r->volume == NULL || r->path == NULL || (reason && r->reason == NULL)) {
		free(r->volume);
		free(r->path);
		free(r->reason);
		return NULL;
	}
	r->kind = kind;
	r->action = action;
	r->outcome = RESULTDOC_PLANNED;
	l->n++;
	c->added++;
	return r;
}

static void set_outcome(struct usb_repair *r, enum resultdoc_repair_outcome o, const char *detail)
{
	free(r->detail);
	r->outcome = o;
	r->detail = detail && detail[0] ? strdup(detail) : NULL;
}

/* Characters that end a file name inside a command line or a path. */
static bool is_delim(unsigned char ch)
{
	return ch == '\0' || strchr(" \t\r\n\"'\\/:&|;,=()<>^%!", ch) != NULL;
}

/* Whether text names the file base: base appears, case-insensitively (FAT
 * and NTFS names are), bounded on both sides by a delimiter. */
static bool names_file(const char *text, const char *base)
{
	size_t bl = strlen(base), tl = strlen(text);

	if (bl == 0 || bl > tl)
		return false;
	for (size_t i = 0; i + bl <= tl; i++) {
		if (strncasecmp(text + i, base, bl) != 0)
			continue;
		/* "%~dp0x.vbs": the batch idiom for "next to me" */
		bool before = i == 0 || is_delim((unsigned char)text[i - 1]) ||
			      (i >= 4 && strncasecmp(text + i - 4, "~dp0", 4) == 0);
		if (before && is_delim((unsigned char)text[i + bl]))
			return true;
	}
	return false;
}

/* The detected file text names, or -1. */
static ssize_t named_detection(const struct rctx *c, const char *text)
{
	for (size_t i = 0; i < c->nbases; i++)
		if (names_file(text, c->bases[i]))
			return (ssize_t)i;
	return -1;
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);
	return n > s && strcasecmp(name + n - s, suffix) == 0;
}

/* Takes dirfd/name away as the scan's action says. Returns 0 (detail: the
 * quarantine id), or -1 with err. */
static int remove_entry(struct rctx *c, const char *name, const char *path, const char *sig,
			char *detail, size_t dlen, rq_error *err)
{
	char id[QUARANTINE_ID_LEN + 1], sha[65];
	struct stat st, now;
	int fd, rc;

	detail[0] = '\0';
	fd = openat(c->rootfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rq_fail(err, "not a regular file any more");
	}
	if (c->sc->action == RESULTDOC_QUARANTINE) {
		rc = quarantine_store(c->sc->quarantine_dir, fd, c->rootfd, name, path, sig, id,
				      sha, err);
		if (rc == 0)
			snprintf(detail, dlen, "%s", id);
	} else if (fstatat(c->rootfd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
		   now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
		rc = rq_fail(err, "the file was replaced while being removed");
	} else if ((rc = unlinkat(c->rootfd, name, 0)) != 0) {
		rc = rq_fail_errno(err, errno, "cannot remove");
	}
	close(fd);
	return rc;
}

static void take_away(struct rctx *c, struct usb_repair *r, struct entry *e, const char *sig)
{
	char detail[QUARANTINE_ID_LEN + 1];
	rq_error err;

	if (c->sc->action == RESULTDOC_REPORT) {
		e->removed = true; /* in a report, what would be */
		return;
	}
	if (remove_entry(c, e->name, r->path, sig, detail, sizeof(detail), &err) == 0) {
		set_outcome(r, RESULTDOC_DONE, detail);
		e->removed = true;
	} else {
		set_outcome(r, RESULTDOC_NOT_DONE, err.msg);
	}
}

static enum resultdoc_repair_action action_word(const struct rctx *c)
{
	return c->sc->action == RESULTDOC_DELETE ? RESULTDOC_R_DELETE : RESULTDOC_R_QUARANTINE;
}

static int shortcuts(struct rctx *c)
{
	for (size_t i = 0; i < c->nents; i++) {
		struct entry *e = &c->ents[i];
		struct lnk_info *li;
		char *text, *reason;
		ssize_t d;
		rq_error err;
		struct usb_repair *r;

		if (!e->reg || !has_suffix(e->name, ".lnk"))
			continue;
		if ((li = malloc(sizeof(*li))) == NULL)
			return -1;
		if (lnk_read(c->rootfd, e->name, li, &err) != 0) {
			free(li); /* not a shortcut liblnk can read: not ours to judge */
			continue;
		}
		if (asprintf(&text, "%s\n%s\n%s\n%s", li->target, li->relative, li->env,
			     li->arguments) < 0) {
			free(li);
			return -1;
		}
		d = named_detection(c, text);
		free(text);
		free(li);
		if (d < 0)
			continue;
		if (asprintf(&reason, "runs %s, detected as %s", c->bases[d], c->sigs[d]) < 0)
			return -1;
		r = add(c, e->name, RESULTDOC_SHORTCUT, action_word(c), reason);
		free(reason);
		if (r == NULL)
			return -1;
		take_away(c, r, e, SIG_SHORTCUT);
	}
	return 0;
}

/* Reads at most AUTORUN_MAX bytes of dirfd/name; NULs become line ends. */
static char *read_small(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= AUTORUN_MAX &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		n = pread(fd, buf, (size_t)st.st_size, 0);
		if (n < 0) {
			free(buf);
			buf = NULL;
		} else {
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] == '\0')
					buf[i] = '\n';
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	close(fd);
	return buf;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Whether an autorun.inf key starts something: open, shellexecute, or
 * shell\VERB\command. */
static bool autorun_key(const char *key)
{
	size_t n = strlen(key);

	return strcasecmp(key, "open") == 0 || strcasecmp(key, "shellexecute") == 0 ||
	       (strncasecmp(key, "shell\\", 6) == 0 && n > 14 &&
		strcasecmp(key + n - 8, "\\command") == 0);
}

/* The index of the detected file the [autorun] section starts, or -1. */
static ssize_t autorun_names(const struct rctx *c, char *text)
{
	bool in_autorun = false;
	char *save = NULL;

	for (char *line = strtok_r(text, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char *l = trim(line), *eq;
		if (l[0] == '[') {
			in_autorun = strncasecmp(l, "[autorun]", 9) == 0;
			continue;
		}
		if (!in_autorun || (eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		if (autorun_key(trim(l))) {
			ssize_t d = named_detection(c, eq + 1);
			if (d >= 0)
				return d;
		}
	}
	return -1;
}

static int autorun(struct rctx *c)
{
	for (size_t i = 0; i < c->nents; i++) {
		struct entry *e = &c->ents[i];
		char *text, *reason;
		size_t len = 0;
		ssize_t d;
		struct usb_repair *r;

		if (!e->reg || strcasecmp(e->name, "autorun.inf") != 0)
			continue;
		if ((text = read_small(c->rootfd, e->name, &len)) == NULL)
			continue; /* unreadable or too big to be a real one: left */
		d = autorun_names(c, text);
		free(text);
		if (d < 0)
			continue;
		if (asprintf(&reason, "starts %s, detected as %s", c->bases[d], c->sigs[d]) < 0)
			return -1;
		r = add(c, e->name, RESULTDOC_AUTORUN, action_word(c), reason);
		free(reason);
		if (r == NULL)
			return -1;
		take_away(c, r, e, SIG_AUTORUN);
	}
	return 0;
}

/* Windows' own hidden system folders: hidden+system by design, never
 * counted nor changed. */
static bool windows_folder(const char *name)
{
	static const char *const names[] = {"System Volume Information", "$RECYCLE.BIN", "RECYCLER",
					    "RECYCLED", NULL};
	for (size_t i = 0; names[i]; i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

/* The entry whose shortcut "NAME.lnk" was taken away. */
static bool shortcut_removed_for(const struct rctx *c, const struct entry *e)
{
	size_t n = strlen(e->name);

	for (size_t i = 0; i < c->nents; i++) {
		const struct entry *s = &c->ents[i];
		if (s->removed && strlen(s->name) == n + 4 && has_suffix(s->name, ".lnk") &&
		    strncasecmp(s->name, e->name, n) == 0)
			return true;
	}
	return false;
}

static int unhide(struct rctx *c, const struct dosattr *a, struct entry *e, const char *why)
{
	struct usb_repair *r = add(c, e->name, RESULTDOC_HIDDEN, RESULTDOC_R_UNHIDE, why);
	rq_error err;

	if (r == NULL)
		return -1;
	if (a->backend == DOSATTR_NONE)
		set_outcome(r, RESULTDOC_NO_WAY, a->why);
	else if (c->sc->action != RESULTDOC_REPORT) {
		if (dosattr_clear_hidden(a, e->name, &err) == 0)
			set_outcome(r, RESULTDOC_DONE, NULL);
		else
			set_outcome(r, RESULTDOC_NOT_DONE, err.msg);
	}
	return 0;
}

static bool hidden_system(const struct dosattr *a, const char *name, bool both)
{
	uint32_t at = 0;
	rq_error err;

	if (dosattr_get(a, name, &at, &err) != 0)
		return false;
	if (both)
		return (at & DOSATTR_HIDDEN) && (at & DOSATTR_SYSTEM);
	return at & (DOSATTR_HIDDEN | DOSATTR_SYSTEM);
}

static int hidden(struct rctx *c)
{
	struct dosattr a;
	bool *pick = calloc(c->nents + 1, sizeof(*pick));
	size_t ndirs = 0, nhs = 0;
	int rc = 0;

	if (pick == NULL)
		return -1;
	dosattr_open(&a, c->rootfd, c->v->fat_source);
	/* Rule 1: a folder or file whose same-named shortcut was the worm's. */
	for (size_t i = 0; i < c->nents; i++) {
		struct entry *e = &c->ents[i];
		if ((e->dir || e->reg) && !e->removed && shortcut_removed_for(c, e) &&
		    (a.backend == DOSATTR_NONE || hidden_system(&a, e->name, false)))
			pick[i] = true;
	}
	/* Rule 2: on a removable drive, every top-level folder hidden+system. */
	if (c->v->removable && a.backend != DOSATTR_NONE) {
		for (size_t i = 0; i < c->nents; i++) {
			struct entry *e = &c->ents[i];
			if (!e->dir || windows_folder(e->name))
				continue;
			ndirs++;
			nhs += hidden_system(&a, e->name, true);
		}
		if (ndirs > 0 && nhs == ndirs)
			for (size_t i = 0; i < c->nents; i++)
				if (c->ents[i].dir && !windows_folder(c->ents[i].name))
					pick[i] = true;
	}
	for (size_t i = 0; i < c->nents && rc == 0; i++)
		if (pick[i])
			rc = unhide(c, &a, &c->ents[i],
				    shortcut_removed_for(c, &c->ents[i])
					? "its same-named shortcut was the worm's"
					: "every folder of this removable drive was hidden+system");
	free(pick);
	return rc;
}

static int list_entries(struct rctx *c)
{
	int fd = dup(c->rootfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t cap = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL && c->nents < USBREPAIR_MAX_ENTRIES) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(c->rootfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (c->nents == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct entry *p = realloc(c->ents, ncap * sizeof(*p));
			if (p == NULL)
				break;
			c->ents = p;
			cap = ncap;
		}
		c->ents[c->nents] = (struct entry){.name = strdup(de->d_name),
						   .dir = S_ISDIR(st.st_mode),
						   .reg = S_ISREG(st.st_mode)};
		if (c->ents[c->nents].name == NULL)
			break;
		c->nents++;
	}
	closedir(d);
	return de == NULL || c->nents == USBREPAIR_MAX_ENTRIES ? 0 : -1;
}

/* Basenames of the detections under the root, any depth. */
static int detected_bases(struct rctx *c, const struct detection *dets, size_t ndets)
{
	size_t rl = strlen(c->root);

	c->bases = calloc(ndets + 1, sizeof(*c->bases));
	c->sigs = calloc(ndets + 1, sizeof(*c->sigs));
	if (c->bases == NULL || c->sigs == NULL)
		return -1;
	for (size_t i = 0; i < ndets; i++) {
		const char *p = dets[i].path, *slash;
		if (strncmp(p, c->root, rl) != 0 || p[rl] != '/' || strchr(p + rl, ':'))
			continue; /* elsewhere, or an NTFS stream */
		slash = strrchr(p, '/');
		c->bases[c->nbases] = slash + 1;
		c->sigs[c->nbases++] = dets[i].signature;
	}
	return 0;
}

int usbrepair_volume(const struct usbrepair_volume *v, const struct scan_config *sc,
		     const struct detection *dets, size_t ndets, struct usbrepair_list *list,
		     rq_error *err)
{
	struct rctx c = {.v = v, .sc = sc, .list = list, .rootfd = -1};
	size_t len;
	int rc = -1;

	len = (size_t)snprintf(c.root, sizeof(c.root), "%s", v->root);
	if (len >= sizeof(c.root))
		return rq_fail(err, "%s: path too long", v->root);
	while (len > 1 && c.root[len - 1] == '/')
		c.root[--len] = '\0';
	c.volume = v->name ? v->name : c.root;
	c.rootfd = open(c.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.rootfd < 0)
		return errno == ENOTDIR ? 0 : rq_fail_errno(err, errno, "%s", v->root);
	if (strcmp(c.root, "/") == 0)
		c.root[0] = '\0'; /* paths are built as root + "/" + name */
	if (detected_bases(&c, dets, ndets) != 0 || list_entries(&c) != 0) {
		rq_fail(err, "%s: cannot list the folder or out of memory", v->root);
		goto out;
	}
	if (shortcuts(&c) != 0 || autorun(&c) != 0 || hidden(&c) != 0) {
		rq_fail(err, "out of memory");
		goto out;
	}
	rc = c.added;
out:
	for (size_t i = 0; i < c.nents; i++)
		free(c.ents[i].name);
	free(c.ents);
	free(c.bases);
	free(c.sigs);
	close(c.rootfd);
	return rc;
}

void usbrepair_print(FILE *out, const struct usbrepair_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct usb_repair *r = &list->v[i];
		char *esc = escape_name(r->path);
		const char *p = esc ? esc : "?", *what = resultdoc_repair_kind_name(r->kind);
		switch (r->outcome) {
		case RESULTDOC_PLANNED:
			fprintf(out, "%s: %s: would %s (%s)\n", p, what,
				resultdoc_repair_action_name(r->action), r->reason);
			break;
		case RESULTDOC_DONE:
			if (r->action == RESULTDOC_R_QUARANTINE)
				fprintf(out, "%s: %s moved to quarantine as %s\n", p, what,
					r->detail);
			else if (r->action == RESULTDOC_R_DELETE)
				fprintf(out, "%s: %s removed\n", p, what);
			else
				fprintf(out, "%s: made visible again\n", p);
			break;
		case RESULTDOC_NOT_DONE:
		case RESULTDOC_NO_WAY:
			fprintf(out, "%s: %s not repaired: %s\n", p, what,
				r->detail ? r->detail : "?");
			break;
		}
		free(esc);
	}
}

/* Escaped (the names come from the scanned drive), or NULL for NULL; *bad
 * when escaping ran out of memory. */
static char *escaped(const char *s, bool *bad)
{
	char *e = s ? escape_name(s) : NULL;

	if (s && e == NULL)
		*bad = true;
	return e;
}

json_object *usbrepair_json(const struct usbrepair_list *list)
{
	json_object *a = json_object_new_array();
	bool bad = a == NULL;

	for (size_t i = 0; !bad && i < list->n; i++) {
		const struct usb_repair *r = &list->v[i];
		json_object *o = json_object_new_object();
		char *vol = escaped(r->volume, &bad), *why = escaped(r->reason, &bad);
		char *det = escaped(r->detail, &bad);
		if (o == NULL)
			bad = true;
		else if (resultdoc_put_str(o, "volume", vol, &bad) ||
			 resultdoc_put_path(o, "path", r->path, &bad) ||
			 resultdoc_put_str(o, "kind", resultdoc_repair_kind_name(r->kind), &bad) ||
			 resultdoc_put_str(o, "action", resultdoc_repair_action_name(r->action),
					   &bad) ||
			 resultdoc_put_str(o, "outcome", resultdoc_repair_outcome_name(r->outcome),
					   &bad) ||
			 resultdoc_put_str(o, "reason", why, &bad) ||
			 resultdoc_put_str(o, "detail", det, &bad))
			json_object_put(o);
		else
			resultdoc_put(a, NULL, o, &bad);
		free(vol);
		free(why);
		free(det);
	}
	if (bad) {
		json_object_put(a);
		return NULL; /* resultdoc_put marks the document bad */
	}
	return a;
}

size_t usbrepair_volumes_repaired(const struct usbrepair_list *list)
{
	size_t n = 0;

	for (size_t i = 0; i < list->n; i++) {
		bool seen = false;
		if (list->v[i].outcome != RESULTDOC_DONE)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = list->v[j].outcome == RESULTDOC_DONE &&
			       strcmp(list->v[j].volume, list->v[i].volume) == 0;
		n += !seen;
	}
	return n;
}

/* sysfs attribute "removable" of the block device devdir (a partition's is
 * its disk's, one level up), or whether it hangs off a USB bus. */
bool usbrepair_sysfs_removable(const char *devdir)
{
	char path[PATH_MAX], real[PATH_MAX], buf[4] = "";
	const char *tries[] = {"removable", "../removable"};

	if (realpath(devdir, real) != NULL && strstr(real, "/usb") != NULL)
		return true;
	for (size_t i = 0; i < 2; i++) {
		int fd;
		ssize_t n;
		snprintf(path, sizeof(path), "%s/%s", devdir, tries[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0)
			return buf[0] == '1';
	}
	return false;
}

bool usbrepair_removable(const char *root)
{
	char parent[PATH_MAX], dev[64];
	struct stat st, up;

	if ((size_t)snprintf(parent, sizeof(parent), "%s/..", root) >= sizeof(parent) ||
	    stat(root, &st) != 0 || stat(parent, &up) != 0 || !S_ISDIR(st.st_mode))
		return false;
	if (st.st_dev == up.st_dev && st.st_ino != up.st_ino)
		return false; /* not the top of a mounted volume */
	snprintf(dev, sizeof(dev), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	return usbrepair_sysfs_removable(dev);
}
