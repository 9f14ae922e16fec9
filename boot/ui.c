/* ui: the technician's screens on an 80x25 console with ncursesw. Every
 * screen has a title bar (program and stick) and a bottom line naming the
 * keys; text is cut by display columns, so Vietnamese never breaks a row.
 * The summary screen is in summary.c; what it borrows from here is in
 * ui_int.h. */
#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "launcher.h"
#include "ui_int.h"

static char title_right[128];
static bool colours;

#define KEY_ESC    27
#define KEY_CTRL_C 3

/* --- words of the choice ---------------------------------------------- */

const char *launcher_action_text(enum resultdoc_action a)
{
	switch (a) {
	case RESULTDOC_QUARANTINE:
		return _("Quarantine");
	case RESULTDOC_DELETE:
		return _("Delete");
	default:
		return _("Report only");
	}
}

const char *ui_mode_text(const struct choice *c)
{
	if (c->station)
		return _("USB drives");
	return c->quick ? _("Quick scan") : _("Full scan");
}

/* --- drawing --------------------------------------------------------------- */

static void look_on(enum look l)
{
	static const int pairs[] = {0, 0, 1, 2, 3, 4};
	int attr = l == LOOK_NORMAL ? A_NORMAL : A_BOLD;

	if (l == LOOK_HEAD)
		attr = colours ? A_BOLD : A_REVERSE;
	if (colours && pairs[l])
		attr |= COLOR_PAIR(pairs[l]);
	attrset(attr);
}

/* Draws s at (y, x) in at most cols columns. */
void ui_put(int y, int x, size_t cols, enum look l, const char *s)
{
	char cell[1024];

	if (y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + (int)cols > COLS)
		cols = (size_t)(COLS - x);
	text_cell(s, cols, false, cell, sizeof(cell));
	look_on(l);
	mvaddstr(y, x, cell);
	look_on(LOOK_NORMAL);
}

static void putf(int y, int x, enum look l, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void putf(int y, int x, enum look l, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_put(y, x, (size_t)(COLS > x ? COLS - x : 0), l, buf);
}

/* "Label:          value", the label padded by columns, not bytes. */
static void field(int y, enum look l, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void field(int y, enum look l, const char *label, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_put(y, 4, 17, LOOK_NORMAL, label);
	ui_put(y, 22, (size_t)(COLS > 23 ? COLS - 23 : 0), l, buf);
}

/* Draws text from row y on, wrapped at spaces to the width; returns the
 * next free row. */
static int wrapped(int y, int x, enum look l, const char *text)
{
	size_t cols = (size_t)(COLS - x - 2);
	char line[1024];

	while (*text && y < LINES - 2) {
		size_t len = strlen(text), cut = len, last_space = 0;
		for (size_t i = 0; i < len && i < sizeof(line) - 1; i++) {
			if (text[i] == '\n') { /* the "Details:" line starts anew */
				cut = i;
				break;
			}
			memcpy(line, text, i + 1);
			line[i + 1] = '\0';
			if (text_width(line) > cols) {
				cut = last_space ? last_space : i;
				break;
			}
			if (text[i] == ' ')
				last_space = i;
		}
		if (cut >= sizeof(line))
			cut = sizeof(line) - 1;
		memcpy(line, text, cut);
		line[cut] = '\0';
		ui_put(y++, x, cols, l, line);
		text += cut;
		if (*text == '\n')
			text++;
		while (*text == ' ')
			text++;
	}
	return y;
}

static void bar(int y, const char *left, const char *right)
{
	char cell[1024];
	size_t rw = right ? text_width(right) : 0;

	look_on(LOOK_HEAD);
	attron(A_REVERSE);
	move(y, 0);
	for (int i = 0; i < COLS; i++)
		addch(' ');
	text_cell(left, (size_t)COLS - 2, false, cell, sizeof(cell));
	mvaddstr(y, 1, cell);
	if (right && rw + text_width(left) + 4 < (size_t)COLS)
		mvaddstr(y, COLS - 1 - (int)rw, right);
	attrset(A_NORMAL);
}

void ui_frame(const char *title, const char *keys)
{
	char left[512];

	erase();
	snprintf(left, sizeof(left), "raquet — %s", title);
	bar(0, left, title_right);
	bar(LINES - 1, keys, NULL);
}

void ui_start(const char *right)
{
	snprintf(title_right, sizeof(title_right), "%s", right ? right : "");
	initscr();
	raw(); /* Ctrl-C is a key here: the launcher decides, not a signal */
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		colours = true;
		use_default_colors();
		init_pair(1, COLOR_GREEN, -1);
		init_pair(2, COLOR_RED, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_WHITE, COLOR_BLUE);
	}
}

void ui_end(void)
{
	if (!isendwin())
		endwin();
}

/* Reads a key: returns KEY_CODE_YES for function keys, OK for characters,
 * ERR on timeout. */
int ui_read_key(wint_t *k)
{
	int rc = get_wch(k);
	struct pollfd in = {.fd = STDIN_FILENO, .events = POLLIN};

	if (rc == KEY_CODE_YES && *k == KEY_RESIZE)
		return ERR;
	/* ERR is also what a vanished terminal gives, at once and forever: a
	 * launcher left like that would spin. A running scan is its own
	 * process and still seals its record; the screen has no one to show. */
	if (rc == ERR && poll(&in, 1, 0) == 1 && (in.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		ui_end();
		fprintf(stderr, "raquet-launcher: the terminal went away\n");
		exit(2);
	}
	return rc;
}

static bool is_enter(int rc, wint_t k)
{
	return (rc == OK && (k == '\n' || k == '\r')) || (rc == KEY_CODE_YES && k == KEY_ENTER);
}

static bool is_backspace(int rc, wint_t k)
{
	return (rc == OK && (k == 127 || k == 8)) || (rc == KEY_CODE_YES && k == KEY_BACKSPACE);
}

static bool is_quit(int rc, wint_t k)
{
	return (rc == KEY_CODE_YES && k == KEY_F(10)) || (rc == OK && k == KEY_CTRL_C);
}

/* --- choosing from a list ------------------------------------------------- */

struct list {
	const char *title, *question;
	const char *const *labels; /* what is shown */
	const char *const *keys;   /* what typing matches (NULL: no filter) */
	size_t n;
	size_t sel; /* in/out: the chosen label's index */
	bool back;  /* Esc goes back */
};

static size_t list_filter(const struct list *l, const char *typed, size_t *shown)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->keys == NULL || text_match(l->keys[i], typed))
			shown[k++] = i;
	return k;
}

