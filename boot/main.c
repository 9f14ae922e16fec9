/* raquet-launcher: what tty1 runs on the live system. It asks the
 * technician for the unit, their name, quick or full scan and the action,
 * runs raquet-scan, shows its progress and a summary that stays until a key
 * is pressed. Unattended (RAQUET/config, --unit with --action, or standard
 * input not a terminal) it asks nothing, and may power the PC off after.
 * Exit status: raquet-scan's (0 clean, 1 found, 2 error); 0 when the
 * technician quits before scanning. */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"
#include "advice.h"
#include "launcher.h"

#define DEFAULT_STICK "/run/raquet/stick"
#define MAX_PATHS     32
#define POWEROFF_WAIT 30 /* seconds the summary stays before powering off */

volatile sig_atomic_t launcher_stop_requested;

struct options {
	const char *stick, *unit, *technician, *lang, *identity_root;
	const char *paths[MAX_PATHS], *devices[MAX_PATHS];
	size_t npaths, ndevices;
	bool action_given, mode_given, quick, unattended, poweroff;
	enum resultdoc_action action;
	int wait;
};

static void print_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: raquet-launcher [options]\n"
	    "  --stick DIR         the stick's data partition (default $RAQUET_STICK, then %s)\n"
	    "  --unit CODE         unit scanned for (a code of the stick's roster)\n"
	    "  --technician NAME   who runs the scan (default: the name remembered on the stick)\n"
	    "  --action A          report, quarantine or delete (default: the stick's config)\n"
	    "  --quick | --full    scan mode (default: the stick's config)\n"
	    "  --lang vi|en        language of the screens (default vi; English when LANG=en*)\n"
	    "  --unattended        ask nothing (also with --unit and --action, or stdin not a "
	    "terminal)\n"
	    "  --poweroff          power off after the summary\n"
	    "  --wait SECONDS      unattended: how long the summary stays (default 30)\n"
	    "  --scan-path DIR     scan DIR in plain mode instead of the PC's disks (repeatable)\n"
	    "  --device DEV        live mode: only this device (repeatable; passed to "
	    "raquet-scan)\n"
	    "  --identity-root DIR passed to raquet-scan (tests)\n"
	    "environment: RAQUET_SCAN (the scanner), RAQUET_LOCALEDIR (catalogues),\n"
	    "             RAQUET_POWEROFF (program run instead of systemctl poweroff)\n",
	    DEFAULT_STICK);
}

/* A usage error: why and the usage on stderr, exit 2. */
static void usage(const char *why)
{
	if (why)
		rq_warn("%s", why);
	print_usage(stderr);
	exit(2);
}

enum {
	OPT_STICK = 256,
	OPT_UNIT,
	OPT_TECH,
	OPT_ACTION,
	OPT_QUICK,
	OPT_FULL,
	OPT_LANG,
	OPT_UNATTENDED,
	OPT_POWEROFF,
	OPT_WAIT,
	OPT_PATH,
	OPT_DEVICE,
	OPT_IDROOT
};

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"stick", required_argument, NULL, OPT_STICK},
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"technician", required_argument, NULL, OPT_TECH},
	    {"action", required_argument, NULL, OPT_ACTION},
	    {"quick", no_argument, NULL, OPT_QUICK},
	    {"full", no_argument, NULL, OPT_FULL},
	    {"lang", required_argument, NULL, OPT_LANG},
	    {"unattended", no_argument, NULL, OPT_UNATTENDED},
	    {"poweroff", no_argument, NULL, OPT_POWEROFF},
	    {"wait", required_argument, NULL, OPT_WAIT},
	    {"scan-path", required_argument, NULL, OPT_PATH},
	    {"device", required_argument, NULL, OPT_DEVICE},
	    {"identity-root", required_argument, NULL, OPT_IDROOT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	long n;
	int c;

	o->stick = getenv("RAQUET_STICK") && *getenv("RAQUET_STICK") ? getenv("RAQUET_STICK")
								     : DEFAULT_STICK;
	o->wait = POWEROFF_WAIT;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_STICK:
			o->stick = optarg;
			break;
		case OPT_UNIT:
			o->unit = optarg;
			break;
		case OPT_TECH:
			if (!launcher_name_ok(optarg))
				usage("--technician wants a name (UTF-8, no control characters, "
				      "under 128 bytes)");
			o->technician = optarg;
			break;
		case OPT_ACTION:
			o->action_given = true;
			if (resultdoc_action_parse(optarg, &o->action) != 0)
				usage("--action wants report, quarantine or delete");
			break;
		case OPT_QUICK:
			o->mode_given = o->quick = true;
			break;
		case OPT_FULL:
			o->mode_given = true, o->quick = false;
			break;
		case OPT_LANG:
			if (strcmp(optarg, "vi") != 0 && strcmp(optarg, "en") != 0)
				usage("--lang wants vi or en");
			o->lang = optarg;
			break;
		case OPT_UNATTENDED:
			o->unattended = true;
			break;
		case OPT_POWEROFF:
			o->poweroff = true;
			break;
		case OPT_WAIT:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 0 || n > 3600)
				usage("--wait wants seconds from 0 to 3600");
			o->wait = (int)n;
			break;
		case OPT_PATH:
			if (o->npaths == MAX_PATHS)
				usage("too many --scan-path options");
			o->paths[o->npaths++] = optarg;
			break;
		case OPT_DEVICE:
			if (o->ndevices == MAX_PATHS)
				usage("too many --device options");
			o->devices[o->ndevices++] = optarg;
			break;
		case OPT_IDROOT:
			o->identity_root = optarg;
			break;
		case 'V':
			printf("raquet-launcher %s\n", RAQUET_VERSION);
			exit(rq_finish_stdout(0));
		case 'h':
			print_usage(stdout);
			exit(rq_finish_stdout(0));
		default:
			usage(NULL);
		}
	}
	if (optind < argc)
		usage("unexpected argument (paths go with --scan-path)");
	if (o->npaths && o->ndevices)
		usage("--device is for live mode; it does not go with --scan-path");
}

