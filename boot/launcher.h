/* launcher: what tty1 runs on the live system (boot/). It reads the stick
 * (signed roster, config, the technician's remembered name), asks the
 * technician what to do in a text UI (Vietnamese by default, English on
 * request), runs raquet-scan as a child with --progress-fd, shows its
 * progress and a summary built from the result document. Unattended, it
 * asks nothing and prints, or shows, the same result.
 *
 * Modules: stickinfo (the stick's files), runscan (the child and what it
 * left), text (UTF-8 width, matching, number formats: pure, unit-tested),
 * ui (ncursesw screens), summary (the summary's lines, drawn or printed),
 * main (options, language, flow). */
#ifndef RAQUET_LAUNCHER_H
#define RAQUET_LAUNCHER_H

#include <libintl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "pin.h"
#include "resultdoc.h"
#include "rqerror.h"

#define _(s)  gettext(s)
#define N_(s) (s)

#define LAUNCHER_NAME_MAX 128 /* technician's name, bytes */

/* --- stickinfo: the stick as the launcher needs it ----------------------- */

struct unit {
	char *code, *name; /* from the signed roster, escaped for display */
	char *code_raw;    /* as signed: what raquet-scan --unit wants */
};

struct stickinfo {
	char *dir;   /* the stick's mount point */
	int dirfd;   /* DIR/RAQUET */
	char *label; /* stick.json label (escaped), or NULL */
	struct unit *units;
	size_t nunits;
	/* RAQUET/config, read by raquet-scan's parser (lib/sticklayout.h) */
	enum resultdoc_action action;
	bool quick, unattended, poweroff;
	bool station;              /* mode = station: "Quét USB" by default */
	unsigned int station_idle; /* unattended station: seconds idle before it ends */
	char unit[128];
	char technician[LAUNCHER_NAME_MAX]; /* RAQUET/technician, "" if none */
	/* The stick's ioc.pub against the image's pinned key (lib/pin.h); kept
	 * after a failed stickinfo_open so the refusal can say why. */
	enum pin_state pin;
	/* Set when stickinfo_open failed on RAQUET/config: the scan would
	 * refuse it too, so the launcher refuses the stick before asking. */
	bool bad_config;
};

/* Opens DIR/RAQUET and reads ioc.pub (checked against the pinned key),
 * stick.json and roster.json (both checked against the IOC's signature, as
 * raquet-scan does), config and technician. On failure si->pin still says
 * whether the stick's IOC was the pinned one. */
int stickinfo_open(const char *dir, struct stickinfo *si, rq_error *err);
void stickinfo_close(struct stickinfo *si);
/* The roster entry with this code (as signed), or NULL. */
const struct unit *stickinfo_unit(const struct stickinfo *si, const char *code);
/* Remembers the name in RAQUET/technician (atomically) when it changed. */
int stickinfo_save_technician(struct stickinfo *si, const char *name, rq_error *err);
/* A name fit to keep and pass on: non-empty UTF-8, no control characters,
 * shorter than LAUNCHER_NAME_MAX. */
bool launcher_name_ok(const char *name);

/* --- runscan: raquet-scan as a child -------------------------------------- */

struct choice {
	const struct unit *unit;
	char technician[LAUNCHER_NAME_MAX];
	bool quick;
	bool station; /* "Quét USB": raquet-scan --station (docs/usb-repair.md) */
	/* --station-idle for an unattended station; 0: until Esc */
	unsigned int station_idle;
	enum resultdoc_action action;
};

struct scan_request {
	const char *scanner; /* raquet-scan to run */
	const char *stick_dir;
	const char *const *paths; /* plain mode over these; NULL/0: --auto */
	size_t npaths;
	const char *identity_root;  /* passed on (tests) */
	const char *const *devices; /* --device, passed on to --auto */
	size_t ndevices;
	struct choice choice;
};

/* One line of raquet-scan --progress-fd. */
struct progress_line {
	uint64_t files, bytes, files_total, bytes_total, detections, root_index, roots;
	bool total_known, done;
	double seconds;
	double eta; /* the scanner's estimate ("eta_seconds"), or -1 */
	char root[256];
	char file[1024]; /* the file being scanned (escaped, shortened), or "" */
};

struct scan_job {
	pid_t pid;
	int progress_fd;
	char tmpdir[256];
	char buf[65536]; /* unread part of the progress stream */
	size_t buflen;
	bool eof;
};

struct volume_summary {
	char *path, *state; /* from the result document (already escaped) */
	char *name;         /* what the technician sees: device and label, or path */
	uint64_t files, errors, detections;
};

struct detection_summary {
	char *path, *signature, *outcome, *detail;
};

