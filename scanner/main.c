/* raquet-scan: scans files and trees with libclamav like `clamscan -r`, with
 * N workers sharing one engine, and acts on what it finds (report,
 * quarantine, delete). Exit status as clamscan: 0 clean, 1 found, 2 error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "live/discover.h"
#include "live/live.h"
#include "live/print.h"
#include "live/persist.h"
#include "quarantine_cmd.h"
#include "result.h"
#include "scan.h"
#include "seal_run.h"
#include "station.h"
#include "stick.h"
#include "usbrepair.h"
#include "windows/autoruns.h"

#define DEFAULT_DB         "/var/lib/clamav"
#define DEFAULT_QUARANTINE "/var/lib/raquet/quarantine"
#define MAX_JOBS           256
#define MAX_LIST           1024 /* databases or excludes on one command line */

struct options {
	struct scan_config scan;
	const char *dbs[MAX_LIST], *excludes[MAX_LIST];
	struct seal_run_options seal; /* --stick, --unit, --technician, --json... */
	const char *list_quarantine, *restore_id;
	bool summary, list_autoruns;
	/* --auto (live mode) */
	bool live, remove_hiberfile;
	bool station; /* --station: USB drives one after another */
	/* --station-idle: end after so long with no new drive */
	unsigned int station_idle;
	const char *devices[MAX_LIST], *bitlocker_key;
	size_t ndevices;
};

static void print_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: raquet-scan [options] PATH...\n"
	    "       raquet-scan --auto --stick DIR --unit CODE [--device DEV]... [options]\n"
	    "       raquet-scan --station --stick DIR --unit CODE [options]\n"
	    "       raquet-scan --list-quarantine DIR\n"
	    "       raquet-scan --restore ID [DIR | --quarantine-dir DIR | --stick DIR]\n"
	    "                (ID: as --list-quarantine shows it, or its first 4+ digits)\n"
	    "options:\n"
	    "  -d, --database PATH      signature file or directory (repeatable; default %s)\n"
	    "  -j, --jobs N             files scanned at once (default: online CPUs)\n"
	    "      --action A           report (default), quarantine or delete\n"
	    "      --quarantine-dir DIR where --action quarantine keeps files (default %s)\n"
	    "      --json FILE          write the result document (raquet.result/1)\n"
	    "      --quick              only high-risk places (temp, AppData, Startup, ...)\n"
	    "      --max-filesize SIZE  as clamscan (e.g. 100M)\n"
	    "      --max-scansize SIZE  as clamscan (e.g. 400M)\n"
	    "      --alert-exceeds-max  report files over the limits as detections\n"
	    "      --exclude GLOB       skip paths or names matching GLOB (repeatable)\n"
	    "      --one-file-system    do not cross into other mounted file systems\n"
	    "      --no-progress        no progress line on stderr\n"
	    "      --progress-fd N      progress as JSON lines on descriptor N (for a front end)\n"
	    "      --no-summary         no summary block on stdout\n"
	    "      --cache DIR          keep the clean-file cache in DIR (with --stick: the\n"
	    "                           stick's RAQUET/cache unless given)\n"
	    "      --no-cache           read every file; use and keep no clean-file cache\n"
	    "      --memory MODE        small: a smaller, slower signature engine; full:\n"
	    "                           libclamav's defaults; auto (default): small below\n"
	    "                           3 GiB of RAM\n"
	    "      --stick DIR          seal the result (and samples) to the stick at DIR\n"
	    "      --unit CODE          unit scanned for (must be in the stick's roster)\n"
	    "      --technician NAME    who ran the scan\n"
	    "      --list               with --stick: list the stick's records\n"
	    "      --identity-root DIR  read the device identity under DIR, not /\n"
	    "      --list-autoruns      list every autorun entry of the Windows on each PATH\n"
	    "                           (a mounted volume) with its target's verdict; with\n"
	    "                           --auto, all entries go into the result\n"
	    "live mode (docs/live-mode.md):\n"
	    "      --auto               find this PC's disks, mount them read-only, scan,\n"
	    "                           clean as --action says, seal the result to --stick\n"
	    "      --device DEV         only this disk or partition (repeatable)\n"
	    "      --bitlocker-key FILE unlock BitLocker volumes with the 48-digit recovery\n"
	    "                           password in FILE\n"
	    "      --remove-hiberfile   clean hibernated Windows volumes by deleting\n"
	    "                           hiberfil.sys: the hibernated Windows session and\n"
	    "                           its unsaved work are LOST\n"
	    "station mode (docs/usb-repair.md):\n"
	    "      --station            scan and repair each USB drive inserted, one record\n"
	    "                           each, until Ctrl-C; this PC's disks are not scanned\n"
	    "      --station-idle SECS  end the station when SECS pass with no new drive\n"
	    "  -V, --version            print the version\n",
	    DEFAULT_DB, DEFAULT_QUARANTINE);
}

