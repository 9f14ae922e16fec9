/* bootcrit: the documented list of files Windows needs to start, plus the
 * drivers its SYSTEM hive loads at boot (see bootcrit.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "live/act.h"
#include "windows/bootcrit.h"
#include "windows/winpath.h"

/* At most this many boot drivers are taken from a hive: a real Windows has
 * some 100-200; a hostile hive could list millions of services. */
#define BOOTCRIT_MAX_DRIVERS 4096

struct bootcrit {
	char **drivers; /* lowercase relative paths */
	size_t n;
	bool no_system; /* SYSTEM unreadable: every driver counts */
};

/* Relative to the volume root, compared ignoring case, '/' separated;
 * fnmatch patterns with FNM_PATHNAME. Boot loaders first, then the kernel
 * and HAL, then the processes of a logon and the libraries every one of
 * them loads, then the hives (a false positive in a hive file must not
 * delete the registry). */
static const char *const fixed[] = {
    "bootmgr",
    "bootmgr.efi",
    "Boot/BCD",
    "Boot/bootsect.bak",
    "EFI/Microsoft/Boot/*",
    "EFI/Microsoft/Boot/*/*",
    "EFI/Boot/bootx64.efi",
    "EFI/Boot/bootia32.efi",
    "Windows/System32/winload.exe",
    "Windows/System32/winload.efi",
    "Windows/System32/winresume.exe",
    "Windows/System32/winresume.efi",
    "Windows/System32/ntoskrnl.exe",
    "Windows/System32/ntkrnlpa.exe",
    "Windows/System32/ntkrnlmp.exe",
    "Windows/System32/ntkrpamp.exe",
    "Windows/System32/hal*.dll",
    "Windows/System32/ci.dll",
    "Windows/System32/kdcom.dll",
    "Windows/System32/bootvid.dll",
    "Windows/System32/pshed.dll",
    "Windows/System32/smss.exe",
    "Windows/System32/csrss.exe",
    "Windows/System32/csrsrv.dll",
    "Windows/System32/basesrv.dll",
    "Windows/System32/winsrv.dll",
    "Windows/System32/wininit.exe",
    "Windows/System32/winlogon.exe",
    "Windows/System32/services.exe",
    "Windows/System32/lsass.exe",
    "Windows/System32/lsasrv.dll",
    "Windows/System32/lsm.exe",
    "Windows/System32/svchost.exe",
    "Windows/SysWOW64/svchost.exe",
    "Windows/System32/userinit.exe",
    "Windows/SysWOW64/userinit.exe",
    "Windows/explorer.exe",
    "Windows/SysWOW64/explorer.exe",
    "Windows/System32/logonui.exe",
    "Windows/System32/ntdll.dll",
    "Windows/SysWOW64/ntdll.dll",
    "Windows/System32/kernel32.dll",
    "Windows/SysWOW64/kernel32.dll",
    "Windows/System32/kernelbase.dll",
    "Windows/SysWOW64/kernelbase.dll",
    "Windows/System32/win32k*.sys",
    "Windows/System32/config/SYSTEM",
    "Windows/System32/config/SOFTWARE",
    "Windows/System32/config/SAM",
    "Windows/System32/config/SECURITY",
    "Windows/System32/config/DEFAULT",
};

/* ImagePath as Windows writes it ("system32\DRIVERS\disk.sys",
 * "\SystemRoot\System32\drivers\x.sys", "\??\C:\Windows\...",
 * "%SystemRoot%\...") to a lowercase path relative to the volume root, or
 * NULL when it names no file on this volume. */
