/* cache: the clean-file cache. Everything read from the cache directory is
 * hostile (it lives on a stick that visits infected PCs): a volume file is
 * used only when its size, magic, MAC, volume and order all check, else it
 * is ignored whole, never in part. Layout of a volume file (little-endian):
 *
 *   0   8  magic "RQCACHE\1"
 *   8  32  signature-set digest (cache_sigset)
 *  40  16  volume id: BLAKE2b-128 keyed, of the volume's name
 *  56   8  entry count n (at most CACHE_MAX_ENTRIES)
 *  64 16n  entries, strictly ascending: BLAKE2b-128 keyed, of the volume id,
 *          inode, size, mtime and ctime of a file scanned CLEAN
 *  ..  32  BLAKE2b-256 keyed, of everything before it
 *
 * The file's name is the volume id in hex plus ".rqc". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "atomicio.h"
#include "cache.h"
#include "le.h"

#define MAGIC        "RQCACHE\1"
#define MAGIC_LEN    8
#define VOLID_LEN    16
#define HEADER_LEN   (MAGIC_LEN + CACHE_SIGSET_LEN + VOLID_LEN + 8)
#define MAC_LEN      32
#define KEY_LEN      32
#define FILE_MAX     (HEADER_LEN + (size_t)CACHE_MAX_ENTRIES * CACHE_ENTRY_LEN + MAC_LEN)
#define NAME_LEN     (2 * VOLID_LEN + sizeof(CACHE_SUFFIX) - 1)
#define SWEEP_MAX    1024 /* directory entries looked at when tidying */
#define DB_FILES_MAX 4096 /* database directory entries digested */
#define MANIFEST_MAX (1u << 20)

struct vol {
	unsigned char id[VOLID_LEN];
	unsigned char *old; /* entries from the file, sorted; never changed after load */
	size_t nold;
	atomic_uchar *hit;  /* per old entry: seen again in this run */
	unsigned char *add; /* entries scanned clean in this run */
	size_t nadd, capadd;
	bool dirty; /* to be written: new entries, or the file was stale or bad */
};

struct cache {
	int dirfd;
	char *dir;
	unsigned char *key; /* sodium_malloc'd */
	unsigned char sigset[CACHE_SIGSET_LEN];
	cache_warn_fn warn;
	void *warn_ctx;
	pthread_mutex_t lock; /* vols, nvols and every vol's add list */
	struct vol vols[CACHE_MAX_VOLUMES];
	size_t nvols;
	bool too_many_warned;
};

static void warnf(struct cache *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct cache *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (c->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warn(c->warn_ctx, msg);
}

/* ---- the signature set ---- */

static void hash_u64(crypto_generichash_state *h, uint64_t v)
{
	unsigned char b[8];
	store_le64(b, v);
	crypto_generichash_update(h, b, sizeof(b));
}

static void hash_str(crypto_generichash_state *h, const char *s)
{
	hash_u64(h, strlen(s));
	crypto_generichash_update(h, (const unsigned char *)s, strlen(s));
}

static void hash_stat(crypto_generichash_state *h, const struct stat *st)
{
	hash_u64(h, (uint64_t)st->st_size);
	hash_u64(h, (uint64_t)st->st_mtim.tv_sec);
	hash_u64(h, (uint64_t)st->st_mtim.tv_nsec);
	hash_u64(h, (uint64_t)st->st_ctim.tv_sec);
	hash_u64(h, (uint64_t)st->st_ctim.tv_nsec);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A MANIFEST is hashed by content: the IOC's version of the set, whatever
 * the clock of the PC that copied it did to the times. */
static int hash_db_file(crypto_generichash_state *h, int dirfd, const char *name, rq_error *err)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return rq_fail_errno(err, errno, "cannot read database %s", name);
	if (!S_ISREG(st.st_mode))
		return 0;
	hash_str(h, name);
	hash_stat(h, &st);
	if (strcmp(name, "MANIFEST") == 0) {
		char *buf;
		size_t len;
		if (read_file_bounded(dirfd, name, MANIFEST_MAX, &buf, &len, err) != 0)
			return -1;
		crypto_generichash_update(h, (unsigned char *)buf, len);
		free(buf);
	}
	return 0;
}

static int hash_db_dir(crypto_generichash_state *h, const char *path, rq_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = calloc(DB_FILES_MAX, sizeof(*names));
	size_t n = 0;
	struct dirent *de;
	int rc = 0;

	if (d == NULL || names == NULL) {
		rc = names ? rq_fail_errno(err, errno, "cannot read database %s", path)
			   : rq_fail(err, "out of memory");
		if (fd >= 0 && d == NULL)
			close(fd);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == DB_FILES_MAX) {
			rc = rq_fail(err, "database %s has more than %d files", path, DB_FILES_MAX);
			goto out;
		}
		if ((names[n++] = strdup(de->d_name)) == NULL) {
			rc = rq_fail(err, "out of memory");
			goto out;
		}
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = hash_db_file(h, dirfd(d), names[i], err);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d)
		closedir(d);
	return rc;
}