/* A usage error: why and the usage on stderr, exit 2. */
static void usage(const char *why)
{
	if (why)
		rq_warn("%s", why);
	print_usage(stderr);
	exit(2);
}

/* Parses a size like clamscan: a number with an optional K, M or G suffix. */
static uint64_t parse_size(const char *s, const char *what)
{
	char *end, msg[128];
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == 0 && end != s && s[0] != '-') {
		unsigned long long mul = 1;
		switch (*end) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			end++;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			end++;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			end++;
			break;
		}
		if (*end == '\0' && v > 0 && v <= (1ULL << 42) / mul)
			return v * mul;
	}
	snprintf(msg, sizeof(msg), "%s: invalid size '%s' (use e.g. 100M)", what, s);
	usage(msg);
	return 0;
}

static unsigned int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (unsigned int)n;
}

static void add_to(const char **list, size_t *n, const char *v, const char *what)
{
	if (*n == MAX_LIST) {
		char msg[96];
		snprintf(msg, sizeof(msg), "too many %s options (at most %d)", what, MAX_LIST);
		usage(msg);
	}
	list[(*n)++] = v;
}

enum {
	OPT_ACTION = 256,
	OPT_QDIR,
	OPT_JSON,
	OPT_QUICK,
	OPT_MAXFILE,
	OPT_MAXSCAN,
	OPT_EXCEEDS,
	OPT_EXCLUDE,
	OPT_ONEFS,
	OPT_NOPROGRESS,
	OPT_NOSUMMARY,
	OPT_LISTQ,
	OPT_RESTORE,
	OPT_STICK,
	OPT_UNIT,
	OPT_TECH,
	OPT_LIST,
	OPT_IDROOT,
	OPT_PROGRESSFD,
	OPT_AUTO,
	OPT_DEVICE,
	OPT_BLKEY,
	OPT_RMHIBER,
	OPT_STATION,
	OPT_STATION_IDLE,
	OPT_LISTAUTORUNS,
	OPT_CACHE,
	OPT_NOCACHE,
	OPT_MEMORY
};

/* --list-quarantine and --restore find the quarantine folder alike: the
 * list's argument or the restore's DIR after the id, else --quarantine-dir,
 * else a stick's RAQUET/quarantine (--stick DIR, no --unit needed), else the
 * default. */
