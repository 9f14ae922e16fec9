/* stick: opening a stick's RAQUET/ directory and sealing records into it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "payload.h"
#include "pin.h"
#include "record.h"
#include "result.h"
#include "signedjson.h"
#include "stick.h"

/* Samples are sealed from worker threads; one writer at a time keeps the
 * sequence-number lock simple on file systems without flock (FAT). */
static pthread_mutex_t seal_lock = PTHREAD_MUTEX_INITIALIZER;

/* RAQUET/config through the one parser (lib/sticklayout.h). */
static int read_config(struct stick *s, rq_error *err)
{
	char where[PATH_MAX + 16];

	snprintf(where, sizeof(where), "%s/%s", s->path, STICK_CONFIG);
	return stick_config_read(s->dirfd, STICK_CONFIG, where, &s->config, err);
}

static int ensure_dir(struct stick *s, const char *name, mode_t mode, rq_error *err)
{
	struct stat st;

	if (mkdirat(s->dirfd, name, mode) == 0 || errno == EEXIST) {
		if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			return 0;
		return rq_fail(err, "%s/%s is not a directory", s->path, name);
	}
	return rq_fail_errno(err, errno, "cannot create %s/%s", s->path, name);
}

static int check_identity(struct stick *s, rq_error *err)
{
	char ioc_hex[KEYS_ID_HEX_LEN + 1];
	const char *v;

	keys_id_hex(s->key->id, s->id_hex);
	keys_id_hex(s->ioc.id, ioc_hex);
	if ((v = json_str_member(s->info, "stick")) == NULL || strcmp(v, s->id_hex) != 0)
		return rq_fail(err, "%s/stick.json names stick %s, but stick.key is %s", s->path,
			       v ? v : "(none)", s->id_hex);
	if ((v = json_str_member(s->info, "ioc")) == NULL || strcmp(v, ioc_hex) != 0)
		return rq_fail(err, "%s/stick.json belongs to IOC key %s, but ioc.pub is %s",
			       s->path, v ? v : "(none)", ioc_hex);
	return 0;
}

int stick_open(const char *dir, struct stick *s, rq_error *err)
{
	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	if (rq_crypto_init(err) != 0)
		return -1;
	if (asprintf(&s->path, "%s/%s", dir, STICK_DIR) < 0) {
		s->path = NULL;
		return rq_fail(err, "out of memory");
	}
	if ((s->dirfd = stick_dir_open(dir, err)) < 0)
		goto fail;
	if (keys_ioc_read_public(s->dirfd, STICK_IOC_PUB, &s->ioc, err) != 0 ||
	    pin_check(&s->ioc, NULL, err) != 0 || /* the stick is not its own anchor */
	    keys_stick_read_secret(s->dirfd, STICK_KEY, &s->key, err) != 0 ||
	    (s->info = signed_json_read(s->dirfd, STICK_INFO, &s->ioc, err)) == NULL ||
	    check_identity(s, err) != 0 ||
	    (s->roster = signed_json_read(s->dirfd, STICK_ROSTER, &s->ioc, err)) == NULL ||
	    read_config(s, err) != 0 || ensure_dir(s, STICK_RESULTS, 0755, err) != 0 ||
	    ensure_dir(s, STICK_SAMPLES, 0755, err) != 0 ||
	    ensure_dir(s, STICK_QUARANTINE, 0700, err) != 0)
		goto fail;
	return 0;
fail:
	stick_close(s);
	return -1;
}

void stick_close(struct stick *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	keys_stick_free(s->key);
	json_object_put(s->info);
	json_object_put(s->roster);
	for (size_t i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->path);
	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
}

