/* winpath: Windows names on a mounted volume (see winpath.h). ntfs-3g is
 * case-sensitive and may not answer short names; Windows is neither, and a
 * Run value says "C:\PROGRA~1\Foo\foo.exe" as readily as the long name. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "windows/winpath.h"

#define COMP_MAX WINPATH_NAME_MAX

/* Whether the entry name in dirfd is of type want, judged without
 * following a symlink. */
static bool is_type(int dirfd, const char *name, mode_t want)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == want;
}

/* Splits an 8.3 short name "BASE~N.EXT" into its parts. */
static bool short_name(const char *comp, char base[8], unsigned *n, char ext[4])
{
	const char *tilde = strchr(comp, '~'), *dot;
	size_t blen;

	if (tilde == NULL || tilde == comp || (blen = (size_t)(tilde - comp)) > 6 ||
	    !isdigit((unsigned char)tilde[1]))
		return false;
	memcpy(base, comp, blen);
	base[blen] = '\0';
	*n = (unsigned)(tilde[1] - '0');
	dot = tilde + 2;
	while (isdigit((unsigned char)*dot))
		*n = *n * 10 + (unsigned)(*dot++ - '0');
	ext[0] = '\0';
	if (*dot == '.' && strlen(dot + 1) <= 3)
		snprintf(ext, 4, "%s", dot + 1);
	else if (*dot != '\0')
		return false;
	return *n >= 1 && *n <= 999999;
}

/* Whether long could have the short name base~N.ext: its letters without
 * spaces and inner dots, uppercased, start with base; its extension with ext. */
static bool short_fits(const char *lng, const char *base, const char *ext)
{
	const char *dot = strrchr(lng, '.');
	char squeezed[16];
	size_t k = 0;

	for (const char *p = lng; *p && (dot == NULL || p < dot) && k < sizeof(squeezed) - 1; p++)
		if (*p != ' ' && *p != '.')
			squeezed[k++] = *p;
	squeezed[k] = '\0';
	if (strncasecmp(squeezed, base, strlen(base)) != 0)
		return false;
	if (ext[0] == '\0')
		return dot == NULL || dot == lng;
	return dot != NULL && strncasecmp(dot + 1, ext, strlen(ext)) == 0;
}

/* Finds comp in dirfd ignoring case, or as a short name: the N-th in byte
 * order of the names that fit (Windows numbers them in creation order,
 * which a mounted volume does not tell; with one candidate, the usual case,
 * both agree). Returns 1 with the name in found, 0, or -1 (errno). */
static int find_ci(int dirfd, const char *comp, mode_t want, char *found)
{
	char base[8], ext[4], cands[8][COMP_MAX];
	unsigned n = 0, ncands = 0;
	bool is_short = short_name(comp, base, &n, ext);
	struct dirent *de;
	int fd, saved;
	DIR *d;

	found[0] = '\0';
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		/* Names first: a stat per entry is what costs on a big folder. */
		if (strlen(de->d_name) >= COMP_MAX)
			continue;
		if (strcasecmp(de->d_name, comp) == 0) {
			if (!is_type(dirfd, de->d_name, want))
				continue;
			/* the first in byte order, whatever readdir's order */
			if (found[0] == '\0' || strcmp(de->d_name, found) < 0)
				snprintf(found, COMP_MAX, "%s", de->d_name);
		} else if (is_short && short_fits(de->d_name, base, ext) &&
			   is_type(dirfd, de->d_name, want)) {
			size_t at = ncands < 8 ? ncands++ : 7;
			/* keep the 8 smallest names, sorted */
			if (at == 7 && ncands == 8 && strcmp(de->d_name, cands[7]) >= 0)
				continue;
			while (at > 0 && strcmp(de->d_name, cands[at - 1]) < 0) {
				memcpy(cands[at], cands[at - 1], COMP_MAX);
				at--;
			}
			snprintf(cands[at], COMP_MAX, "%s", de->d_name);
		}
	}
	saved = errno;
	closedir(d);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	if (found[0] == '\0' && is_short && ncands > 0) {
		if (n <= ncands)
			snprintf(found, COMP_MAX, "%s", cands[n - 1]);
		else if (ncands == 1)
			snprintf(found, COMP_MAX, "%s", cands[0]);
	}
	return found[0] != '\0';
}

