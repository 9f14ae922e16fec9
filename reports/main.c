/* raquet-report: prints the campaign appendix (DESIGN §5) from the IOC's
 * ioc.db as DOCX, XLSX, HTML, CSV or JSON. The whole file is built in
 * memory and published with atomic_write, so a missing directory or a full
 * disk leaves nothing under the final name. docs/report.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "atomicio.h"
#include "report.h"

#define DEFAULT_IOC "/var/lib/raquet"
#define TOP_DEFAULT 10

/* What a format prints beyond section 2 and the annex: every device, and
 * section 2's table for each unit. Both cost time in a province of 100,000
 * devices, so the formats that do not print them do not ask for them. */
static const struct {
	const char *name;
	int (*write)(const report *, sbuf *, rq_error *);
	bool devices, unit_rows;
} formats[] = {
    {"docx", docx_write, false, false}, {"xlsx", xlsx_write, true, true},
    {"html", html_write, false, false}, {"csv", csv_write, false, true},
    {"json", json_write, true, true},
};

static void usage(const char *why)
{
	if (why)
		rq_warn("%s", why);
	fprintf(
	    why ? stderr : stdout,
	    "usage: raquet-report [--ioc DIR] [--unit CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	    "                     [--format docx|xlsx|html|csv|json] [--template FILE]\n"
	    "                     [--date YYYY-MM-DD] [--top N] [--place NAME] [--authority NAME]\n"
	    "                     [--issuer NAME] [--number BC-X] [--sign-authority TEXT]\n"
	    "                     [--signer-title TEXT] [--signer NAME] [--recipients 'A;B']\n"
	    "                     -o FILE\n"
	    "       raquet-report --print-template\n"
	    "The IOC directory is --ioc, else $RAQUET_IOC, else " DEFAULT_IOC
	    "; the format follows\nthe output's extension unless --format says otherwise. The "
	    "place, header,\n"
	    "number, signature and recipients are the office's settings (raquet-sync\n"
	    "settings); the flags of the same names override them for one report.\n");
	/* --help (no why) is an answer, not an error. */
	exit(why ? 2 : rq_finish_stdout(0));
}

/* A real calendar date written YYYY-MM-DD. */
static bool valid_date(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	return true;
}

static const char *check_date(const char *opt, const char *v)
{
	static char msg[300];

	if (valid_date(v))
		return v;
	snprintf(msg, sizeof(msg), "%s '%.200s' is not a date written YYYY-MM-DD (e.g. 2026-11-28)",
		 opt, v);
	usage(msg);
	return NULL;
}

static int format_index(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcasecmp(name, formats[i].name) == 0)
			return (int)i;
	return -1;
}

/* Writes the whole file to path (write then rename in its directory). */
static int publish(const char *path, const sbuf *out, rq_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int dirfd, rc;

	if (strcmp(path, "-") == 0) {
		if (write_all(STDOUT_FILENO, out->p, out->len) != 0)
			return rq_fail_errno(err, errno, "cannot write to standard output");
		return 0;
	}
	if (slash && slash[1] == '\0')
		return rq_fail(err, "%s: the output must be a file name, not a directory", path);
	dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	if (dir == NULL)
		return rq_fail(err, "out of memory");
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = rq_fail_errno(err, errno, "cannot write %s: directory %s", path, dir);
		free(dir);
		return rc;
	}
	rc = atomic_write(dirfd, slash ? slash + 1 : path, out->p, out->len, 0644, false, err);
	if (rc != 0) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		rq_fail(err, "%s (nothing written to %s)", msg, path);
	}
	close(dirfd);
	free(dir);
	return rc;
}

