/* Unit tests for lib/identity: fake sysfs trees stand in for PCs, laid out
 * as the kernel does (class entries are links into sys/devices), so the same
 * PC must keep its id whatever the stick plugs in. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity.h"
#include "tap.h"
#include "util.h"

static char base[PATH_MAX];

/* --- building fixture trees -------------------------------------------- */

/* Writes len bytes to root/rel, creating directories. */
static void put_bytes(const char *root, const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	FMT(path, "%s/%s", root, rel);
	parent_dirs(path);
	f = fopen(path, "w");
	if (f == NULL)
		die("fopen", path);
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("write", path);
}

static void put(const char *root, const char *rel, const char *text)
{
	put_bytes(root, rel, text, strlen(text));
}

static void link_to(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	FMT(path, "%s/%s", root, rel);
	parent_dirs(path);
	unlink(path);
	if (symlink(target, path) < 0)
		die("symlink", path);
}

static void rm(const char *root, const char *rel)
{
	char path[PATH_MAX];

	FMT(path, "%s/%s", root, rel);
	unlink(path);
}

static char *new_root(const char *name)
{
	static char roots[64][PATH_MAX];
	static int n;
	char *r = roots[n++ % 64];

	if (snprintf(r, PATH_MAX, "%s/%s", base, name) >= PATH_MAX)
		die("path too long", name);
	mkdirs(r);
	return r;
}

/* DMI as the kernel exposes it: sys/class/dmi/id is a link. */
static void add_dmi(const char *root, const char *vendor, const char *product, const char *serial,
		    const char *uuid, const char *board_serial)
{
	char rel[PATH_MAX];

	link_to(root, "sys/class/dmi/id", "../../devices/virtual/dmi/id");
	struct {
		const char *file, *value;
	} f[] = {{"sys_vendor", vendor},        {"product_name", product},
		 {"product_serial", serial},    {"product_uuid", uuid},
		 {"board_vendor", vendor},      {"board_name", "0MN1TX"},
		 {"board_serial", board_serial}};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].value == NULL)
			continue;
		FMT(rel, "sys/devices/virtual/dmi/id/%s", f[i].file);
		put(root, rel, f[i].value);
	}
}

static void set_dmi(const char *root, const char *file, const char *value)
{
	char rel[PATH_MAX];

	FMT(rel, "sys/devices/virtual/dmi/id/%s", file);
	put(root, rel, value);
}

/* A disk at sys/devices/<devpath>, block node <devpath>/block/<name>,
 * linked from sys/block/<name> with a relative device link, like the kernel. */
static void add_disk(const char *root, const char *name, const char *devpath, const char *model,
		     const char *serial, const char *removable)
{
	char rel[PATH_MAX], target[PATH_MAX];
	const char *leaf = strrchr(devpath, '/') ? strrchr(devpath, '/') + 1 : devpath;

	FMT(rel, "sys/devices/%s/model", devpath);
	put(root, rel, model);
	if (serial) {
		FMT(rel, "sys/devices/%s/serial", devpath);
		put(root, rel, serial);
	}
	FMT(rel, "sys/devices/%s/block/%s/removable", devpath, name);
	put(root, rel, removable);
	FMT(rel, "sys/devices/%s/block/%s/size", devpath, name);
	put(root, rel, "976773168\n");
	FMT(rel, "sys/devices/%s/block/%s/device", devpath, name);
	FMT(target, "../../../%s", leaf);
	link_to(root, rel, target);
	FMT(rel, "sys/block/%s", name);
	FMT(target, "../devices/%s/block/%s", devpath, name);
	link_to(root, rel, target);
}

/* A network interface; devpath NULL makes it virtual (no device link). */
static void add_nic(const char *root, const char *ifname, const char *devpath, const char *mac)
{
	char rel[PATH_MAX], target[PATH_MAX], dir[PATH_MAX];

	if (devpath) {
		const char *leaf = strrchr(devpath, '/') ? strrchr(devpath, '/') + 1 : devpath;
		FMT(dir, "sys/devices/%s/net/%s", devpath, ifname);
		FMT(rel, "%s/device", dir);
		FMT(target, "../../../%s", leaf);
		link_to(root, rel, target);
	} else {
		FMT(dir, "sys/devices/virtual/net/%s", ifname);
	}
	FMT(rel, "%s/address", dir);
	put(root, rel, mac);
	FMT(rel, "%s/addr_assign_type", dir);
	put(root, rel, "0\n");
	FMT(rel, "sys/class/net/%s", ifname);
	FMT(target, "../../%s", dir + 4);
	link_to(root, rel, target);
}

