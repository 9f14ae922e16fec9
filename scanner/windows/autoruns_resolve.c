/* autoruns_resolve: a command line, as a Run value, a service or a task
 * stores it, to the file Windows would run (see docs/remediation.md,
 * "Resolving a command"): environment variables per user, quotes, the
 * unquoted "C:\Program Files\..." ambiguity resolved as CreateProcess does
 * (shortest existing prefix), interpreters (rundll32, cmd /c, wscript,
 * cscript, mshta, regsvr32, powershell -File) replaced by what they run,
 * bare names searched where Windows searches, every name matched ignoring
 * case and as an 8.3 short name (winpath.h). The drive letter is dropped:
 * the volume scanned is taken for the one the entry lives on. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "windows/autoruns.h"
#include "windows/winpath.h"

#define EXPAND_MAX    (AUTORUNS_CMD_MAX * 2)
#define RESOLVE_DEPTH 3 /* cmd /c wscript x.vbs: interpreters nest, boundedly */

/* The value of %name% for user (NULL: machine-wide, as services run), or
 * NULL when it is not one Windows sets. */
static const char *env_value(const char *name, const char *user, char *buf, size_t bufsz)
{
	static const struct {
		const char *name, *value;
	} fixed[] = {
	    {"SystemRoot", "C:\\Windows"},
	    {"windir", "C:\\Windows"},
	    {"SystemDrive", "C:"},
	    {"ProgramFiles", "C:\\Program Files"},
	    {"ProgramW6432", "C:\\Program Files"},
	    {"ProgramFiles(x86)", "C:\\Program Files (x86)"},
	    {"CommonProgramFiles", "C:\\Program Files\\Common Files"},
	    {"CommonProgramFiles(x86)", "C:\\Program Files (x86)\\Common Files"},
	    {"ProgramData", "C:\\ProgramData"},
	    {"ALLUSERSPROFILE", "C:\\ProgramData"},
	    {"PUBLIC", "C:\\Users\\Public"},
	    {"HOMEDRIVE", "C:"},
	};
	static const struct {
		const char *name, *under_profile, *machine;
	} per_user[] = {
	    {"USERPROFILE", "", "C:\\Windows\\System32\\config\\systemprofile"},
	    {"APPDATA", "\\AppData\\Roaming",
	     "C:\\Windows\\System32\\config\\systemprofile\\AppData\\Roaming"},
	    {"LOCALAPPDATA", "\\AppData\\Local",
	     "C:\\Windows\\System32\\config\\systemprofile\\AppData\\Local"},
	    {"TEMP", "\\AppData\\Local\\Temp", "C:\\Windows\\Temp"},
	    {"TMP", "\\AppData\\Local\\Temp", "C:\\Windows\\Temp"},
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcasecmp(name, fixed[i].name) == 0)
			return fixed[i].value;
	for (size_t i = 0; i < sizeof(per_user) / sizeof(per_user[0]); i++) {
		if (strcasecmp(name, per_user[i].name) != 0)
			continue;
		if (user == NULL)
			return per_user[i].machine;
		snprintf(buf, bufsz, "C:\\Users\\%s%s", user, per_user[i].under_profile);
		return buf;
	}
	if (user && strcasecmp(name, "HOMEPATH") == 0) {
		snprintf(buf, bufsz, "\\Users\\%s", user);
		return buf;
	}
	if (user && strcasecmp(name, "USERNAME") == 0)
		return user;
	return NULL;
}

/* Expands %VAR% in cmd into out; an unknown variable stays as written.
 * "\SystemRoot\" and "\??\" (the kernel's spellings, in services) become
 * a path Windows-style. */
