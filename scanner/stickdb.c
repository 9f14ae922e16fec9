/* stickdb: raquet-scan's check of a provisioned stick's databases. The IOC
 * lists every file of RAQUET/db/ with its sha256 and size in db/MANIFEST
 * and signs it (db/MANIFEST.sig, sync/manifest.h has the format); before
 * libclamav loads anything from db/, the signature, each file's size and
 * hash, and the absence of any other file are checked, so a changed,
 * added or removed signature file makes the stick refuse to scan. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "hashfd.h"
#include "stick.h"

#define MANIFEST_MAX   (1024 * 1024)
#define MANIFEST_FILES 4096
/* Version 1 lists the files; version 2 (sync/manifest.h) first says which
 * set it is ("version N", "date ...") so that results can name it. */
#define MANIFEST_HEAD1 "raquet-manifest/1"
#define MANIFEST_HEAD2 "raquet-manifest/2"
#define DATE_MAX       40

struct entry {
	char sha[65];
	unsigned long long size;
	char name[256];
};

/* A stick made by raquet-sync says so in its signed stick.json; a
 * MANIFEST that is there is checked in any case. */
static bool manifest_required(const struct stick *s)
{
	json_object *v;

	if (json_object_object_get_ex(s->info, "db_manifest", &v) && json_object_get_boolean(v))
		return true;
	return faccessat(s->dirfd, STICK_DB "/" STICK_MANIFEST, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	       faccessat(s->dirfd, STICK_DB "/" STICK_MANIFEST_SIG, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int parse_line(char *line, struct entry *e)
{
	char *sp1 = strchr(line, ' '), *sp2, *end;

	if (sp1 == NULL || sp1 - line != 64)
		return -1;
	*sp1 = '\0';
	if ((sp2 = strchr(sp1 + 1, ' ')) == NULL)
		return -1;
	*sp2 = '\0';
	e->size = strtoull(sp1 + 1, &end, 10);
	if (*end != '\0' || end == sp1 + 1 || strlen(sp2 + 1) == 0 ||
	    strlen(sp2 + 1) >= sizeof(e->name) || strchr(sp2 + 1, '/') || sp2[1] == '.' ||
	    strspn(line, "0123456789abcdef") != 64)
		return -1;
	memcpy(e->sha, line, 65);
	snprintf(e->name, sizeof(e->name), "%s", sp2 + 1);
	return 0;
}

/* "version N" then "date D" of a version 2 MANIFEST; D is the IOC's
 * ISO 8601 time, only its characters checked here. */
static int parse_head(char *line, int lineno, uint64_t *version, char *date)
{
	char *end;

	if (lineno == 2) {
		if (strncmp(line, "version ", 8) != 0 || line[8] < '1' || line[8] > '9')
			return -1;
		errno = 0;
		*version = strtoull(line + 8, &end, 10);
		return *end != '\0' || errno != 0 ? -1 : 0;
	}
	if (strncmp(line, "date ", 5) != 0 || strlen(line + 5) == 0 ||
	    strlen(line + 5) >= DATE_MAX || strspn(line + 5, "0123456789-:+TZ") != strlen(line + 5))
		return -1;
	memcpy(date, line + 5, strlen(line + 5) + 1);
	return 0;
}

/* The signed MANIFEST's files, and its version and date (0 and "" for a
 * version 1 MANIFEST, which has neither). */
static int read_manifest(const struct stick *s, int dbfd, struct entry **out, size_t *n,
			 uint64_t *version, char date[DATE_MAX], rq_error *err)
{
	char *buf, *line, *save = NULL;
	struct entry *v;
	size_t len;
	int lineno = 0, heads = 0;

	if (keys_signed_file_read(dbfd, STICK_MANIFEST, MANIFEST_MAX, &s->ioc, &buf, &len, err) !=
	    0) {
		rq_error e = *err;
		return rq_fail(err, "refusing the stick's databases: %s/db/%s", s->path, e.msg);
	}
	*n = 0;
	*version = 0;
	date[0] = '\0';
	if ((v = calloc(MANIFEST_FILES, sizeof(*v))) == NULL) {
		free(buf);
		return rq_fail(err, "out of memory");
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (++lineno == 1) {
			if (strcmp(line, MANIFEST_HEAD2) == 0)
				heads = 2;
			else if (strcmp(line, MANIFEST_HEAD1) != 0)
				break;
			continue;
		}
		if (lineno <= 1 + heads) {
			if (parse_head(line, lineno, version, date) != 0) {
				lineno = -lineno;
				break;
			}
			continue;
		}
		if (*n == MANIFEST_FILES || parse_line(line, &v[*n]) != 0) {
			lineno = -lineno;
			break;
		}
		(*n)++;
	}
	free(buf);
	if (lineno <= 1 + heads) {
		free(v);
		return rq_fail(err, "refusing the stick's databases: %s/db/MANIFEST is malformed%s",
			       s->path, lineno == 1 ? " (bad first line)" : "");
	}
	*out = v;
	return 0;
}

static int check_file(const struct stick *s, int dbfd, const struct entry *e, rq_error *err)
{
	struct stat st;
	char hex[65];
	int fd = openat(dbfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return rq_fail(err, "refusing the stick's databases: %s/db/%s is missing (%s)",
			       s->path, e->name, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size != e->size || hashfd_sha256(fd, hex) != 0 ||
	    strcmp(hex, e->sha) != 0) {
		close(fd);
		return rq_fail(err,
			       "refusing the stick's databases: %s/db/%s was changed (it does not "
			       "match the signed MANIFEST)",
			       s->path, e->name);
	}
	close(fd);
	return 0;
}

/* Nothing in db/ but the listed files (libclamav would load it). */
static int check_extra(const struct stick *s, int dbfd, const struct entry *v, size_t n,
		       rq_error *err)
{
	int fd = dup(dbfd);
	struct dirent *d;
	DIR *dir;

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return rq_fail_errno(err, errno, "cannot list %s/db", s->path);
	}
	while ((d = readdir(dir)) != NULL) {
		bool listed = !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
			      !strcmp(d->d_name, STICK_MANIFEST) ||
			      !strcmp(d->d_name, STICK_MANIFEST_SIG);
		for (size_t i = 0; i < n && !listed; i++)
			listed = strcmp(d->d_name, v[i].name) == 0;
		if (!listed) {
			char *esc = escape_name(d->d_name);
			rq_fail(err,
				"refusing the stick's databases: %s/db/%s is not in the "
				"signed " STICK_MANIFEST,
				s->path, esc ? esc : "?");
			free(esc);
			closedir(dir);
			return -1;
		}
	}
	closedir(dir);
	return 0;
}

int stick_check_database(const struct stick *s, rq_error *err)
{
	struct entry *v = NULL;
	uint64_t version;
	char date[DATE_MAX];
	size_t n = 0;
	int dbfd, rc = -1;

	if (!manifest_required(s))
		return 0;
	dbfd = openat(s->dirfd, STICK_DB, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dbfd < 0)
		return rq_fail_errno(err, errno,
				     "refusing the stick's databases: cannot open %s/db", s->path);
	if (read_manifest(s, dbfd, &v, &n, &version, date, err) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (check_file(s, dbfd, &v[i], err) != 0)
			goto out;
	rc = check_extra(s, dbfd, v, n, err);
out:
	free(v);
	close(dbfd);
	return rc;
}

int stick_manifest_info(const struct stick *s, uint64_t *version, char *date, size_t datelen,
			rq_error *err)
{
	struct entry *v = NULL;
	char d[DATE_MAX];
	size_t n = 0;
	int dbfd, rc;

	*version = 0;
	if (datelen > 0)
		date[0] = '\0';
	dbfd = openat(s->dirfd, STICK_DB, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dbfd < 0)
		return rq_fail_errno(err, errno, "cannot open %s/db", s->path);
	rc = read_manifest(s, dbfd, &v, &n, version, d, err);
	close(dbfd);
	free(v);
	if (rc == 0 && datelen > 0)
		snprintf(date, datelen, "%s", d);
	return rc;
}