const char *stick_unit_name(const struct stick *s, const char *code)
{
	json_object *units;

	if (!json_object_object_get_ex(s->roster, "units", &units) ||
	    !json_object_is_type(units, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(units); i++) {
		json_object *u = json_object_array_get_idx(units, i);
		const char *c = json_str_member(u, "code");
		if (c && strcmp(c, code) == 0) {
			const char *name = json_str_member(u, "name");
			return name ? name : c;
		}
	}
	return NULL;
}

static void now_header(record_header *h, unsigned type)
{
	struct tm tm;
	time_t t = time(NULL);

	localtime_r(&t, &tm);
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->created = t;
	h->tz_minutes = (int)(tm.tm_gmtoff / 60);
}

/* What every payload repeats from the signed header. */
static json_object *record_json(const struct stick *s, const record_header *h, uint64_t seq)
{
	json_object *o = json_object_new_object();
	char when[32];

	result_time(h->created, when);
	json_object_object_add(o, "stick", json_object_new_string(s->id_hex));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "type", json_object_new_string(record_type_name(h->type)));
	json_object_object_add(o, "created", json_object_new_string(when));
	return o;
}

struct result_build {
	const struct stick *s;
	const record_header *h;
	json_object *doc;
	const char *log;
};

static int build_result(uint64_t seq, void *ctx, unsigned char **out, size_t *outlen, rq_error *err)
{
	struct result_build *b = ctx;
	const char *text;
	payload_member m[2];

	json_object_object_add(b->doc, "record", record_json(b->s, b->h, seq));
	text = json_object_to_json_string_ext(b->doc, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL)
		return rq_fail(err, "out of memory");
	m[0] = (payload_member){"result.json", (unsigned char *)text, strlen(text)};
	m[1] = (payload_member){"scan.log", (unsigned char *)b->log, strlen(b->log)};
	return payload_build(m, 2, out, outlen, err);
}

int stick_seal_result(struct stick *s, json_object *doc, const char *log, uint64_t *seq,
		      rq_error *err)
{
	struct result_build b = {.s = s, .doc = doc, .log = log};
	record_header h;
	int dirfd, rc;

	now_header(&h, RECORD_TYPE_RESULT);
	h.seq = s->receipt_max[RECORD_TYPE_RESULT]; /* the lowest the next may follow */
	b.h = &h;
	dirfd = openat(s->dirfd, STICK_RESULTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return rq_fail_errno(err, errno, "cannot open %s/results", s->path);
	pthread_mutex_lock(&seal_lock);
	rc = record_write_next_build(dirfd, &h, s->key, &s->ioc, build_result, &b, seq, err);
	pthread_mutex_unlock(&seal_lock);
	close(dirfd);
	return rc;
}

struct sample_build {
	const struct stick *s;
	const record_header *h;
	const struct detection *d;
	const char *unit;
	unsigned char *bytes;
	size_t len;
	bool copied;
};

static int build_sample(uint64_t seq, void *ctx, unsigned char **out, size_t *outlen, rq_error *err)
{
	struct sample_build *b = ctx;
	json_object *meta = json_object_new_object();
	char *esc = escape_name(b->d->path);
	payload_member m[2];
	const char *text;
	int rc;

	json_object_object_add(meta, "format", json_object_new_string("raquet.sample/1"));
	json_object_object_add(meta, "record", record_json(b->s, b->h, seq));
	json_object_object_add(meta, "unit", b->unit ? json_object_new_string(b->unit) : NULL);
	json_object_object_add(meta, "path", json_object_new_string(esc ? esc : ""));
	json_object_object_add(meta, "path_escaped",
			       json_object_new_boolean(!escape_is_clean(b->d->path)));
	json_object_object_add(meta, "signature", json_object_new_string(b->d->signature));
	json_object_object_add(meta, "sha256", json_object_new_string(b->d->sha256));
	json_object_object_add(meta, "size", json_object_new_int64((int64_t)b->d->size));
	json_object_object_add(meta, "copied", json_object_new_boolean(b->copied));
	free(esc);
	text = json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PRETTY |
							JSON_C_TO_STRING_NOSLASHESCAPE);
	m[0] = (payload_member){"meta.json", (unsigned char *)text, text ? strlen(text) : 0};
	m[1] = (payload_member){"sample.bin", b->bytes, b->len};
	rc = text ? payload_build(m, b->copied ? 2 : 1, out, outlen, err)
		  : rq_fail(err, "out of memory");
	json_object_put(meta);
	return rc;
}