static void quarantine_dir_args(struct options *o, struct scan_config *sc)
{
	const char *given = o->list_quarantine;
	char *q;

	if (o->restore_id && o->list_quarantine)
		usage("--list-quarantine and --restore are two commands: give one");
	if (o->restore_id && sc->npaths > 1)
		usage("--restore ID takes one quarantine folder");
	if (o->restore_id && sc->npaths == 1)
		given = sc->paths[0];
	else if (sc->npaths > 0)
		usage("--list-quarantine DIR takes no PATH");
	if ((given && o->seal.qdir_given) || (given && o->seal.stick_dir) ||
	    (o->seal.qdir_given && o->seal.stick_dir))
		usage("give the quarantine folder once (DIR, --quarantine-dir or --stick)");
	if (given)
		sc->quarantine_dir = given;
	else if (o->seal.stick_dir) {
		if (asprintf(&q, "%s/%s/%s", o->seal.stick_dir, STICK_DIR, STICK_QUARANTINE) < 0)
			usage("out of memory");
		sc->quarantine_dir = q;
	}
	o->list_quarantine = o->list_quarantine ? sc->quarantine_dir : NULL;
	o->seal.stick_dir = NULL;
	sc->npaths = 0;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"database", required_argument, NULL, 'd'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"recursive", no_argument, NULL, 'r'},
	    {"action", required_argument, NULL, OPT_ACTION},
	    {"quarantine-dir", required_argument, NULL, OPT_QDIR},
	    {"json", required_argument, NULL, OPT_JSON},
	    {"quick", no_argument, NULL, OPT_QUICK},
	    {"max-filesize", required_argument, NULL, OPT_MAXFILE},
	    {"max-scansize", required_argument, NULL, OPT_MAXSCAN},
	    {"alert-exceeds-max", no_argument, NULL, OPT_EXCEEDS},
	    {"exclude", required_argument, NULL, OPT_EXCLUDE},
	    {"one-file-system", no_argument, NULL, OPT_ONEFS},
	    {"no-progress", no_argument, NULL, OPT_NOPROGRESS},
	    {"progress-fd", required_argument, NULL, OPT_PROGRESSFD},
	    {"no-summary", no_argument, NULL, OPT_NOSUMMARY},
	    {"list-quarantine", required_argument, NULL, OPT_LISTQ},
	    {"restore", required_argument, NULL, OPT_RESTORE},
	    {"stick", required_argument, NULL, OPT_STICK},
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"technician", required_argument, NULL, OPT_TECH},
	    {"list", no_argument, NULL, OPT_LIST},
	    {"identity-root", required_argument, NULL, OPT_IDROOT},
	    {"auto", no_argument, NULL, OPT_AUTO},
	    {"device", required_argument, NULL, OPT_DEVICE},
	    {"bitlocker-key", required_argument, NULL, OPT_BLKEY},
	    {"remove-hiberfile", no_argument, NULL, OPT_RMHIBER},
	    {"station", no_argument, NULL, OPT_STATION},
	    {"station-idle", required_argument, NULL, OPT_STATION_IDLE},
	    {"list-autoruns", no_argument, NULL, OPT_LISTAUTORUNS},
	    {"cache", required_argument, NULL, OPT_CACHE},
	    {"no-cache", no_argument, NULL, OPT_NOCACHE},
	    {"memory", required_argument, NULL, OPT_MEMORY},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct scan_config *sc = &o->scan;
	size_t ndbs = 0, nex = 0;
	char *end;
	long n;
	int c;

	sc->jobs = default_jobs();
	sc->progress = true;
	sc->quarantine_dir = DEFAULT_QUARANTINE;
	o->summary = true;
	while ((c = getopt_long(argc, argv, "d:j:rhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			add_to(o->dbs, &ndbs, optarg, "--database");
			break;
		case 'j':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > MAX_JOBS)
				usage("--jobs wants a number from 1 to 256");
			sc->jobs = (unsigned int)n;
			break;
		case 'r':
			break; /* always recursive; accepted as clamscan does */
		case OPT_ACTION:
			o->seal.action_given = true;
			if (resultdoc_action_parse(optarg, &sc->action) != 0)
				usage("--action wants report, quarantine or delete");
			break;
		case OPT_QDIR:
			sc->quarantine_dir = optarg;
			o->seal.qdir_given = true;
			break;
		case OPT_JSON:
			o->seal.json_path = optarg;
			break;
		case OPT_QUICK:
			sc->quick = true;
			break;
		case OPT_MAXFILE:
			sc->limits.max_filesize = parse_size(optarg, "--max-filesize");
			break;
		case OPT_MAXSCAN:
			sc->limits.max_scansize = parse_size(optarg, "--max-scansize");
			break;
		case OPT_EXCEEDS:
			sc->limits.alert_exceeds_max = true;
			break;
		case OPT_EXCLUDE:
			add_to(o->excludes, &nex, optarg, "--exclude");
			break;
		case OPT_ONEFS:
			sc->one_file_system = true;
			break;
		case OPT_NOPROGRESS:
			sc->progress = false;
			break;
		case OPT_PROGRESSFD:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0)
				usage("--progress-fd wants an open file descriptor (1 or more)");
			sc->progress_fd = (int)n;
			break;
		case OPT_NOSUMMARY:
			o->summary = false;
			break;
		case OPT_LISTQ:
			o->list_quarantine = optarg;
			break;
		case OPT_RESTORE:
			o->restore_id = optarg;
			break;
		case OPT_STICK:
			o->seal.stick_dir = optarg;
			break;
		case OPT_UNIT:
			o->seal.unit = optarg;
			break;
		case OPT_TECH:
			o->seal.technician = optarg;
			break;
		case OPT_LIST:
			o->seal.list_stick = true;
			break;
		case OPT_IDROOT:
			o->seal.identity_root = optarg;
			break;
		case OPT_AUTO:
			o->live = true;
			break;
		case OPT_DEVICE:
			add_to(o->devices, &o->ndevices, optarg, "--device");
			break;
		case OPT_BLKEY:
			o->bitlocker_key = optarg;
			break;
		case OPT_RMHIBER:
			o->remove_hiberfile = true;
			break;
		case OPT_STATION:
			o->station = true;
			break;
		case OPT_STATION_IDLE:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1 || n > STICK_IDLE_MAX)
				usage("--station-idle wants seconds from 1 to 86400");
			o->station_idle = (unsigned int)n;
			break;
		case OPT_LISTAUTORUNS:
			o->list_autoruns = true;
			break;
		case OPT_CACHE:
			sc->cache_dir = optarg;
			break;
		case OPT_NOCACHE:
			o->seal.no_cache = true;
			break;
		case OPT_MEMORY:
			if (strcmp(optarg, "auto") == 0)
				sc->limits.memory = ENGINE_MEMORY_AUTO;
			else if (strcmp(optarg, "small") == 0)
				sc->limits.memory = ENGINE_MEMORY_SMALL;
			else if (strcmp(optarg, "full") == 0)
				sc->limits.memory = ENGINE_MEMORY_FULL;
			else
				usage("--memory wants auto, small or full");
			break;
		case 'V':
			printf("raquet-scan %s (libclamav %s)\n", RAQUET_VERSION, cl_retver());
			exit(0);
		case 'h':
			print_usage(stdout);
			exit(rq_finish_stdout(0));
		default:
			usage(NULL);
		}
	}
	if (ndbs == 0 && o->seal.stick_dir) {
		if (asprintf(&o->seal.stick_db, "%s/%s/%s", o->seal.stick_dir, STICK_DIR,
			     STICK_DB) < 0)
			usage("out of memory");
		o->dbs[ndbs++] = o->seal.stick_db;
	} else if (ndbs == 0) {
		o->dbs[ndbs++] = DEFAULT_DB;
	}
	sc->dbs = o->dbs;
	sc->ndbs = ndbs;
	sc->excludes = o->excludes;
	sc->nexcludes = nex;
	sc->paths = (const char *const *)argv + optind;
	sc->npaths = (size_t)(argc - optind);
	if (o->seal.list_stick && !o->seal.stick_dir)
		usage("--list needs --stick DIR");
	if (o->restore_id || o->list_quarantine)
		quarantine_dir_args(o, sc);
	if ((o->seal.unit || o->seal.technician) && !o->seal.stick_dir)
		usage("--unit and --technician go with --stick DIR");
	if (o->seal.stick_dir && !o->seal.list_stick && !o->seal.unit)
		usage("--stick needs --unit CODE (a unit of the stick's roster)");
	if ((o->ndevices || o->bitlocker_key || o->remove_hiberfile) && !o->live)
		usage("--device, --bitlocker-key and --remove-hiberfile go with --auto");
	if (o->live && (sc->npaths > 0 || !o->seal.stick_dir || o->seal.list_stick))
		usage("--auto takes no PATH and needs --stick DIR --unit CODE");
	if (o->station && (o->live || sc->npaths > 0 || !o->seal.stick_dir || o->seal.list_stick))
		usage(
		    "--station takes no PATH, not with --auto, and needs --stick DIR --unit CODE");
	if (o->station_idle && !o->station)
		usage("--station-idle goes with --station");
	if (o->list_autoruns && !o->live && (sc->npaths == 0 || o->seal.stick_dir))
		usage("--list-autoruns wants the PATH of a mounted Windows volume, or --auto");
	if (!o->live && !o->station && !o->list_quarantine && !o->restore_id &&
	    !o->seal.list_stick && sc->npaths == 0)
		usage("no PATH to scan");
	if (o->seal.no_cache && sc->cache_dir)
		usage("--cache and --no-cache exclude each other");
}