int cache_sigset(const char *const *dbs, size_t ndbs, const struct engine_info *info,
		 const struct engine_limits *limits, unsigned char out[CACHE_SIGSET_LEN],
		 rq_error *err)
{
	crypto_generichash_state h;

	if (sodium_init() < 0)
		return rq_fail(err, "cannot initialise libsodium");
	crypto_generichash_init(&h, NULL, 0, CACHE_SIGSET_LEN);
	hash_str(&h, "raquet.cache.sigset/1 " RAQUET_VERSION);
	for (size_t i = 0; i < ndbs; i++) {
		struct stat st;
		hash_str(&h, dbs[i]);
		if (stat(dbs[i], &st) != 0)
			return rq_fail_errno(err, errno, "cannot read database %s", dbs[i]);
		if (S_ISDIR(st.st_mode)) {
			if (hash_db_dir(&h, dbs[i], err) != 0)
				return -1;
		} else {
			hash_stat(&h, &st);
		}
	}
	hash_str(&h, info->version);
	hash_u64(&h, info->signatures);
	hash_u64(&h, info->flevel);
	hash_u64(&h, info->db_version);
	hash_str(&h, info->db_time);
	/* A file over a limit is "clean" only under that limit. */
	hash_u64(&h, limits->max_filesize);
	hash_u64(&h, limits->max_scansize);
	hash_u64(&h, limits->alert_exceeds_max);
	crypto_generichash_final(&h, out, CACHE_SIGSET_LEN);
	return 0;
}

/* ---- the key ---- */

static int new_key(struct cache *c, bool replace, rq_error *err)
{
	randombytes_buf(c->key, KEY_LEN);
	if (atomic_write(c->dirfd, CACHE_KEY_NAME, c->key, KEY_LEN, 0600, !replace, err) != 0)
		return -1;
	return 0;
}

static int load_key(struct cache *c, rq_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	rq_error e;

	if (fstatat(c->dirfd, CACHE_KEY_NAME, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT)
			return rq_fail_errno(err, errno, "cannot read %s/%s", c->dir,
					     CACHE_KEY_NAME);
		return new_key(c, false, err);
	}
	if (read_file_bounded(c->dirfd, CACHE_KEY_NAME, 2 * KEY_LEN, &buf, &len, &e) == 0 &&
	    len == KEY_LEN) {
		memcpy(c->key, buf, KEY_LEN);
		sodium_memzero(buf, len);
		free(buf);
		return 0;
	}
	if (buf) {
		sodium_memzero(buf, len);
		free(buf);
	}
	warnf(c,
	      "the clean-file cache's key in %s is damaged; a new one is made and the cache "
	      "starts empty",
	      c->dir);
	return new_key(c, true, err);
}

struct cache *cache_open(const char *dir, const unsigned char sigset[CACHE_SIGSET_LEN],
			 cache_warn_fn warn, void *warn_ctx, rq_error *err)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (c == NULL || sodium_init() < 0) {
		free(c);
		rq_fail(err, "out of memory");
		return NULL;
	}
	c->dirfd = -1;
	c->warn = warn;
	c->warn_ctx = warn_ctx;
	memcpy(c->sigset, sigset, CACHE_SIGSET_LEN);
	pthread_mutex_init(&c->lock, NULL);
	if ((c->dir = strdup(dir)) == NULL || (c->key = sodium_malloc(KEY_LEN)) == NULL) {
		rq_fail(err, "out of memory");
		goto fail;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rq_fail_errno(err, errno, "cannot make the cache directory %s", dir);
		goto fail;
	}
	c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dirfd < 0) {
		rq_fail_errno(err, errno, "cannot open the cache directory %s", dir);
		goto fail;
	}
	if (load_key(c, err) != 0)
		goto fail;
	return c;
