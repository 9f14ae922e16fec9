/* Unit tests for scanner/windows: real SYSTEM and SOFTWARE hives, made from
 * the hivex project's empty hive with hivexregedit, laid out in Windows
 * trees with the odd letter case ntfs-3g shows, next to truncated, garbage,
 * corrupted and symlinked ones that must be recorded and never followed. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"
#include "windows/windows.h"

static char base[PATH_MAX];
static const char *hive_minimal;

/* --- building fixtures ----------------------------------------------------- */

/* Reads at most max bytes of path into a new buffer. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	char *buf = malloc(max);
	FILE *f = fopen(path, "rb");

	if (buf == NULL || f == NULL)
		die("read", path);
	*len = fread(buf, 1, max, f);
	if (ferror(f))
		die("read", path);
	fclose(f);
	return buf;
}

static void copy_file(const char *from, const char *to, size_t max)
{
	size_t len;
	char *buf = read_file(from, max, &len);

	write_file(to, buf, len);
	free(buf);
}

/* Runs hivexregedit --merge without a shell. PERL_UNICODE=SDA makes it read
 * the .reg file as UTF-8: without it every byte of "Ế" becomes its own
 * UTF-16 unit in the hive. */
static void regedit(const char *hive, const char *prefix, const char *regfile)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork", hive);
	if (pid == 0) {
		setenv("PERL_UNICODE", "SDA", 1);
		execlp("hivexregedit", "hivexregedit", "--merge", "--prefix", prefix, hive, regfile,
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = 0;
		die("hivexregedit --merge failed for", hive);
	}
}

/* Makes the hive at path from the empty hive and the .reg text (its header
 * added here; hivexregedit wants every parent key listed before a child). */
static void make_hive(const char *path, const char *which, const char *reg)
{
	char regfile[PATH_MAX], prefix[64], text[8192];

	copy_file(hive_minimal, path, 1 << 20);
	FMT(regfile, "%s.reg", path);
	FMT(text, "Windows Registry Editor Version 5.00\n\n%s", reg);
	write_file(regfile, text, strlen(text));
	FMT(prefix, "HKEY_LOCAL_MACHINE\\%s", which);
	regedit(path, prefix, regfile);
	if (unlink(regfile) < 0)
		die("unlink", regfile);
}

/* base/name, made as a directory. */
static const char *root_dir(const char *name)
{
	static char path[PATH_MAX];

	FMT(path, "%s/%s", base, name);
	mkdirs(path);
	return path;
}

/* The .reg texts read best laid out as the files they make. */
/* clang-format off */
#define SYS_COMPUTERNAME(set) \
	"[HKEY_LOCAL_MACHINE\\SYSTEM\\" set "]\n\n" \
	"[HKEY_LOCAL_MACHINE\\SYSTEM\\" set "\\Control]\n\n" \
	"[HKEY_LOCAL_MACHINE\\SYSTEM\\" set "\\Control\\ComputerName]\n\n" \
	"[HKEY_LOCAL_MACHINE\\SYSTEM\\" set "\\Control\\ComputerName\\ComputerName]\n"

#define SW_CURRENTVERSION \
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\n\n" \
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT]\n\n" \
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n"

/* A Windows 10 22H2 whose current control set is the second one. */
static const char sys_w10[] =
	"[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
	"\"Current\"=dword:00000002\n\n"
	SYS_COMPUTERNAME("ControlSet001")
	"\"ComputerName\"=\"OLD-NAME\"\n\n"
	SYS_COMPUTERNAME("ControlSet002")
	"\"ComputerName\"=\"KẾ-TOÁN-01\"\n";
static const char sw_w10[] =
	SW_CURRENTVERSION
	"\"ProductName\"=\"Windows 10 Pro\"\n"
	"\"DisplayVersion\"=\"22H2\"\n"
	"\"ReleaseId\"=\"2009\"\n"
	"\"CurrentBuild\"=\"19045\"\n"
	"\"CurrentBuildNumber\"=\"19045\"\n"
	"\"UBR\"=dword:00000edb\n"
	"\"InstallDate\"=dword:5f5e1000\n";

/* Windows 11 still says "Windows 10" in ProductName; Select names a control
 * set that is not there, and there is no DisplayVersion. */
static const char sys_w11[] =
	"[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
	"\"Current\"=dword:00000003\n\n"
	SYS_COMPUTERNAME("ControlSet001")
	"\"ComputerName\"=\"PHÒNG-MỘT-CỬA\"\n";