/* Shortcut-worm repair at the top of each folder scanned (usbrepair.h). */
static void repair_roots(const struct options *o, struct scan_report *rep)
{
	rq_error err;

	for (size_t i = 0; i < o->scan.npaths; i++) {
		struct usbrepair_volume v = {.root = o->scan.paths[i],
					     .removable = usbrepair_removable(o->scan.paths[i])};
		if (usbrepair_volume(&v, &o->scan, rep->dets, rep->ndets, &rep->repairs, &err) < 0)
			rq_warn("USB repair: %s", err.msg);
	}
	usbrepair_print(stdout, &rep->repairs);
}

static int cmd_scan(struct options *o)
{
	struct seal_run_hook hook = {0};
	struct scan_report rep;
	struct stick stick;
	rq_error err;
	int status;

	if (o->seal.stick_dir && seal_run_open_stick(&o->seal, &o->scan, &stick, &hook) != 0)
		return 2;
	if (o->seal.list_stick) {
		status = stick_list(&stick, stdout, &err) < 0 ? 2 : 0;
		if (status)
			fprintf(stderr, "raquet-scan: %s\n", err.msg);
		stick_close(&stick);
		return rq_finish_stdout(status);
	}
	o->scan.engine_until_exit = true; /* one run, then the process ends */
	if (scan_run(&o->scan, &rep, &err) != 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		if (o->seal.stick_dir)
			stick_close(&stick);
		return 2;
	}
	status = rep.ndets > 0 ? 1 : 0;
	if (rep.errors > 0 || rep.interrupted || result_status(&rep) == RESULTDOC_INCOMPLETE)
		status = 2;
	if (rep.interrupted)
		fprintf(stderr, "raquet-scan: interrupted; the result is incomplete\n");
	else
		repair_roots(o, &rep);
	if (o->seal.stick_dir) {
		if (seal_run_result(&o->seal, &o->scan, &stick, &rep, NULL, NULL, NULL) != 0)
			status = 2;
		stick_close(&stick);
	} else if (o->seal.json_path) {
		struct result_context ctx = {0};
		json_object *doc = result_build(&o->scan, &rep, &ctx);
		if (doc == NULL) {
			fprintf(stderr,
				"raquet-scan: out of memory building the result document\n");
			status = 2;
		} else if (result_write_file(doc, o->seal.json_path, &err) != 0) {
			fprintf(stderr, "raquet-scan: %s\n", err.msg);
			status = 2;
		}
		json_object_put(doc);
	}
	if (o->summary)
		seal_run_print_summary(stdout, &rep, NULL);
	scan_report_free(&rep);
	return rq_finish_stdout(status);
}