static char *ioc_db_path(const char *ioc)
{
	size_t n;
	char *p;

	if (ioc == NULL || *ioc == '\0')
		ioc = getenv("RAQUET_IOC");
	if (ioc == NULL || *ioc == '\0')
		ioc = DEFAULT_IOC;
	n = strlen(ioc) + sizeof("/ioc.db");
	p = malloc(n);
	if (p)
		snprintf(p, n, "%s/ioc.db", ioc);
	return p;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"ioc", required_argument, NULL, 'I'},
	    {"unit", required_argument, NULL, 'u'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"format", required_argument, NULL, 'F'},
	    {"template", required_argument, NULL, 'T'},
	    {"output", required_argument, NULL, 'o'},
	    {"place", required_argument, NULL, 'p'},
	    {"issuer", required_argument, NULL, 'i'},
	    {"date", required_argument, NULL, 'd'},
	    {"top", required_argument, NULL, 'n'},
	    {"print-template", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    /* the office's settings, for this report only */
	    {"authority", required_argument, NULL, 'A'},
	    {"number", required_argument, NULL, 'N'},
	    {"sign-authority", required_argument, NULL, 'K'},
	    {"signer-title", required_argument, NULL, 'S'},
	    {"signer", required_argument, NULL, 's'},
	    {"recipients", required_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	report_opts o = {.top = TOP_DEFAULT};
	const char *ioc = NULL, *output = NULL, *format = NULL;
	report r;
	rq_error err = {""};
	sbuf out = {0};
	char *dbpath, *end;
	int c, fmt;

	rq_set_progname("raquet-report");
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'I':
			ioc = optarg;
			break;
		case 'u':
			o.unit = optarg;
			break;
		case 'f':
			o.from = check_date("--from", optarg);
			break;
		case 't':
			o.to = check_date("--to", optarg);
			break;
		case 'd':
			o.date = check_date("--date", optarg);
			break;
		case 'F':
			format = optarg;
			break;
		case 'T':
			o.template = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'p':
			o.place = optarg;
			break;
		case 'i':
			o.issuer = optarg;
			break;
		case 'A':
			o.authority = optarg;
			break;
		case 'N':
			o.number = optarg;
			break;
		case 'K':
			o.sign_authority = optarg;
			break;
		case 'S':
			o.signer_title = optarg;
			break;
		case 's':
			o.signer = optarg;
			break;
		case 'R':
			o.recipients = optarg;
			break;
		case 'n':
			errno = 0;
			o.top = (int)strtol(optarg, &end, 10);
			if (errno || *end || o.top < 1 || o.top > 1000)
				usage("--top takes a number from 1 to 1000");
			break;
		case 'P':
			fputs(template_default_json, stdout);
			return rq_finish_stdout(0);
		case 'V':
			printf("raquet-report %s\n", RAQUET_VERSION);
			return rq_finish_stdout(0);
		case 'h':
			usage(NULL);
			break;
		default:
			usage("unknown option (see --help)");
		}
	}
	if (optind < argc)
		usage("unexpected argument (the output file goes after -o)");
	if (output == NULL || *output == '\0')
		usage("no output file (-o FILE)");
	if (o.unit && *o.unit == '\0')
		usage("--unit needs a unit code");
	if (o.from && o.to && strcmp(o.from, o.to) > 0)
		return rq_warn("--from %s is after --to %s: the period would be empty", o.from,
			       o.to),
		       2;
	if (format == NULL) {
		format = strrchr(output, '.');
		if (format == NULL || strchr(format, '/'))
			usage("cannot tell the format from the output's name: use --format");
		format++;
	}
	if ((fmt = format_index(format)) < 0)
		return rq_warn("unknown format '%s' (docx, xlsx, html, csv or json)", format), 2;

	dbpath = ioc_db_path(ioc);
	if (dbpath == NULL)
		return rq_warn("out of memory"), 2;
	o.ioc_db = dbpath;
	o.devices = formats[fmt].devices;
	o.unit_rows = formats[fmt].unit_rows;
	if (report_build(&r, &o, &err) != 0) {
		free(dbpath);
		report_free(&r);
		return rq_warn("%s", err.msg), 2;
	}
	free(dbpath);
	if (formats[fmt].write(&r, &out, &err) != 0 || publish(output, &out, &err) != 0) {
		report_free(&r);
		sb_free(&out);
		return rq_warn("%s", err.msg), 2;
	}
	report_free(&r);
	sb_free(&out);
	return rq_finish_stdout(0);
}