static void expand(const char *cmd, const char *user, char *out, size_t outsz)
{
	char name[64], val[512];
	size_t o = 0;
	const char *p = cmd;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "\\SystemRoot\\", 12) == 0 || strncasecmp(p, "SystemRoot\\", 11) == 0) {
		o = (size_t)snprintf(out, outsz, "C:\\Windows\\");
		p += p[0] == '\\' ? 12 : 11;
	} else if (strncmp(p, "\\??\\", 4) == 0 || strncmp(p, "\\\\?\\", 4) == 0) {
		p += 4;
	}
	while (*p && o + 1 < outsz) {
		const char *end = *p == '%' ? strchr(p + 1, '%') : NULL;
		const char *v;
		if (end && (size_t)(end - p - 1) < sizeof(name) && end > p + 1) {
			memcpy(name, p + 1, (size_t)(end - p - 1));
			name[end - p - 1] = '\0';
			if ((v = env_value(name, user, val, sizeof(val))) != NULL) {
				o += (size_t)snprintf(out + o, outsz - o, "%s", v);
				if (o >= outsz)
					o = outsz - 1;
				p = end + 1;
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}

/* A Windows path to a file relative to the volume root: "X:\..." and
 * "\..." from the root, "dir\file" from the Windows folder (as services
 * write "system32\drivers\x.sys"), a bare name searched in System32, the
 * Windows folder and SysWOW64; ".exe" tried when there is no extension. */
static int path_to_rel(struct winpath_cache *c, int rootfd, const char *path, char *rel,
		       size_t relsz)
{
	static const char *const search[] = {"Windows\\System32\\", "Windows\\",
					     "Windows\\SysWOW64\\"};
	char buf[EXPAND_MAX + 32];
	const char *base;
	bool has_dir, has_ext;

	if (path[0] == '\0' || strlen(path) > EXPAND_MAX)
		return 0;
	if (isalpha((unsigned char)path[0]) && path[1] == ':')
		path += 2;
	has_dir = strpbrk(path, "\\/") != NULL;
	base = path + strlen(path);
	while (base > path && base[-1] != '\\' && base[-1] != '/')
		base--;
	has_ext = strchr(base, '.') != NULL;
	for (int ext = 0; ext < (has_ext ? 1 : 2); ext++) {
		const char *sfx = ext ? ".exe" : "";
		if (path[0] == '\\' || path[0] == '/') {
			snprintf(buf, sizeof(buf), "%s%s", path, sfx);
			if (winpath_resolve_in(c, rootfd, buf, S_IFREG, rel, relsz) == 1)
				return 1;
			continue;
		}
		for (size_t i = 0; i < (has_dir ? 1 : sizeof(search) / sizeof(search[0])); i++) {
			snprintf(buf, sizeof(buf), "%s%s%s", has_dir ? "Windows\\" : search[i],
				 path, sfx);
			if (winpath_resolve_in(c, rootfd, buf, S_IFREG, rel, relsz) == 1)
				return 1;
		}
	}
	return 0;
}

/* The next argument of *p (quoted or up to a space) into tok; *p moves past
 * it. False when there is none. */
static bool next_token(const char **p, char *tok, size_t toksz)
{
	const char *s = *p, *end;
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return false;
	if (*s == '"') {
		s++;
		end = strchr(s, '"');
		if (end == NULL)
			end = s + strlen(s);
		*p = *end ? end + 1 : end;
	} else {
		end = s + strcspn(s, " \t");
		*p = end;
	}
	len = (size_t)(end - s) < toksz ? (size_t)(end - s) : toksz - 1;
	memcpy(tok, s, len);
	tok[len] = '\0';
	return true;
}

static int resolve(struct winpath_cache *c, int rootfd, const char *cmd, const char *user,
		   char *rel, size_t relsz, int depth);

/* What an interpreter runs, from its arguments: 1 with rel, 0 when it is
 * not an interpreter or names nothing here. */
static int interpreted(struct winpath_cache *c, int rootfd, const char *prog, const char *args,
		       const char *user, char *rel, size_t relsz, int depth)
{
	char tok[EXPAND_MAX], rest[EXPAND_MAX];
	const char *p = args, *before;

	if (depth >= RESOLVE_DEPTH)
		return 0;
	if (strcasecmp(prog, "rundll32.exe") == 0) {
		/* rundll32 "C:\x y\a.dll",Entry args: the DLL is before the comma */
		snprintf(rest, sizeof(rest), "%s", args);
		rest[strcspn(rest, ",")] = '\0';
		return resolve(c, rootfd, rest, user, rel, relsz, depth + 1);
	}
	if (strcasecmp(prog, "cmd.exe") == 0) {
		/* cmd [/q /d ...] /c|/k [start ["title"] [/b ...]] prog args */
		before = p;
		while (next_token(&p, tok, sizeof(tok)) && tok[0] == '/') {
			before = p;
			if (strcasecmp(tok, "/c") == 0 || strcasecmp(tok, "/k") == 0)
				break;
		}
		p = before;
		if (next_token(&p, tok, sizeof(tok)) && strcasecmp(tok, "start") == 0) {
			bool titled = false;
			for (;;) {
				const char *q = p + strspn(p, " \t"), *close;
				before = q;
				if (!titled && *q == '"' && (close = strchr(q + 1, '"')) != NULL &&
				    close[1 + strspn(close + 1, " \t")] != '\0') {
					/* start's first quoted argument is a title */
					titled = true;
					p = close + 1;
					continue;
				}
				if (*q != '/' || !next_token(&p, tok, sizeof(tok)))
					break;
			}
		}
		return resolve(c, rootfd, before, user, rel, relsz, depth + 1);
	}
	if (strcasecmp(prog, "wscript.exe") == 0 || strcasecmp(prog, "cscript.exe") == 0 ||
	    strcasecmp(prog, "regsvr32.exe") == 0 || strcasecmp(prog, "mshta.exe") == 0) {
		before = p;
		while (next_token(&p, tok, sizeof(tok)) && tok[0] == '/')
			before = p;
		return resolve(c, rootfd, before, user, rel, relsz, depth + 1);
	}
	if (strcasecmp(prog, "powershell.exe") == 0 || strcasecmp(prog, "pwsh.exe") == 0) {
		while (next_token(&p, tok, sizeof(tok)))
			if (strcasecmp(tok, "-file") == 0 || strcasecmp(tok, "-f") == 0)
				return resolve(c, rootfd, p, user, rel, relsz, depth + 1);
	}
	return 0;
}

static int resolve(struct winpath_cache *c, int rootfd, const char *cmd, const char *user,
		   char *rel, size_t relsz, int depth)
{
	char exp[EXPAND_MAX], prog[EXPAND_MAX], inner[WINPATH_MAX];
	const char *args = NULL, *base;
	char *s;
	int found = 0;

	expand(cmd, user, exp, sizeof(exp));
	s = exp;
	if (*s == '"') {
		char *q = strchr(s + 1, '"');
		if (q)
			*q = '\0';
		snprintf(prog, sizeof(prog), "%s", s + 1);
		args = q ? q + 1 : "";
		found = path_to_rel(c, rootfd, prog, rel, relsz);
	} else {
		/* CreateProcess's rule for an unquoted name with spaces: the
		 * shortest prefix at a space that names a file. */
		size_t len = strlen(s), at = 0;
		while (!found && at <= len) {
			size_t end = at + strcspn(s + at, " \t");
			memcpy(prog, s, end);
			prog[end] = '\0';
			found = path_to_rel(c, rootfd, prog, rel, relsz);
			args = s + end;
			at = end + 1;
		}
	}
	if (!found)
		return 0;
	base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	if (interpreted(c, rootfd, base, args, user, inner, sizeof(inner), depth) == 1)
		snprintf(rel, relsz, "%s", inner);
	return 1;
}

int autoruns_resolve_in(struct winpath_cache *c, int rootfd, const char *command, const char *user,
			char *rel, size_t relsz)
{
	rel[0] = '\0';
	if (command == NULL || strlen(command) > AUTORUNS_CMD_MAX)
		return 0;
	return resolve(c, rootfd, command, user, rel, relsz, 0);
}

int autoruns_resolve(int rootfd, const char *command, const char *user, char *rel, size_t relsz)
{
	return autoruns_resolve_in(NULL, rootfd, command, user, rel, relsz);
}