static int cmd_auto(struct options *o)
{
	struct live_config lc = {.devices = o->devices,
				 .ndevices = o->ndevices,
				 .stick_dir = o->seal.stick_dir,
				 .identity_root = o->seal.identity_root,
				 .remove_hiberfile = o->remove_hiberfile,
				 .list_autoruns = o->list_autoruns};
	char pass[LIVE_KEY_LEN + 1] = "";
	struct seal_run_hook hook = {0};
	struct live_result lr;
	struct scan_report rep;
	struct stick stick;
	const char *pcstatus;
	rq_error err;
	int status, rc;

	if (o->bitlocker_key) {
		if (live_read_bitlocker_key(o->bitlocker_key, pass, &err) != 0) {
			fprintf(stderr, "raquet-scan: %s\n", err.msg);
			return 2;
		}
		lc.bitlocker_pass = pass;
	}
	if (seal_run_open_stick(&o->seal, &o->scan, &stick, &hook) != 0)
		return 2;
	rc = live_run(&lc, &o->scan, &rep, &lr, &err);
	explicit_bzero(pass, sizeof(pass));
	if (rc != 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		stick_close(&stick);
		return 2;
	}
	live_print_outcomes(&rep);
	usbrepair_print(stdout, &rep.repairs);
	live_print_autoruns(lr.autoruns, o->list_autoruns);
	if (o->summary)
		live_print_volumes(lr.volumes, lr.hibernated);
	live_print_repair_advice(&rep);
	status = rep.ndets > 0 ? 1 : 0;
	if (rep.errors > 0 || rep.interrupted || lr.failed > 0 || lr.release_error[0])
		status = 2;
	if (rep.interrupted)
		fprintf(stderr, "raquet-scan: interrupted; the result is incomplete\n");
	if (lr.release_error[0])
		fprintf(stderr, "raquet-scan: %s\n", lr.release_error);
	/* a static string: it outlives the autoruns the result takes over */
	pcstatus = resultdoc_status_name(result_status_with(&rep, lr.autoruns));
	if (seal_run_result(&o->seal, &o->scan, &stick, &rep, lr.device, lr.volumes, lr.autoruns) !=
	    0)
		status = 2;
	stick_close(&stick);
	if (o->summary)
		seal_run_print_summary(stdout, &rep, pcstatus);
	scan_report_free(&rep);
	return rq_finish_stdout(status);
}