fail:
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->key)
		sodium_free(c->key);
	pthread_mutex_destroy(&c->lock);
	free(c->dir);
	free(c);
	return NULL;
}

/* ---- volumes and entries ---- */

static void volume_id(const struct cache *c, const char *volume, const struct stat *st,
		      unsigned char id[VOLID_LEN])
{
	char name[300];

	if (volume)
		snprintf(name, sizeof(name), "volume:%.255s", volume);
	else
		snprintf(name, sizeof(name), "dev:%u:%u", major(st->st_dev), minor(st->st_dev));
	crypto_generichash(id, VOLID_LEN, (unsigned char *)name, strlen(name), c->key, KEY_LEN);
}

static void entry_digest(const struct cache *c, const unsigned char id[VOLID_LEN],
			 const struct stat *st, unsigned char out[CACHE_ENTRY_LEN])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, c->key, KEY_LEN, CACHE_ENTRY_LEN);
	crypto_generichash_update(&h, id, VOLID_LEN);
	hash_u64(&h, (uint64_t)st->st_ino);
	hash_stat(&h, st);
	crypto_generichash_final(&h, out, CACHE_ENTRY_LEN);
}

static void file_name(const unsigned char id[VOLID_LEN], char name[NAME_LEN + 1])
{
	sodium_bin2hex(name, 2 * VOLID_LEN + 1, id, VOLID_LEN);
	memcpy(name + 2 * VOLID_LEN, CACHE_SUFFIX, sizeof(CACHE_SUFFIX));
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(a, b, CACHE_ENTRY_LEN);
}

static void file_mac(const struct cache *c, const unsigned char *buf, size_t len,
		     unsigned char mac[MAC_LEN])
{
	crypto_generichash(mac, MAC_LEN, buf, len, c->key, KEY_LEN);
}

/* Checks a volume file read whole; NULL when it is good, else why not. */
static const char *file_problem(const struct cache *c, const struct vol *v,
				const unsigned char *buf, size_t len, uint64_t *count)
{
	unsigned char mac[MAC_LEN];

	if (len < HEADER_LEN + MAC_LEN || (len - HEADER_LEN - MAC_LEN) % CACHE_ENTRY_LEN != 0)
		return "it has the wrong size";
	if (memcmp(buf, MAGIC, MAGIC_LEN) != 0)
		return "it is not a cache file of this version";
	file_mac(c, buf, len - MAC_LEN, mac);
	if (crypto_verify_32(mac, buf + len - MAC_LEN) != 0)
		return "its MAC does not verify (damaged, or not written with this cache's key)";
	*count = load_le64(buf + HEADER_LEN - 8);
	if (*count != (len - HEADER_LEN - MAC_LEN) / CACHE_ENTRY_LEN || *count > CACHE_MAX_ENTRIES)
		return "its entry count is wrong";
	if (memcmp(buf + MAGIC_LEN + CACHE_SIGSET_LEN, v->id, VOLID_LEN) != 0)
		return "it belongs to another volume";
	for (uint64_t i = 1; i < *count; i++)
		if (memcmp(buf + HEADER_LEN + (i - 1) * CACHE_ENTRY_LEN,
			   buf + HEADER_LEN + i * CACHE_ENTRY_LEN, CACHE_ENTRY_LEN) >= 0)
			return "its entries are out of order";
	return NULL;
}

