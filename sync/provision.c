/* provision: new sticks and their updates (see provision.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicio.h"
#include "db.h"
#include "escape.h"
#include "manifest.h"
#include "provision.h"
#include "record.h"
#include "stickdir.h"
#include "sticklayout.h"

/* ---- SQL ---- */
static const char sql_unit_exists[] = "SELECT 1 FROM units WHERE code = ?1";
static const char sql_insert_stick[] =
    "INSERT INTO sticks(id, pubkey, label, issued, db_updated, db_manifest)"
    " VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
static const char sql_insert_stick_unit[] =
    "INSERT OR IGNORE INTO stick_units(stick, unit) VALUES (?1, ?2)";
static const char sql_roster[] =
    "SELECT u.code, u.name, u.parent FROM units u WHERE u.code IN"
    " (SELECT t.code FROM unit_tree t JOIN stick_units s ON s.unit = t.root WHERE s.stick = ?1)"
    " ORDER BY u.code";
static const char sql_insert_roster[] =
    "INSERT OR IGNORE INTO stick_roster(stick, unit) VALUES (?1, ?2)";
static const char sql_stick_state[] = "SELECT revoked FROM sticks WHERE id = ?1";
static const char sql_update_db[] =
    "UPDATE sticks SET db_updated = ?2, db_manifest = ?3 WHERE id = ?1";
/* ---- end of SQL ---- */

static int one_row(sqlite3 *db, const char *sql, const char *arg, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, "t", arg) == 0 ? db_row(db, st, err) : -1;
	sqlite3_finalize(st);
	return rc;
}

/* roster.json from the stick's units and everything below them; each unit
 * is also remembered in stick_roster. */
static int write_roster(struct ioc *ioc, int rqfd, const char *id, const char *now, int *nunits,
			rq_error *err)
{
	sqlite3_stmt *q = db_prepare(ioc->db, sql_roster, err), *ins = NULL;
	json_object *doc = json_object_new_object(), *units = json_object_new_array();
	int rc = -1, r;

	*nunits = 0;
	json_object_object_add(doc, "format", json_object_new_string("raquet.roster/1"));
	json_object_object_add(doc, "issued", json_object_new_string(now));
	json_object_object_add(doc, "units", units);
	if (q == NULL || (ins = db_prepare(ioc->db, sql_insert_roster, err)) == NULL ||
	    db_bind(ioc->db, q, err, "t", id) != 0)
		goto out;
	while ((r = db_row(ioc->db, q, err)) == 1) {
		json_object *u = json_object_new_object();
		json_object_object_add(u, "code", json_object_new_string(db_text(q, 0)));
		json_object_object_add(u, "name", json_object_new_string(db_text(q, 1)));
		json_object_object_add(u, "parent",
				       sqlite3_column_type(q, 2) == SQLITE_NULL
					   ? NULL
					   : json_object_new_string(db_text(q, 2)));
		json_object_array_add(units, u);
		if (db_bind(ioc->db, ins, err, "tt", id, db_text(q, 0)) != 0 ||
		    db_done(ioc->db, ins, err) != 0) {
			r = -1;
			break;
		}
		(*nunits)++;
	}
	if (r < 0)
		goto out;
	rc = stickdir_write_signed_json(rqfd, STICK_ROSTER, doc, ioc->sk, err);
out:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	json_object_put(doc);
	return rc;
}

/* The config a stick gets: IOC/stick-config, or the built-in default when
 * there is none. It goes through raquet-scan's parser (lib/sticklayout.h)
 * before it is copied, so no stick is given a config its scan and launcher
 * would refuse. *buf is NULL for the default. */
