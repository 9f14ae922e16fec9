/* autoruns: reading the persistence locations of an offline Windows (see
 * autoruns.h and docs/remediation.md, "Locations"). Hives, folders and task
 * files are hostile: every count and length is bounded, no symlink is
 * followed, an unreadable hive is noted and the rest still read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "walk.h"
#include "windows/autoruns.h"
#include "windows/lnkfile.h"
#include "windows/winpath.h"

#define TASK_FILE_MAX  (1 << 20) /* a task's XML is a few KiB */
#define TASK_DEPTH_MAX 8
#define USERS_MAX      512

struct reader {
	struct autoruns *a;
	int rootfd;
	int oom;
	struct winpath_cache *cache;
};

static const char SOFTWARE[] = "Windows/System32/config/SOFTWARE";
static const char SYSTEM[] = "Windows/System32/config/SYSTEM";
static const char STARTUP[] = "Microsoft\\Windows\\Start Menu\\Programs\\Startup";

static void note(struct reader *r, const char *what, const char *why)
{
	for (size_t i = 0; i < sizeof(r->a->errors) / sizeof(r->a->errors[0]); i++)
		if (r->a->errors[i][0] == '\0') {
			snprintf(r->a->errors[i], sizeof(r->a->errors[i]), "%.100s: %.200s", what,
				 why);
			break;
		}
	r->a->hive_errors++;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Adds an entry, resolving its command (file entries: target = the file). */
static void add(struct reader *r, enum resultdoc_autorun_kind kind, const char *location,
		const char *hive, const char *key, const char *name, const char *command,
		const char *user, const char *file_rel)
{
	struct autoruns *a = r->a;
	struct autorun *e;
	char rel[WINPATH_MAX];
	int found;

	if (a->n >= AUTORUNS_MAX || r->oom)
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct autorun *v = realloc(a->v, cap * sizeof(*v));
		if (v == NULL) {
			r->oom = 1;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	e = &a->v[a->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	if (file_rel) {
		snprintf(rel, sizeof(rel), "%s", file_rel);
		found = kind == RESULTDOC_AUTORUN_STARTUP; /* the item itself runs */
		if (kind == RESULTDOC_AUTORUN_TASK ||
		    (kind == RESULTDOC_AUTORUN_STARTUP && strcmp(command, file_rel) != 0)) {
			/* a task's command; a shortcut's target, else the shortcut */
			found = autoruns_resolve_in(r->cache, r->rootfd, command, user, rel,
						    sizeof(rel));
			if (!found && kind == RESULTDOC_AUTORUN_STARTUP)
				found = snprintf(rel, sizeof(rel), "%s", file_rel) > 0;
		}
	} else {
		found = autoruns_resolve_in(r->cache, r->rootfd, command, user, rel, sizeof(rel));
	}
	e->location = strdup(location);
	e->hive = dup_or_null(hive);
	e->key = dup_or_null(key);
	e->name = strdup(name);
	e->command = strdup(command ? command : "");
	if (found == 1 && asprintf(&e->target, "%s/%s", a->root, rel) < 0)
		e->target = NULL, r->oom = 1;
	if (file_rel && asprintf(&e->file, "%s/%s", a->root, file_rel) < 0)
		e->file = NULL, r->oom = 1;
	if (!e->location || (hive && !e->hive) || (key && !e->key) || !e->name || !e->command)
		r->oom = 1;
	a->n++;
}

/* --- hives ------------------------------------------------------------------ */

static hive_h *open_hive(struct reader *r, const char *winpath, char *rel, size_t relsz)
{
	char why[256];
	hive_h *h;

	if (winpath_resolve_in(r->cache, r->rootfd, winpath, S_IFREG, rel, relsz) != 1)
		return NULL;
	h = winpath_open_hive(r->rootfd, rel, 0, why, sizeof(why));
	if (h == NULL)
		note(r, rel, why);
	else
		r->a->hives_read++;
	return h;
}

/* Every string value of key as an entry of kind. */
static void values_of(struct reader *r, hive_h *h, hive_node_h root, const char *hive,
		      const char *hkey, const char *key, enum resultdoc_autorun_kind kind,
		      const char *user)
{
	char location[600];
	hive_node_h node = winpath_reg_key(h, root, key);
	hive_value_h *vals;

	if (node == 0 || (vals = hivex_node_values(h, node)) == NULL)
		return;
	snprintf(location, sizeof(location), "%s\\%s", hkey, key);
	for (size_t i = 0; vals[i] != 0 && i < 4096; i++) {
		char *name = hivex_value_key(h, vals[i]);
		char *cmd = name ? winpath_reg_string(h, node, name, AUTORUNS_CMD_MAX) : NULL;
		if (cmd && cmd[0])
			add(r, kind, location, hive, key, name[0] ? name : "(Default)", cmd, user,
			    NULL);
		free(cmd);
		free(name);
	}
	free(vals);
}

/* A list value (Userinit "a,b", AppInit_DLLs "a b"): one entry per item. */
static void list_value(struct reader *r, hive_h *h, hive_node_h root, const char *hive,
		       const char *key, const char *name, const char *seps,
		       enum resultdoc_autorun_kind kind)
{
	hive_node_h node = winpath_reg_key(h, root, key);
	char location[600], *val, *item, *save = NULL;

	if (node == 0 || (val = winpath_reg_string(h, node, name, AUTORUNS_CMD_MAX)) == NULL)
		return;
	snprintf(location, sizeof(location), "HKLM\\Software\\%s", key);
	for (item = strtok_r(val, seps, &save); item; item = strtok_r(NULL, seps, &save)) {
		item += strspn(item, " ");
		if (*item)
			add(r, kind, location, hive, key, name, item, NULL, NULL);
	}
	free(val);
}

static void read_software(struct reader *r)
{
	static const char *const runs[] = {
	    "Microsoft\\Windows\\CurrentVersion\\Run",
	    "Microsoft\\Windows\\CurrentVersion\\RunOnce",
	    "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Run",
	    "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
	};
	static const char winlogon[] = "Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
	static const char ifeo[] =
	    "Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options";
	char rel[WINPATH_MAX], key[600];
	hive_node_h root, node, *kids;
	hive_h *h = open_hive(r, SOFTWARE, rel, sizeof(rel));

	if (h == NULL)
		return;
	if ((r->a->software = strdup(rel)) == NULL)
		r->oom = 1;
	root = hivex_root(h);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		values_of(r, h, root, rel, "HKLM\\Software", runs[i], RESULTDOC_AUTORUN_RUN, NULL);
	list_value(r, h, root, rel, winlogon, "Shell", ",", RESULTDOC_AUTORUN_WINLOGON);
	list_value(r, h, root, rel, winlogon, "Userinit", ",", RESULTDOC_AUTORUN_WINLOGON);
	list_value(r, h, root, rel, "Microsoft\\Windows NT\\CurrentVersion\\Windows",
		   "AppInit_DLLs", ", ", RESULTDOC_AUTORUN_APPINIT);
	list_value(r, h, root, rel, "Wow6432Node\\Microsoft\\Windows NT\\CurrentVersion\\Windows",
		   "AppInit_DLLs", ", ", RESULTDOC_AUTORUN_APPINIT);
	node = winpath_reg_key(h, root, ifeo);
	if (node && (kids = hivex_node_children(h, node)) != NULL) {
		for (size_t i = 0; kids[i] && i < 4096; i++) {
			char *name = hivex_node_name(h, kids[i]);
			char *dbg = winpath_reg_string(h, kids[i], "Debugger", AUTORUNS_CMD_MAX);
			if (name && dbg && dbg[0] && strlen(name) < 256) {
				snprintf(key, sizeof(key), "%s\\%s", ifeo, name);
				add(r, RESULTDOC_AUTORUN_IFEO,
				    "HKLM\\Software\\"
				    "Microsoft\\Windows NT\\"
				    "CurrentVersion\\Image File Execution Options",
				    rel, key, name, dbg, NULL, NULL);
			}
			free(name);
			free(dbg);
		}
		free(kids);
	}
	hivex_close(h);
}

static void read_services(struct reader *r)
{
	char rel[WINPATH_MAX], set[32], key[300];
	hive_node_h services, *kids;
	hive_h *h = open_hive(r, SYSTEM, rel, sizeof(rel));

	if (h == NULL)
		return;
	snprintf(set, sizeof(set), "ControlSet%03u\\Services", winpath_control_set(h));
	services = winpath_reg_key(h, hivex_root(h), set);
	if (services && (kids = hivex_node_children(h, services)) != NULL) {
		for (size_t i = 0; kids[i] && i < AUTORUNS_MAX; i++) {
			char *name = hivex_node_name(h, kids[i]), *img, *dll = NULL;
			hive_node_h par;
			if (name == NULL || strlen(name) >= 256) {
				free(name);
				continue;
			}
			snprintf(key, sizeof(key), "%s\\%s", set, name);
			img = winpath_reg_string(h, kids[i], "ImagePath", AUTORUNS_CMD_MAX);
			if (img && img[0])
				add(r, RESULTDOC_AUTORUN_SERVICE,
				    "HKLM\\System\\CurrentControlSet\\Services", rel, key, name,
				    img, NULL, NULL);
			par = winpath_reg_key(h, kids[i], "Parameters");
			if (par)
				dll = winpath_reg_string(h, par, "ServiceDll", AUTORUNS_CMD_MAX);
			if (dll && dll[0])
				add(r, RESULTDOC_AUTORUN_SERVICE,
				    "HKLM\\System\\CurrentControlSet\\Services (ServiceDll)", rel,
				    key, name, dll, NULL, NULL);
			free(img);
			free(dll);
			free(name);
		}
		free(kids);
	}
	hivex_close(h);
}

static void read_user_hive(struct reader *r, const char *user)
{
	static const char *const runs[] = {
	    "Software\\Microsoft\\Windows\\CurrentVersion\\Run",
	    "Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
	    "Software\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Run",
	    "Software\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
	};
	char path[400], rel[WINPATH_MAX], hkey[300];
	hive_h *h;

	snprintf(path, sizeof(path), "Users\\%s\\NTUSER.DAT", user);
	if ((h = open_hive(r, path, rel, sizeof(rel))) == NULL)
		return;
	snprintf(hkey, sizeof(hkey), "HKU\\%s", user);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		values_of(r, h, hivex_root(h), rel, hkey, runs[i], RESULTDOC_AUTORUN_RUN, user);
	hivex_close(h);
}

/* --- folders ----------------------------------------------------------------- */

/* Opens the directory at rel under the root, never through a symlink. */
static DIR *open_rel_dir(struct reader *r, const char *rel)
{
	int fd = openat(r->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/* Each regular file of a Startup folder (desktop.ini is Explorer's). */
static void read_startup(struct reader *r, const char *winpath, const char *user)
{
	char rel[WINPATH_MAX], item[WINPATH_MAX + 260], location[600], cmd[AUTORUNS_CMD_MAX];
	struct dirent *de;
	size_t count = 0, len;
	DIR *d;

	if (winpath_resolve_in(r->cache, r->rootfd, winpath, S_IFDIR, rel, sizeof(rel)) != 1 ||
	    (d = open_rel_dir(r, rel)) == NULL)
		return;
	snprintf(location, sizeof(location), "Startup (%s)", user ? user : "all users");
	while ((de = readdir(d)) != NULL && count++ < 4096) {
		struct stat st;
		if (strcasecmp(de->d_name, "desktop.ini") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(item, sizeof(item), "%s/%s", rel, de->d_name);
		len = strlen(de->d_name);
		if (len > 4 && strcasecmp(de->d_name + len - 4, ".lnk") == 0 &&
		    lnkfile_command(dirfd(d), de->d_name, cmd, sizeof(cmd)) == 1)
			add(r, RESULTDOC_AUTORUN_STARTUP, location, NULL, NULL, de->d_name, cmd,
			    user, item);
		else
			add(r, RESULTDOC_AUTORUN_STARTUP, location, NULL, NULL, de->d_name, item,
			    user, item);
	}
	closedir(d);
}

/* UTF-16LE (with its BOM, as Windows writes tasks) to UTF-8, in place into
 * out; other text is taken as it is. */
static void task_text(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	size_t o = 0;

	if (len >= 2 && in[0] == 0xff && in[1] == 0xfe) {
		for (size_t i = 2; i + 1 < len && o + 4 < outsz; i += 2) {
			unsigned c = in[i] | (unsigned)in[i + 1] << 8;
			if (c >= 0xd800 && c <= 0xdbff && i + 3 < len) {
				unsigned lo = in[i + 2] | (unsigned)in[i + 3] << 8;
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
					i += 2;
				}
			}
			if (c == 0)
				break;
			if (c < 0x80) {
				out[o++] = (char)c;
			} else if (c < 0x800) {
				out[o++] = (char)(0xc0 | c >> 6);
				out[o++] = (char)(0x80 | (c & 0x3f));
			} else if (c < 0x10000) {
				out[o++] = (char)(0xe0 | c >> 12);
				out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (c & 0x3f));
			} else {
				out[o++] = (char)(0xf0 | c >> 18);
				out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
				out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (c & 0x3f));
			}
		}
	} else {
		size_t skip = len >= 3 && in[0] == 0xef && in[1] == 0xbb && in[2] == 0xbf ? 3 : 0;
		o = len - skip < outsz - 1 ? len - skip : outsz - 1;
		memcpy(out, in + skip, o);
	}
	out[o] = '\0';
}

/* The text of <tag>...</tag> after *p, XML entities undone; *p moves on. */
static bool xml_element(const char **p, const char *tag, char *out, size_t outsz)
{
	char open[32], close[32];
	const char *s, *e;
	size_t o = 0;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((s = strstr(*p, open)) == NULL || (e = strstr(s, close)) == NULL)
		return false;
	*p = e + strlen(close);
	for (s += strlen(open); s < e && o + 1 < outsz; s++) {
		static const struct {
			const char *ent;
			char c;
		} ents[] = {{"&amp;", '&'},
			    {"&lt;", '<'},
			    {"&gt;", '>'},
			    {"&quot;", '"'},
			    {"&apos;", '\''}};
		size_t k;
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (strncmp(s, ents[k].ent, strlen(ents[k].ent)) == 0)
				break;
		if (k < sizeof(ents) / sizeof(ents[0])) {
			out[o++] = ents[k].c;
			s += strlen(ents[k].ent) - 1;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return true;
}

/* One task file: an entry per <Exec> action (command and arguments). */
static void read_task(struct reader *r, int dfd, const char *name, const char *rel,
		      const char *taskpath)
{
	unsigned char *raw = NULL;
	char *text = NULL, cmd[AUTORUNS_CMD_MAX], args[AUTORUNS_CMD_MAX],
	     line[2 * AUTORUNS_CMD_MAX + 2];
	const char *p;
	struct stat st;
	ssize_t got;
	int fd = walk_open_regular(dfd, name, false, &st);

	if (fd < 0)
		return;
	if (st.st_size <= 0 || st.st_size > TASK_FILE_MAX ||
	    (raw = malloc((size_t)st.st_size)) == NULL ||
	    (text = malloc(2 * (size_t)st.st_size + 1)) == NULL)
		goto out;
	got = pread(fd, raw, (size_t)st.st_size, 0);
	if (got <= 0)
		goto out;
	task_text(raw, (size_t)got, text, 2 * (size_t)st.st_size + 1);
	p = text;
	for (int n = 0; n < 32 && xml_element(&p, "Command", cmd, sizeof(cmd)); n++) {
		const char *q = p;
		/* Arguments follow their Command inside the same Exec. */
		const char *next_exec = strstr(p, "<Command>");
		args[0] = '\0';
		if (xml_element(&q, "Arguments", args, sizeof(args)) &&
		    (next_exec == NULL || q <= next_exec))
			p = q;
		else
			args[0] = '\0';
		snprintf(line, sizeof(line),
			 cmd[0] == '"' || !strchr(cmd, ' ') ? "%s%s%s" : "\"%s\"%s%s", cmd,
			 args[0] ? " " : "", args);
		add(r, RESULTDOC_AUTORUN_TASK, "Scheduled task", r->a->software, taskpath, taskpath,
		    line, NULL, rel);
	}
out:
	free(raw);
	free(text);
	close(fd);
}

/* Walks Windows/System32/Tasks (subfolders are task folders). */
static void read_tasks_dir(struct reader *r, const char *rel, const char *taskpath, int depth,
			   size_t *budget)
{
	struct dirent *de;
	DIR *d;

	if (depth > TASK_DEPTH_MAX || (d = open_rel_dir(r, rel)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *budget > 0) {
		char crel[WINPATH_MAX + 260], ctask[WINPATH_MAX + 260];
		struct stat st;
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		(*budget)--;
		if (snprintf(crel, sizeof(crel), "%s/%s", rel, de->d_name) >= WINPATH_MAX)
			continue;
		snprintf(ctask, sizeof(ctask), "%s\\%s", taskpath, de->d_name);
		if (S_ISDIR(st.st_mode))
			read_tasks_dir(r, crel, ctask, depth + 1, budget);
		else if (S_ISREG(st.st_mode))
			read_task(r, dirfd(d), de->d_name, crel, ctask);
	}
	closedir(d);
}

/* Users/NAME for each profile folder with an NTUSER.DAT or a Startup. */
static void read_users(struct reader *r)
{
	char rel[WINPATH_MAX], path[600];
	struct dirent *de;
	size_t count = 0;
	DIR *d;

	if (winpath_resolve_in(r->cache, r->rootfd, "Users", S_IFDIR, rel, sizeof(rel)) != 1 ||
	    (d = open_rel_dir(r, rel)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && count < USERS_MAX) {
		struct stat st;
		if (de->d_name[0] == '.' || strlen(de->d_name) > 200 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISDIR(st.st_mode) || strcasecmp(de->d_name, "Public") == 0)
			continue;
		count++;
		read_user_hive(r, de->d_name);
		snprintf(path, sizeof(path), "Users\\%s\\AppData\\Roaming\\%s", de->d_name,
			 STARTUP);
		read_startup(r, path, de->d_name);
	}
	closedir(d);
}

int autoruns_read(const char *root, struct autoruns *a, rq_error *err)
{
	struct reader r = {.a = a};
	char path[200], rel[WINPATH_MAX];
	size_t budget = 8192;

	memset(a, 0, sizeof(*a));
	if ((a->root = strdup(root)) == NULL)
		return rq_fail(err, "out of memory");
	r.cache = winpath_cache_new(); /* NULL: resolve without one */
	r.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r.rootfd < 0) {
		winpath_cache_free(r.cache);
		int e = errno;
		autoruns_free(a);
		return rq_fail_errno(err, e, "%s", root);
	}
	if (winpath_resolve(r.rootfd, "Windows\\System32", S_IFDIR, rel, sizeof(rel)) == 1) {
		read_software(&r);
		read_services(&r);
		read_users(&r);
		snprintf(path, sizeof(path), "ProgramData\\%s", STARTUP);
		read_startup(&r, path, NULL);
		if (winpath_resolve(r.rootfd, "Windows\\System32\\Tasks", S_IFDIR, rel,
				    sizeof(rel)) == 1)
			read_tasks_dir(&r, rel, "", 0, &budget);
	}
	close(r.rootfd);
	winpath_cache_free(r.cache);
	if (r.oom) {
		autoruns_free(a);
		return rq_fail(err, "autoruns: out of memory");
	}
	return 0;
}

void autoruns_free(struct autoruns *a)
{
	for (size_t i = 0; i < a->n; i++) {
		struct autorun *e = &a->v[i];
		free(e->location);
		free(e->hive);
		free(e->key);
		free(e->name);
		free(e->command);
		free(e->target);
		free(e->file);
		free(e->detail);
	}
	free(a->v);
	free(a->root);
	free(a->software);
	memset(a, 0, sizeof(*a));
}