static const char sw_w11[] =
	SW_CURRENTVERSION
	"\"ProductName\"=\"Windows 10 Enterprise\"\n"
	"\"ReleaseId\"=\"2009\"\n"
	"\"CurrentBuildNumber\"=\"22631\"\n";

/* Values of the wrong type, a name with a control character, no Select. */
static const char sys_odd[] =
	SYS_COMPUTERNAME("ControlSet001")
	"\"ComputerName\"=hex(1):41,00,01,00,42,00,00,00\n";
static const char sw_odd[] =
	SW_CURRENTVERSION
	"\"ProductName\"=dword:00000001\n"
	"\"CurrentBuild\"=\"7601\"\n"
	"\"InstallDate\"=\"yesterday\"\n";
/* clang-format on */

/* Lays out a Windows tree under root with the hive files named as given. */
static void make_windows(const char *root, const char *cfg, const char *sys_name,
			 const char *sys_reg, const char *sw_name, const char *sw_reg)
{
	char path[PATH_MAX];

	if (sys_reg != NULL) {
		FMT(path, "%s/%s/%s", root, cfg, sys_name);
		make_hive(path, "SYSTEM", sys_reg);
	}
	if (sw_reg != NULL) {
		FMT(path, "%s/%s/%s", root, cfg, sw_name);
		make_hive(path, "SOFTWARE", sw_reg);
	}
}

/* --- looking at results ------------------------------------------------------- */