int winpath_find(int dirfd, const char *comp, mode_t want, char found[WINPATH_NAME_MAX])
{
	found[0] = '\0';
	if (strlen(comp) >= COMP_MAX)
		return 0;
	if (is_type(dirfd, comp, want)) {
		snprintf(found, COMP_MAX, "%s", comp);
		return 1;
	}
	return find_ci(dirfd, comp, want, found);
}

/* --- the listing cache -------------------------------------------------------- */

#define CACHE_DIRS    64
#define CACHE_ENTRIES 65536 /* a folder with more is listed each time */

struct cached_dir {
	char *rel;    /* real relative path of the folder ("" for the root) */
	char **names; /* its entries, sorted ignoring case */
	size_t n;
};

struct winpath_cache {
	struct cached_dir d[CACHE_DIRS];
	size_t n, next;
};

struct winpath_cache *winpath_cache_new(void)
{
	return calloc(1, sizeof(struct winpath_cache));
}

static void dir_clear(struct cached_dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->rel);
	memset(d, 0, sizeof(*d));
}

void winpath_cache_free(struct winpath_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		dir_clear(&c->d[i]);
	free(c);
}

static int cmp_ci(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* The listing of dirfd (the folder at rel), from the cache or read now;
 * NULL when it cannot be cached (the caller lists it itself). */
static struct cached_dir *listing(struct winpath_cache *c, int dirfd, const char *rel)
{
	struct cached_dir *d;
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	int fd;

	for (size_t i = 0; i < c->n; i++)
		if (c->d[i].rel && strcmp(c->d[i].rel, rel) == 0)
			return &c->d[i];
	d = &c->d[c->n < CACHE_DIRS ? c->n++ : c->next++ % CACHE_DIRS];
	dir_clear(d);
	if ((d->rel = strdup(rel)) == NULL ||
	    (fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		goto fail;
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strlen(de->d_name) >= COMP_MAX || d->n >= CACHE_ENTRIES)
			continue;
		if (d->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **p = realloc(d->names, ncap * sizeof(*p));
			if (p == NULL)
				break;
			d->names = p;
			cap = ncap;
		}
		if ((d->names[d->n] = strdup(de->d_name)) == NULL)
			break;
		d->n++;
	}
	if (de != NULL || errno != 0 || d->n >= CACHE_ENTRIES) {
		closedir(dir);
		goto fail;
	}
	closedir(dir);
	qsort(d->names, d->n, sizeof(*d->names), cmp_ci);
	return d;
fail:
	dir_clear(d); /* rel NULL: a free slot */
	return NULL;
}

/* find_ci on a cached listing. */
static int find_cached(const struct cached_dir *d, int dirfd, const char *comp, mode_t want,
		       char *found)
{
	char base[8], ext[4];
	unsigned n = 0, k = 0;
	size_t lo = 0, hi = d->n;

	found[0] = '\0';
	while (lo < hi) { /* the first name equal ignoring case */
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(d->names[mid], comp) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < d->n && strcasecmp(d->names[i], comp) == 0; i++)
		if (is_type(dirfd, d->names[i], want) &&
		    (found[0] == '\0' || strcmp(d->names[i], found) < 0))
			snprintf(found, COMP_MAX, "%s", d->names[i]);
	if (found[0] != '\0' || !short_name(comp, base, &n, ext))
		return found[0] != '\0';
	/* Short names: the N-th fitting name in byte order. The listing is
	 * sorted ignoring case; for the usual single candidate that is the
	 * same, and find_ci's rule is kept by sorting candidates below. */
	{
		const char *cands[8];
		size_t nc = 0;
		for (size_t i = 0; i < d->n && nc < 8; i++)
			if (short_fits(d->names[i], base, ext) && is_type(dirfd, d->names[i], want))
				cands[nc++] = d->names[i];
		for (size_t i = 1; i < nc; i++)
			for (size_t j = i; j > 0 && strcmp(cands[j], cands[j - 1]) < 0; j--) {
				const char *t = cands[j];
				cands[j] = cands[j - 1];
				cands[j - 1] = t;
			}
		k = n <= nc ? n : nc == 1 ? 1 : 0;
		if (k > 0)
			snprintf(found, COMP_MAX, "%s", cands[k - 1]);
	}
	return found[0] != '\0';
}

int winpath_resolve_in(struct winpath_cache *c, int rootfd, const char *winpath, mode_t want,
		       char *out, size_t outsz)
{
	char comp[COMP_MAX], real[COMP_MAX];
	const char *p = winpath;
	size_t used = 0;
	int dirfd = rootfd, r = 0;

	out[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, "\\/");
		const char *next = p + len + (p[len] != '\0');
		bool last;
		mode_t type;
		int nfd;

		if (len == 0) {
			p = next;
			continue;
		}
		last = next[strspn(next, "\\/")] == '\0';
		type = last ? want : S_IFDIR;
		if (len >= sizeof(comp) || (len == 2 && p[0] == '.' && p[1] == '.'))
			goto out; /* not found: Windows names are shorter, ".." climbs out */
		memcpy(comp, p, len);
		comp[len] = '\0';
		p = next;
		if (len == 1 && comp[0] == '.')
			continue;
		if (is_type(dirfd, comp, type))
			snprintf(real, sizeof(real), "%s", comp);
		else {
			struct cached_dir *d = c ? listing(c, dirfd, out) : NULL;
			r = d ? find_cached(d, dirfd, comp, type, real)
			      : find_ci(dirfd, comp, type, real);
			if (r <= 0)
				goto out;
		}
		r = 0;
		if (used + strlen(real) + 2 > outsz)
			goto out;
		used += (size_t)snprintf(out + used, outsz - used, "%s%s", used ? "/" : "", real);
		if (last) {
			r = 1;
			break;
		}
		nfd = openat(dirfd, real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			r = errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? 0 : -1;
			goto out;
		}
		if (dirfd != rootfd)
			close(dirfd);
		dirfd = nfd;
	}
out:
	if (dirfd != rootfd) {
		int saved = errno;
		close(dirfd);
		errno = saved;
	}
	if (r != 1)
		out[0] = '\0';
	return r;
}