#define SATA0    "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0"
#define NVME0    "pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0"
#define ETH0     "pci0000:00/0000:00:1f.6"
#define WLAN0    "pci0000:00/0000:00:14.3"
#define USBNIC   "pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0"
#define USBSTICK "pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0"

/* "PC A": a Dell desktop with a SATA disk, an NVMe disk, wired and wireless
 * adapters, plus what every live system has (lo, loop, ram, a bridge). */
static char *pc_a(const char *name)
{
	char *r = new_root(name);

	add_dmi(r, "Dell Inc.\n", "OptiPlex 7010\n", "ABC1234\n",
		"4C4C4544-0042-3410-8031-B4C04F313233\n", "/ABC1234/CN701632AB0012/\n");
	add_disk(r, "sda", SATA0, "ST1000DM010-2EP1\n", "Z9A1B2C3\n", "0\n");
	add_disk(r, "nvme0n1", NVME0, "Samsung SSD 970 EVO Plus 500GB\n", "S4EVNX0N123456K\n",
		 "0\n");
	add_disk(r, "loop0", "virtual/block/loop0", "", NULL, "0\n");
	add_disk(r, "ram0", "virtual/block/ram0", "", NULL, "0\n");
	add_nic(r, "lo", NULL, "00:00:00:00:00:00\n");
	add_nic(r, "eno1", ETH0, "F8:BC:12:34:56:78\n");
	add_nic(r, "wlp0s20f3", WLAN0, "a4:c3:f0:11:22:33\n");
	add_nic(r, "virbr0", NULL, "52:54:00:aa:bb:cc\n");
	return r;
}

/* --- helpers over results ----------------------------------------------- */

static bool collect(const char *root, const char *exclude, struct identity *id)
{
	rq_error err = {{0}};

	if (identity_collect(root, exclude, id, &err) != 0) {
		printf("# identity_collect(%s): %s\n", root, err.msg);
		return false;
	}
	return true;
}

static bool ignored_has(const struct identity *id, const char *source, const char *reason)
{
	for (size_t i = 0; i < id->n_ignored; i++)
		if (strcmp(id->ignored[i].source, source) == 0 &&
		    strstr(id->ignored[i].reason, reason) != NULL)
			return true;
	return false;
}

