/* identity: collecting a PC's hardware identity from sysfs and hashing it
 * into the stable device id the IOC counts by, and its JSON form. Everything
 * under root is treated as hostile: sizes are bounded, values escaped, links
 * resolved textually inside root (identity_sysfs.c). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "escape.h"
#include "identity.h"
#include "identity_int.h"
#include "resultdoc.h"

/* Candidates kept before sorting, so a hostile tree cannot make us work
 * without bound. */
#define ID_CAND_MAX 256
#define ID_DOMAIN   "raquet.device/1"

/* Firmware and drive placeholder values, compared case-insensitively after
 * trimming. Keep docs/device-identity.md in step. */
static const char *const placeholders[] = {
    "To be filled by O.E.M.",
    "To be filled by O.E.M",
    "Default string",
    "Default",
    "System Serial Number",
    "System Product Name",
    "System manufacturer",
    "System Version",
    "System Name",
    "Chassis Serial Number",
    "Base Board Serial Number",
    "Not Specified",
    "Not Applicable",
    "Not Available",
    "Not Present",
    "Not Settable",
    "N/A",
    "NA",
    "None",
    "Unknown",
    "Invalid",
    "OEM",
    "O.E.M.",
    "0",
    "123456789",
    "1234567890",
    "0123456789",
    "Type1ProductConfigId",
};

/* UUIDs that one BIOS vendor shipped on countless boards: not an identity. */
static const char *const shared_uuids[] = {
    "03000200-0400-0500-0006-000700080009",
};

/* Block devices that are never a PC's own disk. */
static const char *const virtual_disks[] = {"loop", "ram", "zram", "sr", "dm-", "md", "fd", "nbd"};

struct collector {
	int rootfd;
	const char *exclude; /* stick disk name without /dev/, or NULL */
	struct identity *id;
	rq_error *err;
};

/* Copies an escaped string into out, cutting only between whole escapes or
 * UTF-8 sequences so a bounded value is still valid and unambiguous. */
static void copy_bounded(char *out, size_t outsz, const char *esc)
{
	size_t i = 0, step;
	unsigned char c;

	while (esc[i]) {
		c = (unsigned char)esc[i];
		if (c == '\\')
			step = esc[i + 1] == 'x' ? 4 : 2;
		else if (c < 0x80)
			step = 1;
		else if (c >= 0xf0)
			step = 4;
		else if (c >= 0xe0)
			step = 3;
		else
			step = 2;
		if (i + step >= outsz)
			break;
		i += step;
	}
	memcpy(out, esc, i);
	out[i] = '\0';
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims, escapes and bounds a raw value into out. -1 only when out of memory. */
static int clean_value(struct collector *c, const char *raw, size_t len, char *out)
{
	char tmp[ID_READ_MAX + 1];
	char *esc;
	size_t b = 0, e = strnlen(raw, len);

	while (b < e && is_blank((unsigned char)raw[b]))
		b++;
	while (e > b && is_blank((unsigned char)raw[e - 1]))
		e--;
	if (e - b > ID_READ_MAX)
		e = b + ID_READ_MAX;
	memcpy(tmp, raw + b, e - b);
	tmp[e - b] = '\0';
	esc = escape_name(tmp);
	if (esc == NULL)
		return rq_fail_errno(c->err, ENOMEM, "identity");
	copy_bounded(out, IDENTITY_VALUE_MAX, esc);
	free(esc);
	return 0;
}

static void note_ignored(struct collector *c, const char *source, const char *value,
			 const char *reason)
{
	struct identity *id = c->id;
	struct identity_ignored *ig;

	if (id->n_ignored >= IDENTITY_MAX_IGNORED) {
		id->n_ignored_dropped++;
		return;
	}
	ig = &id->ignored[id->n_ignored++];
	copy_bounded(ig->source, sizeof(ig->source), source);
	copy_bounded(ig->value, sizeof(ig->value), value ? value : "");
	snprintf(ig->reason, sizeof(ig->reason), "%s", reason);
}

/* Reads one attribute as a clean value; out is "" when missing or
 * unreadable (the latter is noted under source). -1 only when out of memory. */
static int read_value(struct collector *c, const char *path, const char *source, char *out)
{
	char buf[ID_READ_MAX + 1], why[64];
	size_t len;
	int errnum;

	out[0] = '\0';
	switch (sysfs_read_attr(c->rootfd, path, buf, &len, &errnum)) {
	case ATTR_OK:
		return clean_value(c, buf, len, out);
	case ATTR_UNREADABLE:
		snprintf(why, sizeof(why), "unreadable: %s", strerror(errnum));
		note_ignored(c, source, "", why);
		return 0;
	case ATTR_MISSING:
		break;
	}
	return 0;
}

/* --- placeholders ------------------------------------------------------- */

/* True when every byte of v is in set and at least one is in need. */
static bool only_of(const char *v, const char *set, const char *need)
{
	bool seen = false;

	for (; *v; v++) {
		if (strchr(set, *v) == NULL)
			return false;
		if (strchr(need, *v) != NULL)
			seen = true;
	}
	return seen;
}

/* Rewrites a UUID in any hyphenation or case as lowercase 8-4-4-4-12; leaves
 * anything that is not 32 hex digits alone. */
static void uuid_canonical(char *v)
{
	char hex[33];
	size_t n = 0;

	for (const char *p = v; *p; p++) {
		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 32)
			return;
		hex[n++] = (char)tolower((unsigned char)*p);
	}
	if (n != 32)
		return;
	hex[32] = '\0';
	snprintf(v, IDENTITY_VALUE_MAX, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
		 hex + 16, hex + 20);
}