static const char *field(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static size_t n_errors(json_object *o)
{
	json_object *e;

	if (o == NULL || !json_object_object_get_ex(o, "errors", &e))
		return (size_t)-1;
	return json_object_array_length(e);
}

/* Whether an entry of "errors" starts with prefix; prints them if not. */
static bool has_error(json_object *o, const char *prefix)
{
	json_object *e;

	if (o == NULL || !json_object_object_get_ex(o, "errors", &e))
		return false;
	for (size_t i = 0; i < json_object_array_length(e); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(e, i));

		if (strncmp(s, prefix, strlen(prefix)) == 0)
			return true;
	}
	printf("#   no error starting '%s' in %s\n", prefix,
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	return false;
}

static int identify(const char *root, json_object **out)
{
	rq_error err = {{0}};
	int r = windows_identity(root, out, &err);

	if (r < 0)
		printf("#   windows_identity: %s\n", err.msg);
	return r;
}

/* --- the tests ------------------------------------------------------------ */

static void test_windows10(void)
{
	const char *root = root_dir("w10");
	json_object *id = NULL;

	make_windows(root, "windows/system32/CONFIG", "system", sys_w10, "Software", sw_w10);
	ok(identify(root, &id) == 1, "a Windows tree in odd case is found");
	is_str(field(id, "computer_name"), "KẾ-TOÁN-01",
	       "computer name from the current control set, UTF-16 to UTF-8");
	is_str(field(id, "product_name"), "Windows 10 Pro", "product name");
	is_str(field(id, "display_version"), "22H2", "DisplayVersion wins over ReleaseId");
	is_str(field(id, "build"), "19045.3803", "CurrentBuild with UBR");
	is_str(field(id, "install_date"), "2020-09-13T12:26:40Z", "InstallDate in UTC");
	ok(n_errors(id) == 0, "no errors");
	json_object_put(id);
}

static void test_windows11(void)
{
	const char *root = root_dir("w11");
	json_object *id = NULL;

	make_windows(root, "WINDOWS/System32/config", "SYSTEM", sys_w11, "SOFTWARE", sw_w11);
	ok(identify(root, &id) == 1, "Windows 11 found");
	is_str(field(id, "product_name"), "Windows 11 Enterprise",
	       "build 22000+ turns 'Windows 10' into 'Windows 11'");
	is_str(field(id, "build"), "22631", "CurrentBuildNumber when CurrentBuild is absent");
	is_str(field(id, "display_version"), "2009", "ReleaseId without DisplayVersion");
	is_str(field(id, "computer_name"), "PHÒNG-MỘT-CỬA",
	       "Select naming a missing control set falls back to ControlSet001");
	ok(field(id, "install_date") == NULL, "no InstallDate, none reported");
	ok(n_errors(id) == 0, "optional values missing are no errors");
	json_object_put(id);
}

static void test_odd_values(void)
{
	const char *root = root_dir("odd");
	json_object *id = NULL;
	char name[400], reg[4096], path[PATH_MAX];

	make_windows(root, "Windows/System32/config", "SYSTEM", sys_odd, "SOFTWARE", sw_odd);
	ok(identify(root, &id) == 1, "hive with odd values read");
	is_str(field(id, "computer_name"), "A\\x01B",
	       "no Select: ControlSet001; control character escaped");
	ok(field(id, "product_name") == NULL &&
	       has_error(id, "SOFTWARE: ProductName: not a string"),
	   "ProductName as a DWORD recorded");
	ok(field(id, "install_date") == NULL && has_error(id, "SOFTWARE: InstallDate: not a DWORD"),
	   "InstallDate as a string recorded");
	is_str(field(id, "build"), "7601", "build read despite the rest");
	json_object_put(id);

	/* A 300-character name (Vietnamese, 3 bytes a letter) is cut whole. */
	name[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(name, "Ế");
	FMT(reg, SYS_COMPUTERNAME("ControlSet001") "\"ComputerName\"=\"%s\"\n", name);
	FMT(path, "%s/Windows/System32/config/SYSTEM", root);
	make_hive(path, "SYSTEM", reg);
	ok(identify(root, &id) == 1, "hive with a long name read");
	ok(field(id, "computer_name") != NULL && strlen(field(id, "computer_name")) == 255 &&
	       strncmp(field(id, "computer_name"), name, 255) == 0,
	   "long name bounded to 256 bytes without splitting a character");
	json_object_put(id);
}

static void test_no_windows(void)
{
	const char *root = root_dir("data");
	char path[PATH_MAX];
	json_object *id = (json_object *)1;
	rq_error err;

	FMT(path, "%s/Users/a.txt", root);
	write_file(path, "x", 1);
	ok(windows_identity(root, &id, &err) == 0 && id == NULL, "no Windows directory: 0");
	FMT(path, "%s/windows/notes.txt", root);
	write_file(path, "x", 1);
	ok(windows_identity(root, &id, &err) == 0 && id == NULL,
	   "a folder named windows without System32/config: 0");
	FMT(path, "%s/nonexistent", base);
	ok(windows_identity(path, &id, &err) == -1 && strstr(err.msg, "nonexistent") != NULL,
	   "a root that is not there: -1 with a message");
}

static void test_missing_keys(void)
{
	const char *root = root_dir("empty");
	char path[PATH_MAX];
	json_object *id = NULL;

	FMT(path, "%s/Windows/System32/config/SYSTEM", root);
	copy_file(hive_minimal, path, 1 << 20);
	FMT(path, "%s/Windows/System32/config/software", root);
	copy_file(hive_minimal, path, 1 << 20);
	ok(identify(root, &id) == 1, "empty hives: still a Windows installation");
	ok(has_error(id, "SYSTEM: no ControlSet001\\Control\\ComputerName\\ComputerName key"),
	   "missing ComputerName key recorded");
	ok(has_error(id, "SOFTWARE: no CurrentVersion key"), "missing CurrentVersion recorded");
	json_object_put(id);

	root = root_dir("half");
	FMT(path, "%s/Windows/System32/config/SOFTWARE", root);
	make_hive(path, "SOFTWARE", sw_w10);
	ok(identify(root, &id) == 1 && has_error(id, "SYSTEM: not found") && n_errors(id) == 1,
	   "a missing SYSTEM hive recorded, SOFTWARE still read");
	is_str(field(id, "product_name"), "Windows 10 Pro", "product name without SYSTEM");
	json_object_put(id);
}

static void test_broken_hives(void)
{
	const char *root = root_dir("broken");
	char good[PATH_MAX], path[PATH_MAX];
	char garbage[65536];
	json_object *id = NULL;
	size_t len;
	char *buf;

	FMT(good, "%s/good-system", base);
	make_hive(good, "SYSTEM", sys_w10);
	buf = read_file(good, 1 << 20, &len);
	FMT(path, "%s/Windows/System32/config/SYSTEM", root);
	write_file(path, buf, 5000);
	srand(6);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)rand();
	FMT(path, "%s/Windows/System32/config/SOFTWARE", root);
	write_file(path, garbage, sizeof(garbage));
	ok(identify(root, &id) == 1, "truncated and garbage hives: not fatal");
	ok(has_error(id, "SYSTEM: cannot open hive: "), "truncated SYSTEM recorded");
	ok(has_error(id, "SOFTWARE: cannot open hive: "), "garbage SOFTWARE recorded");
	ok(field(id, "computer_name") == NULL, "nothing made up");
	json_object_put(id);

	/* Every 64th stretch of the hive bins overwritten, and the hive cut
	 * at every 512 bytes past the header: whatever hivex makes of it,
	 * windows_identity returns 1 and the sanitizers stay quiet. */
	FMT(path, "%s/Windows/System32/config/SYSTEM", root);
	bool all = true;
	for (size_t off = 4096; off + 16 <= len; off += 64) {
		char *bad = malloc(len);

		if (bad == NULL)
			die("malloc", path);
		memcpy(bad, buf, len);
		memset(bad + off, (off / 64) % 2 ? 0xff : 0x00, 16);
		write_file(path, bad, len);
		free(bad);
		all = identify(root, &id) == 1 && all;
		json_object_put(id);
		id = NULL;
	}
	for (size_t cut = 4096; cut < len; cut += 512) {
		write_file(path, buf, cut);
		all = identify(root, &id) == 1 && all;
		json_object_put(id);
		id = NULL;
	}
	ok(all, "corrupted and cut hives never fail the call");
	free(buf);
}

static void test_symlinks(void)
{
	const char *root, *outside = root_dir("outside");
	char path[PATH_MAX], target[PATH_MAX];
	json_object *id = NULL;
	rq_error err;

	make_windows(outside, "Windows/System32/config", "SYSTEM", sys_w10, "SOFTWARE", sw_w10);

	root = root_dir("link-windows");
	FMT(path, "%s/Windows", root);
	FMT(target, "%s/Windows", outside);
	if (symlink(target, path) < 0)
		die("symlink", path);
	ok(windows_identity(root, &id, &err) == 0 && id == NULL,
	   "a Windows symlink pointing outside is not followed");

	root = root_dir("link-config");
	FMT(path, "%s/Windows/System32", root);
	mkdirs(path);
	FMT(path, "%s/Windows/System32/config", root);
	FMT(target, "%s/Windows/System32/config", outside);
	if (symlink(target, path) < 0)
		die("symlink", path);
	ok(windows_identity(root, &id, &err) == 0 && id == NULL,
	   "a config symlink is not followed");

	root = root_dir("link-hive");
	FMT(path, "%s/Windows/System32/config", root);
	mkdirs(path);
	FMT(path, "%s/Windows/System32/config/SYSTEM", root);
	FMT(target, "%s/Windows/System32/config/SYSTEM", outside);
	if (symlink(target, path) < 0)
		die("symlink", path);
	FMT(path, "%s/Windows/System32/config/SOFTWARE", root);
	if (mkfifo(path, 0644) < 0)
		die("mkfifo", path);
	ok(identify(root, &id) == 1 && has_error(id, "SYSTEM: not found") &&
	       has_error(id, "SOFTWARE: not found") && field(id, "computer_name") == NULL,
	   "a symlinked hive is not followed, a FIFO not opened");
	json_object_put(id);
}

static void test_exact_case_wins(void)
{
	const char *root = root_dir("twice");
	json_object *id = NULL;

	/* A case-sensitive volume can hold both; Windows itself uses "Windows". */
	make_windows(root, "WINDOWS/System32/config", "SYSTEM", sys_w11, "SOFTWARE", sw_w11);
	make_windows(root, "Windows/System32/config", "SYSTEM", sys_w10, "SOFTWARE", sw_w10);
	ok(identify(root, &id) == 1, "two Windows folders differing in case");
	is_str(field(id, "computer_name"), "KẾ-TOÁN-01", "the exactly named one is read");
	json_object_put(id);
}

/* The empty hive is committed in tests/fixtures (the suite runs from the top
 * of the tree), or named by RAQUET_HIVE_MINIMAL. */
static const char *find_hive_minimal(void)
{
	static const char *const places[] = {"tests/fixtures/hive-minimal"};
	const char *env = getenv("RAQUET_HIVE_MINIMAL");

	if (env != NULL && *env != '\0')
		return access(env, R_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		if (access(places[i], R_OK) == 0)
			return places[i];
	return NULL;
}

int main(void)
{
	hive_minimal = find_hive_minimal();
	if (hive_minimal == NULL) {
		printf("not ok 1 - no hive-minimal fixture (set RAQUET_HIVE_MINIMAL)\n1..1\n");
		return 1;
	}
	if (system("command -v hivexregedit >/dev/null 2>&1") != 0) {
		printf("not ok 1 - no hivexregedit (make deps installs libwin-hivex-perl)\n1..1\n");
		return 1;
	}
	make_tmpdir(base, sizeof(base), "windows");

	test_windows10();
	test_windows11();
	test_odd_values();
	test_no_windows();
	test_missing_keys();
	test_broken_hives();
	test_symlinks();
	test_exact_case_wins();

	if (tap_failed == 0) {
		remove_tree(base);
	} else {
		printf("# fixtures kept in %s\n", base);
	}
	return done_testing();
}