static void draw_list(const struct list *l, const size_t *shown, size_t nshown, size_t cur,
		      size_t top, const char *typed)
{
	int rows = LINES - 7;

	ui_frame(l->title, !l->back ? _("↑↓ move   Enter choose   type to search   F10 quit")
				    : _("↑↓ move   Enter choose   Esc back   F10 quit"));
	ui_put(2, 2, (size_t)COLS - 4, LOOK_BOLD, l->question);
	if (l->keys)
		putf(3, 2, LOOK_NORMAL, "%s %s_", _("Search:"), typed);
	for (int r = 0; r < rows && top + (size_t)r < nshown; r++) {
		size_t i = top + (size_t)r;
		char line[1024];
		snprintf(line, sizeof(line), " %s ", l->labels[shown[i]]);
		if (i == cur)
			attron(A_REVERSE);
		ui_put(5 + r, 2, (size_t)COLS - 4, i == cur ? LOOK_BOLD : LOOK_NORMAL, line);
		if (i == cur) {
			attron(A_REVERSE);
			mvchgat(5 + r, 2, COLS - 4, A_REVERSE | A_BOLD, 0, NULL);
		}
		attrset(A_NORMAL);
	}
	if (nshown == 0)
		ui_put(5, 4, (size_t)COLS - 6, LOOK_WARN, _("Nothing matches what was typed."));
	else if (nshown > (size_t)rows)
		putf(LINES - 2, 2, LOOK_NORMAL, "%zu/%zu", cur + 1, nshown);
	refresh();
}

static enum ui_result run_list(struct list *l)
{
	size_t *shown = calloc(l->n ? l->n : 1, sizeof(*shown)), nshown, cur = 0, top = 0;
	char typed[128] = "";
	enum ui_result res = UI_QUIT;