/* One drive of station mode: as --auto on that disk alone, sealed with
 * the drive's USB identity. Returns its exit status (0, 1 or 2). */
static int station_drive(struct options *o, struct stick *stick, const char *disk,
			 bool *interrupted)
{
	char dev[STATION_NAME_MAX + 8];
	const char *devs[1] = {dev};
	struct live_config lc = {.devices = devs,
				 .ndevices = 1,
				 .stick_dir = o->seal.stick_dir,
				 .identity_root = o->seal.identity_root};
	struct live_result lr;
	struct scan_report rep;
	rq_error err;
	int status;

	snprintf(dev, sizeof(dev), "/dev/%s", disk);
	printf("\n=========== USB DRIVE %s ===========\n", dev);
	fflush(stdout);
	if (live_run(&lc, &o->scan, &rep, &lr, &err) != 0) {
		fprintf(stderr, "raquet-scan: %s: %s\n", dev, err.msg);
		return 2;
	}
	live_print_outcomes(&rep);
	usbrepair_print(stdout, &rep.repairs);
	if (o->summary)
		live_print_volumes(lr.volumes, lr.hibernated);
	status = rep.ndets > 0 ? 1 : 0;
	if (rep.errors > 0 || rep.interrupted || lr.failed > 0 || lr.release_error[0])
		status = 2;
	if (lr.release_error[0])
		fprintf(stderr, "raquet-scan: %s\n", lr.release_error);
	json_object_put(lr.device); /* the PC's: this record is the drive's */
	if (seal_run_result(&o->seal, &o->scan, stick, &rep, station_identity(disk), lr.volumes,
			    lr.autoruns) != 0)
		status = 2;
	if (o->summary)
		seal_run_print_summary(stdout, &rep, NULL);
	*interrupted = rep.interrupted;
	scan_report_free(&rep);
	return status;
}

static int cmd_station(struct options *o)
{
	struct seal_run_hook hook = {0};
	static struct station st; /* one per run */
	char disk[STATION_NAME_MAX];
	bool interrupted = false;
	struct stick stick;
	int status = 0, w;
	rq_error err;

	if (seal_run_open_stick(&o->seal, &o->scan, &stick, &hook) != 0)
		return 2;
	if (discover_stick_disk(o->seal.stick_dir, st.skip, &err) < 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		stick_close(&stick);
		return 2;
	}
	st.idle = o->station_idle;
	while (!interrupted) {
		printf("Station: waiting for a USB drive (Ctrl-C to stop)\n");
		fflush(stdout);
		if ((w = station_wait(&st, disk, &err)) == STATION_IDLE) {
			printf("Station: no new drive for %u s\n", st.idle);
			break;
		}
		if (w <= 0) {
			if (w < 0) {
				fprintf(stderr, "raquet-scan: %s\n", err.msg);
				status = 2;
			}
			break;
		}
		w = station_drive(o, &stick, disk, &interrupted);
		status = w > status ? w : status;
		fflush(stdout);
	}
	printf("Station stopped\n");
	stick_close(&stick);
	return rq_finish_stdout(status);
}

int main(int argc, char **argv)
{
	static struct options o;
	struct rlimit core = {0, 0};
	rq_error err = {""};

	rq_set_progname("raquet-scan");
	setrlimit(RLIMIT_CORE, &core); /* quarantine keys and samples stay off disk */
	parse_args(argc, argv, &o);
	if (o.list_quarantine)
		return quarantine_cmd_list(o.list_quarantine);
	if (o.restore_id)
		return quarantine_cmd_restore(o.scan.quarantine_dir, o.restore_id);
	/* Before stick_open, the engine, the progress line or a mount start any
	 * thread or helper: a stop is then always the signal thread's. */
	if (scan_block_signals(&err) != 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		return 2;
	}
	if (o.list_autoruns && !o.live) {
		int found = persist_list(&o.scan, stdout, &err);
		if (found < 0)
			fprintf(stderr, "raquet-scan: %s\n", err.msg);
		return rq_finish_stdout(found < 0 ? 2 : found);
	}
	return o.live ? cmd_auto(&o) : o.station ? cmd_station(&o) : cmd_scan(&o);
}