/* Loads v's file, if any, into v->old. Called with c->lock held. */
static int vol_load(struct cache *c, struct vol *v)
{
	char name[NAME_LEN + 1], *buf = NULL;
	const char *why;
	uint64_t count = 0;
	size_t len = 0;
	struct stat st;
	rq_error e;

	file_name(v->id, name);
	if (fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
		return 0;
	if (read_file_bounded(c->dirfd, name, FILE_MAX, &buf, &len, &e) != 0) {
		warnf(c, "clean-file cache %s/%s ignored: %s", c->dir, name, e.msg);
		v->dirty = true;
		return 0;
	}
	why = file_problem(c, v, (unsigned char *)buf, len, &count);
	if (why) {
		warnf(c, "clean-file cache %s/%s ignored and replaced: %s", c->dir, name, why);
		v->dirty = true;
	} else if (memcmp(buf + MAGIC_LEN, c->sigset, CACHE_SIGSET_LEN) != 0) {
		v->dirty = true; /* other signatures: it starts empty */
	} else if (count > 0) {
		v->old = malloc(count * CACHE_ENTRY_LEN);
		v->hit = calloc(count, sizeof(*v->hit));
		if (v->old == NULL || v->hit == NULL) {
			free(v->old);
			free(v->hit);
			v->old = NULL;
			v->hit = NULL;
			free(buf);
			return -1;
		}
		memcpy(v->old, buf + HEADER_LEN, count * CACHE_ENTRY_LEN);
		v->nold = count;
	}
	free(buf);
	return 0;
}

/* The volume's slot, loaded on first use; NULL when the run has more
 * volumes than slots. Called with c->lock held. */
static struct vol *vol_get(struct cache *c, const unsigned char id[VOLID_LEN])
{
	struct vol *v;

	for (size_t i = 0; i < c->nvols; i++)
		if (memcmp(c->vols[i].id, id, VOLID_LEN) == 0)
			return &c->vols[i];
	if (c->nvols == CACHE_MAX_VOLUMES) {
		if (!c->too_many_warned)
			warnf(c, "more than %d volumes in one run: the others are not cached",
			      CACHE_MAX_VOLUMES);
		c->too_many_warned = true;
		return NULL;
	}
	v = &c->vols[c->nvols];
	memset(v, 0, sizeof(*v));
	memcpy(v->id, id, VOLID_LEN);
	if (vol_load(c, v) != 0)
		return NULL;
	c->nvols++;
	return v;
}

bool cache_lookup(struct cache *c, const char *volume, const struct stat *st)
{
	unsigned char id[VOLID_LEN], entry[CACHE_ENTRY_LEN];
	const unsigned char *found;
	struct vol *v;

	if (c == NULL || (volume && volume[0] == '\0') || !S_ISREG(st->st_mode))
		return false;
	volume_id(c, volume, st, id);
	pthread_mutex_lock(&c->lock);
	v = vol_get(c, id);
	pthread_mutex_unlock(&c->lock);
	if (v == NULL || v->nold == 0)
		return false;
	entry_digest(c, id, st, entry);
	found = bsearch(entry, v->old, v->nold, CACHE_ENTRY_LEN, cmp_entry);
	if (found == NULL)
		return false;
	atomic_store(&v->hit[(size_t)(found - v->old) / CACHE_ENTRY_LEN], 1);
	return true;
}

void cache_add(struct cache *c, const char *volume, const struct stat *st)
{
	unsigned char id[VOLID_LEN], entry[CACHE_ENTRY_LEN];
	struct vol *v;

	if (c == NULL || (volume && volume[0] == '\0') || !S_ISREG(st->st_mode))
		return;
	volume_id(c, volume, st, id);
	entry_digest(c, id, st, entry);
	pthread_mutex_lock(&c->lock);
	v = vol_get(c, id);
	if (v && v->nadd == v->capadd && v->capadd < CACHE_MAX_ENTRIES) {
		size_t cap = v->capadd ? v->capadd * 2 : 1024;
		unsigned char *p = realloc(v->add, cap * CACHE_ENTRY_LEN);
		if (p) {
			v->add = p;
			v->capadd = cap;
		}
	}
	if (v && v->nadd < v->capadd) {
		memcpy(v->add + v->nadd++ * CACHE_ENTRY_LEN, entry, CACHE_ENTRY_LEN);
		v->dirty = true;
	}
	pthread_mutex_unlock(&c->lock);
}

/* ---- writing ---- */

static size_t sort_unique(unsigned char *a, size_t n)
{
	size_t out = 0;

	qsort(a, n, CACHE_ENTRY_LEN, cmp_entry);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || memcmp(a + (out - 1) * CACHE_ENTRY_LEN, a + i * CACHE_ENTRY_LEN,
				       CACHE_ENTRY_LEN) != 0)
			memmove(a + out++ * CACHE_ENTRY_LEN, a + i * CACHE_ENTRY_LEN,
				CACHE_ENTRY_LEN);
	return out;
}

/* What this run saw clean comes first; entries of files not visited this
 * time (a --quick run, another folder) fill what room is left. */