/* Why a (trimmed, escaped) value says nothing about this PC, or NULL. */
static const char *placeholder_reason(const char *v)
{
	size_t i;

	if (v[0] == '\0')
		return "empty";
	if (only_of(v, "0-:. ", "0"))
		return "all zeros";
	if (only_of(v, "fF-:. ", "fF"))
		return "all F";
	if (only_of(v, "-:._/ ", "-:._/ "))
		return "placeholder";
	for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
		if (strcasecmp(v, placeholders[i]) == 0)
			return "placeholder";
	for (i = 0; i < sizeof(shared_uuids) / sizeof(shared_uuids[0]); i++)
		if (strcasecmp(v, shared_uuids[i]) == 0)
			return "UUID shared by many boards";
	return NULL;
}

/* Keeps value in out unless it is a placeholder (then noted and cleared). */
static void filter_value(struct collector *c, const char *source, char *value)
{
	const char *why = placeholder_reason(value);

	if (why == NULL)
		return;
	if (value[0] != '\0')
		note_ignored(c, source, value, why);
	value[0] = '\0';
}

/* --- DMI ---------------------------------------------------------------- */

static const struct {
	const char *file;
	size_t off;
} dmi_fields[] = {
    {"sys_vendor", offsetof(struct identity_dmi, sys_vendor)},
    {"product_name", offsetof(struct identity_dmi, product_name)},
    {"product_serial", offsetof(struct identity_dmi, product_serial)},
    {"product_uuid", offsetof(struct identity_dmi, product_uuid)},
    {"board_vendor", offsetof(struct identity_dmi, board_vendor)},
    {"board_name", offsetof(struct identity_dmi, board_name)},
    {"board_serial", offsetof(struct identity_dmi, board_serial)},
};

static int collect_dmi(struct collector *c)
{
	char path[ID_PATH], source[64];
	char *value;
	size_t i;

	for (i = 0; i < sizeof(dmi_fields) / sizeof(dmi_fields[0]); i++) {
		value = (char *)&c->id->dmi + dmi_fields[i].off;
		snprintf(path, sizeof(path), "sys/class/dmi/id/%s", dmi_fields[i].file);
		snprintf(source, sizeof(source), "dmi.%s", dmi_fields[i].file);
		if (read_value(c, path, source, value) < 0)
			return -1;
		if (strcmp(dmi_fields[i].file, "product_uuid") == 0)
			uuid_canonical(value);
		filter_value(c, source, value);
	}
	return 0;
}