/* The directory this program lives in, to find raquet-scan and the build
 * tree's catalogues next to it. */
static const char *self_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		return NULL;
	*slash = '\0';
	return dir;
}

static const char *locale_dir(void)
{
	static char dir[PATH_MAX + 32];
	const char *env = getenv("RAQUET_LOCALEDIR"), *self = self_dir();
	struct stat st;

	if (env && *env)
		return env;
	/* $(O)/bin/raquet-launcher finds $(O)/share/locale: tests need no install. */
	if (self && snprintf(dir, sizeof(dir), "%s/../share/locale", self) < (int)sizeof(dir) &&
	    stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return dir;
	return RAQUET_LOCALEDIR;
}

static bool starts_english(const char *v)
{
	return v && strncmp(v, "en", 2) == 0;
}

/* Vietnamese unless English is asked for. The live console may come up in
 * the C locale: diacritics need a UTF-8 one, and C.UTF-8 is always there. */
static void setup_language(const char *lang)
{
	const char *env = getenv("LC_ALL");
	bool english;

	if (env == NULL || *env == '\0')
		env = getenv("LC_MESSAGES");
	if (env == NULL || *env == '\0')
		env = getenv("LANG");
	english = lang ? strcmp(lang, "en") == 0 : starts_english(env);
	if (setlocale(LC_ALL, "") == NULL || strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
		if (setlocale(LC_ALL, "C.UTF-8") == NULL && setlocale(LC_ALL, "C.utf8") == NULL)
			english = true; /* no UTF-8 at all: Vietnamese would be unreadable */
	}
	/* LANGUAGE picks the catalogue whatever LC_MESSAGES names. */
	setenv("LANGUAGE", english ? "en" : "vi", 1);
	if (bindtextdomain("raquet", locale_dir()) == NULL ||
	    bind_textdomain_codeset("raquet", "UTF-8") == NULL || textdomain("raquet") == NULL)
		fprintf(stderr, "raquet-launcher: no message catalogue: %s\n", strerror(errno));
}

static const char *scanner_path(void)
{
	static char path[PATH_MAX + 16];
	const char *env = getenv("RAQUET_SCAN"), *self = self_dir();

	if (env && *env)
		return env;
	if (self && snprintf(path, sizeof(path), "%s/raquet-scan", self) < (int)sizeof(path) &&
	    access(path, X_OK) == 0)
		return path;
	return "raquet-scan"; /* from PATH */
}

static void on_stop_signal(int sig)
{
	(void)sig;
	launcher_stop_requested = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* In text mode Ctrl-C reaches raquet-scan too; it stops and seals an
	 * incomplete record, and the launcher stays to print the summary. */
	sigaction(SIGINT, &sa, NULL);
}

/* What to do when the scanner could not be started or waited for. */
#define START_AGAIN                                                                                \
	N_("Nothing was scanned. Restart the PC from the stick and try again; if this "            \
	   "comes back, take the stick to the IOC.")
/* ... and when it ran but its end was not seen. */
#define END_UNSEEN                                                                                 \
	N_("The scan ran, but its end could not be seen: its record may be on the stick. "         \
	   "Take the stick to the IOC, which will see it at import.")

/* Shows a reason the run cannot happen, on the screen or on stderr. */
static int fail(bool screen, const char *title, const char *msg)
{
	if (screen) {
		ui_message(title, msg);
		ui_end();
	}
	rq_warn("%s: %s", title, msg);
	return 2;
}

/* A stick whose IOC is not the one this image pins (lib/pin.h): nothing on
 * it is trusted, not even its roster, and only the IOC can put it right
 * (re-provision it, or stamp an image for it), so the screen says where to
 * take it rather than what went wrong inside. */
static int refuse_foreign(bool screen, const struct stickinfo *si, const char *why)
{
	const char *text = si->pin == PIN_BROKEN
			       ? _("This system carries no IOC key to check sticks against "
				   "(an image no IOC has stamped, or a damaged one). Nothing "
				   "was scanned. Take the stick to the IOC to have it "
				   "rewritten.")
			       : _("This stick was issued by another IOC, or its keys were "
				   "changed. Nothing was scanned and nothing was written. "
				   "Take the stick to the IOC that issued it.");
	if (screen) {
		ui_message(_("STICK REFUSED: NOT FROM THIS IOC"), text);
		ui_end();
	}
	fprintf(stderr, "raquet-launcher: %s\nraquet-launcher: %s %s\n", text, _("Details:"), why);
	return 2;
}

/* A RAQUET/config the scan would refuse (the same parser, lib/sticklayout.h):
 * the technician cannot fix it on the spot, and a scan started anyway
 * would only fail after the choices were made, so say where to take it. */
static int refuse_config(bool screen, const char *why)
{
	const char *text = _("The stick's settings file (RAQUET/config) has an error. Nothing "
			     "was scanned and nothing was written. Take the stick to the IOC "
			     "to have its settings rewritten.");
	char msg[1024];

	if (screen) {
		ui_message(_("STICK REFUSED: BAD SETTINGS"),
			   advice_with_detail(msg, sizeof(msg), text, why));
		ui_end();
	}
	fprintf(stderr, "raquet-launcher: %s\nraquet-launcher: %s %s\n", text, _("Details:"), why);
	return 2;
}

/* The prompts in order; a step given on the command line is skipped, and
 * Esc goes back to the previous step that was shown. */
static enum ui_result ask(const struct options *o, const struct stickinfo *si, struct choice *c)
{
	enum { UNIT, NAME, MODE, ACTION, CONFIRM, DONE } step = UNIT;
	bool skip[DONE] = {o->unit != NULL, o->technician != NULL, o->mode_given, o->action_given,
			   false};
	bool shown[DONE] = {false};

	while (step != DONE) {
		enum ui_result r;
		if (skip[step]) {
			step++;
			continue;
		}
		switch (step) {
		case UNIT:
			r = ui_pick_unit(si, c);
			break;
		case NAME:
			r = ui_ask_name(c);
			break;
		case MODE:
			r = ui_pick_mode(c);
			break;
		case ACTION:
			r = ui_pick_action(c);
			break;
		default:
			r = ui_confirm(c);
			break;
		}
		if (r == UI_QUIT)
			return UI_QUIT;
		if (r == UI_NEXT) {
			shown[step] = true;
			step++;
			continue;
		}
		for (int s = (int)step - 1; s >= 0; s--) /* back */
			if (shown[s]) {
				step = s;
				break;
			}
	}
	return UI_NEXT;
}

static void text_progress(struct scan_job *job)
{
	struct progress_line pl;
	bool stopped = false;
	int r;

	while ((r = runscan_poll(job, 500, &pl)) >= 0)
		if (launcher_stop_requested && !stopped) {
			runscan_stop(job);
			stopped = true;
		}
}

/* systemctl poweroff, or poweroff -f where systemd is not running;
 * RAQUET_POWEROFF names another program (tests). */
static int power_off(void)
{
	const char *env = getenv("RAQUET_POWEROFF");
	const char *const cmds[][3] = {{"systemctl", "poweroff", NULL}, {"poweroff", "-f", NULL}};

	sync();
	for (size_t i = 0; i < 2; i++) {
		const char *const custom[] = {env, NULL};
		const char *const *argv = env && *env ? custom : cmds[i];
		int status;
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			execvp(argv[0], (char *const *)argv);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -1;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return 0;
		if (env && *env)
			return -1;
	}
	return -1;
}

static const struct unit *default_unit(const struct options *o, const struct stickinfo *si)
{
	if (o->unit)
		return stickinfo_unit(si, o->unit);
	if (si->unit[0] && stickinfo_unit(si, si->unit))
		return stickinfo_unit(si, si->unit);
	return si->nunits == 1 ? &si->units[0] : NULL;
}

static int run(struct options *o, struct stickinfo *si, bool screen, bool unattended)
{
	struct scan_request req = {.scanner = scanner_path(),
				   .stick_dir = o->stick,
				   .paths = o->paths,
				   .npaths = o->npaths,
				   .identity_root = o->identity_root,
				   .devices = o->devices,
				   .ndevices = o->ndevices};
	struct choice *c = &req.choice;
	bool poweroff = o->poweroff || (unattended && si->poweroff && getppid() == 1);
	struct summary sum;
	struct scan_job job;
	char detail[1024];
	rq_error err;
	int status;

	c->unit = default_unit(o, si);
	snprintf(c->technician, sizeof(c->technician), "%s",
		 o->technician ? o->technician : si->technician);
	c->quick = o->mode_given ? o->quick : si->quick;
	c->action = o->action_given ? o->action : si->action;
	c->station = si->station && o->npaths == 0 && o->ndevices == 0;
	if (o->unit && c->unit == NULL) {
		char *esc = escape_name(o->unit), msg[512];
		snprintf(msg, sizeof(msg), _("Unit '%s' is not in the stick's signed roster."),
			 esc ? esc : "?");
		free(esc);
		return fail(screen, _("Unknown unit"), msg);
	}
	if (unattended && c->unit == NULL)
		return fail(screen, _("No unit"),
			    _("Unattended mode needs a unit: set 'unit = CODE' in RAQUET/config or "
			      "give --unit."));
	if (!unattended && ask(o, si, c) == UI_QUIT) {
		if (screen)
			ui_end();
		return 0;
	}
	/* Unattended, nobody is there to press Esc: the stick's station_idle
	 * ends the station (docs/usb-repair.md); interactive, Esc does. */
	if (unattended && c->station)
		c->station_idle = si->station_idle;
	if (c->technician[0] && stickinfo_save_technician(si, c->technician, &err) != 0)
		fprintf(stderr, "raquet-launcher: the name was not remembered: %s\n", err.msg);
	if (runscan_start(&req, &job, &err) != 0)
		return fail(screen, _("The scan could not start"),
			    advice_with_detail(detail, sizeof(detail), _(START_AGAIN), err.msg));
	if (screen)
		ui_progress(&job, c);
	else
		text_progress(&job);
	/* The scan has run by now (its record may be on the stick): only
	 * its end could not be seen, so saying it did not start would lie. */
	if (runscan_finish(&job, &sum, &err) != 0)
		return fail(screen, _("The scan's end could not be seen"),
			    advice_with_detail(detail, sizeof(detail), _(END_UNSEEN), err.msg));
	if (screen) {
		/* Unattended, nobody may be there to press a key: the summary
		 * closes by itself (raquet-live may power off after us). */
		ui_summary(&sum, c, poweroff || unattended ? o->wait : -1,
			   poweroff || si->poweroff);
		ui_end();
	} else {
		text_summary(stdout, &sum, c);
	}
	status = sum.exit_status;
	summary_free(&sum);
	status = rq_finish_stdout(status);
	if (poweroff && power_off() != 0) {
		fprintf(stderr, "raquet-launcher: could not power off\n");
		status = 2;
	}
	return status;
}

int main(int argc, char **argv)
{
	static struct options o;
	struct stickinfo si;
	bool screen, unattended;
	rq_error err;
	int status;

	rq_set_progname("raquet-launcher");
	parse_args(argc, argv, &o);
	setup_language(o.lang);
	catch_signals();
	screen = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && getenv("TERM") != NULL;
	if (stickinfo_open(o.stick, &si, &err) != 0) {
		char msg[1024];
		int e = errno;
		if (screen)
			ui_start(NULL);
		if (si.pin == PIN_FOREIGN || si.pin == PIN_BROKEN)
			return refuse_foreign(screen, &si, err.msg);
		if (si.bad_config)
			return refuse_config(screen, err.msg);
		return fail(
		    screen, _("This stick cannot be used"),
		    advice_with_detail(msg, sizeof(msg), advice_stick(o.stick, e), err.msg));
	}
	unattended =
	    o.unattended || si.unattended || (o.unit && o.action_given) || !isatty(STDIN_FILENO);
	if (screen)
		ui_start(si.label);
	status = run(&o, &si, screen, unattended);
	stickinfo_close(&si);
	return status;
}