struct summary {
	int exit_status;  /* raquet-scan's: 0 clean, 1 found, 2 error */
	bool have_result; /* the result document could be read */
	bool saved;       /* "Record saved: ... (#N)" was printed */
	uint64_t seq;
	char *status; /* clean, cleaned, infected-not-cleaned, incomplete */
	uint64_t files, bytes, errors;
	double seconds;
	struct volume_summary *vols;
	size_t nvols;
	struct detection_summary *dets;
	size_t ndets;
	/* USB repairs (docs/usb-repair.md) by outcome */
	uint64_t repairs_done, repairs_planned, repairs_failed;
	char *messages[8]; /* last lines raquet-scan wrote on stderr (escaped) */
	size_t nmessages;
	bool warned; /* one of them is a warning: shown after any run */
};

int runscan_start(const struct scan_request *req, struct scan_job *job, rq_error *err);
/* Waits up to timeout_ms for progress; returns 1 when *pl holds a new
 * line, 0 when none came, -1 at the end of the stream. */
int runscan_poll(struct scan_job *job, int timeout_ms, struct progress_line *pl);
/* Asks the scan to stop (it still seals an incomplete result). */
void runscan_stop(const struct scan_job *job);
/* Waits for the child and reads what it left into *sum. */
int runscan_finish(struct scan_job *job, struct summary *sum, rq_error *err);
void summary_free(struct summary *sum);

/* Parses one progress line; -1 when it is not one. */
int progress_line_parse(const char *line, struct progress_line *pl);
/* "Record saved: ... (#N)" -> N; 0 when line is not that. */
uint64_t runscan_record_seq(const char *line);
/* Builds *sum (volumes, detections, counts) from a result document. */
int summary_from_json(const char *text, struct summary *sum);

/* --- text: UTF-8 for an 80-column console ------------------------------- */

/* Display columns of s (invalid bytes count one each). */
size_t text_width(const char *s);
/* Copies s into out cut to at most cols columns (with "…" when cut) and,
 * when pad, filled with spaces to exactly cols. Control and undisplayable
 * characters become '?'. */
void text_cell(const char *s, size_t cols, bool pad, char *out, size_t outsz);
/* As text_cell without padding, but a long s loses its start, not its end
 * (a path keeps its file name). */
void text_tail(const char *s, size_t cols, char *out, size_t outsz);
/* Case- and diacritic-insensitive substring test ("so y te" finds "Sở Y tế"). */
bool text_match(const char *haystack, const char *needle);
/* "mm:ss" or "h:mm:ss". */
void text_duration(double seconds, char *out, size_t outsz);
/* As text_cell without padding, but a long s loses its middle, not its
 * start or end (a path keeps its volume and its file name). */
void text_middle(const char *s, size_t cols, char *out, size_t outsz);
/* Seconds left: the scanner's estimate from files and bytes, else (an
 * older scanner) from the byte rate; -1 when it cannot be known yet. */
double text_eta(const struct progress_line *pl);

/* Set by SIGTERM/SIGHUP (systemd stopping tty1): stop the scan, keep its
 * incomplete record. */
extern volatile sig_atomic_t launcher_stop_requested;

/* --- ui: the ncursesw screens -------------------------------------------- */

enum ui_result { UI_NEXT, UI_BACK, UI_QUIT };

void ui_start(const char *title_right);
void ui_end(void);
/* Prompts; *choice holds defaults on entry. */
enum ui_result ui_pick_unit(const struct stickinfo *si, struct choice *choice);
enum ui_result ui_ask_name(struct choice *choice);
enum ui_result ui_pick_mode(struct choice *choice);
enum ui_result ui_pick_action(struct choice *choice);
enum ui_result ui_confirm(const struct choice *choice);
/* Shows progress until the scan ends; Esc offers to stop it. */
void ui_progress(struct scan_job *job, const struct choice *choice);
/* Shows the summary. wait_seconds < 0: until a key; else at most that long
 * (a key ends it early), saying the PC will then power off if it will. */
void ui_summary(const struct summary *sum, const struct choice *choice, int wait_seconds,
		bool poweroff);
/* A message (e.g. why the stick cannot be used) until a key is pressed. */
void ui_message(const char *title, const char *text);

/* Plain-text versions for when there is no terminal. */
void text_summary(FILE *out, const struct summary *sum, const struct choice *choice);

/* Translated names of the result document's words. */
const char *launcher_status_text(const char *status);
const char *launcher_state_text(const char *state);
const char *launcher_outcome_text(const char *outcome);
const char *launcher_action_text(enum resultdoc_action a);
const char *launcher_action_arg(enum resultdoc_action a);

#endif
