/* stick: opening a stick's RAQUET/ directory and sealing records into it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#define CONFIG_MAX      (64 * 1024)

/* Samples are sealed from worker threads; one writer at a time keeps the
 * sequence-number lock simple on file systems without flock (FAT). */
static pthread_mutex_t seal_lock = PTHREAD_MUTEX_INITIALIZER;

static int parse_config_line(struct stick_config *c, const char *key, const char *val)
{
	char *end;

	if (strcmp(key, "action") == 0) {
		if (strcmp(val, "report") == 0)
			c->action = SCAN_REPORT;
		else if (strcmp(val, "quarantine") == 0)
			c->action = SCAN_QUARANTINE;
		else if (strcmp(val, "delete") == 0)
			c->action = SCAN_DELETE;
		else
			return -1;
	} else if (strcmp(key, "scan") == 0) {
		if (strcmp(val, "quick") != 0 && strcmp(val, "full") != 0)
			return -1;
		c->quick = strcmp(val, "quick") == 0;
	} else if (strcmp(key, "unattended") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			return -1;
		c->unattended = strcmp(val, "yes") == 0;
	} else if (strcmp(key, "poweroff") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			return -1;
		c->poweroff = strcmp(val, "yes") == 0;
	} else if (strcmp(key, "unit") == 0) {
		/* Checked against the signed roster where it is used. */
		if (*val == '\0' || strlen(val) >= sizeof(c->unit))
			return -1;
		snprintf(c->unit, sizeof(c->unit), "%s", val);
	} else if (strcmp(key, "sample_max_bytes") == 0) {
		unsigned long long v = strtoull(val, &end, 10);
		if (*val == '\0' || *end != '\0' || v > STICK_SAMPLE_LIMIT)
			return -1;
		c->sample_max = v;
	}
	/* Unknown keys are for newer scanners: ignored. */
	return 0;
}

/* config: "key = value" lines, '#' comments. */
static int read_config(struct stick *s, rq_error *err)
{
	char *buf, *line, *save = NULL;
	size_t len;
	int lineno = 0;

	s->config = (struct stick_config){.action = SCAN_REPORT, .sample_max = STICK_SAMPLE_MAX};
	if (faccessat(s->dirfd, "config", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	if (read_file_bounded(s->dirfd, "config", CONFIG_MAX, &buf, &len, err) != 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *key = line, *val, *p;
		lineno++;
		while (*key == ' ' || *key == '\t')
			key++;
		if (*key == '#' || *key == '\0' || *key == '\r')
			continue;
		if (eq == NULL) {
			free(buf);
			return rq_fail(err, "%s/config: line %d: expected key = value", s->path, lineno);
		}
		*eq = '\0';
		for (p = eq - 1; p >= key && (*p == ' ' || *p == '\t'); p--)
			*p = '\0';
		for (val = eq + 1; *val == ' ' || *val == '\t'; val++)
			;
		for (p = val + strlen(val) - 1; p >= val && strchr(" \t\r", *p); p--)
			*p = '\0';
		if (parse_config_line(&s->config, key, val) != 0) {
			rq_fail(err, "%s/config: line %d: bad value for %s", s->path, lineno, key);
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
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
		return rq_fail(err, "%s/stick.json belongs to IOC key %s, but ioc.pub is %s", s->path,
			       v ? v : "(none)", ioc_hex);
	return 0;
}

int stick_open(const char *dir, struct stick *s, rq_error *err)
{
	int top;

	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	if (rq_crypto_init(err) != 0)
		return -1;
	if (asprintf(&s->path, "%s/%s", dir, STICK_DIR) < 0) {
		s->path = NULL;
		return rq_fail(err, "out of memory");
	}
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		rq_fail_errno(err, errno, "cannot open stick %s", dir);
		goto fail;
	}
	s->dirfd = openat(top, STICK_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(top);
	if (s->dirfd < 0) {
		rq_fail_errno(err, errno, "%s is not a raquet stick (no %s/)", dir, STICK_DIR);
		goto fail;
	}
	if (keys_ioc_read_public(s->dirfd, "ioc.pub", &s->ioc, err) != 0 ||
	    pin_check(&s->ioc, NULL, err) != 0 || /* the stick is not its own anchor */
	    keys_stick_read_secret(s->dirfd, "stick.key", &s->key, err) != 0 ||
	    (s->info = signed_json_read(s->dirfd, "stick.json", &s->ioc, err)) == NULL ||
	    check_identity(s, err) != 0 ||
	    (s->roster = signed_json_read(s->dirfd, "roster.json", &s->ioc, err)) == NULL ||
	    read_config(s, err) != 0 || ensure_dir(s, "results", 0755, err) != 0 ||
	    ensure_dir(s, "samples", 0755, err) != 0 || ensure_dir(s, "quarantine", 0700, err) != 0)
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

static int build_result(uint64_t seq, void *ctx, unsigned char **out, size_t *outlen,
			rq_error *err)
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
	b.h = &h;
	dirfd = openat(s->dirfd, "results", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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

static int build_sample(uint64_t seq, void *ctx, unsigned char **out, size_t *outlen,
			rq_error *err)
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
static int read_sample(int fd, uint64_t size, uint64_t cap, struct sample_build *b,
		       rq_error *err)
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
	b.h = &h;
	if (read_sample(fd, d->size, s->config.sample_max, &b, err) != 0)
		goto out;
	dirfd = openat(s->dirfd, "samples", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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
		fd = openat(dirfd, names[i]->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0)
			got = pread(fd, head, sizeof(head), 0);
		if (fd >= 0)
			close(fd);
		if (got == (ssize_t)sizeof(head) &&
		    record_read_header(head, sizeof(head), &h, &e) == 0) {
			result_time(h.created, when);
			fprintf(out, "%-7s %6llu  %s  %10lld bytes  %s/%s\n", record_type_name(h.type),
				(unsigned long long)h.seq, when, (long long)st.st_size, sub,
				names[i]->d_name);
		} else {
			fprintf(out, "%-7s %6llu  (unreadable header)  %s/%s\n", record_type_name(type),
				(unsigned long long)seq, sub, names[i]->d_name);
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

	if ((a = list_dir(s, "results", out, err)) < 0 || (b = list_dir(s, "samples", out, err)) < 0)
		return -1;
	return a + b;
}
