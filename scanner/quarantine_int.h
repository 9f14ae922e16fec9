/* quarantine_int: what the files of the quarantine module share (the
 * .data layout, entry names, the directory and its key, the metadata of an
 * entry). Private to scanner/quarantine*.c; the interface is quarantine.h. */
#ifndef RAQUET_QUARANTINE_INT_H
#define RAQUET_QUARANTINE_INT_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <sodium.h>

#include "quarantine.h"
#include "rqerror.h"

/* The .data layout: magic | secretstream header | { le32 length | chunk }...
 * (docs/quarantine.md). */
#define Q_MAGIC     "RQQDATA1" /* version 1 of the .data layout */
#define Q_MAGIC_LEN 8
#define Q_HDR_LEN   crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define Q_ABYTES    crypto_secretstream_xchacha20poly1305_ABYTES
#define Q_CHUNK     65536 /* plaintext bytes per encrypted chunk */
#define Q_PATH_MAX  32768 /* deep trees exceed PATH_MAX; bound what we record */
/* Room for "<id>.meta" or "<id>.data" and its NUL. */
#define Q_ENTRY_NAME_LEN (QUARANTINE_ID_LEN + 6)

/* An entry's metadata as read back from <id>.meta. */
struct qmeta {
	char id[QUARANTINE_ID_LEN + 1];
	char *path; /* raw bytes of the original path, NUL-terminated */
	char *signature;
	char quarantined[40]; /* ISO 8601 UTC with nanoseconds: sorts as text */
	char sha256[65];
	long long size;
	unsigned mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime;
};

/* --- entries and the directory (quarantine.c) ---------------------------- */

/* True when s is an entry id: QUARANTINE_ID_LEN lowercase hex digits. */
bool qentry_is_id(const char *s);
/* Names <id><suffix> in the quarantine directory. */
void qentry_name(char out[Q_ENTRY_NAME_LEN], const char *id, const char *suffix);
/* Removes <id><suffix> from the quarantine directory (unlinkat's result). */
int qentry_unlink(int qfd, const char *id, const char *suffix);
/* Opens the quarantine directory, not following a symlink in its last
 * component; creates it 0700 first when asked. */
int qdir_open(const char *qdir, bool create, rq_error *err);
/* Publishes tmp as base in pfd without ever replacing an existing file;
 * -1 with errno set (EEXIST when base exists). */
int qdir_publish_noreplace(int pfd, const char *tmp, const char *base);
/* Sodium memory for the directory's key; NULL with err filled. */
unsigned char *qkey_alloc(rq_error *err);
/* Loads the directory's key into key, creating it on first use when create
 * is set. */
int qkey_load(int qfd, const char *qdir, bool create, unsigned char *key, rq_error *err);

/* --- finding entries (quarantine_find.c) -------------------------------- */

/* The note <id>.restored a restore leaves: when, and where to. */
#define Q_RESTORED ".restored"

/* The entry arg names: a whole id, or a unique prefix of at least 4 hex
 * digits (any case) of an entry or of a restored note. An ambiguous
 * prefix fails listing the candidates. */
int qentry_find(int qfd, const char *qdir, const char *arg, char id[QUARANTINE_ID_LEN + 1],
		rq_error *err);
/* Leaves <id>.restored saying the entry went back to disp (escaped). */
int qentry_mark_restored(int qfd, const char *id, const char *disp, rq_error *err);
/* 1 with err telling when and where to, when the entry id was restored
 * before; 0 when there is no such note. */
int qentry_restored(int qfd, const char *id, rq_error *err);

/* --- metadata (quarantine_meta.c) ---------------------------------------- */

/* <id>.meta's JSON text (malloc'd) with its MAC under key (the directory's
 * key), or NULL when out of memory. */
char *qmeta_build(const unsigned char *key, const char *id, const char *path, const char *signature,
		  const struct stat *st, const char *sha_hex, const char *when);
/* Reads <id>.meta and checks its MAC under key (the directory's key; NULL
 * when it could not be loaded, which fails every entry). Returns 0, -1 on a
 * damaged, edited or unauthenticated (format /1) entry, or 1 when there is
 * no such entry. */
int qmeta_load(int qfd, const char *id, const unsigned char *key, struct qmeta *m, rq_error *err);
void qmeta_free(struct qmeta *m);

#endif