/* --- directories -------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Lists dir (see sysfs_list_dir) and allocates room for ID_CAND_MAX candidates of
 * size bytes each. Both are NULL when the directory has no entries. */
static int list_candidates(struct collector *c, const char *dir, char (**names)[NAME_MAX + 1],
			   size_t *count, void **cand, size_t size)
{
	*cand = NULL;
	if (sysfs_list_dir(c->rootfd, dir, names, count, c->err) < 0)
		return -1;
	if (*count == 0) {
		free(*names);
		*names = NULL;
		return 0;
	}
	*cand = calloc(ID_CAND_MAX, size);
	if (*cand == NULL) {
		free(*names);
		*names = NULL;
		return rq_fail_errno(c->err, ENOMEM, "identity");
	}
	return 0;
}

/* An entry name for messages: escaped and bounded. */
static int source_name(struct collector *c, const char *kind, const char *name, char *out)
{
	char *esc = escape_name(name);

	if (esc == NULL)
		return rq_fail_errno(c->err, ENOMEM, "identity");
	snprintf(out, IDENTITY_VALUE_MAX, "%s:%.100s", kind, esc);
	free(esc);
	return 0;
}

/* --- disks -------------------------------------------------------------- */

/* The unit serial number from a SCSI VPD page 0x80 (what libata exposes for
 * SATA disks, which have no "serial" attribute). */
static int vpd_serial(struct collector *c, const char *path, char *out)
{
	char buf[ID_READ_MAX + 1];
	size_t len, plen;
	int errnum;

	out[0] = '\0';
	if (sysfs_read_attr(c->rootfd, path, buf, &len, &errnum) != ATTR_OK || len < 4 ||
	    (unsigned char)buf[1] != 0x80)
		return 0;
	plen = ((size_t)(unsigned char)buf[2] << 8) | (unsigned char)buf[3];
	if (plen > len - 4)
		plen = len - 4;
	return clean_value(c, buf + 4, plen, out);
}

/* Reads the first of several attributes that exists, for disks whose drivers
 * put the same fact in different places (sd, nvme, virtio, mmc). */
static int read_first(struct collector *c, const char *disk, const char *const *rel,
		      const char *source, char *out)
{
	char path[ID_PATH];

	for (; *rel; rel++) {
		snprintf(path, sizeof(path), "sys/block/%s/%s", disk, *rel);
		if (read_value(c, path, source, out) < 0)
			return -1;
		if (out[0] != '\0')
			return 0;
	}
	return 0;
}

static bool is_virtual_disk(const char *name)
{
	for (size_t i = 0; i < sizeof(virtual_disks) / sizeof(virtual_disks[0]); i++)
		if (strncmp(name, virtual_disks[i], strlen(virtual_disks[i])) == 0)
			return true;
	return false;
}

/* Whether the disk belongs to the PC; notes why not. */
static int disk_is_internal(struct collector *c, const char *name, const char *source,
			    bool *internal)
{
	char path[ID_PATH], where[ID_PATH], value[IDENTITY_VALUE_MAX];
	bool usb = false;

	*internal = false;
	if (c->exclude && strcmp(name, c->exclude) == 0) {
		note_ignored(c, source, "", "the stick's own disk");
		return 0;
	}
	snprintf(path, sizeof(path), "sys/block/%s/removable", name);
	if (read_value(c, path, source, value) < 0)
		return -1;
	if (strcmp(value, "1") == 0) {
		note_ignored(c, source, "", "removable disk");
		return 0;
	}
	snprintf(path, sizeof(path), "sys/block/%s", name);
	if (sysfs_resolve(c->rootfd, path, where, sizeof(where)) == 0 && sysfs_path_is_usb(where))
		usb = true;
	snprintf(path, sizeof(path), "sys/block/%s/device", name);
	if (sysfs_resolve(c->rootfd, path, where, sizeof(where)) == 0 && sysfs_path_is_usb(where))
		usb = true;
	if (usb) {
		note_ignored(c, source, "", "USB disk");
		return 0;
	}
	snprintf(path, sizeof(path), "sys/block/%s/size", name);
	if (read_value(c, path, source, value) < 0)
		return -1;
	if (strcmp(value, "0") == 0) {
		note_ignored(c, source, "", "no medium");
		return 0;
	}
	*internal = true;
	return 0;
}

