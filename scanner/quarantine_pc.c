/* quarantine_pc: which PC each entry of a stick's quarantine came from. A
 * stick's quarantine holds files from many PCs; the technician who has to
 * put one back needs the PC's name and the day, which the entry itself does
 * not carry. After a scan sealed to a stick, a note pc-<id>.txt lists the
 * entries that scan made with the PC's computer name (Windows), its device
 * id and the time; the listing groups entries by these notes. The notes are
 * for display only (anyone can edit a stick): read bounded, printed
 * escaped, and a bad one is ignored. Layout: docs/quarantine.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "quarantine_int.h"
#include "quarantine_pc.h"

#define NOTE_HEAD    "raquet.quarantine-pc/1"
#define NOTE_MAX     (256 * 1024)
#define NOTES_MAX    4096
#define NAME_MAX_LEN 128 /* a computer name is 15 characters on Windows */
#define DEVICE_SHOWN 12  /* hex digits of the device id */

static const char *jpath(json_object *o, const char *const *keys)
{
	for (; *keys && o; keys++) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_length(o) > 0 ? json_object_array_get_idx(o, 0)
							    : NULL;
		if (o == NULL || !json_object_object_get_ex(o, *keys, &o))
			return NULL;
	}
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

int quarantine_note_pc(const char *qdir, json_object *doc, const struct scan_report *rep,
		       rq_error *err)
{
	static const char *const win[] = {"device", "windows", "computer_name", NULL};
	static const char *const product[] = {"device", "dmi", "product_name", NULL};
	static const char *const devid[] = {"device", "id", NULL};
	const char *computer = jpath(doc, win), *dev = jpath(doc, devid), *first = NULL;
	char when[32], name[64], *buf = NULL;
	size_t len = 0;
	struct tm tm;
	FILE *f;
	int qfd, rc;

	for (size_t i = 0; i < rep->ndets && first == NULL; i++)
		if (rep->dets[i].outcome == RESULTDOC_QUARANTINED && rep->dets[i].detail &&
		    qentry_is_id(rep->dets[i].detail))
			first = rep->dets[i].detail;
	if (first == NULL)
		return 0;
	if (computer == NULL)
		computer = jpath(doc, product);
	if (localtime_r(&rep->started.tv_sec, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm) == 0)
		strcpy(when, "?");
	if ((f = open_memstream(&buf, &len)) == NULL)
		return rq_fail(err, "out of memory");
	/* One line each: a name cannot break the note's lines. */
	fprintf(f, NOTE_HEAD "\ncomputer %.*s\ndevice %.*s\nstarted %s\n", NAME_MAX_LEN,
		computer && escape_is_clean(computer) ? computer : "?", DEVICE_SHOWN,
		dev && escape_is_clean(dev) ? dev : "?", when);
	for (size_t i = 0; i < rep->ndets; i++)
		if (rep->dets[i].outcome == RESULTDOC_QUARANTINED && rep->dets[i].detail &&
		    qentry_is_id(rep->dets[i].detail))
			fprintf(f, "entry %s\n", rep->dets[i].detail);
	if (fclose(f) != 0) {
		free(buf);
		return rq_fail(err, "out of memory");
	}
	snprintf(name, sizeof(name), "pc-%s.txt", first);
	if ((qfd = qdir_open(qdir, false, err)) < 0) {
		free(buf);
		return -1;
	}
	rc = atomic_write(qfd, name, buf, len, 0600, false, err);
	close(qfd);
	free(buf);
	return rc;
}

/* Parses one note; 0 and a filled note, or -1 for anything unexpected. */
static int note_parse(char *text, struct quarantine_pc *n)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);

	memset(n, 0, sizeof(*n));
	if (line == NULL || strcmp(line, NOTE_HEAD) != 0)
		return -1;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		if (strncmp(line, "computer ", 9) == 0 && !n->computer)
			n->computer = escape_name(line + 9);
		else if (strncmp(line, "device ", 7) == 0 && !n->device)
			n->device = escape_name(line + 7);
		else if (strncmp(line, "started ", 8) == 0 && !n->started)
			n->started = escape_name(line + 8);
		else if (strncmp(line, "entry ", 6) == 0 && qentry_is_id(line + 6)) {
			char **v = realloc(n->ids, (n->nids + 1) * sizeof(*v));
			if (v == NULL || (v[n->nids] = strdup(line + 6)) == NULL) {
				if (v)
					n->ids = v;
				return -1;
			}
			n->ids = v;
			n->nids++;
		}
	}
	return n->computer && n->device && n->started && n->nids > 0 ? 0 : -1;
}

static void note_clear(struct quarantine_pc *n)
{
	free(n->computer);
	free(n->device);
	free(n->started);
	for (size_t j = 0; j < n->nids; j++)
		free(n->ids[j]);
	free(n->ids);
	memset(n, 0, sizeof(*n));
}

void quarantine_pc_free(struct quarantine_pc *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		note_clear(&v[i]);
	free(v);
}

static int note_cmp(const void *a, const void *b)
{
	const struct quarantine_pc *x = a, *y = b;
	int c = strcmp(x->started, y->started);
	return c ? c : strcmp(x->computer, y->computer);
}

int quarantine_pc_load(int qfd, struct quarantine_pc **out, size_t *count)
{
	struct quarantine_pc *v = NULL;
	struct dirent *de;
	size_t n = 0;
	int dfd = dup(qfd);
	DIR *d;

	*out = NULL;
	*count = 0;
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	rewinddir(d); /* a dup shares its offset with the listing's, read to the end */
	while ((de = readdir(d)) != NULL && n < NOTES_MAX) {
		size_t l = strlen(de->d_name);
		struct quarantine_pc *nv;
		rq_error rerr;
		char *text;
		size_t tl;

		if (l < 8 || strncmp(de->d_name, "pc-", 3) != 0 ||
		    strcmp(de->d_name + l - 4, ".txt"))
			continue;
		if (read_file_bounded(qfd, de->d_name, NOTE_MAX, &text, &tl, &rerr) != 0)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			free(text);
			break;
		}
		v = nv;
		if (memchr(text, '\0', tl) == NULL && note_parse(text, &v[n]) == 0)
			n++;
		else
			note_clear(&v[n]);
		free(text);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), note_cmp);
	*out = v;
	*count = n;
	return 0;
}

const struct quarantine_pc *quarantine_pc_of(const struct quarantine_pc *v, size_t n,
					     const char *id)
{
	/* The latest note wins: an id is random, so two notes name one only
	 * when a note was copied or edited. */
	for (size_t i = n; i-- > 0;)
		for (size_t j = 0; j < v[i].nids; j++)
			if (strcmp(v[i].ids[j], id) == 0)
				return &v[i];
	return NULL;
}