static int load_config(struct ioc *ioc, char **buf, size_t *len, rq_error *err)
{
	struct stick_config c;
	char where[PATH_MAX + 16];

	*buf = NULL;
	*len = strlen(IOC_STICK_CONFIG);
	if (faccessat(ioc->dirfd, "stick-config", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	if (read_file_bounded(ioc->dirfd, "stick-config", STICK_CONFIG_MAX, buf, len, err) != 0)
		return -1;
	snprintf(where, sizeof(where), "%s/stick-config", ioc->dir);
	if (stick_config_parse(*buf, *len, where, &c, err) != 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

/* Nothing is written to a stick for a config that would be refused. */
static int check_config(struct ioc *ioc, rq_error *err)
{
	char *buf;
	size_t len;

	if (load_config(ioc, &buf, &len, err) != 0)
		return -1;
	free(buf);
	return 0;
}

static int write_config(struct ioc *ioc, int rqfd, rq_error *err)
{
	char *buf;
	size_t len;
	int rc;

	if (load_config(ioc, &buf, &len, err) != 0)
		return -1;
	rc = atomic_write(rqfd, STICK_CONFIG, buf ? buf : IOC_STICK_CONFIG, len, 0644, false, err);
	free(buf);
	return rc;
}

static int make_dirs(int rqfd, rq_error *err)
{
	return ioc_mkdirat(rqfd, STICK_RESULTS, 0755, err) != 0 ||
		       ioc_mkdirat(rqfd, STICK_SAMPLES, 0755, err) != 0 ||
		       ioc_mkdirat(rqfd, STICK_QUARANTINE, 0700, err) != 0 ||
		       ioc_mkdirat(rqfd, STICK_RECEIPTS, 0755, err) != 0
		   ? -1
		   : 0;
}

/* True when results/ or samples/ hold a record file. */
static int has_records(int rqfd)
{
	static const char *const sub[] = {STICK_RESULTS, STICK_SAMPLES};

	for (int i = 0; i < 2; i++) {
		int fd = openat(rqfd, sub[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct dirent *e;
		DIR *d;
		if (fd < 0 || (d = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			uint64_t s, q;
			unsigned t;
			if (record_parse_name(e->d_name, &s, &q, &t) == 0) {
				closedir(d);
				return 1;
			}
		}
		closedir(d);
	}
	return 0;
}

/* Refuses a directory that already holds a stick; clears what an
 * interrupted provision of a never-registered stick left. */
static int check_target(struct ioc *ioc, const char *stick, int rqfd, rq_error *err)
{
	keys_ioc_public other;
	struct stickdir sd;
	rq_error e;
	int known;

	if (faccessat(rqfd, STICK_INFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		if (stickdir_open(ioc, stick, &sd, &e) != 0) {
			char hex[KEYS_ID_HEX_LEN + 1] = "unknown";
			if (keys_ioc_read_public(rqfd, STICK_IOC_PUB, &other, &e) == 0)
				keys_id_hex(other.id, hex);
			return rq_fail(err,
				       "%s already holds a stick of another IOC (key %s); "
				       "refusing to touch it",
				       stick, hex);
		}
		known = one_row(ioc->db, sql_stick_state, sd.id_hex, err);
		if (known != 0) {
			if (known > 0)
				rq_fail(err,
					"%s is already stick %s of this IOC; use raquet-sync "
					"update",
					stick, sd.id_hex);
			stickdir_close(&sd);
			return -1;
		}
		stickdir_close(&sd);
	} else if (keys_ioc_read_public(rqfd, STICK_IOC_PUB, &other, &e) == 0 &&
		   other.id != ioc->pub.id) {
		char hex[KEYS_ID_HEX_LEN + 1];
		keys_id_hex(other.id, hex);
		return rq_fail(err,
			       "%s already holds a stick of another IOC (key %s); refusing to "
			       "touch it",
			       stick, hex);
	}
	if (has_records(rqfd))
		return rq_fail(err,
			       "%s/RAQUET holds records of an unregistered stick; refusing to "
			       "provision over them",
			       stick);
	/* An interrupted provision: its keys were never registered. */
	static const char *const leftovers[] = {STICK_INFO, STICK_INFO_SIG, STICK_KEY, STICK_PUB,
						NULL};
	for (int i = 0; leftovers[i]; i++)
		if (unlinkat(rqfd, leftovers[i], 0) != 0 && errno != ENOENT)
			return rq_fail_errno(err, errno, "cannot remove %s/RAQUET/%s", stick,
					     leftovers[i]);
	return 0;
}

static json_object *stick_json(const struct ioc *ioc, const char *id, const char *label,
			       const struct provision_opts *o, const char *now)
{
	json_object *doc = json_object_new_object(), *units = json_object_new_array();

	json_object_object_add(doc, "format", json_object_new_string("raquet.stick/1"));
	json_object_object_add(doc, "stick", json_object_new_string(id));
	json_object_object_add(doc, "ioc", json_object_new_string(ioc->id_hex));
	json_object_object_add(doc, "label", label ? json_object_new_string(label) : NULL);
	for (size_t i = 0; i < o->nunits; i++)
		json_object_array_add(units, json_object_new_string(o->units[i]));
	json_object_object_add(doc, "units", units);
	json_object_object_add(doc, "issued", json_object_new_string(now));
	/* raquet-scan requires db/MANIFEST on a stick that says so. */
	json_object_object_add(doc, "db_manifest", json_object_new_boolean(1));
	return doc;
}

static int check_units(struct ioc *ioc, const struct provision_opts *o, rq_error *err)
{
	if (o->nunits == 0)
		return rq_fail(err, "a stick needs at least one --unit");
	for (size_t i = 0; i < o->nunits; i++) {
		int rc = one_row(ioc->db, sql_unit_exists, o->units[i], err);
		if (rc == 0) {
			char *esc = escape_name(o->units[i]);
			rq_fail(err, "unknown unit %s (add it with raquet-sync unit add)",
				esc ? esc : "?");
			free(esc);
		}
		if (rc != 1)
			return -1;
	}
	if (o->label && (strlen(o->label) > 256 || !escape_is_clean(o->label)))
		return rq_fail(err, "the label must be UTF-8 text of at most 256 bytes");
	return 0;
}

static int register_stick(struct ioc *ioc, const struct provision_opts *o,
			  const keys_stick_public *pk, const char *id, const char *now,
			  const char *manifest, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(ioc->db, sql_insert_stick, err);
	int rc = -1;

	if (st == NULL)
		return -1;
	if (db_bind(ioc->db, st, err, "tbttt", id, pk->sign_pk, (int)sizeof(pk->sign_pk), o->label,
		    now, manifest) != 0 ||
	    db_done(ioc->db, st, err) != 0)
		goto out;
	sqlite3_finalize(st);
	if ((st = db_prepare(ioc->db, sql_insert_stick_unit, err)) == NULL)
		return -1;
	for (size_t i = 0; i < o->nunits; i++)
		if (db_bind(ioc->db, st, err, "tt", id, o->units[i]) != 0 ||
		    db_done(ioc->db, st, err) != 0)
			goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int provision_files(struct ioc *ioc, const struct provision_opts *o, int rqfd,
			   struct provision_result *r, rq_error *err)
{
	keys_stick_secret *sk = NULL;
	keys_stick_public pk;
	json_object *info = NULL;
	char now[32], manifest[65];
	int rc = -1;

	ioc_now(now);
	if (keys_stick_generate(&sk, &pk, err) != 0)
		return -1;
	keys_id_hex(pk.id, r->id);
	if (keys_stick_write_secret(rqfd, STICK_KEY, sk, err) != 0 ||
	    keys_stick_write_public(rqfd, STICK_PUB, &pk, err) != 0 ||
	    keys_ioc_write_public(rqfd, STICK_IOC_PUB, &ioc->pub, err) != 0 ||
	    make_dirs(rqfd, err) != 0 ||
	    manifest_install(rqfd, o->database, ioc, r->id, manifest, &r->nfiles, err) != 0 ||
	    write_config(ioc, rqfd, err) != 0 ||
	    register_stick(ioc, o, &pk, r->id, now, manifest, err) != 0 ||
	    write_roster(ioc, rqfd, r->id, now, &r->nunits, err) != 0)
		goto out;
	/* stick.json last: it is what makes the directory a stick. */
	info = stick_json(ioc, r->id, o->label, o, now);
	rc = stickdir_write_signed_json(rqfd, STICK_INFO, info, ioc->sk, err);
out:
	json_object_put(info);
	keys_stick_free(sk);
	return rc;
}

int provision_stick(struct ioc *ioc, const struct provision_opts *o, struct provision_result *r,
		    rq_error *err)
{
	int top, rqfd = -1, rc = -1;

	memset(r, 0, sizeof(*r));
	if (check_units(ioc, o, err) != 0 || check_config(ioc, err) != 0)
		return -1;
	top = open(o->stick, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return rq_fail_errno(err, errno, "cannot open %s", o->stick);
	if (ioc_mkdirat(top, STICKDIR_RAQUET, 0755, err) != 0)
		goto out;
	rqfd = openat(top, STICKDIR_RAQUET, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rqfd < 0) {
		rq_fail_errno(err, errno, "cannot open %s/%s", o->stick, STICKDIR_RAQUET);
		goto out;
	}
	if (check_target(ioc, o->stick, rqfd, err) != 0 ||
	    db_exec(ioc->db, "BEGIN IMMEDIATE", err) != 0)
		goto out;
	if (provision_files(ioc, o, rqfd, r, err) != 0 || db_exec(ioc->db, "COMMIT", err) != 0) {
		sqlite3_exec(ioc->db, "ROLLBACK", NULL, NULL, NULL);
		/* Not registered: the directory must not pass for a stick. */
		unlinkat(rqfd, STICK_INFO, 0);
		unlinkat(rqfd, STICK_INFO_SIG, 0);
		goto out;
	}
	fsync_dir(rqfd);
	rc = 0;
out:
	if (rqfd >= 0)
		close(rqfd);
	close(top);
	return rc;
}

int provision_update(struct ioc *ioc, const char *stick, const char *database,
		     struct provision_result *r, rq_error *err)
{
	sqlite3_stmt *st = NULL;
	struct stickdir sd;
	char now[32], manifest[65];
	int known, rc = -1;

	memset(r, 0, sizeof(*r));
	if (check_config(ioc, err) != 0 || stickdir_open(ioc, stick, &sd, err) != 0)
		return -1;
	snprintf(r->id, sizeof(r->id), "%s", sd.id_hex);
	st = db_prepare(ioc->db, sql_stick_state, err);
	if (st == NULL || db_bind(ioc->db, st, err, "t", sd.id_hex) != 0 ||
	    (known = db_row(ioc->db, st, err)) < 0)
		goto out;
	if (known == 0) {
		rq_fail(err, "stick %s is not registered in this IOC's database", sd.id_hex);
		goto out;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		rq_fail(err, "stick %s was revoked on %s; not updating it", sd.id_hex,
			db_text(st, 0));
		goto out;
	}
	sqlite3_reset(st);
	ioc_now(now);
	if (db_exec(ioc->db, "BEGIN IMMEDIATE", err) != 0)
		goto out;
	if (keys_ioc_write_public(sd.fd, STICK_IOC_PUB, &ioc->pub, err) != 0 ||
	    make_dirs(sd.fd, err) != 0 ||
	    manifest_install(sd.fd, database, ioc, sd.id_hex, manifest, &r->nfiles, err) != 0 ||
	    write_config(ioc, sd.fd, err) != 0 ||
	    write_roster(ioc, sd.fd, sd.id_hex, now, &r->nunits, err) != 0) {
		sqlite3_exec(ioc->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	sqlite3_finalize(st);
	if ((st = db_prepare(ioc->db, sql_update_db, err)) == NULL ||
	    db_bind(ioc->db, st, err, "ttt", sd.id_hex, now, manifest) != 0 ||
	    db_done(ioc->db, st, err) != 0 || db_exec(ioc->db, "COMMIT", err) != 0) {
		sqlite3_exec(ioc->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	stickdir_close(&sd);
	return rc;
}
