/* lnkfile: a shortcut's target and arguments through liblnk (lnkfile.h). */
#include <fcntl.h>
#include <liblnk.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "walk.h"
#include "windows/lnkfile.h"

/* A liblnk UTF-8 string (get_size then get) into a new buffer, or NULL. */
static char *lnk_string(liblnk_file_t *f, int (*size)(liblnk_file_t *, size_t *, liblnk_error_t **),
			int (*get)(liblnk_file_t *, uint8_t *, size_t, liblnk_error_t **))
{
	liblnk_error_t *e = NULL;
	size_t n = 0;
	char *s;

	if (size(f, &n, &e) != 1 || n == 0 || n > 32768) {
		liblnk_error_free(&e);
		return NULL;
	}
	if ((s = malloc(n)) == NULL)
		return NULL;
	if (get(f, (uint8_t *)s, n, &e) != 1) {
		liblnk_error_free(&e);
		free(s);
		return NULL;
	}
	s[n - 1] = '\0';
	return s;
}

int lnkfile_command(int dirfd, const char *name, char *cmd, size_t cmdsz)
{
	liblnk_file_t *f = NULL;
	liblnk_error_t *e = NULL;
	char proc[64], *path = NULL, *args = NULL;
	struct stat st;
	int fd, rc = 0;

	/* the very file checked: regular, no symlink, bounded */
	fd = walk_open_regular(dirfd, name, false, &st);
	if (fd < 0)
		return 0;
	if (st.st_size <= 0 || st.st_size > LNKFILE_MAX || liblnk_file_initialize(&f, &e) != 1)
		goto out;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (liblnk_file_open(f, proc, LIBLNK_OPEN_READ, &e) != 1)
		goto out;
	path = lnk_string(f, liblnk_file_get_utf8_local_path_size, liblnk_file_get_utf8_local_path);
	args = lnk_string(f, liblnk_file_get_utf8_command_line_arguments_size,
			  liblnk_file_get_utf8_command_line_arguments);
	if (path && path[0]) {
		snprintf(cmd, cmdsz, "\"%s\"%s%s", path, args && args[0] ? " " : "",
			 args ? args : "");
		rc = 1;
	}
	liblnk_file_close(f, &e);
out:
	liblnk_error_free(&e);
	if (f)
		liblnk_file_free(&f, NULL);
	free(path);
	free(args);
	close(fd);
	return rc;
}
