/* windows: which Windows installation lives on a volume, read offline from
 * its SYSTEM and SOFTWARE hives with hivex. The volume comes from an
 * infected PC: names are matched case-insensitively (ntfs-3g is
 * case-sensitive, Windows is not), symlinks are never followed, every string
 * is bounded and escaped, and a hive that hivex cannot read becomes a line in
 * "errors" rather than a failed scan. */
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "windows/windows.h"
#include "windows/winpath.h"

/* No identity string is longer than this on a real PC (a computer name is at
 * most 63 bytes in UTF-8, a product name some 40); a hostile hive could hold
 * megabytes. */
#define WINDOWS_STR_MAX 256

/* Appends "fmt..." to the errors array. Returns 0, or -1 when out of
 * memory (the only failure that stops windows_identity). */
__attribute__((format(printf, 2, 3))) static int note(json_object *errors, const char *fmt, ...)
{
	char msg[512];
	json_object *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s = json_object_new_string(msg);
	if (s == NULL)
		return -1;
	if (json_object_array_add(errors, s) != 0) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

/* Adds key: str to obj, taking str (already bounded and escaped). */
static int put_string(json_object *obj, const char *key, const char *str)
{
	json_object *s = json_object_new_string(str);

	if (s == NULL)
		return -1;
	if (json_object_object_add(obj, key, s) != 0) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

/* --- finding the hives --------------------------------------------------- */

/* Opens the directory called want (any case) in dirfd, never through a
 * symlink. Returns the descriptor, or -1 with errno (ENOENT: not there). */
static int open_dir_ci(int dirfd, const char *want)
{
	char name[WINPATH_NAME_MAX];
	int r = winpath_find(dirfd, want, S_IFDIR, name);

	if (r <= 0) {
		if (r == 0)
			errno = ENOENT;
		return -1;
	}
	/* O_NOFOLLOW again: the entry may have changed since it was looked at. */
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Opens Windows/System32/config under rootfd. Returns the descriptor, or -1
 * with errno (ENOENT: no Windows installation here). */
static int open_config_dir(int rootfd)
{
	static const char *const path[] = {"Windows", "System32", "config"};
	int fd = rootfd, next, saved;

	for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		next = open_dir_ci(fd, path[i]);
		saved = errno;
		if (fd != rootfd)
			close(fd);
		if (next < 0) {
			errno = saved;
			return -1;
		}
		fd = next;
	}
	return fd;
}

/* Opens the hive called name (any case) in the config directory. Returns the
 * handle, or NULL with why filled in for the errors list. */
static hive_h *open_hive(int cfgfd, const char *name, char *why, size_t whysz)
{
	char found[WINPATH_NAME_MAX], proc[64];
	struct stat st;
	hive_h *h;
	int fd, r, saved;

	r = winpath_find(cfgfd, name, S_IFREG, found);
	if (r <= 0) {
		snprintf(why, whysz, r == 0 ? "not found" : "cannot list config: %s",
			 strerror(errno));
		return NULL;
	}
	/* hivex opens by path; going through /proc/self/fd makes it open the
	 * very file checked here, not whatever a symlink swapped in since.
	 * O_NONBLOCK so a FIFO cannot hang the scan before fstat rejects it. */
	fd = openat(cfgfd, found, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysz, "cannot open hive: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(why, whysz, "cannot open hive: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "not a regular file");
		close(fd);
		return NULL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	h = hivex_open(proc, 0); /* 0: read-only, strict, quiet */
	saved = errno;
	close(fd);
	/* hivex says EINVAL for a short file or bad checksum and ENOTSUP for
	 * a wrong magic or bin: both mean the file is damaged, not the disk. */
	if (h == NULL && (saved == EINVAL || saved == ENOTSUP || saved == EFAULT))
		snprintf(why, whysz,
			 "cannot open hive: not a valid hive, corrupt or truncated (%s)",
			 strerror(saved));
	else if (h == NULL)
		snprintf(why, whysz, "cannot open hive: %s", strerror(saved));
	return h;
}

/* --- reading values ------------------------------------------------------ */

/* Follows the backslash-separated path from the hive's root (hivex matches
 * key names case-insensitively, as Windows does). Returns the node, or 0
 * with errno 0 when a key is missing, set when the hive is corrupt there. */
static hive_node_h reg_key(hive_h *h, const char *path)
{
	char buf[256], *part, *save = NULL;
	hive_node_h node = hivex_root(h);

	errno = 0;
	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return 0;
	for (part = strtok_r(buf, "\\", &save); part != NULL && node != 0;
	     part = strtok_r(NULL, "\\", &save))
		node = hivex_node_get_child(h, node, part);
	return node;
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	s[n] = '\0';
}

/* Reads the string value name of node into *out (UTF-8, bounded, escaped;
 * the caller frees). Returns 1, 0 when there is no such value, -1 when it is
 * unreadable or not a string (errno says why). */
static int reg_string(hive_h *h, hive_node_h node, const char *name, char **out)
{
	hive_value_h v;
	char *raw;

	*out = NULL;
	errno = 0;
	v = hivex_node_get_value(h, node, name);
	if (v == 0)
		return errno == 0 ? 0 : -1;
	raw = hivex_value_string(h, v); /* converts UTF-16LE to UTF-8 */
	if (raw == NULL)
		return -1;
	cut_utf8(raw, WINDOWS_STR_MAX);
	*out = escape_name(raw);
	free(raw);
	if (*out == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 1;
}

/* Reads the DWORD value name of node. Returns 1, 0 when there is no such
 * value, -1 when it is unreadable or not a DWORD (errno says why). */
static int reg_dword(hive_h *h, hive_node_h node, const char *name, uint32_t *out)
{
	hive_value_h v;
	hive_type t;
	size_t len;
	int32_t d;

	errno = 0;
	v = hivex_node_get_value(h, node, name);
	if (v == 0)
		return errno == 0 ? 0 : -1;
	if (hivex_value_type(h, v, &t, &len) < 0)
		return -1;
	if ((t != hive_t_REG_DWORD && t != hive_t_REG_DWORD_BIG_ENDIAN) || len != 4) {
		errno = EINVAL;
		return -1;
	}
	/* -1 is also a valid DWORD: only errno tells a failure. */
	errno = 0;
	d = hivex_value_dword(h, v);
	if (d == -1 && errno != 0)
		return -1;
	*out = (uint32_t)d;
	return 1;
}

/* Reads a string value into key of id; a missing value is noted only when
 * required. Returns 0, or -1 when out of memory. */
static int take_string(hive_h *h, hive_node_h node, const char *hive, const char *name,
		       bool required, json_object *id, const char *key, json_object *errors)
{
	char *s;
	int r = reg_string(h, node, name, &s), rc;

	if (r < 0)
		return note(errors, "%s: %s: %s", hive, name,
			    errno == EINVAL ? "not a string" : strerror(errno));
	if (r == 0)
		return required ? note(errors, "%s: no %s value", hive, name) : 0;
	rc = put_string(id, key, s);
	free(s);
	return rc;
}

/* --- SYSTEM: the computer name ------------------------------------------- */

/* The control set Windows boots with (Select\Current, as CurrentControlSet
 * is no key in the hive), or 1 when that is missing or out of range. */
static unsigned current_control_set(hive_h *h)
{
	hive_node_h sel = reg_key(h, "Select");
	uint32_t cur;

	if (sel == 0 || reg_dword(h, sel, "Current", &cur) != 1 || cur < 1 || cur > 999)
		return 1;
	return cur;
}

static int read_system(int cfgfd, json_object *id, json_object *errors)
{
	char why[256], path[128];
	unsigned set;
	hive_node_h node;
	hive_h *h;
	int rc;

	h = open_hive(cfgfd, "SYSTEM", why, sizeof(why));
	if (h == NULL)
		return note(errors, "SYSTEM: %s", why);
	set = current_control_set(h);
	snprintf(path, sizeof(path), "ControlSet%03u\\Control\\ComputerName\\ComputerName", set);
	node = reg_key(h, path);
	if (node == 0 && set != 1) {
		/* A Select pointing at a missing set: take the usual one. */
		snprintf(path, sizeof(path), "ControlSet001\\Control\\ComputerName\\ComputerName");
		node = reg_key(h, path);
	}
	if (node == 0)
		rc = note(errors, "SYSTEM: %s %s key", errno == 0 ? "no" : "corrupt hive at", path);
	else
		rc = take_string(h, node, "SYSTEM", "ComputerName", true, id, "computer_name",
				 errors);
	hivex_close(h);
	return rc;
}

/* --- SOFTWARE: product, version, build, install date --------------------- */

/* Windows 11 kept ProductName "Windows 10 Pro" etc. for compatibility with
 * old version checks; Microsoft's own tools tell them apart by build 22000
 * and later. Rewrites product in place (same length) when that applies. */
static void fix_windows_11(char *product, const char *build)
{
	const char *w10 = "Windows 10";
	char *end;
	unsigned long b;

	if (strncmp(product, w10, strlen(w10)) != 0 ||
	    (product[strlen(w10)] != ' ' && product[strlen(w10)] != '\0') || build[0] < '0' ||
	    build[0] > '9')
		return;
	errno = 0;
	b = strtoul(build, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != '.') || b < 22000)
		return;
	product[strlen("Windows 1")] = '1';
}

/* The build as "22631.2861": CurrentBuild (or, before Windows 10,
 * CurrentBuildNumber) and the update build revision when there is one.
 * Returns 0 (build left empty when unknown), or -1 when out of memory. */
static int read_build(hive_h *h, hive_node_h cv, char *build, size_t buildsz, json_object *errors)
{
	char *s = NULL;
	uint32_t ubr;
	int r, saved;

	build[0] = '\0';
	r = reg_string(h, cv, "CurrentBuild", &s);
	if (r == 0)
		r = reg_string(h, cv, "CurrentBuildNumber", &s);
	if (r < 0)
		return note(errors, "SOFTWARE: CurrentBuild: %s",
			    errno == EINVAL ? "not a string" : strerror(errno));
	if (r == 0)
		return 0;
	r = reg_dword(h, cv, "UBR", &ubr);
	saved = errno;
	if (r == 1)
		snprintf(build, buildsz, "%s.%u", s, ubr);
	else
		snprintf(build, buildsz, "%s", s);
	free(s);
	if (r < 0)
		return note(errors, "SOFTWARE: UBR: %s",
			    saved == EINVAL ? "not a DWORD" : strerror(saved));
	return 0;
}

/* InstallDate is seconds since 1970 (UTC), stored as a DWORD. */
static int read_install_date(hive_h *h, hive_node_h cv, json_object *id, json_object *errors)
{
	char iso[32];
	uint32_t secs;
	time_t t;
	struct tm tm;
	int r = reg_dword(h, cv, "InstallDate", &secs);

	if (r < 0)
		return note(errors, "SOFTWARE: InstallDate: %s",
			    errno == EINVAL ? "not a DWORD" : strerror(errno));
	if (r == 0 || secs == 0)
		return 0;
	t = (time_t)secs;
	if (gmtime_r(&t, &tm) == NULL || strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return note(errors, "SOFTWARE: InstallDate: out of range");
	return put_string(id, "install_date", iso);
}

/* ProductName, fixed up for Windows 11 by the build. */
static int read_product(hive_h *h, hive_node_h cv, const char *build, json_object *id,
			json_object *errors)
{
	char *s;
	int r = reg_string(h, cv, "ProductName", &s), rc;

	if (r < 0)
		return note(errors, "SOFTWARE: ProductName: %s",
			    errno == EINVAL ? "not a string" : strerror(errno));
	if (r == 0)
		return note(errors, "SOFTWARE: no ProductName value");
	fix_windows_11(s, build);
	rc = put_string(id, "product_name", s);
	free(s);
	return rc;
}

static int read_software_values(hive_h *h, hive_node_h cv, json_object *id, json_object *errors)
{
	char build[4 * WINDOWS_STR_MAX + 16]; /* escaping may quadruple */
	bool has_display;

	if (read_build(h, cv, build, sizeof(build), errors) < 0)
		return -1;
	if (build[0] != '\0' && put_string(id, "build", build) < 0)
		return -1;
	if (read_product(h, cv, build, id, errors) < 0)
		return -1;
	/* DisplayVersion ("23H2") since 20H2; ReleaseId ("2004") before. */
	if (take_string(h, cv, "SOFTWARE", "DisplayVersion", false, id, "display_version", errors) <
	    0)
		return -1;
	has_display = json_object_object_get_ex(id, "display_version", NULL);
	if (!has_display &&
	    take_string(h, cv, "SOFTWARE", "ReleaseId", false, id, "display_version", errors) < 0)
		return -1;
	return read_install_date(h, cv, id, errors);
}

static int read_software(int cfgfd, json_object *id, json_object *errors)
{
	char why[256];
	hive_node_h cv;
	hive_h *h;
	int rc;

	h = open_hive(cfgfd, "SOFTWARE", why, sizeof(why));
	if (h == NULL)
		return note(errors, "SOFTWARE: %s", why);
	cv = reg_key(h, "Microsoft\\Windows NT\\CurrentVersion");
	if (cv == 0)
		rc = note(errors, "SOFTWARE: %s CurrentVersion key",
			  errno == 0 ? "no" : "corrupt hive at");
	else
		rc = read_software_values(h, cv, id, errors);
	hivex_close(h);
	return rc;
}

/* --- the whole -------------------------------------------------------------- */

int windows_identity(const char *root, json_object **out, rq_error *err)
{
	json_object *id, *errors;
	int rootfd, cfgfd, saved;

	*out = NULL;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rq_fail_errno(err, errno, "%s", root);
	cfgfd = open_config_dir(rootfd);
	saved = errno;
	close(rootfd);
	/* ELOOP, ENOTDIR: an entry changed since it was looked at. */
	if (cfgfd < 0 && (saved == ENOENT || saved == ELOOP || saved == ENOTDIR))
		return 0;
	id = json_object_new_object();
	errors = json_object_new_array();
	if (id == NULL || errors == NULL || json_object_object_add(id, "errors", errors) != 0) {
		json_object_put(errors);
		goto oom;
	}
	if (cfgfd < 0) {
		/* A disk error on the way down: there is a Windows directory
		 * we could not look into, which is worth telling. */
		if (note(errors, "Windows/System32/config: %s", strerror(saved)) < 0)
			goto oom;
	} else if (read_system(cfgfd, id, errors) < 0 || read_software(cfgfd, id, errors) < 0) {
		goto oom;
	}
	if (cfgfd >= 0)
		close(cfgfd);
	*out = id;
	return 1;
oom:
	if (cfgfd >= 0)
		close(cfgfd);
	json_object_put(id);
	return rq_fail(err, "%s: Windows identity: out of memory", root);
}