	if (shown == NULL)
		return UI_QUIT;
	nshown = list_filter(l, typed, shown);
	for (size_t i = 0; i < nshown; i++)
		if (shown[i] == l->sel)
			cur = i;
	timeout(-1);
	for (;;) {
		size_t rows = LINES > 8 ? (size_t)LINES - 7 : 1;
		wint_t k;
		int rc;
		if (cur >= nshown)
			cur = nshown ? nshown - 1 : 0;
		if (cur < top)
			top = cur;
		if (cur >= top + rows)
			top = cur - rows + 1;
		draw_list(l, shown, nshown, cur, top, typed);
		rc = ui_read_key(&k);
		if (rc == ERR)
			continue;
		if (is_quit(rc, k))
			break;
		if (is_enter(rc, k) && nshown > 0) {
			l->sel = shown[cur];
			res = UI_NEXT;
			break;
		}
		if (rc == OK && k == KEY_ESC) {
			if (typed[0]) { /* first Esc clears the search */
				typed[0] = '\0';
				nshown = list_filter(l, typed, shown);
			} else if (l->back) {
				res = UI_BACK;
				break;
			}
		} else if (is_backspace(rc, k)) { /* also KEY_BACKSPACE, a function key */
			if (l->keys && typed[0]) {
				size_t len = strlen(typed);
				while (len > 0 && ((unsigned char)typed[--len] & 0xC0) == 0x80)
					;
				typed[len] = '\0';
				nshown = list_filter(l, typed, shown);
				cur = 0;
			}
		} else if (rc == KEY_CODE_YES) {
			switch (k) {
			case KEY_UP:
				cur = cur ? cur - 1 : 0;
				break;
			case KEY_DOWN:
				cur = cur + 1 < nshown ? cur + 1 : cur;
				break;
			case KEY_PPAGE:
				cur = cur > rows ? cur - rows : 0;
				break;
			case KEY_NPAGE:
				cur = cur + rows < nshown ? cur + rows : (nshown ? nshown - 1 : 0);
				break;
			case KEY_HOME:
				cur = 0;
				break;
			case KEY_END:
				cur = nshown ? nshown - 1 : 0;
				break;
			}
		} else if (rc == OK && l->keys && iswprint(k)) {
			char mb[MB_LEN_MAX + 1];
			int n = wctomb(mb, (wchar_t)k);
			if (n > 0 && strlen(typed) + (size_t)n < sizeof(typed)) {
				mb[n] = '\0';
				strcat(typed, mb);
				nshown = list_filter(l, typed, shown);
				cur = 0;
			}
		}
	}
	free(shown);
	return res;
}

enum ui_result ui_pick_unit(const struct stickinfo *si, struct choice *choice)
{
	char **labels = calloc(si->nunits, sizeof(char *)),
	     **keys = calloc(si->nunits, sizeof(char *));
	struct list l = {.title = _("Unit"),
			 .question = _("Which unit does this computer belong to?"),
			 .n = si->nunits};
	enum ui_result res = UI_QUIT;
	size_t made = 0;

	if (labels == NULL || keys == NULL)
		goto out;
	for (; made < si->nunits; made++) {
		const struct unit *u = &si->units[made];
		char code[64];
		text_cell(u->code, 16, true, code, sizeof(code));
		if (asprintf(&labels[made], "%s  %s", code, u->name) < 0 ||
		    asprintf(&keys[made], "%s %s", u->code, u->name) < 0)
			goto out;
		if (choice->unit == u)
			l.sel = made;
	}
	l.labels = (const char *const *)labels;
	l.keys = (const char *const *)keys;
	res = run_list(&l);
	if (res == UI_NEXT)
		choice->unit = &si->units[l.sel];
out:
	for (size_t i = 0; labels && keys && i < made; i++)
		free(labels[i]), free(keys[i]);
	free(labels);
	free(keys);
	return res;
}

enum ui_result ui_pick_mode(struct choice *choice)
{
	const char *labels[3];
	struct list l = {.title = _("Scan"),
			 .question = _("How thoroughly?"),
			 .labels = labels,
			 .n = 3,
			 .sel = choice->station ? 2
				: choice->quick ? 0
						: 1,
			 .back = true};
	enum ui_result res;

	labels[0] = _("Quick scan: only the places malware usually hides (minutes)");
	labels[1] = _("Full scan: every file on every disk (can take hours)");
	labels[2] =
	    _("USB drives: not this PC; scan and repair each USB drive plugged in, until Esc");
	res = run_list(&l);
	if (res == UI_NEXT) {
		choice->quick = l.sel == 0;
		choice->station = l.sel == 2;
	}
	return res;
}

enum ui_result ui_pick_action(struct choice *choice)
{
	const char *labels[3];
	struct list l = {.title = _("Action"),
			 .question = _("What to do with infected files?"),
			 .labels = labels,
			 .n = 3,
			 .sel = (size_t)choice->action,
			 .back = true};
	enum ui_result res;

