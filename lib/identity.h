/* identity: which PC is this? The IOC counts devices, not scans, so every
 * result carries a stable id hashed from the PC's own hardware (DMI, internal
 * disks, permanent MACs of built-in network adapters). Whatever the stick
 * brings along (its own disk, a USB network adapter, other USB disks) and
 * every firmware placeholder value is left out, so the same PC scanned twice
 * gets the same id. See docs/device-identity.md. */
#ifndef RAQUET_IDENTITY_H
#define RAQUET_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "rqerror.h"

/* Bytes, NUL included, of a kept value after trimming and escaping. */
#define IDENTITY_VALUE_MAX   128
#define IDENTITY_MAX_DISKS   16
#define IDENTITY_MAX_MACS    16
#define IDENTITY_MAX_IGNORED 64
/* BLAKE2b-256 as lowercase hex, NUL included. */
#define IDENTITY_ID_HEX 65
/* "xx:xx:xx:xx:xx:xx" and its NUL. */
#define IDENTITY_MAC_LEN 18

/* Values from /sys/class/dmi/id; an empty string means absent or ignored. */
struct identity_dmi {
	char sys_vendor[IDENTITY_VALUE_MAX];
	char product_name[IDENTITY_VALUE_MAX];
	char product_serial[IDENTITY_VALUE_MAX];
	char product_uuid[IDENTITY_VALUE_MAX]; /* lowercase 8-4-4-4-12 when it parses */
	char board_vendor[IDENTITY_VALUE_MAX];
	char board_name[IDENTITY_VALUE_MAX];
	char board_serial[IDENTITY_VALUE_MAX];
};

/* An internal disk. name (sda, nvme0n1) is for people only: it changes with
 * the order the kernel finds disks, so it is not part of the id. */
struct identity_disk {
	char name[IDENTITY_VALUE_MAX];
	char model[IDENTITY_VALUE_MAX];
	char serial[IDENTITY_VALUE_MAX];
	char wwid[IDENTITY_VALUE_MAX];
};

/* Something seen and deliberately left out, for the result document. */
struct identity_ignored {
	char source[IDENTITY_VALUE_MAX]; /* "dmi.product_serial", "disk:sdb", "net:eth1" */
	char value[IDENTITY_VALUE_MAX];  /* the value ignored, escaped; may be empty */
	char reason[64];                 /* "placeholder", "USB network adapter", ... */
};

struct identity {
	char id[IDENTITY_ID_HEX];
	/* True when nothing that tells one PC from another (a DMI serial or
	 * UUID, a disk serial or WWID, a MAC) was left: id then comes from
	 * descriptive values at most and is shared by every such PC of the
	 * same model. The caller must not merge devices on a weak id alone. */
	bool weak;
	struct identity_dmi dmi;
	size_t n_disks;
	struct identity_disk disks[IDENTITY_MAX_DISKS];
	size_t n_macs;
	char macs[IDENTITY_MAX_MACS][IDENTITY_MAC_LEN];
	size_t n_ignored;
	size_t n_ignored_dropped; /* ignored entries beyond IDENTITY_MAX_IGNORED */
	struct identity_ignored ignored[IDENTITY_MAX_IGNORED];
};

/* Reads the identity of the running PC from root ("/" when NULL; tests and
 * --identity-root pass a tree holding sys/class/dmi/id, sys/class/net and
 * sys/block). Symbolic links are resolved inside root, never outside it.
 * exclude_disk names the stick's own disk ("sdb" or "/dev/sdb"; NULL for
 * none). Missing or unreadable files are not errors; only an unusable root,
 * running out of memory or libsodium failing are (-1 and *err filled). */
int identity_collect(const char *root, const char *exclude_disk, struct identity *id,
		     rq_error *err);

/* The identity as {"id", "weak", "dmi": {...}, "disks": [{"name", "model",
 * "serial", "wwid"}], "macs": [...], "ignored": [{"source", "value",
 * "reason"}]}; empty values are left out. Returns -1 when out of memory. */
int identity_to_json(const struct identity *id, struct json_object **out);

#endif