static int vol_save(struct cache *c, struct vol *v)
{
	size_t n = 0, len, total = v->nold + v->nadd;
	unsigned char *buf = malloc(HEADER_LEN + (total ? total : 1) * CACHE_ENTRY_LEN + MAC_LEN);
	unsigned char *ent = buf ? buf + HEADER_LEN : NULL;
	char name[NAME_LEN + 1];
	rq_error e;
	int rc;

	if (buf == NULL) {
		warnf(c, "out of memory saving the clean-file cache");
		return -1;
	}
	if (v->nadd > 0) /* v->add is NULL when nothing was added */
		memcpy(ent, v->add, v->nadd * CACHE_ENTRY_LEN);
	n = v->nadd;
	for (size_t i = 0; i < v->nold; i++)
		if (atomic_load(&v->hit[i]))
			memcpy(ent + n++ * CACHE_ENTRY_LEN, v->old + i * CACHE_ENTRY_LEN,
			       CACHE_ENTRY_LEN);
	n = sort_unique(ent, n);
	if (n > CACHE_MAX_ENTRIES)
		n = CACHE_MAX_ENTRIES;
	for (size_t i = 0; i < v->nold && n < CACHE_MAX_ENTRIES; i++)
		if (!atomic_load(&v->hit[i]))
			memcpy(ent + n++ * CACHE_ENTRY_LEN, v->old + i * CACHE_ENTRY_LEN,
			       CACHE_ENTRY_LEN);
	n = sort_unique(ent, n);
	memcpy(buf, MAGIC, MAGIC_LEN);
	memcpy(buf + MAGIC_LEN, c->sigset, CACHE_SIGSET_LEN);
	memcpy(buf + MAGIC_LEN + CACHE_SIGSET_LEN, v->id, VOLID_LEN);
	store_le64(buf + HEADER_LEN - 8, n);
	len = HEADER_LEN + n * CACHE_ENTRY_LEN;
	file_mac(c, buf, len, buf + len);
	file_name(v->id, name);
	rc = atomic_write(c->dirfd, name, buf, len + MAC_LEN, 0600, false, &e);
	if (rc != 0)
		warnf(c, "the clean-file cache was not saved in %s: %s", c->dir, e.msg);
	free(buf);
	return rc;
}

struct kept {
	char name[NAME_LEN + 1];
	time_t mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;
	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

static bool is_cache_name(const char *s)
{
	if (strlen(s) != NAME_LEN || strcmp(s + 2 * VOLID_LEN, CACHE_SUFFIX) != 0)
		return false;
	for (size_t i = 0; i < 2 * VOLID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Another signature set empties the whole cache, not only the volumes of
 * this run; and only the newest CACHE_MAX_VOLUMES volume files stay. */
static void sweep(struct cache *c)
{
	int fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct kept *kept = calloc(SWEEP_MAX, sizeof(*kept));
	size_t nkept = 0, seen = 0;
	struct dirent *de;

	if (d == NULL || kept == NULL) {
		if (fd >= 0 && d == NULL)
			close(fd);
		goto out;
	}
	while ((de = readdir(d)) != NULL && seen++ < SWEEP_MAX) {
		unsigned char head[MAGIC_LEN + CACHE_SIGSET_LEN];
		struct stat st;
		int f;
		ssize_t got = -1;

		if (!is_cache_name(de->d_name))
			continue;
		f = openat(c->dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (f >= 0 && fstat(f, &st) == 0 && S_ISREG(st.st_mode))
			got = read_full(f, head, sizeof(head));
		if (f >= 0)
			close(f);
		if (got != (ssize_t)sizeof(head) || memcmp(head, MAGIC, MAGIC_LEN) != 0 ||
		    memcmp(head + MAGIC_LEN, c->sigset, CACHE_SIGSET_LEN) != 0) {
			unlinkat(c->dirfd, de->d_name, 0); /* best effort */
			continue;
		}
		memcpy(kept[nkept].name, de->d_name, NAME_LEN + 1);
		kept[nkept++].mtime = st.st_mtime;
	}
	qsort(kept, nkept, sizeof(*kept), newest_first);
	for (size_t i = CACHE_MAX_VOLUMES; i < nkept; i++)
		unlinkat(c->dirfd, kept[i].name, 0);
out:
	free(kept);
	if (d)
		closedir(d);
}

void cache_close(struct cache *c)
{
	bool wrote = false;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nvols; i++) {
		struct vol *v = &c->vols[i];
		if (v->dirty && vol_save(c, v) == 0)
			wrote = true;
		free(v->old);
		free(v->hit);
		free(v->add);
	}
	if (wrote)
		sweep(c);
	close(c->dirfd);
	sodium_free(c->key);
	pthread_mutex_destroy(&c->lock);
	free(c->dir);
	free(c);
}