static bool has_mac(const struct identity *id, const char *mac)
{
	for (size_t i = 0; i < id->n_macs; i++)
		if (strcmp(id->macs[i], mac) == 0)
			return true;
	return false;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

/* --- tests ---------------------------------------------------------------- */

static struct identity a, b;

static void test_basic(void)
{
	char *r = pc_a("basic");

	ok(collect(r, NULL, &a), "PC A collects");
	ok(is_hex64(a.id), "id is 64 hex digits");
	ok(!a.weak, "PC A is not weak");
	is_str(a.dmi.sys_vendor, "Dell Inc.", "vendor trimmed");
	is_str(a.dmi.product_serial, "ABC1234", "serial kept");
	is_str(a.dmi.product_uuid, "4c4c4544-0042-3410-8031-b4c04f313233", "UUID canonical");
	ok(a.n_disks == 2, "two internal disks (loop and ram skipped): %zu", a.n_disks);
	ok(a.n_macs == 2, "two physical adapters (lo and bridge skipped): %zu", a.n_macs);
	ok(has_mac(&a, "f8:bc:12:34:56:78"), "MAC lowercased");
	ok(collect(r, NULL, &b) && strcmp(a.id, b.id) == 0, "collecting twice gives the same id");
}

static void test_usb_nic(void)
{
	char *r = pc_a("usbnic");

	ok(collect(r, NULL, &a), "without USB adapter");
	add_nic(r, "enx00e04c680001", USBNIC, "00:e0:4c:68:00:01\n");
	ok(collect(r, NULL, &b), "with USB adapter");
	is_str(b.id, a.id, "USB network adapter does not change the id");
	ok(!has_mac(&b, "00:e0:4c:68:00:01"), "USB adapter MAC not kept");
	ok(ignored_has(&b, "net:enx00e04c680001", "USB"), "USB adapter listed as ignored");
}

static void test_usb_disk(void)
{
	char *r = pc_a("usbdisk");

	ok(collect(r, NULL, &a), "without USB stick");
	add_disk(r, "sdb", USBSTICK, "Cruzer Blade\n", "4C530001230825115414\n", "1\n");
	ok(collect(r, NULL, &b), "with USB stick");
	is_str(b.id, a.id, "USB stick does not change the id");
	ok(ignored_has(&b, "disk:sdb", "removable"), "USB stick listed as removable");

	/* a USB hard disk says removable=0: its path still gives it away */
	add_disk(r, "sdc", "pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/host7/target7:0:0/7:0:0:0",
		 "Elements 25A2\n", "575844314138\n", "0\n");
	ok(collect(r, NULL, &b), "with USB hard disk");
	is_str(b.id, a.id, "USB hard disk does not change the id");
	ok(ignored_has(&b, "disk:sdc", "USB disk"), "USB hard disk listed as USB");
}

static void test_exclude(void)
{
	char *r = pc_a("exclude");

	ok(collect(r, NULL, &a), "without the stick");
	/* a stick whose bridge shows up as a plain SCSI disk: only the name tells */
	add_disk(r, "sdc", "pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0", "Stick\n",
		 "RAQUET0001\n", "0\n");
	ok(collect(r, NULL, &b) && strcmp(a.id, b.id) != 0,
	   "an extra internal disk changes the id");
	ok(collect(r, "sdc", &b), "exclude sdc");
	is_str(b.id, a.id, "excluded disk does not count");
	ok(ignored_has(&b, "disk:sdc", "stick"), "excluded disk listed");
	ok(collect(r, "/dev/sdc", &b), "exclude /dev/sdc");
	is_str(b.id, a.id, "/dev/ prefix accepted");
}

static void test_other_pc(void)
{
	char *r1 = pc_a("pc1"), *r2 = new_root("pc2");

	add_dmi(r2, "Dell Inc.\n", "OptiPlex 7010\n", "XYZ9876\n",
		"4C4C4544-0042-3410-8031-B4C04F999999\n", "/XYZ9876/CN701632AB0099/\n");
	add_disk(r2, "sda", SATA0, "ST1000DM010-2EP1\n", "Z9A9Z9Z9\n", "0\n");
	add_nic(r2, "eno1", ETH0, "f8:bc:12:99:99:99\n");
	ok(collect(r1, NULL, &a) && collect(r2, NULL, &b), "two PCs of the same model");
	ok(strcmp(a.id, b.id) != 0, "different PCs get different ids");
	ok(!b.weak, "second PC not weak");

	/* one serial differing is enough */
	r2 = pc_a("pc3");
	set_dmi(r2, "board_serial", "/ABC1234/CN701632AB0013/\n");
	ok(collect(r2, NULL, &b) && strcmp(a.id, b.id) != 0, "one board serial differing");
}

static void test_placeholders(void)
{
	static const char *const values[] = {
	    "To be filled by O.E.M.",
	    "To Be Filled By O.E.M.",
	    "  to be FILLED by o.e.m.\n",
	    "Default string",
	    "System Serial Number",
	    "System Product Name",
	    "System manufacturer",
	    "Not Specified",
	    "None",
	    "0",
	    "123456789",
	    "OEM",
	    "Base Board Serial Number",
	    "",
	    " \t\n",
	    "DEFAULT STRING\n",
	    "0000000000",
	    "Not Applicable",
	};
	char *r = pc_a("placeholder");
	char name[64];

	rm(r, "sys/devices/virtual/dmi/id/product_serial");
	ok(collect(r, NULL, &a), "PC without product_serial");
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		FMT(name, "%s\n", values[i]);
		set_dmi(r, "product_serial", name);
		ok(collect(r, NULL, &b), "collect with placeholder %zu", i);
		ok(b.dmi.product_serial[0] == '\0', "placeholder %zu ignored: '%.*s'", i,
		   (int)strcspn(values[i], "\t\n"), values[i]);
		is_str(b.id, a.id, "placeholder %zu: id as without a serial", i);
	}
	set_dmi(r, "product_serial", "To be filled by O.E.M.\n");
	ok(collect(r, NULL, &b) && ignored_has(&b, "dmi.product_serial", "placeholder"),
	   "placeholder listed as ignored with its reason");

	/* each DMI field gets the same treatment */
	r = pc_a("placeholder2");
	rm(r, "sys/devices/virtual/dmi/id/sys_vendor");
	rm(r, "sys/devices/virtual/dmi/id/board_vendor");
	ok(collect(r, NULL, &a), "PC without vendor");
	set_dmi(r, "sys_vendor", "System manufacturer\n");
	set_dmi(r, "board_vendor", "Default string\n");
	ok(collect(r, NULL, &b) && strcmp(a.id, b.id) == 0 && b.dmi.sys_vendor[0] == '\0' &&
	       b.dmi.board_vendor[0] == '\0',
	   "vendor placeholders ignored");

	/* disk serials from cheap bridges */
	r = pc_a("placeholder3");
	ok(collect(r, NULL, &a), "PC A");
	add_disk(r, "sdd", "pci0000:00/0000:00:17.0/ata4/host3/target3:0:0/3:0:0:0", "", "0\n",
		 "0\n");
	ok(collect(r, NULL, &b) && strcmp(a.id, b.id) == 0,
	   "disk with placeholder model and serial adds nothing");
}