static int read_disk(struct collector *c, const char *name, struct identity_disk *d, bool *keep)
{
	static const char *const model_at[] = {"device/model", "device/name", NULL};
	static const char *const serial_at[] = {"device/serial", "serial", NULL};
	static const char *const wwid_at[] = {"device/wwid", "wwid", NULL};
	char source[IDENTITY_VALUE_MAX], label[IDENTITY_VALUE_MAX + 16], path[ID_PATH];
	bool internal;

	*keep = false;
	memset(d, 0, sizeof(*d));
	if (source_name(c, "disk", name, source) < 0 ||
	    disk_is_internal(c, name, source, &internal) < 0)
		return -1;
	if (!internal)
		return 0;
	copy_bounded(d->name, sizeof(d->name), source + 5);
	snprintf(label, sizeof(label), "%s.model", source);
	if (read_first(c, name, model_at, label, d->model) < 0)
		return -1;
	filter_value(c, label, d->model);
	snprintf(label, sizeof(label), "%s.serial", source);
	if (read_first(c, name, serial_at, label, d->serial) < 0)
		return -1;
	if (d->serial[0] == '\0') {
		snprintf(path, sizeof(path), "sys/block/%s/device/vpd_pg80", name);
		if (vpd_serial(c, path, d->serial) < 0)
			return -1;
	}
	filter_value(c, label, d->serial);
	snprintf(label, sizeof(label), "%s.wwid", source);
	if (read_first(c, name, wwid_at, label, d->wwid) < 0)
		return -1;
	filter_value(c, label, d->wwid);
	*keep = d->model[0] || d->serial[0] || d->wwid[0];
	return 0;
}

/* Orders disks by what identifies them (never by name), so which ones are
 * kept past the limit does not depend on probe order. */
static int cmp_disk(const void *pa, const void *pb)
{
	const struct identity_disk *a = pa, *b = pb;
	int r;

	if ((r = strcmp(a->serial, b->serial)) != 0)
		return r;
	if ((r = strcmp(a->wwid, b->wwid)) != 0)
		return r;
	if ((r = strcmp(a->model, b->model)) != 0)
		return r;
	return strcmp(a->name, b->name);
}

static bool same_disk(const struct identity_disk *a, const struct identity_disk *b)
{
	return strcmp(a->serial, b->serial) == 0 && strcmp(a->wwid, b->wwid) == 0 &&
	       strcmp(a->model, b->model) == 0;
}

static int collect_disks(struct collector *c)
{
	char(*names)[NAME_MAX + 1];
	struct identity_disk *cand;
	size_t count, n = 0, i;
	void *mem;
	bool keep;
	int rc = -1;

	if (list_candidates(c, "sys/block", &names, &count, &mem, sizeof(*cand)) < 0)
		return -1;
	if (count == 0)
		return 0;
	cand = mem;
	for (i = 0; i < count && n < ID_CAND_MAX; i++) {
		if (is_virtual_disk(names[i]))
			continue;
		if (read_disk(c, names[i], &cand[n], &keep) < 0)
			goto out;
		if (keep)
			n++;
	}
	qsort(cand, n, sizeof(*cand), cmp_disk);
	for (i = 0; i < n; i++) {
		/* nvme namespaces and eMMC boot areas repeat their disk's facts */
		if (i > 0 && same_disk(&cand[i], &cand[i - 1]))
			continue;
		if (c->id->n_disks == IDENTITY_MAX_DISKS) {
			note_ignored(c, "disk", cand[i].name, "more disks than kept");
			continue;
		}
		c->id->disks[c->id->n_disks++] = cand[i];
	}
	rc = 0;
out:
	free(cand);
	free(names);
	return rc;
}

