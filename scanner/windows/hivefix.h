/* hivefix: changing a hive of an offline Windows safely. A hive is written
 * only when it is clean (its primary and secondary sequence numbers are
 * equal: a dirty hive has changes in SYSTEM.LOG1/2 that only Windows can
 * replay, and writing it would lose them or corrupt it); the changes go to a
 * copy, the copy is reopened and checked, and only then replaces the hive
 * atomically (rename), the original kept in the quarantine so that
 * `raquet-scan --restore ID` puts it back. docs/remediation.md. */
#ifndef RAQUET_HIVEFIX_H
#define RAQUET_HIVEFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "quarantine.h"

/* The quarantine's "signature" of a hive backup: --restore of such an entry
 * puts the hive back in place of the cleaned one. */
#define HIVEFIX_BACKUP_SIGNATURE "Raquet.Hive.Backup"
#define HIVEFIX_BACKUP_SUFFIX    ".raquet-old"
#define HIVEFIX_DIRTY            "registry log not replayed"

enum hivefix_kind {
	HIVEFIX_DELETE_VALUE, /* name under key */
	HIVEFIX_SET_SZ,       /* name = sz (REG_SZ) */
	HIVEFIX_SET_DWORD,    /* name = dword */
	HIVEFIX_DELETE_KEY,   /* key and everything below */
};

struct hivefix_op {
	enum hivefix_kind kind;
	const char *key; /* '\' separated, from the hive's root */
	const char *name;
	const char *sz;
	unsigned dword;
};

/* Whether the hive file fd is clean: "regf" and sequence numbers equal. */
bool hivefix_is_clean(int fd);

/* Applies ops (a missing key or value is already done) to the hive at rel
 * (relative to root, as found) and keeps the original in qdir. Returns 0
 * (backup_id set), 1 when the hive is dirty and was not touched (why says
 * HIVEFIX_DIRTY), -1 when anything failed: the hive is then unchanged and
 * why says what. */
int hivefix_apply(const char *root, const char *rel, const struct hivefix_op *ops, size_t n,
		  const char *qdir, char backup_id[QUARANTINE_ID_LEN + 1], char *why, size_t whysz);

/* After quarantine_restore put a hive backup back as NAME.raquet-old (its
 * recorded path), moves it over NAME atomically. path: the restored file.
 * Returns 0, or -1 with why. */
int hivefix_restore_in_place(const char *path, char *why, size_t whysz);

#endif
