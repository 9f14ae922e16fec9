/* summary: what the technician is shown when a scan ends, in the result
 * document's words. The summary's lines are built once and either drawn
 * (ui_summary) or printed (text_summary), so the unattended log says what
 * the screen said. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "advice.h"
#include "launcher.h"
#include "ui_int.h"

/* --- words of the result document ---------------------------------------- */

/* The summary carries the document's words as read (a newer scanner may
 * write one this launcher does not know); they are matched through
 * lib/resultdoc.h's tables, an unknown one shown as it is. */
static bool is_status(const char *s, enum resultdoc_status want)
{
	enum resultdoc_status v;
	return resultdoc_status_parse(s, &v) == 0 && v == want;
}

static bool is_state(const char *s, enum resultdoc_state want)
{
	enum resultdoc_state v;
	return resultdoc_state_parse(s, &v) == 0 && v == want;
}

static bool is_outcome(const char *s, enum resultdoc_outcome want)
{
	enum resultdoc_outcome v;
	return resultdoc_outcome_parse(s, &v) == 0 && v == want;
}

const char *launcher_status_text(const char *status)
{
	enum resultdoc_status v;

	if (resultdoc_status_parse(status, &v) != 0)
		v = RESULTDOC_INCOMPLETE;
	switch (v) {
	case RESULTDOC_CLEAN:
		return _("CLEAN: no malware found");
	case RESULTDOC_CLEANED:
		return _("CLEANED: all malware found was removed");
	case RESULTDOC_INFECTED_NOT_CLEANED:
		return _("INFECTED: malware found and left in place");
	case RESULTDOC_INCOMPLETE:
		break;
	}
	return _("INCOMPLETE: the scan did not finish");
}

const char *launcher_state_text(const char *state)
{
	static const char *const texts[RESULTDOC_NSTATES] = {
	    [RESULTDOC_SCANNED] = N_("scanned"),
	    [RESULTDOC_MISSING] = N_("could not be opened"),
	    [RESULTDOC_INTERRUPTED] = N_("interrupted"),
	    [RESULTDOC_HIBERNATED] = N_("read-only: Windows hibernated"),
	    [RESULTDOC_ENCRYPTED] = N_("encrypted (BitLocker)"),
	    [RESULTDOC_UNSUPPORTED] = N_("file system not supported"),
	    [RESULTDOC_MOUNT_FAILED] = N_("could not be mounted"),
	};
	enum resultdoc_state v;

	return resultdoc_state_parse(state, &v) == 0 ? _(texts[v]) : state;
}

const char *launcher_outcome_text(const char *outcome)
{
	static const char *const texts[RESULTDOC_NOUTCOMES] = {
	    [RESULTDOC_REPORTED] = N_("left in place"),
	    [RESULTDOC_QUARANTINED] = N_("quarantined"),
	    [RESULTDOC_DELETED] = N_("deleted"),
	    [RESULTDOC_FAILED] = N_("ACTION FAILED"),
	    [RESULTDOC_NEEDS_REPAIR] = N_("REPAIR WINDOWS"),
	};
	enum resultdoc_outcome v;

	return resultdoc_outcome_parse(outcome, &v) == 0 ? _(texts[v]) : outcome;
}

/* --- summary -------------------------------------------------------------- */

struct lines {
	struct line {
		enum look look;
		char *text;
	} * v;
	size_t n, cap;
};