int winpath_resolve(int rootfd, const char *winpath, mode_t want, char *out, size_t outsz)
{
	return winpath_resolve_in(NULL, rootfd, winpath, want, out, outsz);
}

hive_h *winpath_open_hive(int rootfd, const char *rel, int flags, char *why, size_t whysz)
{
	char proc[64];
	struct stat st;
	hive_h *h;
	int fd, saved;

	/* O_NONBLOCK: a FIFO in a hive's place must not hang the scan. */
	fd = openat(rootfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysz, "cannot open hive: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "cannot open hive: not a regular file");
		close(fd);
		return NULL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	h = hivex_open(proc, flags);
	saved = errno;
	close(fd);
	if (h == NULL)
		snprintf(why, whysz, "cannot open hive: %s",
			 saved == EINVAL || saved == ENOTSUP || saved == EFAULT
			     ? "not a valid hive, corrupt or truncated"
			     : strerror(saved));
	return h;
}

hive_node_h winpath_reg_key(hive_h *h, hive_node_h node, const char *path)
{
	char buf[512], *part, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return 0;
	for (part = strtok_r(buf, "\\", &save); part != NULL && node != 0;
	     part = strtok_r(NULL, "\\", &save))
		node = hivex_node_get_child(h, node, part);
	return node;
}

char *winpath_reg_string(hive_h *h, hive_node_h node, const char *name, size_t max)
{
	hive_value_h v = hivex_node_get_value(h, node, name);
	hive_type t;
	size_t len, n;
	char *s;

	if (v == 0 || hivex_value_type(h, v, &t, &len) < 0 ||
	    (t != hive_t_REG_SZ && t != hive_t_REG_EXPAND_SZ) || len > 65536)
		return NULL;
	s = hivex_value_string(h, v);
	if (s == NULL)
		return NULL;
	if ((n = strlen(s)) > max) { /* cut without splitting a UTF-8 sequence */
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		s[n] = '\0';
	}
	return s;
}

int winpath_reg_dword(hive_h *h, hive_node_h node, const char *name, unsigned *out)
{
	hive_value_h v = hivex_node_get_value(h, node, name);
	hive_type t;
	size_t len;
	int32_t d;

	if (v == 0)
		return 0;
	if (hivex_value_type(h, v, &t, &len) < 0 || t != hive_t_REG_DWORD || len != 4)
		return -1;
	errno = 0;
	d = hivex_value_dword(h, v);
	if (d == -1 && errno != 0)
		return -1;
	*out = (unsigned)d;
	return 1;
}

unsigned winpath_control_set(hive_h *h)
{
	hive_node_h sel = winpath_reg_key(h, hivex_root(h), "Select");
	unsigned cur;

	if (sel == 0 || winpath_reg_dword(h, sel, "Current", &cur) != 1 || cur < 1 || cur > 999)
		return 1;
	return cur;
}