	labels[0] = _("Report only: change nothing on this computer");
	labels[1] = _("Quarantine: move them onto the stick (can be restored)");
	labels[2] = _("Delete: remove them for good");
	res = run_list(&l);
	if (res == UI_NEXT)
		choice->action = (enum resultdoc_action)l.sel;
	return res;
}

/* --- the technician's name --------------------------------------------- */

enum ui_result ui_ask_name(struct choice *choice)
{
	wchar_t name[LAUNCHER_NAME_MAX];
	size_t len = mbstowcs(name, choice->technician, LAUNCHER_NAME_MAX - 1);
	const char *problem = NULL;

	if (len == (size_t)-1)
		len = 0;
	name[len] = L'\0';
	timeout(-1);
	for (;;) {
		char mb[LAUNCHER_NAME_MAX * 4];
		wint_t k;
		int rc;
		size_t n;

		ui_frame(_("Technician"),
			 _("Enter confirm   Backspace erase   Ctrl-U clear   Esc back   F10 quit"));
		ui_put(2, 2, (size_t)COLS - 4, LOOK_BOLD,
		       _("Your name (saved on the stick for next time):"));
		n = wcstombs(mb, name, sizeof(mb));
		if (n == (size_t)-1)
			mb[0] = '\0';
		putf(4, 4, LOOK_NORMAL, "> %s_", mb);
		if (problem)
			ui_put(6, 4, (size_t)COLS - 6, LOOK_WARN, problem);
		refresh();
		rc = ui_read_key(&k);
		if (rc == ERR)
			continue;
		if (is_quit(rc, k))
			return UI_QUIT;
		if (rc == OK && k == KEY_ESC)
			return UI_BACK;
		if (is_enter(rc, k)) {
			if (n != (size_t)-1 && n < LAUNCHER_NAME_MAX && launcher_name_ok(mb)) {
				snprintf(choice->technician, sizeof(choice->technician), "%s", mb);
				return UI_NEXT;
			}
			problem = _("Please type your name.");
		} else if (is_backspace(rc, k)) {
			if (len > 0)
				name[--len] = L'\0';
		} else if (rc == OK && k == 21) { /* Ctrl-U */
			name[len = 0] = L'\0';
		} else if (rc == OK && iswprint(k) && len + 1 < LAUNCHER_NAME_MAX / 2) {
			name[len++] = (wchar_t)k;
			name[len] = L'\0';
			problem = NULL;
		}
	}
}

/* --- confirmation --------------------------------------------------------- */

static void describe_choice(int y, const struct choice *c)
{
	field(y, LOOK_BOLD, _("Unit:"), "%s — %s", c->unit->code, c->unit->name);
	field(y + 1, LOOK_BOLD, _("Technician:"), "%s", c->technician[0] ? c->technician : "—");
	field(y + 2, LOOK_BOLD, _("Scan:"), "%s", ui_mode_text(c));
	field(y + 3, c->action == RESULTDOC_DELETE ? LOOK_WARN : LOOK_BOLD, _("Action:"), "%s",
	      launcher_action_text(c->action));
}

enum ui_result ui_confirm(const struct choice *choice)
{
	timeout(-1);
	for (;;) {
		wint_t k;
		int rc;

		ui_frame(_("Confirm"), _("Enter start the scan   Esc back   F10 quit"));
		ui_put(2, 2, (size_t)COLS - 4, LOOK_BOLD, _("Ready to scan this computer:"));
		describe_choice(4, choice);
		ui_put(
		    10, 2, (size_t)COLS - 4, LOOK_NORMAL,
		    _("Press Enter to start. Do not remove the stick until the summary is shown."));
		refresh();
		rc = ui_read_key(&k);
		if (rc == ERR)
			continue;
		if (is_quit(rc, k))
			return UI_QUIT;
		if (rc == OK && k == KEY_ESC)
			return UI_BACK;
		if (is_enter(rc, k))
			return UI_NEXT;
	}
}

/* --- progress ------------------------------------------------------------ */