static void add(struct lines *L, enum look look, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(struct lines *L, enum look look, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (L->n == L->cap) {
		size_t cap = L->cap ? 2 * L->cap : 64;
		struct line *v = realloc(L->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		L->v = v, L->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		L->v[L->n++] = (struct line){look, s};
	va_end(ap);
}

/* text as lines of at most 76 columns, cut between words: the summary's
 * lines are not wrapped on the screen, and the text log is read on one. */
static void add_words(struct lines *L, enum look look, const char *text)
{
	char line[512];
	size_t n = 0;

	while (*text) {
		size_t w = strcspn(text, " ");
		if (n > 0 && (text_width(line) + 1 + w > 76 || n + 1 + w >= sizeof(line))) {
			add(L, look, "%s", line);
			n = 0;
		}
		if (w >= sizeof(line) - n - 1)
			w = sizeof(line) - n - 2;
		if (n > 0)
			line[n++] = ' ';
		memcpy(line + n, text, w);
		n += w;
		line[n] = '\0';
		text += w;
		while (*text == ' ')
			text++;
	}
	if (n > 0)
		add(L, look, "%s", line);
}

/* A cell of cols columns, right-aligned when right. */
static const char *cell(char *buf, size_t sz, const char *s, size_t cols, bool right)
{
	size_t w = text_width(s);
	if (right && w < cols) {
		size_t pad = cols - w;
		memset(buf, ' ', pad);
		text_cell(s, cols - pad, false, buf + pad, sz - pad);
	} else {
		text_cell(s, cols, true, buf, sz);
	}
	return buf;
}

static enum look status_look(const char *status)
{
	if (is_status(status, RESULTDOC_CLEAN) || is_status(status, RESULTDOC_CLEANED))
		return LOOK_GOOD;
	return is_status(status, RESULTDOC_INCOMPLETE) ? LOOK_WARN : LOOK_BAD;
}

static void volume_lines(struct lines *L, const struct summary *s)
{
	char a[256], b[256], c[64], d[64], e[64], n1[32], n2[32], n3[32], name[512];
	bool hibernated = false;

	add(L, LOOK_BOLD, "%s %s %s %s %s", cell(a, sizeof(a), _("Volume"), 26, false),
	    cell(b, sizeof(b), _("State"), 22, false), cell(c, sizeof(c), _("Files"), 9, true),
	    cell(d, sizeof(d), _("Found"), 8, true), cell(e, sizeof(e), _("Errors"), 7, true));
	for (size_t i = 0; i < s->nvols; i++) {
		const struct volume_summary *v = &s->vols[i];
		snprintf(n1, sizeof(n1), "%llu", (unsigned long long)v->files);
		snprintf(n2, sizeof(n2), "%llu", (unsigned long long)v->detections);
		snprintf(n3, sizeof(n3), "%llu", (unsigned long long)v->errors);
		text_tail(v->name, 26, name, sizeof(name));
		add(L, is_state(v->state, RESULTDOC_SCANNED) ? LOOK_NORMAL : LOOK_WARN,
		    "%s %s %s %s %s", cell(a, sizeof(a), name, 26, false),
		    cell(b, sizeof(b), launcher_state_text(v->state), 22, false),
		    cell(c, sizeof(c), n1, 9, true), cell(d, sizeof(d), n2, 8, true),
		    cell(e, sizeof(e), n3, 7, true));
		hibernated |= is_state(v->state, RESULTDOC_HIBERNATED);
	}
	if (hibernated) {
		add(L, LOOK_WARN, "%s",
		    _("Windows was hibernated (Fast Startup): its disk was only read, not "
		      "cleaned."));
		add(L, LOOK_WARN, "%s",
		    _("To clean it: start Windows, choose Restart (or turn off Fast Startup), scan "
		      "again."));
	}
}

static void detection_lines(struct lines *L, const struct summary *s)
{
	char a[128], b[256], path[1024];
	bool repair = false;

	add(L, LOOK_NORMAL, "%s", "");
	if (s->ndets == 0) {
		add(L, LOOK_GOOD, "%s", _("No malware found."));
		return;
	}
	add(L, LOOK_BOLD, _("Malware found (%zu):"), s->ndets);
	for (size_t i = 0; i < s->ndets; i++) {
		const struct detection_summary *d = &s->dets[i];
		text_tail(d->path, 78 - 14 - 30 - 2, path, sizeof(path));
		add(L,
		    is_outcome(d->outcome, RESULTDOC_FAILED) ||
			    is_outcome(d->outcome, RESULTDOC_NEEDS_REPAIR)
			? LOOK_BAD
			: LOOK_NORMAL,
		    "%s %s %s", cell(a, sizeof(a), launcher_outcome_text(d->outcome), 14, false),
		    cell(b, sizeof(b), d->signature, 30, false), path);
		if (is_outcome(d->outcome, RESULTDOC_FAILED) && d->detail)
			add(L, LOOK_BAD, "               %s", d->detail);
		repair |= is_outcome(d->outcome, RESULTDOC_NEEDS_REPAIR);
	}
	if (repair) { /* a boot-critical Windows file: left in place on purpose */
		add(L, LOOK_BAD, "%s",
		    _("Boot-critical Windows files are infected and were left in place: removing "
		      "them would stop Windows from starting. This PC is NOT cleaned."));
		add(L, LOOK_BAD, "%s",
		    _("Repair Windows: in its recovery environment run sfc /scannow "
		      "/offbootdir=C:\\ /offwindir=C:\\Windows, or DISM /Image:C:\\ "
		      "/Cleanup-Image /RestoreHealth; or reinstall Windows."));
	}
}

/* What the shortcut-worm repair did (docs/usb-repair.md). */
static void repair_lines(struct lines *L, const struct summary *s)
{
	if (s->repairs_done)
		add(L, LOOK_GOOD,
		    _("USB repair: %llu done (hidden folders shown again, worm "
		      "shortcuts removed)"),
		    (unsigned long long)s->repairs_done);
	if (s->repairs_planned)
		add(L, LOOK_WARN, _("USB repair to do (report only): %llu"),
		    (unsigned long long)s->repairs_planned);
	if (s->repairs_failed)
		add(L, LOOK_BAD, _("USB repair not possible: %llu (see the record)"),
		    (unsigned long long)s->repairs_failed);
}

static void build_summary(struct lines *L, const struct summary *s, const struct choice *c)
{
	char t[32];

	if (s->have_result)
		add(L, status_look(s->status), "%s", launcher_status_text(s->status));
	else
		add(L, LOOK_BAD, "%s", _("THE SCAN FAILED: no result"));
	if (s->saved)
		add(L, LOOK_BOLD, _("Record saved on the stick as #%llu"),
		    (unsigned long long)s->seq);
	else
		add(L, LOOK_BAD, "%s",
		    _("NO RECORD WAS SAVED on the stick: see the messages below."));
	if (advice_scan(s) != NULL)
		add_words(L, LOOK_BAD, advice_scan(s));
	add(L, LOOK_NORMAL, "%s %s — %s", _("Unit:"), c->unit->code, c->unit->name);
	if (c->technician[0])
		add(L, LOOK_NORMAL, "%s %s", _("Technician:"), c->technician);
	if (s->have_result) {
		text_duration(s->seconds, t, sizeof(t));
		add(L, LOOK_NORMAL, _("%s, %s: %llu files, %.1f MB in %s"), ui_mode_text(c),
		    launcher_action_text(c->action), (unsigned long long)s->files,
		    (double)s->bytes / 1e6, t);
		add(L, LOOK_NORMAL, "%s", "");
		volume_lines(L, s);
		detection_lines(L, s);
		repair_lines(L, s);
	}
	if (s->nmessages > 0 &&
	    (!s->saved || !s->have_result || s->exit_status == 2 || s->warned)) {
		add(L, LOOK_NORMAL, "%s", "");
		add(L, LOOK_BOLD, "%s", _("Messages from the scanner:"));
		for (size_t i = 0; i < s->nmessages; i++)
			add(L, LOOK_WARN, "%s", s->messages[i]);
	}
}

static void free_lines(struct lines *L)
{
	for (size_t i = 0; i < L->n; i++)
		free(L->v[i].text);
	free(L->v);
}

void text_summary(FILE *out, const struct summary *s, const struct choice *c)
{
	struct lines L = {0};

	build_summary(&L, s, c);
	for (size_t i = 0; i < L.n; i++)
		fprintf(out, "%s\n", L.v[i].text);
	free_lines(&L);
}

void ui_summary(const struct summary *s, const struct choice *c, int wait_seconds, bool poweroff)
{
	struct lines L = {0};
	size_t top = 0;
	int left = wait_seconds;

	build_summary(&L, s, c);
	timeout(wait_seconds >= 0 ? 1000 : -1);
	for (;;) {
		size_t rows = LINES > 4 ? (size_t)LINES - 3 : 1;
		bool scroll = L.n > rows;
		char keys[256];
		wint_t k;
		int rc;

		if (wait_seconds >= 0 && poweroff)
			snprintf(keys, sizeof(keys),
				 _("The computer will power off in %d s   any key: now"), left);
		else if (wait_seconds >= 0)
			snprintf(keys, sizeof(keys), _("This screen closes in %d s   any key: now"),
				 left);
		else
			snprintf(keys, sizeof(keys), "%s%s", scroll ? _("↑↓ scroll   ") : "",
				 _("any other key: finish"));
		ui_frame(_("Summary"), keys);
		for (size_t r = 0; r < rows && top + r < L.n; r++)
			ui_put(2 + (int)r, 1, (size_t)COLS - 2, L.v[top + r].look,
			       L.v[top + r].text);
		refresh();
		rc = ui_read_key(&k);
		if (rc == ERR) {
			if (wait_seconds >= 0 && --left <= 0)
				break;
			continue;
		}
		if (rc == KEY_CODE_YES && scroll && wait_seconds < 0) {
			if (k == KEY_UP || k == KEY_PPAGE) {
				size_t step = k == KEY_UP ? 1 : rows;
				top = top > step ? top - step : 0;
				continue;
			}
			if (k == KEY_DOWN || k == KEY_NPAGE) {
				size_t step = k == KEY_UP || k == KEY_DOWN ? 1 : rows;
				top = top + step + rows <= L.n ? top + step : L.n - rows;
				continue;
			}
		}
		break;
	}
	free_lines(&L);
}