static void test_uuids(void)
{
	static const char *const bad[] = {
	    "00000000-0000-0000-0000-000000000000", "00000000000000000000000000000000",
	    "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "ffffffff-ffff-ffff-ffff-ffffffffffff",
	    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",     "ffffffff-ffffffffffff-ffff-ffffffff",
	    "0000-00000000-0000-0000000000000000",  "03000200-0400-0500-0006-000700080009",
	};
	char *r = pc_a("uuid");
	char v[128];

	rm(r, "sys/devices/virtual/dmi/id/product_uuid");
	ok(collect(r, NULL, &a), "PC without UUID");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FMT(v, " %s \n", bad[i]);
		set_dmi(r, "product_uuid", v);
		ok(collect(r, NULL, &b) && b.dmi.product_uuid[0] == '\0' && strcmp(a.id, b.id) == 0,
		   "UUID %s ignored", bad[i]);
	}
	set_dmi(r, "product_uuid", "4C4C4544-0042-3410-8031-B4C04F313233\n");
	ok(collect(r, NULL, &a), "real UUID, upper case");
	set_dmi(r, "product_uuid", "4c4c45440042-3410-8031b4c04f313233\n");
	ok(collect(r, NULL, &b), "same UUID, lower case, other hyphens");
	is_str(b.id, a.id, "UUID case and hyphenation do not matter");
}

static void test_macs(void)
{
	char *r = pc_a("macs");

	ok(collect(r, NULL, &a), "PC A");
	add_nic(r, "eno2", "pci0000:00/0000:00:1f.7", "02:11:22:33:44:55\n");
	add_nic(r, "eno3", "pci0000:00/0000:00:1f.8", "00:00:00:00:00:00\n");
	add_nic(r, "eno4", "pci0000:00/0000:00:1f.9", "01:00:5e:00:00:01\n");
	add_nic(r, "ib0", "pci0000:00/0000:00:1c.0", "80:00:02:08:fe:80:00:00:00:00:00:00:00\n");
	ok(collect(r, NULL, &b), "with odd adapters");
	is_str(b.id, a.id, "locally administered, zero, multicast, non-Ethernet MACs ignored");
	ok(ignored_has(&b, "net:eno2", "locally administered"), "locally administered listed");
	ok(ignored_has(&b, "net:eno3", "zero"), "all-zero listed");

	/* bonding changes address; perm_hwaddr keeps the real one */
	put(r, "sys/devices/" ETH0 "/net/eno1/address", "f8:bc:12:00:00:01\n");
	put(r, "sys/devices/" ETH0 "/net/eno1/bonding_slave/perm_hwaddr", "F8:BC:12:34:56:78\n");
	ok(collect(r, NULL, &b) && has_mac(&b, "f8:bc:12:34:56:78") &&
	       !has_mac(&b, "f8:bc:12:00:00:01"),
	   "perm_hwaddr preferred over address");

	/* a randomised address is not the adapter's */
	r = pc_a("macs2");
	ok(collect(r, NULL, &a), "PC A");
	put(r, "sys/devices/" WLAN0 "/net/wlp0s20f3/address", "a4:c3:f0:99:99:99\n");
	put(r, "sys/devices/" WLAN0 "/net/wlp0s20f3/addr_assign_type", "3\n");
	ok(collect(r, NULL, &b) && !has_mac(&b, "a4:c3:f0:99:99:99") &&
	       ignored_has(&b, "net:wlp0s20f3", "software"),
	   "address set by software ignored");
}

