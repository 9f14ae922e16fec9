/* Unit tests for the command resolution of scanner/windows/autoruns (the
 * rules of docs/remediation.md, section 3) and for the boot-critical list:
 * a Windows-like tree in a temporary directory, names in the odd cases
 * ntfs-3g shows, and the hostile commands a Run value may hold. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "windows/autoruns.h"
#include "windows/bootcrit.h"
#include "windows/winpath.h"

static char base[PATH_MAX / 2]; /* room for what is joined to it */

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fixture: %s %s: %s\n", what, path, strerror(errno));
	exit(2);
}

/* Creates base/rel (and its folders) holding its own name. */
static void touch(const char *rel)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", base, rel) >= sizeof(path))
		die("path too long", rel);
	for (char *p = path + strlen(base) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				die("mkdir", path);
			*p = '/';
		}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    write(fd, rel, strlen(rel)) < 0 || close(fd) < 0)
		die("write", path);
}

static int rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

/* The resolution of cmd for user, or "-" when it names no file. */
static const char *resolve(int rootfd, const char *cmd, const char *user)
{
	static char rel[WINPATH_MAX];

	if (autoruns_resolve(rootfd, cmd, user, rel, sizeof(rel)) != 1)
		return "-";
	return rel;
}

int main(void)
{
	char longcmd[AUTORUNS_CMD_MAX + 64], path[PATH_MAX];
	struct bootcrit *bc;
	rq_error err;
	int rootfd;

	snprintf(base, sizeof(base), "%s/raquet-autoruns.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(base) == NULL)
		die("mkdtemp", base);
	touch("WINDOWS/system32/rundll32.exe");
	touch("WINDOWS/system32/cmd.exe");
	touch("WINDOWS/system32/wscript.exe");
	touch("WINDOWS/system32/WindowsPowerShell/v1.0/powershell.exe");
	touch("WINDOWS/system32/drivers/disk.sys");
	touch("WINDOWS/explorer.exe");
	touch("Program Files/Acme Tools/tool.exe");
	touch("Program Files/Acme.exe"); /* the unquoted-path trap */
	touch("ProgramData/svc/upd.exe");
	touch("Users/an/AppData/Roaming/x.dll");
	touch("Users/an/AppData/Local/Temp/run.vbs");
	touch("Users/an/Music/s.ps1");
	touch("Intel/bd.exe");
	snprintf(path, sizeof(path), "%s/Intel/link.exe", base);
	if (symlink("/etc/passwd", path) < 0)
		die("symlink", path);
	snprintf(path, sizeof(path), "%s/Intel/dir", base);
	if (symlink("/etc", path) < 0)
		die("symlink", path);
	if ((rootfd = open(base, O_RDONLY | O_DIRECTORY)) < 0)
		die("open", base);

	is_str(resolve(rootfd, "\"C:\\Program Files\\Acme Tools\\tool.exe\" /x", NULL),
	       "Program Files/Acme Tools/tool.exe", "quoted path with spaces and arguments");
	is_str(resolve(rootfd, "C:\\Program Files\\Acme Tools\\tool.exe -y", NULL),
	       "Program Files/Acme.exe",
	       "unquoted: the shortest existing prefix wins, as CreateProcess");
	is_str(resolve(rootfd, "c:\\programdata\\SVC\\UPD.EXE", NULL), "ProgramData/svc/upd.exe",
	       "names match ignoring case");
	is_str(resolve(rootfd, "C:\\PROGRA~2\\svc\\upd.exe /silent", NULL),
	       "ProgramData/svc/upd.exe", "8.3 short names");
	is_str(resolve(rootfd, "C:\\PROGRA~1\\ACMETO~1\\tool.exe", NULL),
	       "Program Files/Acme Tools/tool.exe", "8.3 names at two levels");
	is_str(resolve(rootfd, "C:\\PROGRA~9\\svc\\upd.exe", NULL), "-",
	       "a short name with no such number");
	is_str(resolve(rootfd, "%APPDATA%\\x.dll", "an"), "Users/an/AppData/Roaming/x.dll",
	       "%%APPDATA%% is the user's");
	is_str(resolve(rootfd, "%APPDATA%\\x.dll", NULL), "-",
	       "  ... and the system's for machine-wide entries");
	is_str(resolve(rootfd, "%SystemRoot%\\explorer.exe", NULL), "WINDOWS/explorer.exe",
	       "%%SystemRoot%%");
	is_str(resolve(rootfd, "%NOSUCHVAR%\\explorer.exe", NULL), "-",
	       "an unknown variable stays as written");
	is_str(resolve(rootfd, "explorer.exe", NULL), "WINDOWS/explorer.exe",
	       "a bare name is searched");
	is_str(resolve(rootfd, "explorer", NULL), "WINDOWS/explorer.exe", "  ... with .exe added");
	is_str(resolve(rootfd, "system32\\DRIVERS\\disk.sys", NULL),
	       "WINDOWS/system32/drivers/disk.sys",
	       "a service's path relative to the Windows folder");
	is_str(resolve(rootfd, "\\SystemRoot\\System32\\drivers\\disk.sys", NULL),
	       "WINDOWS/system32/drivers/disk.sys", "\\SystemRoot\\");
	is_str(resolve(rootfd, "\\??\\C:\\Intel\\bd.exe", NULL), "Intel/bd.exe", "\\??\\");
	is_str(resolve(rootfd, "rundll32.exe \"%APPDATA%\\x.dll\",Entry 1", "an"),
	       "Users/an/AppData/Roaming/x.dll", "rundll32: the DLL");
	is_str(resolve(rootfd, "rundll32 %APPDATA%\\x.dll,Entry", "an"),
	       "Users/an/AppData/Roaming/x.dll", "rundll32 unquoted, no extension on rundll32");
	is_str(resolve(rootfd, "cmd.exe /q /c start \"\" /b \"C:\\Intel\\bd.exe\" -x", NULL),
	       "Intel/bd.exe", "cmd /c start with a title and options");
	is_str(resolve(rootfd, "cmd /c \"C:\\Program Files\\Acme Tools\\tool.exe\"", NULL),
	       "Program Files/Acme Tools/tool.exe", "cmd /c quoted");
	is_str(resolve(rootfd, "wscript.exe //B //Nologo %TEMP%\\run.vbs", "an"),
	       "Users/an/AppData/Local/Temp/run.vbs", "wscript: the script, after its options");
	is_str(resolve(
		   rootfd,
		   "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -w hidden -File "
		   "\"%USERPROFILE%\\Music\\s.ps1\"",
		   "an"),
	       "Users/an/Music/s.ps1", "powershell -File");
	is_str(resolve(rootfd, "cmd.exe /c nosuch.bat", NULL), "WINDOWS/system32/cmd.exe",
	       "an interpreter whose argument is not here is the target itself");
	is_str(resolve(rootfd, "cmd /c cmd /c cmd /c cmd /c C:\\Intel\\bd.exe", NULL),
	       "WINDOWS/system32/cmd.exe", "interpreters nest at most 3 deep");

	/* hostile */
	is_str(resolve(rootfd, "C:\\Intel\\..\\..\\..\\etc\\passwd", NULL), "-",
	       "'..' never climbs out");
	is_str(resolve(rootfd, "C:\\Intel\\link.exe", NULL), "-", "a symlink is never followed");
	is_str(resolve(rootfd, "C:\\Intel\\dir\\passwd", NULL), "-",
	       "  ... nor a symlinked folder");
	is_str(resolve(rootfd, "\"C:\\Intel\\bd.exe", NULL), "Intel/bd.exe",
	       "an unterminated quote");
	is_str(resolve(rootfd, "", NULL), "-", "an empty command");
	is_str(resolve(rootfd, "\"\"", NULL), "-", "an empty quoted command");
	is_str(resolve(rootfd, "%%%%%%", NULL), "-", "percent signs only");
	memset(longcmd, 'A', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	is_str(resolve(rootfd, longcmd, NULL), "-", "a command over %d bytes is refused",
	       AUTORUNS_CMD_MAX);
	memset(longcmd, '\\', 300);
	snprintf(longcmd + 300, 40, "Intel\\bd.exe");
	is_str(resolve(rootfd, longcmd, NULL), "Intel/bd.exe", "runs of separators");
	memset(longcmd, 'B', 600);
	snprintf(longcmd + 600, 40, "\\bd.exe");
	is_str(resolve(rootfd, longcmd, NULL), "-", "a component longer than NTFS allows");

	/* boot-critical: no SYSTEM hive here, so every driver counts */
	ok(bootcrit_load(base, &bc, &err) == 0, "bootcrit_load without a SYSTEM hive");
	ok(bootcrit_drivers(bc) == (size_t)-1, "  ... knows it could not read the drivers");
	ok(bootcrit_is(bc, "WINDOWS/system32/drivers/disk.sys"),
	   "  ... so every driver is boot-critical");
	ok(bootcrit_is(bc, "Windows/System32/winlogon.exe"), "winlogon.exe, any case");
	ok(bootcrit_is(bc, "windows/system32/HALMACPI.DLL"), "hal*.dll");
	ok(bootcrit_is(bc, "EFI/Microsoft/Boot/bootmgfw.efi"), "the EFI boot manager");
	ok(bootcrit_is(bc, "bootmgr"), "bootmgr");
	ok(!bootcrit_is(bc, "Windows/System32/notepad.exe"), "notepad.exe is not");
	ok(!bootcrit_is(bc, "Users/an/winlogon.exe"), "a winlogon.exe elsewhere is not");
	ok(!bootcrit_is(bc, "Windows/System32/winlogon.exe:evil"),
	   "a stream on winlogon.exe is not");
	bootcrit_free(bc);

	/* hostile hives: garbage, a FIFO, a symlink; noted, never fatal */
	{
		struct autoruns ar;
		touch("WINDOWS/system32/config/SOFTWARE"); /* not a hive */
		touch("Users/an/AppData/Roaming/Microsoft/Windows/Start "
		      "Menu/Programs/Startup/evil.exe");
		snprintf(path, sizeof(path), "%s/Users/an/NTUSER.DAT", base);
		if (mkfifo(path, 0644) < 0)
			die("mkfifo", path);
		snprintf(path, sizeof(path), "%s/WINDOWS/system32/config/SYSTEM", base);
		if (symlink("/etc/passwd", path) < 0)
			die("symlink", path);
		ok(autoruns_read(base, &ar, &err) == 0, "autoruns_read on damaged hives");
		ok(ar.hive_errors == 1,
		   "  ... notes the garbage SOFTWARE; a FIFO is no hive and never opened (%zu)",
		   ar.hive_errors);
		ok(strstr(ar.errors[0], "SOFTWARE") && strstr(ar.errors[0], "not a valid hive"),
		   "  ... saying what is wrong: %s", ar.errors[0]);
		ok(ar.hives_read == 0, "  ... reads no hive, follows no symlink");
		ok(ar.n == 1 && ar.v[0].kind == RESULTDOC_AUTORUN_STARTUP,
		   "  ... and still lists the Startup item");
		autoruns_free(&ar);
	}

	close(rootfd);
	nftw(base, rm, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