/* --- network adapters ---------------------------------------------------- */

/* Parses "xx:xx:xx:xx:xx:xx" (any case) into lowercase; false otherwise. */
static bool mac_parse(const char *v, char *out, unsigned char *first)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (strlen(v) != 17)
		return false;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (v[i] != ':')
				return false;
			out[i] = ':';
		} else {
			if (!isxdigit((unsigned char)v[i]))
				return false;
			out[i] = (char)tolower((unsigned char)v[i]);
		}
	}
	out[17] = '\0';
	*first = (unsigned char)((strchr(hex, out[0]) - hex) << 4 | (strchr(hex, out[1]) - hex));
	return true;
}

/* Whether an interface is a built-in physical adapter; notes USB ones. */
static int nic_is_builtin(struct collector *c, const char *name, const char *source, bool *builtin)
{
	char path[ID_PATH], where[ID_PATH], dev[ID_PATH];

	*builtin = false;
	if (strcmp(name, "lo") == 0)
		return 0;
	snprintf(path, sizeof(path), "sys/class/net/%s/device", name);
	if (sysfs_resolve(c->rootfd, path, dev, sizeof(dev)) < 0)
		return 0; /* no device behind it: bridge, tun, veth, bond... */
	snprintf(path, sizeof(path), "sys/class/net/%s", name);
	if (sysfs_path_is_usb(dev) || (sysfs_resolve(c->rootfd, path, where, sizeof(where)) == 0 &&
				       sysfs_path_is_usb(where))) {
		note_ignored(c, source, "", "USB network adapter");
		return 0;
	}
	*builtin = true;
	return 0;
}

/* The adapter's permanent address into mac ("" when there is none to keep). */
static int read_mac(struct collector *c, const char *name, const char *source, char *mac)
{
	char path[ID_PATH], value[IDENTITY_VALUE_MAX], label[IDENTITY_VALUE_MAX + 16];
	unsigned char first;

	mac[0] = '\0';
	/* a bonding slave's address is the bond's; the real one is kept here */
	snprintf(path, sizeof(path), "sys/class/net/%s/bonding_slave/perm_hwaddr", name);
	snprintf(label, sizeof(label), "%s.perm_hwaddr", source);
	if (read_value(c, path, label, value) < 0)
		return -1;
	if (value[0] == '\0') {
		snprintf(path, sizeof(path), "sys/class/net/%s/addr_assign_type", name);
		if (read_value(c, path, source, value) < 0)
			return -1;
		/* NET_ADDR_RANDOM and NET_ADDR_SET: not the burnt-in address */
		if (strcmp(value, "1") == 0 || strcmp(value, "3") == 0) {
			note_ignored(c, source, "",
				     value[0] == '1' ? "random address"
						     : "address set by software");
			return 0;
		}
		snprintf(path, sizeof(path), "sys/class/net/%s/address", name);
		snprintf(label, sizeof(label), "%s.address", source);
		if (read_value(c, path, label, value) < 0)
			return -1;
	}
	if (value[0] == '\0')
		return 0;
	if (!mac_parse(value, mac, &first)) {
		note_ignored(c, source, value, "not a 6-byte MAC address");
	} else if (strcmp(mac, "00:00:00:00:00:00") == 0) {
		note_ignored(c, source, mac, "all zeros");
	} else if (first & 0x01) {
		note_ignored(c, source, mac, "multicast address");
	} else if (first & 0x02) {
		note_ignored(c, source, mac, "locally administered address");
	} else {
		return 0;
	}
	mac[0] = '\0';
	return 0;
}