/* Reads the whole file when it fits under the cap. */
static int read_sample(int fd, uint64_t size, uint64_t cap, struct sample_build *b, rq_error *err)
{
	size_t got = 0;

	b->copied = size <= cap;
	if (!b->copied || size == 0)
		return 0;
	if ((b->bytes = malloc(size)) == NULL)
		return rq_fail(err, "out of memory reading the sample");
	while (got < size) {
		ssize_t n = pread(fd, b->bytes + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return rq_fail_errno(err, n < 0 ? errno : EIO, "cannot read the sample");
		got += (size_t)n;
	}
	b->len = got;
	return 0;
}

int stick_seal_sample(struct stick *s, int fd, const struct detection *d, const char *unit,
		      char *name_out, size_t name_len, rq_error *err)
{
	struct sample_build b = {.s = s, .d = d, .unit = unit};
	record_header h;
	uint64_t seq;
	int dirfd, rc = -1;

	now_header(&h, RECORD_TYPE_SAMPLE);
	h.seq = s->receipt_max[RECORD_TYPE_SAMPLE];
	b.h = &h;
	if (read_sample(fd, d->size, s->config.sample_max, &b, err) != 0)
		goto out;
	dirfd = openat(s->dirfd, STICK_SAMPLES, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		rq_fail_errno(err, errno, "cannot open %s/samples", s->path);
		goto out;
	}
	pthread_mutex_lock(&seal_lock);
	rc = record_write_next_build(dirfd, &h, s->key, &s->ioc, build_sample, &b, &seq, err);
	pthread_mutex_unlock(&seal_lock);
	close(dirfd);
	if (rc == 0)
		record_name(s->key->id, seq, RECORD_TYPE_SAMPLE, name_out, name_len);
out:
	free(b.bytes);
	return rc;
}

static int list_dir(const struct stick *s, const char *sub, FILE *out, rq_error *err)
{
	struct dirent **names;
	int dirfd, n, count = 0;

	dirfd = openat(s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return rq_fail_errno(err, errno, "cannot open %s/%s", s->path, sub);
	n = scandirat(dirfd, ".", &names, NULL, versionsort);
	if (n < 0) {
		close(dirfd);
		return rq_fail_errno(err, errno, "cannot list %s/%s", s->path, sub);
	}
	for (int i = 0; i < n; i++) {
		unsigned char head[RECORD_HEADER_LEN];
		uint64_t stick, seq;
		record_header h;
		struct stat st;
		unsigned type;
		char when[32];
		rq_error e;
		ssize_t got = -1;
		int fd;

		if (record_parse_name(names[i]->d_name, &stick, &seq, &type) != 0) {
			free(names[i]);
			continue;
		}
		fd =
		    openat(dirfd, names[i]->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0)
			got = pread(fd, head, sizeof(head), 0);
		if (fd >= 0)
			close(fd);
		if (got == (ssize_t)sizeof(head) &&
		    record_read_header(head, sizeof(head), &h, &e) == 0) {
			result_time(h.created, when);
			fprintf(out, "%-7s %6llu  %s  %10lld bytes  %s/%s\n",
				record_type_name(h.type), (unsigned long long)h.seq, when,
				(long long)st.st_size, sub, names[i]->d_name);
		} else {
			fprintf(out, "%-7s %6llu  (unreadable header)  %s/%s\n",
				record_type_name(type), (unsigned long long)seq, sub,
				names[i]->d_name);
		}
		count++;
		free(names[i]);
	}
	free(names);
	close(dirfd);
	return count;
}

int stick_list(const struct stick *s, FILE *out, rq_error *err)
{
	int a, b;

	if ((a = list_dir(s, STICK_RESULTS, out, err)) < 0 ||
	    (b = list_dir(s, STICK_SAMPLES, out, err)) < 0)
		return -1;
	return a + b;
}

/* --- before acting: can the result be sealed? ----------------------------- */

static void warn(struct stick *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct stick *s, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (s->nwarnings == STICK_WARN_MAX) {
		s->warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		s->warnings[s->nwarnings++] = msg;
	else
		s->warnings_dropped++;
}

/* A real write, synced and removed: access(2) says nothing of a FAT
 * mounted read-only after errors, a full disk or a dying stick. */
static int probe_write(struct stick *s, int dirfd, const char *sub, rq_error *err)
{
	char name[64];
	int fd, e = 0;

	snprintf(name, sizeof(name), ".raquet-probe.%ld", (long)getpid());
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		e = errno;
	else if (write_all(fd, "probe\n", 6) != 0 || fsync(fd) != 0)
		e = errno ? errno : EIO;
	if (fd >= 0) {
		close(fd);
		unlinkat(dirfd, name, 0);
	}
	if (e == EROFS)
		return rq_fail(err, "the stick is read-only (%s/%s): the result could not be saved",
			       s->path, sub);
	if (e == ENOSPC || e == EDQUOT)
		return rq_fail(err, "the stick is full (%s/%s): the result could not be saved",
			       s->path, sub);
	if (e)
		return rq_fail_errno(err, e, "cannot write to %s/%s: the result could not be saved",
				     s->path, sub);
	return 0;
}

static int probe_space(struct stick *s, int dirfd, const char *sub, rq_error *err)
{
	struct statvfs sv;
	uint64_t avail;

	if (fstatvfs(dirfd, &sv) != 0)
		return rq_fail_errno(err, errno, "cannot read the free space of %s/%s", s->path,
				     sub);
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail < STICK_KEEP_FREE)
		return rq_fail(err,
			       "the stick is full (%llu KiB free in %s/%s, a scan needs %u KiB "
			       "for its record)",
			       (unsigned long long)(avail / 1024), s->path, sub,
			       STICK_KEEP_FREE / 1024);
	return 0;
}

/* lib/record.c serialises writers with flock on this file and waits for it
 * when sealing; here we only ask, so that a store another program holds (or
 * a lock file that cannot be opened: a planted directory, a symlink) stops
 * the scan before it acts instead of hanging or failing after. */
static int probe_lock(struct stick *s, int dirfd, const char *sub, rq_error *err)
{
	int fd = openat(dirfd, RECORD_LOCK_NAME,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	struct stat st;

	if (fd < 0)
		return rq_fail_errno(err, errno,
				     "the stick's record store is locked: cannot open "
				     "%s/%s/%s",
				     s->path, sub, RECORD_LOCK_NAME);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rq_fail(err,
			       "the stick's record store is locked: %s/%s/%s is not a "
			       "regular file",
			       s->path, sub, RECORD_LOCK_NAME);
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		if (e == EWOULDBLOCK)
			return rq_fail(err,
				       "the stick's record store (%s/%s) is in use by another "
				       "program (another raquet-scan?); try again when it is done",
				       s->path, sub);
		if (e == ENOLCK || e == EOPNOTSUPP || e == ENOSYS || e == EINVAL)
			return 0; /* no flock here: lib/record.c publishes exclusively */
		return rq_fail_errno(err, e, "cannot lock %s/%s/%s", s->path, sub,
				     RECORD_LOCK_NAME);
	}
	close(fd); /* releases it */
	return 0;
}

struct seq_probe {
	bool reached;
};

/* Called by record_write_next_build under its lock with the number it would
 * use: that is all we wanted to know, so nothing is written. */
static int seq_probe_build(uint64_t seq, void *ctx, unsigned char **out, size_t *outlen,
			   rq_error *err)
{
	struct seq_probe *p = ctx;

	(void)seq, (void)out, (void)outlen;
	p->reached = true;
	return rq_fail(err, "probe only");
}

static int probe_seq(struct stick *s, int dirfd, unsigned type, rq_error *err)
{
	struct seq_probe p = {false};
	record_header h;
	uint64_t seq;
	rq_error e;

	now_header(&h, type);
	h.seq = s->receipt_max[type];
	if (record_write_next_build(dirfd, &h, s->key, &s->ioc, seq_probe_build, &p, &seq, &e) ==
		0 ||
	    p.reached)
		return 0;
	return rq_fail(err, "%s/%s: %s: the result could not be saved", s->path,
		       type == RECORD_TYPE_RESULT ? STICK_RESULTS : STICK_SAMPLES, e.msg);
}

/* Names this stick's sealing ignores: numbers beyond RECORD_SEQ_MAX were
 * not written by raquet (that many scans cannot happen), so they are
 * planted or damaged, and must not use up the sequence. */
static int note_absurd_names(struct stick *s, int dirfd, const char *sub, rq_error *err)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return rq_fail_errno(err, errno, "cannot read %s/%s", s->path, sub);
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t id, seq;
		unsigned t;
		if (record_parse_name(de->d_name, &id, &seq, &t) == 0 && id == s->key->id &&
		    seq > RECORD_SEQ_MAX) {
			char *esc = escape_name(de->d_name);
			warn(s,
			     "%s/%s/%s ignored: its number is beyond %llu, more than any stick "
			     "can seal (planted or damaged)",
			     s->path, sub, esc ? esc : "?", (unsigned long long)RECORD_SEQ_MAX);
			free(esc);
		}
	}
	closedir(d);
	return 0;
}