static char *driver_path(const char *image, const char *service)
{
	static const struct {
		const char *prefix, *with;
	} prefixes[] = {
	    {"\\systemroot\\", "windows/"},
	    {"systemroot\\", "windows/"},
	    {"%systemroot%\\", "windows/"},
	    {"%windir%\\", "windows/"},
	    {"system32\\", "windows/system32/"},
	    {"\\??\\", ""},
	    {"\\\\?\\", ""},
	};
	char buf[600], *out;
	const char *with = "";
	size_t skip = 0;

	if (image == NULL || image[0] == '\0') {
		/* No ImagePath: the kernel loads drivers\NAME.sys. */
		if (snprintf(buf, sizeof(buf), "windows/system32/drivers/%s.sys", service) >=
		    (int)sizeof(buf))
			return NULL;
	} else {
		const char *s = image + (image[0] == '"');
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			if (strncasecmp(s, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0) {
				skip = strlen(prefixes[i].prefix);
				with = prefixes[i].with;
				break;
			}
		s += skip;
		if (isalpha((unsigned char)s[0]) && s[1] == ':' && s[2] == '\\')
			s += 3; /* a drive: the Windows volume is the one scanned */
		if (snprintf(buf, sizeof(buf), "%s%s", with, s) >= (int)sizeof(buf))
			return NULL;
		buf[strcspn(buf, "\"")] = '\0';
	}
	for (char *p = buf; *p; p++)
		*p = *p == '\\' ? '/' : (char)tolower((unsigned char)*p);
	out = strdup(buf[0] == '/' ? buf + 1 : buf);
	return out;
}

static int add_driver(struct bootcrit *b, const char *image, const char *service, size_t *cap)
{
	char *p = driver_path(image, service);

	if (p == NULL)
		return image && image[0] ? 0 : -1;
	if (b->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		char **d = realloc(b->drivers, ncap * sizeof(*d));
		if (d == NULL) {
			free(p);
			return -1;
		}
		b->drivers = d;
		*cap = ncap;
	}
	b->drivers[b->n++] = p;
	return 0;
}

/* Every service of the boot control set with Start 0 (boot) or 1 (system). */
static int read_drivers(struct bootcrit *b, hive_h *h)
{
	char set[32];
	hive_node_h services, *kids;
	size_t cap = 0;
	int rc = 0;

	snprintf(set, sizeof(set), "ControlSet%03u\\Services", winpath_control_set(h));
	services = winpath_reg_key(h, hivex_root(h), set);
	if (services == 0 || (kids = hivex_node_children(h, services)) == NULL)
		return 1; /* no services: treat as unreadable */
	for (size_t i = 0; kids[i] != 0 && rc == 0 && b->n < BOOTCRIT_MAX_DRIVERS; i++) {
		unsigned start;
		char *name, *image;
		if (winpath_reg_dword(h, kids[i], "Start", &start) != 1 || start > 1)
			continue;
		name = hivex_node_name(h, kids[i]);
		if (name == NULL)
			continue;
		image = winpath_reg_string(h, kids[i], "ImagePath", 512);
		if (strlen(name) < 256)
			rc = add_driver(b, image, name, &cap);
		free(image);
		free(name);
	}
	free(kids);
	return rc;
}

int bootcrit_load(const char *root, struct bootcrit **out, rq_error *err)
{
	struct bootcrit *b = calloc(1, sizeof(*b));
	char rel[WINPATH_MAX], why[256];
	hive_h *h = NULL;
	int rootfd, rc = 1;

	*out = NULL;
	if (b == NULL)
		return rq_fail(err, "out of memory");
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		free(b);
		return rq_fail_errno(err, errno, "%s", root);
	}
	if (winpath_resolve(rootfd, "Windows\\System32\\config\\SYSTEM", S_IFREG, rel,
			    sizeof(rel)) == 1)
		h = winpath_open_hive(rootfd, rel, 0, why, sizeof(why));
	close(rootfd);
	if (h) {
		rc = read_drivers(b, h);
		hivex_close(h);
	}
	if (rc < 0) {
		bootcrit_free(b);
		return rq_fail(err, "out of memory");
	}
	b->no_system = rc != 0;
	*out = b;
	return 0;
}

bool bootcrit_is(const struct bootcrit *b, const char *rel)
{
	while (*rel == '/')
		rel++;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fnmatch(fixed[i], rel, FNM_PATHNAME | FNM_CASEFOLD) == 0)
			return true;
	if (b == NULL || b->no_system)
		return fnmatch("Windows/System32/drivers/*.sys", rel,
			       FNM_PATHNAME | FNM_CASEFOLD) == 0;
	for (size_t i = 0; i < b->n; i++)
		if (strcasecmp(b->drivers[i], rel) == 0)
			return true;
	return false;
}

size_t bootcrit_mark(const struct bootcrit *b, const char *root, struct detection *dets, size_t n)
{
	size_t marked = 0;

	for (size_t i = 0; i < n; i++) {
		struct detection *d = &dets[i];
		char *detail;
		if (!act_under(root, d->path) || !bootcrit_is(b, d->path + strlen(root) + 1))
			continue;
		/* The outcome matters more than its words: set even when the
		 * detail cannot be. */
		detail = strdup(BOOTCRIT_ADVICE);
		free(d->detail);
		d->detail = detail;
		d->outcome = RESULTDOC_NEEDS_REPAIR;
		marked++;
	}
	return marked;
}

size_t bootcrit_drivers(const struct bootcrit *b)
{
	return b->no_system ? (size_t)-1 : b->n;
}

void bootcrit_free(struct bootcrit *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->drivers[i]);
	free(b->drivers);
	free(b);
}
