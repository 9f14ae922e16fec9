/* ioc: the IOC directory (DESIGN §4 "raquet-sync"): its keys, ioc.db, the
 * lock that serialises commands that change it, and the files it keeps
 * (samples/, rejected/, stick-config).
 *
 *   IOC/ioc.key  ioc.pub   the IOC's key pair (ioc.key 0600, never copied)
 *   IOC/ioc.db             SQLite, WAL, foreign keys on (sync/schema.sql)
 *   IOC/lock               flock'd by every command that writes
 *   IOC/stick-config       the config file given to every stick
 *   IOC/samples/  IOC/rejected/ */
#ifndef RAQUET_SYNC_IOC_H
#define RAQUET_SYNC_IOC_H

#include <sqlite3.h>
#include <stdbool.h>

#include "keys.h"
#include "rqerror.h"

#define IOC_DEFAULT_DIR "/var/lib/raquet"
#define IOC_STICK_CONFIG                                                                           \
	"# raquet stick config (docs/stick-layout.md), copied to every stick by\n"                 \
	"# raquet-sync provision and update. Edit it in the IOC directory.\n"                      \
	"action = quarantine\n"                                                                    \
	"scan = full\n"                                                                            \
	"unattended = no\n"                                                                        \
	"sample_max_bytes = 33554432\n"

struct ioc {
	char *dir;
	int dirfd;
	int lockfd;
	sqlite3 *db;
	keys_ioc_public pub;
	char id_hex[KEYS_ID_HEX_LEN + 1];
	keys_ioc_secret *sk; /* after ioc_load_secret */
};

/* Asks for the passphrase of a protected ioc.key: writes it into buf (a
 * sodium_malloc'd buffer of size len), returns 0, or -1 with err. */
typedef int (*ioc_passphrase_fn)(char *buf, size_t len, bool confirm, rq_error *err);

/* The directory: --ioc, else $RAQUET_IOC, else IOC_DEFAULT_DIR. */
const char *ioc_dir_default(const char *given);

/* Creates a new IOC in dir (made if missing): keys (the secret protected
 * when passphrase is not NULL), ioc.db, stick-config. Refuses a directory
 * that already holds an IOC. */
int ioc_init(const char *dir, const char *passphrase, char id_out[KEYS_ID_HEX_LEN + 1],
	     rq_error *err);

/* Opens an existing IOC: ioc.pub, ioc.db (migrated to the current schema). */
int ioc_open(const char *dir, struct ioc *ioc, rq_error *err);
void ioc_close(struct ioc *ioc);

/* Takes IOC/lock. *waited tells the caller another command held it (wait
 * says whether to block for it; without wait a held lock is an error). */
int ioc_lock(struct ioc *ioc, bool wait, bool *busy, rq_error *err);

/* Reads ioc.key, asking ask for a passphrase when it is protected. */
int ioc_load_secret(struct ioc *ioc, ioc_passphrase_fn ask, rq_error *err);

/* Local time now as ISO 8601 with the UTC offset (2026-11-28T19:20:05+07:00). */
void ioc_now(char out[32]);
void ioc_time(long long t, char out[32]);

/* mkdir -p of one level below dirfd; an existing directory is fine. */
int ioc_mkdirat(int dirfd, const char *name, mode_t mode, rq_error *err);

#endif