static void draw_progress(const struct choice *c, const struct progress_line *pl, bool have,
			  bool asking)
{
	char t[32], left[32], root[300], file[1100];
	double mb = (double)pl->bytes / 1e6, eta = text_eta(pl);
	double rate = pl->seconds > 0 ? mb / pl->seconds : 0;
	int w = COLS - 8 > 0 ? COLS - 8 : 1, filled = 0;

	ui_frame(_("Scanning"), asking ? _("Enter stop the scan   any other key continue")
				       : _("Esc stop the scan"));
	putf(2, 2, LOOK_NORMAL, "%s — %s", c->unit->code, c->unit->name);
	putf(3, 2, LOOK_NORMAL, "%s · %s", ui_mode_text(c), launcher_action_text(c->action));
	if (!have) {
		ui_put(5, 4, (size_t)COLS - 6, LOOK_BOLD,
		       c->station ? _("Waiting for a USB drive: plug one in (Esc ends)...")
				  : _("Loading signatures and finding the disks..."));
		refresh();
		return;
	}
	text_cell(pl->root, (size_t)COLS - 30, false, root, sizeof(root));
	text_duration(pl->seconds, t, sizeof(t));
	if (eta >= 0)
		text_duration(eta, left, sizeof(left));
	else
		snprintf(left, sizeof(left), "%s", _("counting..."));
	field(5, LOOK_BOLD, _("Volume:"), "%s  (%llu/%llu)", root,
	      (unsigned long long)pl->root_index + 1, (unsigned long long)pl->roots);
	text_middle(pl->file, (size_t)(COLS > 23 ? COLS - 23 : 0), file, sizeof(file));
	field(6, LOOK_NORMAL, _("File:"), "%s", file);
	if (pl->total_known)
		field(7, LOOK_NORMAL, _("Files:"), "%llu / %llu", (unsigned long long)pl->files,
		      (unsigned long long)pl->files_total);
	else
		field(7, LOOK_NORMAL, _("Files:"), "%llu", (unsigned long long)pl->files);
	if (pl->total_known)
		field(8, LOOK_NORMAL, _("Data:"), "%.1f / %.1f MB", mb,
		      (double)pl->bytes_total / 1e6);
	else
		field(8, LOOK_NORMAL, _("Data:"), "%.1f MB", mb);
	field(9, LOOK_NORMAL, _("Speed:"), "%.1f MB/s", rate);
	field(10, LOOK_NORMAL, _("Time:"), "%s   %s %s", t, _("left:"), left);
	field(11, pl->detections ? LOOK_BAD : LOOK_GOOD, _("Detections:"), "%llu",
	      (unsigned long long)pl->detections);
	if (eta >= 0 && pl->seconds + eta > 0) /* the bar is time, as the ETA */
		filled = (int)((double)w * pl->seconds / (pl->seconds + eta));
	else if (pl->total_known && pl->bytes_total > 0)
		filled = (int)((double)w *
			       (double)(pl->bytes > pl->bytes_total ? pl->bytes_total : pl->bytes) /
			       (double)pl->bytes_total);
	mvaddch(13, 3, '[');
	for (int i = 0; i < w; i++)
		addch(i < filled ? '#' : '.');
	addch(']');
	if (asking)
		ui_put(15, 4, (size_t)COLS - 6, LOOK_WARN,
		       _("Stop now? What was found so far is still saved, marked incomplete."));
	refresh();
}

void ui_progress(struct scan_job *job, const struct choice *choice)
{
	struct progress_line pl = {0}, next;
	bool have = false, asking = false, stopped = false;

	timeout(200);
	draw_progress(choice, &pl, have, asking);
	for (;;) {
		int r = runscan_poll(job, 0, &next);
		wint_t k;
		int rc;
		if (r == 1)
			pl = next, have = true;
		if (r != 0)
			draw_progress(choice, &pl, have, asking);
		if (r < 0)
			break;
		if (launcher_stop_requested && !stopped) {
			runscan_stop(job);
			stopped = true;
		}
		rc = ui_read_key(&k);
		if (rc == ERR || stopped)
			continue;
		if (asking) {
			if (is_enter(rc, k)) {
				runscan_stop(job);
				stopped = true;
			}
			asking = false;
		} else if (rc == OK && (k == KEY_ESC || k == KEY_CTRL_C)) {
			asking = true;
		}
		draw_progress(choice, &pl, have, asking);
	}
	timeout(-1);
}

void ui_message(const char *title, const char *text)
{
	wint_t k;

	timeout(-1);
	do {
		ui_frame(title, _("any key: finish"));
		ui_put(2, 2, (size_t)COLS - 4, LOOK_BAD, title);
		wrapped(4, 2, LOOK_NORMAL, text);
		refresh();
	} while (ui_read_key(&k) == ERR);
}