static void test_missing(void)
{
	rq_error err = {{0}};
	char *r = new_root("empty"), path[PATH_MAX];

	ok(collect(r, NULL, &a), "empty root is not fatal");
	ok(a.weak && is_hex64(a.id), "empty root is weak and still has an id");

	r = new_root("dmionly");
	add_dmi(r, "LENOVO\n", NULL, "PF1ABCDE\n", NULL, NULL);
	ok(collect(r, NULL, &a) && !a.weak && a.n_disks == 0 && a.n_macs == 0,
	   "only some DMI files, no net or block: not fatal");

	/* a disk whose model, serial and device link are missing */
	r = pc_a("partial");
	put(r, "sys/devices/virtual/block/vda/size", "100\n");
	link_to(r, "sys/block/vda", "../devices/virtual/block/vda");
	ok(collect(r, NULL, &a), "disk with nothing to read is not fatal");

	/* a link loop and a dangling link */
	link_to(r, "sys/class/net/loopy", "loopy");
	link_to(r, "sys/block/gone", "../devices/nowhere/block/gone");
	ok(collect(r, NULL, &b) && strcmp(a.id, b.id) == 0, "link loop and dangling link skipped");

	FMT(path, "%s/does-not-exist", base);
	ok(identity_collect(path, NULL, &a, &err) == -1 && strstr(err.msg, "does-not-exist"),
	   "missing root is an error: %s", err.msg);
}

static void test_weak(void)
{
	char *r = new_root("weak");

	add_dmi(r, "To be filled by O.E.M.\n", "To be filled by O.E.M.\n",
		"To be filled by O.E.M.\n", "00000000-0000-0000-0000-000000000000\n",
		"Default string\n");
	add_disk(r, "sda", SATA0, "Default string\n", "0\n", "0\n");
	add_nic(r, "eth0", ETH0, "00:00:00:00:00:00\n");
	add_disk(r, "sdb", USBSTICK, "Cruzer\n", "4C530001230825115414\n", "1\n");
	add_nic(r, "eth1", USBNIC, "00:e0:4c:68:00:01\n");
	ok(collect(r, NULL, &a), "all-placeholder PC collects");
	ok(a.weak, "all placeholders: weak");
	ok(is_hex64(a.id), "weak identity still has an id");
	ok(a.n_disks == 0 && a.n_macs == 0, "nothing kept");

	r = new_root("weak2");
	add_dmi(r, "Dell Inc.\n", "OptiPlex 7010\n", NULL, NULL, NULL);
	add_disk(r, "sda", SATA0, "ST1000DM010-2EP1\n", NULL, "0\n");
	ok(collect(r, NULL, &a) && a.weak, "vendor, product and disk model alone are weak");
}

static void test_absolute_links(void)
{
	char *r = new_root("abs");

	add_dmi(r, "HP\n", "ProDesk 400 G4\n", "CZC1234XYZ\n", NULL, NULL);
	add_nic(r, "eno1", ETH0, "f8:bc:12:34:56:78\n");
	ok(collect(r, NULL, &a), "relative links");
	/* absolute targets are taken relative to root, never the real /sys */
	link_to(r, "sys/class/dmi/id", "/sys/devices/virtual/dmi/id");
	link_to(r, "sys/class/net/eno1", "/sys/devices/" ETH0 "/net/eno1");
	link_to(r, "sys/devices/" ETH0 "/net/eno1/device", "/sys/devices/" ETH0);
	ok(collect(r, NULL, &b), "absolute links");
	is_str(b.id, a.id, "absolute links resolved inside root");
	/* ".." cannot climb out of root */
	link_to(r, "sys/class/dmi/id", "../../../../../../../../../../sys/devices/virtual/dmi/id");
	ok(collect(r, NULL, &b) && strcmp(a.id, b.id) == 0, "'..' stops at root");
}

