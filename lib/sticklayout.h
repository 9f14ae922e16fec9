/* sticklayout: the stick's data partition as every program names it
 * (docs/stick-layout.md): the RAQUET/ directory and the names inside it,
 * opening RAQUET/ without following a link, and the one parser of
 * RAQUET/config used by raquet-scan (scanner/stick.c), the launcher
 * (boot/stickinfo.c) and raquet-sync provision/update (sync/provision.c),
 * so that what the screen offers, what the scan accepts and what the IOC
 * copies are the same thing.
 *
 * (Named sticklayout, not stick, because scanner/stick.h is the scanner's
 * module of that name and both directories are on the include path.) */
#ifndef RAQUET_STICKLAYOUT_H
#define RAQUET_STICKLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resultdoc.h"
#include "rqerror.h"

#define STICK_DIR          "RAQUET"
#define STICK_CONFIG       "config"
#define STICK_IOC_PUB      "ioc.pub"
#define STICK_KEY          "stick.key"
#define STICK_PUB          "stick.pub"
#define STICK_INFO         "stick.json"
#define STICK_INFO_SIG     "stick.sig"
#define STICK_ROSTER       "roster.json"
#define STICK_ROSTER_SIG   "roster.sig"
#define STICK_TECHNICIAN   "technician"
#define STICK_RESULTS      "results"
#define STICK_SAMPLES      "samples"
#define STICK_QUARANTINE   "quarantine"
#define STICK_RECEIPTS     "receipts"
#define STICK_CACHE        "cache"
#define STICK_DB           "db"
#define STICK_MANIFEST     "MANIFEST" /* in db/ */
#define STICK_MANIFEST_SIG "MANIFEST.sig"
/* raquet-sync update builds the new db/ beside the old one and swaps them */
#define STICK_DB_NEW STICK_DB ".new"
#define STICK_DB_OLD STICK_DB ".old"

#define STICK_SAMPLE_MAX   (32u * 1024 * 1024) /* default sample cap */
#define STICK_SAMPLE_LIMIT (60u * 1024 * 1024) /* what a record can carry */
#define STICK_CONFIG_MAX   (64 * 1024)         /* bytes of config read at most */
#define STICK_UNIT_MAX     128                 /* bytes of config's unit, with NUL */
#define STICK_IDLE_MAX     86400               /* station_idle: at most a day, in seconds */

/* RAQUET/config: live-mode defaults. */
struct stick_config {
	enum resultdoc_action action; /* default report */
	bool quick;                   /* scan = quick; default full */
	bool unattended;
	bool poweroff;             /* after an unattended run (the launcher acts on it) */
	char unit[STICK_UNIT_MAX]; /* unit for unattended runs, "" if none */
	uint64_t sample_max;       /* bigger quarantined files are recorded, not copied */
	/* mode = station: the unit's USB-drive station instead of this PC
	 * (raquet-scan --station, docs/usb-repair.md) */
	bool station;
	/* station_idle: an unattended station ends after this many seconds
	 * with no new drive to scan; 0 (default): it never ends by itself */
	unsigned int station_idle;
};

/* Opens DIR/RAQUET as a directory, refusing a symbolic link. Returns the
 * descriptor, or -1 with err saying DIR is not a raquet stick. */
int stick_dir_open(const char *dir, rq_error *err);

void stick_config_defaults(struct stick_config *c);
/* Parses len bytes of config text: "key = value" lines, '#' comments,
 * blank lines; unknown keys ignored (for newer scanners). A line without
 * '=' or a bad value of a known key is refused: err says "WHERE: line N:
 * ...". A NUL byte is refused as it would hide the rest of its line.
 * *c holds the defaults overlaid with the text's values on success, and is
 * untouched on failure. */
int stick_config_parse(const char *text, size_t len, const char *where, struct stick_config *c,
		       rq_error *err);
/* Reads and parses name in dirfd (at most STICK_CONFIG_MAX bytes, not
 * through a link); a missing file gives the defaults. */
int stick_config_read(int dirfd, const char *name, const char *where, struct stick_config *c,
		      rq_error *err);

#endif