static int collect_macs(struct collector *c)
{
	char(*names)[NAME_MAX + 1];
	char(*cand)[IDENTITY_MAC_LEN];
	char source[IDENTITY_VALUE_MAX];
	size_t count, n = 0, i;
	void *mem;
	bool builtin;
	int rc = -1;

	if (list_candidates(c, "sys/class/net", &names, &count, &mem, sizeof(*cand)) < 0)
		return -1;
	if (count == 0)
		return 0;
	cand = mem;
	for (i = 0; i < count && n < ID_CAND_MAX; i++) {
		if (source_name(c, "net", names[i], source) < 0 ||
		    nic_is_builtin(c, names[i], source, &builtin) < 0)
			goto out;
		if (!builtin)
			continue;
		if (read_mac(c, names[i], source, cand[n]) < 0)
			goto out;
		if (cand[n][0] != '\0')
			n++;
	}
	qsort(cand, n, sizeof(*cand), cmp_name);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(cand[i], cand[i - 1]) == 0)
			continue;
		if (c->id->n_macs == IDENTITY_MAX_MACS) {
			note_ignored(c, "net", cand[i], "more adapters than kept");
			continue;
		}
		memcpy(c->id->macs[c->id->n_macs++], cand[i], IDENTITY_MAC_LEN);
	}
	rc = 0;
out:
	free(cand);
	free(names);
	return rc;
}

/* --- the id ------------------------------------------------------------- */

#define ID_LINE  (IDENTITY_VALUE_MAX + 32)
#define ID_LINES (7 + 3 * IDENTITY_MAX_DISKS + IDENTITY_MAX_MACS)

static void add_line(char (*lines)[ID_LINE], size_t *n, const char *label, const char *value)
{
	if (value[0] == '\0')
		return;
	snprintf(lines[(*n)++], ID_LINE, "%s=%s\n", label, value);
}

/* BLAKE2b-256 over ID_DOMAIN "\n" and the sorted "label=value\n" lines of
 * everything kept. Values are escaped, so they hold no newline and the
 * encoding is unambiguous; sorting makes it independent of probe order. */
static int compute_id(struct collector *c)
{
	char lines[ID_LINES][ID_LINE], label[32];
	unsigned char hash[32];
	crypto_generichash_state st;
	struct identity *id = c->id;
	size_t n = 0, i;
	bool strong;

	for (i = 0; i < sizeof(dmi_fields) / sizeof(dmi_fields[0]); i++) {
		snprintf(label, sizeof(label), "dmi.%s", dmi_fields[i].file);
		add_line(lines, &n, label, (const char *)&id->dmi + dmi_fields[i].off);
	}
	strong = id->dmi.product_serial[0] || id->dmi.product_uuid[0] || id->dmi.board_serial[0];
	for (i = 0; i < id->n_disks; i++) {
		add_line(lines, &n, "disk.model", id->disks[i].model);
		add_line(lines, &n, "disk.serial", id->disks[i].serial);
		add_line(lines, &n, "disk.wwid", id->disks[i].wwid);
		strong = strong || id->disks[i].serial[0] || id->disks[i].wwid[0];
	}
	for (i = 0; i < id->n_macs; i++)
		add_line(lines, &n, "mac", id->macs[i]);
	strong = strong || id->n_macs > 0;
	qsort(lines, n, sizeof(lines[0]), cmp_name);

	if (crypto_generichash_init(&st, NULL, 0, sizeof(hash)) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)ID_DOMAIN "\n",
				      strlen(ID_DOMAIN "\n")) != 0)
		return rq_fail(c->err, "identity: BLAKE2b failed");
	for (i = 0; i < n; i++)
		if (crypto_generichash_update(&st, (const unsigned char *)lines[i],
					      strlen(lines[i])) != 0)
			return rq_fail(c->err, "identity: BLAKE2b failed");
	if (crypto_generichash_final(&st, hash, sizeof(hash)) != 0)
		return rq_fail(c->err, "identity: BLAKE2b failed");
	sodium_bin2hex(id->id, sizeof(id->id), hash, sizeof(hash));
	id->weak = !strong;
	return 0;
}