static void test_hostile(void)
{
	char *r = new_root("hostile"), big[600];

	add_dmi(r, "Evil\x1b[31m\tCorp\n", "P\n", "S\n", NULL, NULL);
	memset(big, 'A', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	set_dmi(r, "product_serial", big);
	put_bytes(r, "sys/devices/virtual/dmi/id/board_serial", "AB\0CD\n", 6);
	ok(collect(r, NULL, &a), "hostile values collect");
	is_str(a.dmi.sys_vendor, "Evil\\x1b[31m\\x09Corp", "control characters escaped");
	ok(strlen(a.dmi.product_serial) == IDENTITY_VALUE_MAX - 1, "long value bounded: %zu",
	   strlen(a.dmi.product_serial));
	is_str(a.dmi.board_serial, "AB", "value ends at a NUL byte");

	/* a directory or FIFO where a value should be is not read */
	mkdirs(strcat(strcpy(big, r), "/sys/devices/virtual/dmi/id/product_uuid"));
	ok(collect(r, NULL, &a) && a.dmi.product_uuid[0] == '\0', "directory as a value skipped");
	FMT(big, "%s/sys/devices/virtual/dmi/id/product_name", r);
	if (unlink(big) < 0 || mkfifo(big, 0644) < 0)
		die("mkfifo", big);
	ok(collect(r, NULL, &a) && a.dmi.product_name[0] == '\0' &&
	       ignored_has(&a, "dmi.product_name", "unreadable"),
	   "FIFO as a value neither read nor waited on");
}

static void test_json(void)
{
	struct json_object *j = NULL, *v;
	char *r = pc_a("json");
	int rc;

	ok(collect(r, NULL, &a), "PC A");
	add_nic(r, "eth9", USBNIC, "00:e0:4c:68:00:01\n");
	ok(collect(r, NULL, &a), "PC A with USB adapter");
	/* tap.h's ok() evaluates its condition twice: call once, outside it */
	rc = identity_to_json(&a, &j);
	ok(rc == 0 && j != NULL, "to JSON");
	ok(json_object_object_get_ex(j, "id", &v) && strcmp(json_object_get_string(v), a.id) == 0,
	   "id in JSON");
	ok(json_object_object_get_ex(j, "weak", &v) && json_object_is_type(v, json_type_boolean) &&
	       !json_object_get_boolean(v),
	   "weak in JSON");
	ok(json_object_object_get_ex(j, "dmi", &v) &&
	       json_object_object_get_ex(v, "product_serial", &v) &&
	       strcmp(json_object_get_string(v), "ABC1234") == 0,
	   "dmi.product_serial in JSON");
	ok(json_object_object_get_ex(j, "disks", &v) && json_object_array_length(v) == 2,
	   "two disks in JSON");
	v = json_object_array_get_idx(v, 0);
	ok(v && json_object_object_get_ex(v, "model", NULL) &&
	       json_object_object_get_ex(v, "serial", NULL),
	   "disk has model and serial");
	ok(json_object_object_get_ex(j, "macs", &v) && json_object_array_length(v) == 2,
	   "two MACs in JSON");
	ok(json_object_object_get_ex(j, "ignored", &v) && json_object_array_length(v) >= 1,
	   "ignored list in JSON");
	json_object_put(j);
}

static void cleanup(void)
{
	remove_tree(base);
}

int main(void)
{
	make_tmpdir(base, sizeof(base), "identity");
	atexit(cleanup);

	test_basic();
	test_usb_nic();
	test_usb_disk();
	test_exclude();
	test_other_pc();
	test_placeholders();
	test_uuids();
	test_macs();
	test_missing();
	test_weak();
	test_absolute_links();
	test_hostile();
	test_json();
	return done_testing();
}
