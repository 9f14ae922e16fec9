/* station: see station.h. Everything read from sysfs about a drive (its
 * names, its serial) comes from the drive's own firmware: bounded and
 * escaped like any hostile text. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "resultdoc.h"
#include "station.h"

#define ATTR_MAX 128

/* Reads a sysfs attribute, trailing white space cut; "" when absent. */
static void read_attr(const char *dir, const char *name, char out[ATTR_MAX])
{
	char path[PATH_MAX];
	ssize_t n = -1;
	int fd;

	out[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, out, ATTR_MAX - 1);
		close(fd);
	}
	if (n <= 0)
		n = 0;
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
}

static bool skip_kind(const char *name)
{
	static const char *const prefixes[] = {"loop", "ram", "zram", "sr", "md",
					       "dm-",  "nbd", "fd",   NULL};
	for (size_t i = 0; prefixes[i]; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

int station_is_drive(const char *name)
{
	char dir[PATH_MAX], real[PATH_MAX], v[ATTR_MAX];

	if (name[0] == '.' || skip_kind(name) || strchr(name, '/'))
		return 0;
	snprintf(dir, sizeof(dir), "/sys/block/%s", name);
	read_attr(dir, "size", v);
	if (v[0] == '\0' || strcmp(v, "0") == 0)
		return 0; /* a card reader with no card */
	read_attr(dir, "removable", v);
	if (strcmp(v, "1") == 0)
		return 1;
	return realpath(dir, real) != NULL && strstr(real, "/usb") != NULL;
}

static bool present(const char *name)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "/sys/block/%s", name);
	return access(dir, F_OK) == 0 && station_is_drive(name);
}

static void forget_gone(struct station *s)
{
	for (size_t i = 0; i < s->nseen;) {
		if (present(s->seen[i]))
			i++;
		else
			memmove(s->seen[i], s->seen[--s->nseen], STATION_NAME_MAX);
	}
}

static bool seen(const struct station *s, const char *name)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i], name) == 0)
			return true;
	return false;
}

/* One look at /sys/block: 1 with a new drive, 0 none. */
static int look(struct station *s, char disk[STATION_NAME_MAX], rq_error *err)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int found = 0;

	if (d == NULL)
		return rq_fail_errno(err, errno, "/sys/block");
	forget_gone(s);
	while (!found && (e = readdir(d)) != NULL) {
		if (strlen(e->d_name) >= STATION_NAME_MAX || strcmp(e->d_name, s->skip) == 0 ||
		    seen(s, e->d_name) || !station_is_drive(e->d_name))
			continue;
		if (s->nseen == STATION_MAX_DISKS)
			break;
		snprintf(s->seen[s->nseen++], STATION_NAME_MAX, "%s", e->d_name);
		snprintf(disk, STATION_NAME_MAX, "%s", e->d_name);
		found = 1;
	}
	closedir(d);
	return found;
}

int station_wait(struct station *s, char disk[STATION_NAME_MAX], rq_error *err)
{
	struct timespec poll = {1, 0}, start, now;
	sigset_t stop;
	int rc;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	/* Monotonic: a PC clock that is wrong, or set while the station
	 * waits, must neither end it early nor keep it going for ever. */
	if (clock_gettime(CLOCK_MONOTONIC, &start) != 0)
		return rq_fail_errno(err, errno, "clock_gettime");
	for (;;) {
		if ((rc = look(s, disk, err)) != 0)
			return rc;
		if (s->idle > 0) {
			if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
				return rq_fail_errno(err, errno, "clock_gettime");
			if (now.tv_sec - start.tv_sec >= (time_t)s->idle)
				return STATION_IDLE;
		}
		/* The poll interval is also the wait for a stop: no sleep. */
		if (sigtimedwait(&stop, NULL, &poll) >= 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return rq_fail_errno(err, errno, "sigtimedwait");
	}
}

/* The USB device above the disk: the first ancestor with idVendor. */
static bool usb_dir(const char *disk, char out[PATH_MAX])
{
	char p[PATH_MAX], v[ATTR_MAX];

	snprintf(p, sizeof(p), "/sys/block/%s/device", disk);
	if (realpath(p, out) == NULL)
		return false;
	for (int up = 0; up < 12; up++) {
		char *slash;
		read_attr(out, "idVendor", v);
		if (v[0])
			return true;
		if ((slash = strrchr(out, '/')) == NULL || slash == out)
			return false;
		*slash = '\0';
	}
	return false;
}

static void put_escaped(json_object *o, const char *key, const char *v)
{
	char *esc;

	if (v[0] == '\0') {
		json_object_object_add(o, key, NULL);
		return;
	}
	esc = escape_name(v);
	json_object_object_add(o, key, json_object_new_string(esc ? esc : ""));
	free(esc);
}

json_object *station_identity(const char *disk)
{
	char dir[PATH_MAX], vid[ATTR_MAX] = "", pid[ATTR_MAX] = "", serial[ATTR_MAX] = "";
	char maker[ATTR_MAX] = "", product[ATTR_MAX] = "", key[3 * ATTR_MAX + 8], hex[65];
	unsigned char h[crypto_hash_sha256_BYTES];
	json_object *o = json_object_new_object(), *usb = json_object_new_object();

	if (o == NULL || usb == NULL) {
		json_object_put(o);
		json_object_put(usb);
		return NULL;
	}
	if (usb_dir(disk, dir)) {
		read_attr(dir, "idVendor", vid);
		read_attr(dir, "idProduct", pid);
		read_attr(dir, "serial", serial);
		read_attr(dir, "manufacturer", maker);
		read_attr(dir, "product", product);
	}
	snprintf(key, sizeof(key), "usb:%s:%s:%s", vid, pid, serial);
	crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	json_object_object_add(
	    o, "kind", json_object_new_string(resultdoc_device_kind_name(RESULTDOC_REMOVABLE)));
	json_object_object_add(o, "id", json_object_new_string(hex));
	json_object_object_add(o, "weak", json_object_new_boolean(serial[0] == '\0'));
	put_escaped(usb, "vendor_id", vid);
	put_escaped(usb, "product_id", pid);
	put_escaped(usb, "manufacturer", maker);
	put_escaped(usb, "product", product);
	put_escaped(usb, "serial", serial);
	json_object_object_add(o, "usb", usb);
	return o;
}