/* The highest number of one type the receipt lists: "records": {"result":
 * [[first, last], ...], "sample": [...]}. A range that is not 1 <= first
 * <= last <= RECORD_SEQ_MAX is ignored (the IOC never writes one). */
static uint64_t receipt_ranges_max(struct stick *s, json_object *records, const char *type)
{
	json_object *a;
	uint64_t max = 0;
	bool bad = false;

	if (!json_object_object_get_ex(records, type, &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i), *x, *y;
		int64_t first, last;
		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2 ||
		    !json_object_is_type((x = json_object_array_get_idx(p, 0)), json_type_int) ||
		    !json_object_is_type((y = json_object_array_get_idx(p, 1)), json_type_int)) {
			bad = true;
			continue;
		}
		first = json_object_get_int64(x);
		last = json_object_get_int64(y);
		if (first < 1 || last < first || (uint64_t)last > RECORD_SEQ_MAX) {
			bad = true;
			continue;
		}
		if ((uint64_t)last > max)
			max = (uint64_t)last;
	}
	if (bad)
		warn(s, "%s/receipts: a %s range that is no sequence of numbers was ignored",
		     s->path, type);
	return max;
}

json_object *stick_receipt(const struct stick *s, rq_error *err)
{
	char hex[KEYS_ID_HEX_LEN + 1], name[KEYS_ID_HEX_LEN + 8];
	json_object *doc, *records;
	const char *v;
	int fd;

	err->msg[0] = '\0';
	keys_id_hex(s->ioc.id, hex);
	snprintf(name, sizeof(name), "%s.json", hex);
	fd = openat(s->dirfd, STICK_RECEIPTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL; /* never imported */
	if (faccessat(fd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
		close(fd);
		return NULL;
	}
	doc = signed_json_read(fd, name, &s->ioc, err);
	close(fd);
	if (doc == NULL)
		return NULL;
	if ((v = json_str_member(doc, "format")) == NULL || strcmp(v, "raquet.receipt/1") != 0 ||
	    (v = json_str_member(doc, "stick")) == NULL || strcmp(v, s->id_hex) != 0 ||
	    !json_object_object_get_ex(doc, "records", &records) ||
	    !json_object_is_type(records, json_type_object)) {
		json_object_put(doc);
		rq_fail(err, "not a receipt for this stick");
		return NULL;
	}
	return doc;
}

/* What the IOC already holds of this stick raises the sequence. A receipt
 * that does not verify is ignored with a warning: it can only lower
 * nothing. */
static void read_receipt(struct stick *s)
{
	char hex[KEYS_ID_HEX_LEN + 1];
	json_object *doc, *records;
	rq_error e;

	if ((doc = stick_receipt(s, &e)) == NULL) {
		keys_id_hex(s->ioc.id, hex);
		if (e.msg[0])
			warn(s, "%s/receipts/%s.json ignored: %s", s->path, hex, e.msg);
		return;
	}
	json_object_object_get_ex(doc, "records", &records);
	s->receipt_max[RECORD_TYPE_RESULT] = receipt_ranges_max(s, records, "result");
	s->receipt_max[RECORD_TYPE_SAMPLE] = receipt_ranges_max(s, records, "sample");
	json_object_put(doc);
}

static int check_store(struct stick *s, const char *sub, unsigned type, rq_error *err)
{
	int dirfd = openat(s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc;

	if (dirfd < 0)
		return rq_fail_errno(err, errno, "cannot open %s/%s", s->path, sub);
	rc = probe_write(s, dirfd, sub, err) != 0 || probe_space(s, dirfd, sub, err) != 0 ||
		     probe_lock(s, dirfd, sub, err) != 0 ||
		     note_absurd_names(s, dirfd, sub, err) != 0 ||
		     probe_seq(s, dirfd, type, err) != 0
		 ? -1
		 : 0;
	close(dirfd);
	return rc;
}

int stick_check_sealable(struct stick *s, bool samples, rq_error *err)
{
	read_receipt(s);
	if (check_store(s, STICK_RESULTS, RECORD_TYPE_RESULT, err) != 0)
		return -1;
	if (samples && check_store(s, STICK_SAMPLES, RECORD_TYPE_SAMPLE, err) != 0)
		return -1;
	return 0;
}

/* --- a result that could not be sealed ------------------------------------ */

#define PENDING_MAX       (8u * 1024 * 1024) /* bytes of one pending file */
#define PENDING_MAX_NODES 200000             /* '{' and '[' in one: json-c's cost */
#define PENDING_MAX_FILES 99

static void pending_name(unsigned n, char *out, size_t len)
{
	if (n == 1)
		snprintf(out, len, "%s.json", STICK_PENDING);
	else
		snprintf(out, len, "%s-%u.json", STICK_PENDING, n);
}

static int open_quarantine(struct stick *s, rq_error *err)
{
	int fd =
	    openat(s->dirfd, STICK_QUARANTINE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		rq_fail_errno(err, errno, "cannot open %s/quarantine", s->path);
	return fd;
}

int stick_write_pending(struct stick *s, json_object *doc, const char *log, const char *why,
			char *name_out, size_t name_len, rq_error *err)
{
	json_object *p = json_object_new_object();
	char when[32], name[64];
	const char *text;
	bool tried = false;
	int qfd, rc = -1;

	if (p == NULL)
		return rq_fail(err, "out of memory");
	result_time(time(NULL), when);
	json_object_object_add(p, "format", json_object_new_string("raquet.pending-result/1"));
	json_object_object_add(p, "stick", json_object_new_string(s->id_hex));
	json_object_object_add(p, "written", json_object_new_string(when));
	json_object_object_add(p, "reason", json_object_new_string(why ? why : ""));
	json_object_object_add(p, "result", json_object_get(doc));
	json_object_object_add(p, "log", json_object_new_string(log ? log : ""));
	text = json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL || strlen(text) > PENDING_MAX) {
		rq_fail(err, text ? "the result is too big to keep as pending" : "out of memory");
		goto out;
	}
	if ((qfd = open_quarantine(s, err)) < 0)
		goto out;
	/* Never replaces an earlier one that is still waiting. Whether a name
	 * is taken is asked of the directory, not of errno: on FAT (no hard
	 * links) atomic_write's refusal leaves another errno behind. */
	for (unsigned n = 1; n <= PENDING_MAX_FILES && rc != 0; n++) {
		pending_name(n, name, sizeof(name));
		if (faccessat(qfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		tried = true;
		rc = atomic_write(qfd, name, text, strlen(text), 0600, true, err);
		if (rc != 0 && faccessat(qfd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			break; /* not taken meanwhile: a real failure */
	}
	if (rc != 0 && !tried)
		rq_fail(err, "%s/quarantine holds %d pending results already", s->path,
			PENDING_MAX_FILES);
	close(qfd);
	if (rc == 0)
		snprintf(name_out, name_len, "quarantine/%s", name);
out:
	json_object_put(p);
	return rc;
}

/* "pending-result.json" or "pending-result-N.json", N from 2: its number
 * (the order they were written in), else 0. */
static unsigned pending_number(const char *name)
{
	size_t n = strlen(STICK_PENDING);
	char *end;
	unsigned long v;

	if (strncmp(name, STICK_PENDING, n) != 0)
		return 0;
	if (strcmp(name + n, ".json") == 0)
		return 1;
	if (name[n] != '-' || name[n + 1] < '1' || name[n + 1] > '9')
		return 0;
	v = strtoul(name + n + 1, &end, 10);
	return strcmp(end, ".json") == 0 && v >= 2 && v <= PENDING_MAX_FILES ? (unsigned)v : 0;
}

/* The file is on the stick, so it is as hostile as a record: bounded
 * before json-c builds it, and it must name this stick. */
static int load_pending(struct stick *s, int qfd, const char *name, json_object **doc,
			const char **log, json_object **whole, rq_error *err)
{
	json_object *p, *result, *l;
	size_t len, nodes = 0;
	const char *v;
	char *text;

	if (read_file_bounded(qfd, name, PENDING_MAX, &text, &len, err) != 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		nodes += text[i] == '{' || text[i] == '[';
	p = nodes <= PENDING_MAX_NODES ? json_tokener_parse(text) : NULL;
	free(text);
	if (p == NULL || !json_object_is_type(p, json_type_object) ||
	    (v = json_str_member(p, "format")) == NULL ||
	    strcmp(v, "raquet.pending-result/1") != 0 ||
	    (v = json_str_member(p, "stick")) == NULL || strcmp(v, s->id_hex) != 0 ||
	    !json_object_object_get_ex(p, "result", &result) ||
	    !json_object_is_type(result, json_type_object) ||
	    !json_object_object_get_ex(p, "log", &l) || !json_object_is_type(l, json_type_string)) {
		json_object_put(p);
		return rq_fail(err, "%s/quarantine/%s is not a pending result of this stick",
			       s->path, name);
	}
	*doc = result;
	*log = json_object_get_string(l);
	*whole = p;
	return 0;
}

int stick_seal_pending(struct stick *s, void (*done)(void *ctx, const char *name, uint64_t seq),
		       void *ctx, rq_error *err)
{
	unsigned have[PENDING_MAX_FILES + 1] = {0};
	struct dirent *de;
	rq_error e;
	int qfd, fd, count = 0;
	DIR *d;

	if ((qfd = open_quarantine(s, err)) < 0)
		return -1;
	fd = openat(qfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		rq_fail_errno(err, errno, "cannot read %s/quarantine", s->path);
		if (fd >= 0)
			close(fd);
		close(qfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		unsigned n = pending_number(de->d_name);
		if (n)
			have[n] = 1;
	}
	closedir(d);
	for (unsigned n = 1; n <= PENDING_MAX_FILES; n++) {
		json_object *doc = NULL, *whole = NULL;
		const char *log = NULL;
		char name[64];
		uint64_t seq;
		if (!have[n])
			continue;
		pending_name(n, name, sizeof(name));
		/* One that is not this stick's pending result cannot be sealed by
		 * waiting: it is left for a person to look at, and scans go on. */
		if (load_pending(s, qfd, name, &doc, &log, &whole, &e) != 0) {
			warn(s, "%s; left in place, not sealed", e.msg);
			continue;
		}
		if (stick_seal_result(s, doc, log, &seq, err) != 0) {
			json_object_put(whole);
			count = -1;
			break;
		}
		json_object_put(whole);
		/* Sealed, then removed: a crash between the two seals it twice,
		 * which the IOC sees as two records; the other order could lose it. */
		if (unlinkat(qfd, name, 0) != 0)
			warn(s,
			     "%s/quarantine/%s was sealed as result #%llu but could not be "
			     "removed: %s",
			     s->path, name, (unsigned long long)seq, strerror(errno));
		fsync_dir(qfd);
		if (done)
			done(ctx, name, seq);
		count++;
	}
	close(qfd);
	return count;
}