int identity_collect(const char *root, const char *exclude_disk, struct identity *id, rq_error *err)
{
	struct collector c = {.id = id, .err = err};
	int rc;

	memset(id, 0, sizeof(*id));
	if (root == NULL || root[0] == '\0')
		root = "/";
	if (sodium_init() < 0)
		return rq_fail(err, "identity: libsodium failed to initialise");
	if (exclude_disk != NULL && strncmp(exclude_disk, "/dev/", 5) == 0)
		exclude_disk += 5;
	c.exclude = exclude_disk != NULL && exclude_disk[0] != '\0' ? exclude_disk : NULL;
	c.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.rootfd < 0)
		return rq_fail_errno(err, errno, "identity: cannot open root %s", root);
	rc = collect_dmi(&c);
	if (rc == 0)
		rc = collect_disks(&c);
	if (rc == 0)
		rc = collect_macs(&c);
	if (rc == 0)
		rc = compute_id(&c);
	close(c.rootfd);
	return rc;
}

/* --- JSON --------------------------------------------------------------- */

/* Adds key: value to obj unless value is empty (resultdoc.h's checked
 * helpers, as the rest of the result document). */
static int put_str(struct json_object *obj, const char *key, const char *value)
{
	return value[0] == '\0' ? 0 : resultdoc_put_str(obj, key, value, NULL);
}

static struct json_object *dmi_to_json(const struct identity_dmi *dmi)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < sizeof(dmi_fields) / sizeof(dmi_fields[0]); i++) {
		if (put_str(o, dmi_fields[i].file, (const char *)dmi + dmi_fields[i].off) < 0) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static struct json_object *disk_to_json(const struct identity_disk *d)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (put_str(o, "name", d->name) < 0 || put_str(o, "model", d->model) < 0 ||
	    put_str(o, "serial", d->serial) < 0 || put_str(o, "wwid", d->wwid) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *ignored_to_json(const struct identity_ignored *ig)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (put_str(o, "source", ig->source) < 0 || put_str(o, "value", ig->value) < 0 ||
	    put_str(o, "reason", ig->reason) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int identity_to_json(const struct identity *id, struct json_object **out)
{
	struct json_object *o, *disks, *macs, *ignored;
	size_t i;

	*out = NULL;
	o = json_object_new_object();
	if (o == NULL)
		return -1;
	if (put_str(o, "id", id->id) < 0 ||
	    resultdoc_put(o, "weak", json_object_new_boolean(id->weak), NULL) < 0 ||
	    resultdoc_put(o, "dmi", dmi_to_json(&id->dmi), NULL) < 0 ||
	    resultdoc_put(o, "disks", disks = json_object_new_array(), NULL) < 0 ||
	    resultdoc_put(o, "macs", macs = json_object_new_array(), NULL) < 0 ||
	    resultdoc_put(o, "ignored", ignored = json_object_new_array(), NULL) < 0)
		goto fail;
	for (i = 0; i < id->n_disks && i < IDENTITY_MAX_DISKS; i++)
		if (resultdoc_put(disks, NULL, disk_to_json(&id->disks[i]), NULL) < 0)
			goto fail;
	for (i = 0; i < id->n_macs && i < IDENTITY_MAX_MACS; i++)
		if (resultdoc_put(macs, NULL, json_object_new_string(id->macs[i]), NULL) < 0)
			goto fail;
	for (i = 0; i < id->n_ignored && i < IDENTITY_MAX_IGNORED; i++)
		if (resultdoc_put(ignored, NULL, ignored_to_json(&id->ignored[i]), NULL) < 0)
			goto fail;
	if (id->n_ignored_dropped > 0 &&
	    resultdoc_put_u64(o, "ignored_dropped", id->n_ignored_dropped, NULL) < 0)
		goto fail;
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return -1;
}
