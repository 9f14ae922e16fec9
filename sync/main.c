/* raquet-sync: the IOC side of raquet (DESIGN §4 "raquet-sync"). One
 * command per entry of a table, as git does; each opens the IOC, takes its
 * lock when it writes, and prints what it did. Exit 0 all good, 1 some
 * records rejected (the rest imported) or the stick's system partitions
 * differ from the image this IOC issued, 2 an error. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "escape.h"
#include "image.h"
#include "import.h"
#include "ioc.h"
#include "provision.h"
#include "schema.h"
#include "stale.h"
#include "status.h"
#include "sysverify.h"
#include "units.h"

#define MAX_UNITS 256

static const char *ioc_dir;

static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "raquet-sync: %s\n", why);
	fprintf(stderr,
		"usage: raquet-sync [--ioc DIR] COMMAND [ARGS]\n"
		"  init [--passphrase]              create the IOC: keys and ioc.db\n"
		"  unit add CODE NAME [--parent CODE] [--informed]\n"
		"  unit import FILE.csv             code,name,parent,informed (all or nothing)\n"
		"  unit list\n"
		"  provision STICK --unit CODE [--unit CODE ...] [--label TEXT] [--database DIR]\n"
		"  import STICK [-v]                verify, open and merge the stick's records\n"
		"  update STICK [--database DIR] [--image]\n"
		"                                   fresh databases, roster and config;\n"
		"                                   --image: rewrite its system partitions\n"
		"  image --out FILE [--from RELEASED.img]\n"
		"                                   the released image with this IOC's key\n"
		"                                   pinned (default --from: the last issued)\n"
		"  status [STICKID]                 sticks, last import, records, gaps\n"
		"  status --stale-days N            active sticks whose databases are N+ days old\n"
		"  revoke STICKID                   refuse the stick's records from now on\n"
		"  schema                           print the database schema\n"
		"The IOC directory is --ioc DIR, else $RAQUET_IOC, else %s.\n"
		"A protected ioc.key's passphrase is read from the terminal, or from\n"
		"$RAQUET_PASSPHRASE (for scripts and tests).\n",
		IOC_DEFAULT_DIR);
	exit(2);
}

static int fail(const rq_error *err)
{
	fprintf(stderr, "raquet-sync: %s\n", err->msg);
	return 2;
}

/* A full disk or a closed pipe must not look like success. */
static int finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("raquet-sync: standard output");
		return 2;
	}
	return status;
}

/* RAQUET_PASSPHRASE, else the terminal with echo off. */
static int ask_passphrase(char *buf, size_t len, bool confirm, rq_error *err)
{
	const char *env = getenv("RAQUET_PASSPHRASE");
	struct termios old, quiet;
	FILE *tty;
	char *again;
	int rc = 0;

	if (env) {
		if (strlen(env) >= len || *env == '\0')
			return rq_fail(err, "RAQUET_PASSPHRASE is empty or too long");
		strcpy(buf, env);
		return 0;
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return rq_fail(err, "a passphrase is needed: no terminal to ask on (set "
				    "RAQUET_PASSPHRASE)");
	if ((again = sodium_malloc(len)) == NULL) {
		fclose(tty);
		return rq_fail(err, "out of memory");
	}
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	for (int i = 0; i < (confirm ? 2 : 1) && rc == 0; i++) {
		char *b = i ? again : buf;
		fputs(i ? "Passphrase again: " : "IOC key passphrase: ", tty);
		fflush(tty);
		if (fgets(b, (int)len, tty) == NULL)
			rc = rq_fail(err, "no passphrase given");
		else
			b[strcspn(b, "\r\n")] = '\0';
		fputc('\n', tty);
	}
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fclose(tty);
	if (rc == 0 && *buf == '\0')
		rc = rq_fail(err, "empty passphrase");
	if (rc == 0 && confirm && strcmp(buf, again) != 0)
		rc = rq_fail(err, "the passphrases differ");
	sodium_free(again);
	return rc;
}

/* Opens the IOC; lock when the command writes; secret when it signs or
 * opens records. */
static int open_ioc(struct ioc *ioc, bool lock, bool secret)
{
	rq_error err;
	bool busy;

	if (ioc_open(ioc_dir, ioc, &err) != 0)
		return fail(&err);
	if (lock && ioc_lock(ioc, false, &busy, &err) != 0) {
		if (!busy) {
			ioc_close(ioc);
			return fail(&err);
		}
		fprintf(stderr, "raquet-sync: another raquet-sync is working on %s; waiting for it\n",
			ioc_dir);
		if (ioc_lock(ioc, true, &busy, &err) != 0) {
			ioc_close(ioc);
			return fail(&err);
		}
	}
	if (secret && ioc_load_secret(ioc, ask_passphrase, &err) != 0) {
		ioc_close(ioc);
		return fail(&err);
	}
	return 0;
}

static void print_escaped(FILE *f, const char *s)
{
	char *esc = escape_name(s);
	fputs(esc ? esc : "?", f);
	free(esc);
}

static int cmd_init(int argc, char **argv)
{
	char id[KEYS_ID_HEX_LEN + 1], *pass = NULL;
	bool protect = false;
	rq_error err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--passphrase") == 0)
			protect = true;
		else
			usage("init takes only --passphrase");
	}
	if (protect) {
		if ((pass = sodium_malloc(1024)) == NULL)
			return fprintf(stderr, "raquet-sync: out of memory\n"), 2;
		if (ask_passphrase(pass, 1024, true, &err) != 0) {
			sodium_free(pass);
			return fail(&err);
		}
	}
	rc = ioc_init(ioc_dir, pass, id, &err);
	if (pass) {
		sodium_memzero(pass, 1024);
		sodium_free(pass);
	}
	if (rc != 0)
		return fail(&err);
	printf("IOC %s created in %s (key %s%s)\n", id, ioc_dir, id,
	       protect ? ", protected by a passphrase" : "");
	return finish(0);
}

static void print_unit(const char *code, const char *name, const char *parent, bool informed,
		       void *ctx)
{
	(void)ctx;
	print_escaped(stdout, code);
	putchar('\t');
	print_escaped(stdout, name);
	putchar('\t');
	print_escaped(stdout, parent ? parent : "-");
	printf("\t%s\n", informed ? "informed" : "-");
}

static int cmd_unit(int argc, char **argv)
{
	struct ioc ioc;
	rq_error err;
	int rc = 0, n;

	if (argc < 2)
		usage("unit needs add, import or list");
	if (strcmp(argv[1], "add") == 0) {
		const char *parent = NULL, *pos[2];
		bool informed = false;
		int npos = 0;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--parent") == 0 && i + 1 < argc)
				parent = argv[++i];
			else if (strcmp(argv[i], "--informed") == 0)
				informed = true;
			else if (argv[i][0] != '-' && npos < 2)
				pos[npos++] = argv[i];
			else
				usage("unit add CODE NAME [--parent CODE] [--informed]");
		}
		if (npos != 2)
			usage("unit add CODE NAME [--parent CODE] [--informed]");
		if ((rc = open_ioc(&ioc, true, false)) != 0)
			return rc;
		if (units_add(ioc.db, pos[0], pos[1], parent, informed, &err) != 0)
			rc = fail(&err);
		else {
			fputs("unit ", stdout);
			print_escaped(stdout, pos[0]);
			fputs(" added\n", stdout);
		}
	} else if (strcmp(argv[1], "import") == 0) {
		if (argc != 3)
			usage("unit import FILE.csv");
		if ((rc = open_ioc(&ioc, true, false)) != 0)
			return rc;
		if (units_import_csv(ioc.db, argv[2], &n, &err) != 0)
			rc = fail(&err);
		else
			printf("%d unit%s imported from %s\n", n, n == 1 ? "" : "s", argv[2]);
	} else if (strcmp(argv[1], "list") == 0) {
		if (argc != 2)
			usage("unit list takes no arguments");
		if ((rc = open_ioc(&ioc, false, false)) != 0)
			return rc;
		if (units_list(ioc.db, print_unit, NULL, &err) != 0)
			rc = fail(&err);
	} else {
		usage("unit needs add, import or list");
		return 2;
	}
	ioc_close(&ioc);
	return finish(rc);
}

static int cmd_provision(int argc, char **argv)
{
	const char *units[MAX_UNITS];
	struct provision_opts o = {.units = units, .database = PROVISION_DEFAULT_DB};
	struct provision_result r;
	struct ioc ioc;
	rq_error err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc && o.nunits < MAX_UNITS)
			units[o.nunits++] = argv[++i];
		else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			o.label = argv[++i];
		else if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			o.database = argv[++i];
		else if (argv[i][0] != '-' && o.stick == NULL)
			o.stick = argv[i];
		else
			usage("provision STICK --unit CODE [--unit CODE ...] [--label TEXT] "
			      "[--database DIR]");
	}
	if (o.stick == NULL || o.nunits == 0)
		usage("provision needs STICK and at least one --unit CODE");
	if ((rc = open_ioc(&ioc, true, true)) != 0)
		return rc;
	if (provision_stick(&ioc, &o, &r, &err) != 0)
		rc = fail(&err);
	else
		printf("stick %s provisioned in %s/RAQUET: %d unit%s in its roster, %d database "
		       "file%s\n",
		       r.id, o.stick, r.nunits, r.nunits == 1 ? "" : "s", r.nfiles,
		       r.nfiles == 1 ? "" : "s");
	ioc_close(&ioc);
	return finish(rc);
}

/* The stick's system partitions against the issued images (sync/sysverify.h):
 * 0 as issued or nothing to check, 1 modified, 2 unreadable. */
static int report_system(struct ioc *ioc, const char *stick, bool rewrite)
{
	struct sysverify_report rep;
	rq_error err;

	if ((rewrite ? sysverify_rewrite(ioc, stick, &rep, &err)
		     : sysverify_check(ioc, stick, &rep, &err)) != 0) {
		fprintf(stderr, "raquet-sync: %s the stick's system partitions: %s\n",
			rewrite ? "cannot rewrite" : "cannot check", err.msg);
		return 2;
	}
	if (rep.state == SYSVERIFY_NOT_A_DISK)
		return 0;
	printf("system partitions on %s: %s", rep.disk, sysverify_state_text(rep.state));
	if (rep.state == SYSVERIFY_AS_ISSUED)
		printf(" (image %s)%s", rep.list_key, rewrite ? ", rewritten" : "");
	putchar('\n');
	if (rep.state != SYSVERIFY_MODIFIED)
		return 0;
	for (size_t i = 0; i < rep.ndiffs && i < SYSVERIFY_DIFF_MAX; i++) {
		printf("system partition: %s ", rep.diffs[i].what);
		print_escaped(stdout, rep.diffs[i].name);
		putchar('\n');
	}
	if (rep.ndiffs > SYSVERIFY_DIFF_MAX)
		printf("system partition: and %zu more\n", rep.ndiffs - SYSVERIFY_DIFF_MAX);
	fprintf(stderr, "raquet-sync: the stick's system partitions differ from every image this "
			"IOC issued: do not boot a PC from it; raquet-sync update STICK --image "
			"rewrites them\n");
	return 1;
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

static int cmd_update(int argc, char **argv)
{
	const char *stick = NULL, *database = PROVISION_DEFAULT_DB;
	struct provision_result r;
	bool image = false;
	struct ioc ioc;
	rq_error err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			database = argv[++i];
		else if (strcmp(argv[i], "--image") == 0)
			image = true;
		else if (argv[i][0] != '-' && stick == NULL)
			stick = argv[i];
		else
			usage("update STICK [--database DIR] [--image]");
	}
	if (stick == NULL)
		usage("update needs STICK");
	if ((rc = open_ioc(&ioc, true, true)) != 0)
		return rc;
	if (provision_update(&ioc, stick, database, &r, &err) != 0)
		rc = fail(&err);
	else
		printf("stick %s updated: %d database file%s, %d unit%s in its roster\n", r.id,
		       r.nfiles, r.nfiles == 1 ? "" : "s", r.nunits, r.nunits == 1 ? "" : "s");
	if (rc == 0)
		rc = report_system(&ioc, stick, image);
	ioc_close(&ioc);
	return finish(rc);
}

static int cmd_import(int argc, char **argv)
{
	struct import_report rep;
	const char *stick = NULL;
	bool verbose = false;
	struct ioc ioc;
	rq_error err;
	int rc, sys;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
			verbose = true;
		else if (argv[i][0] != '-' && stick == NULL)
			stick = argv[i];
		else
			usage("import STICK [-v]");
	}
	if (stick == NULL)
		usage("import needs STICK");
	if ((rc = open_ioc(&ioc, true, true)) != 0)
		return rc;
	/* Before the import writes its receipt: what the IOC reports is what
	 * the stick held when it came in. */
	sys = report_system(&ioc, stick, false);
	if (import_stick(&ioc, stick, &rep, &err) != 0) {
		fprintf(stderr, "raquet-sync: import of %s failed, nothing was imported: %s\n", stick,
			err.msg);
		import_report_free(&rep);
		ioc_close(&ioc);
		return finish(2);
	}
	for (size_t i = 0; i < rep.nfiles; i++) {
		const struct import_file *f = &rep.files[i];
		if (f->outcome == IMPORT_REJECTED) {
			fputs("rejected ", stdout);
			print_escaped(stdout, f->name);
			fputs(": ", stdout);
			print_escaped(stdout, f->reason);
			putchar('\n');
		} else if (verbose) {
			fputs(f->outcome == IMPORT_NEW ? "imported " : "already imported ", stdout);
			print_escaped(stdout, f->name);
			putchar('\n');
		}
	}
	for (size_t i = 0; i < rep.ngaps; i++) {
		const struct import_gap *g = &rep.gaps[i];
		if (g->first == g->last)
			printf("gap: %s %llu is missing\n", g->type, (unsigned long long)g->first);
		else
			printf("gap: %s %llu-%llu are missing\n", g->type,
			       (unsigned long long)g->first, (unsigned long long)g->last);
	}
	printf("stick %s: %d imported, %d already imported, %d rejected\n", rep.stick,
	       rep.imported, rep.duplicates, rep.rejected);
	rc = worse(rep.rejected > 0 ? 1 : 0, sys);
	if (!rep.receipt_written) {
		fprintf(stderr, "raquet-sync: the records are imported, but the receipt could not "
				"be written to the stick: %s\n",
			rep.receipt_error);
		rc = 2;
	}
	if (rep.rejected > 0)
		fprintf(stderr, "raquet-sync: %d file%s rejected; kept in %s/rejected/%s/\n",
			rep.rejected, rep.rejected == 1 ? "" : "s", ioc.dir, rep.stick);
	import_report_free(&rep);
	ioc_close(&ioc);
	return finish(rc);
}

static void print_stick(const struct status_stick *s, void *ctx)
{
	bool detail = *(bool *)ctx;

	if (!detail) {
		printf("%s  %-8s  %5lld results  %4lld samples  %3lld missing  db %3lld days  "
		       "last import %s  units ",
		       s->id, s->revoked ? "revoked" : "active", (long long)s->results,
		       (long long)s->samples, (long long)s->missing, (long long)s->db_age_days,
		       s->last_import ? s->last_import : "never");
		print_escaped(stdout, s->units);
		if (s->flagged)
			printf("  flagged %lld", (long long)s->flagged);
		putchar('\n');
		return;
	}
	printf("stick:       %s\nlabel:       ", s->id);
	print_escaped(stdout, s->label ? s->label : "-");
	printf("\nunits:       ");
	print_escaped(stdout, s->units);
	printf("\nissued:      %s\nstate:       %s%s\n", s->issued,
	       s->revoked ? "revoked on " : "active", s->revoked ? s->revoked : "");
	printf("last import: %s\nrecords:     %lld results, %lld samples\n",
	       s->last_import ? s->last_import : "never", (long long)s->results,
	       (long long)s->samples);
	printf("gaps:        %s\ndatabases:   updated %s (%lld days ago)\nrejected:    %lld\n",
	       s->gaps ? s->gaps : "none", s->db_updated, (long long)s->db_age_days,
	       (long long)s->rejected);
	printf("flagged:     %lld results\n", (long long)s->flagged);
}

static void print_rejection(const char *file, const char *reason, const char *stored, void *ctx)
{
	(void)ctx;
	fputs("  ", stdout);
	print_escaped(stdout, file);
	fputs(": ", stdout);
	print_escaped(stdout, reason);
	fputs(" (", stdout);
	print_escaped(stdout, stored);
	fputs(")\n", stdout);
}

static int cmd_status(int argc, char **argv)
{
	char id[KEYS_ID_HEX_LEN + 1];
	bool detail = argc == 2;
	struct ioc ioc;
	rq_error err;
	int rc, n;

	if (argc >= 2 && strcmp(argv[1], "--stale-days") == 0)
		return stale_command(ioc_dir, argc, argv, stdout, &err) < 0 ? fail(&err) : finish(0);
	if (argc > 2)
		usage("status [STICKID]");
	if (detail && status_parse_id(argv[1], id, &err) != 0)
		return fail(&err);
	if ((rc = open_ioc(&ioc, false, false)) != 0)
		return rc;
	n = status_sticks(ioc.db, detail ? id : NULL, print_stick, &detail, &err);
	if (n < 0)
		rc = fail(&err);
	else if (detail && n == 0) {
		fprintf(stderr, "raquet-sync: unknown stick %s\n", id);
		rc = 2;
	}
	else if (detail && (fputs("rejected files:\n", stdout),
			    status_rejections(ioc.db, id, print_rejection, NULL, &err) != 0 ||
			    status_print_flags(ioc.db, id, stdout, &err) < 0))
		rc = fail(&err);
	else if (!detail && n == 0)
		printf("no sticks yet (raquet-sync provision STICK --unit CODE)\n");
	ioc_close(&ioc);
	return finish(rc);
}

static int cmd_revoke(int argc, char **argv)
{
	char id[KEYS_ID_HEX_LEN + 1], when[32];
	struct ioc ioc;
	rq_error err;
	int rc;

	if (argc != 2)
		usage("revoke STICKID");
	if (status_parse_id(argv[1], id, &err) != 0)
		return fail(&err);
	if ((rc = open_ioc(&ioc, true, false)) != 0)
		return rc;
	if (status_revoke(ioc.db, id, when, &err) != 0)
		rc = fail(&err);
	else
		printf("stick %s revoked on %s; its records will be rejected\n", id, when);
	ioc_close(&ioc);
	return finish(rc);
}

static int cmd_image(int argc, char **argv)
{
	const char *out = NULL, *from = NULL;
	struct image_stamp_result r;
	struct ioc ioc;
	rq_error err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else
			usage("image --out FILE [--from RELEASED.img]");
	}
	if (out == NULL)
		usage("image needs --out FILE");
	if ((rc = open_ioc(&ioc, true, false)) != 0)
		return rc;
	if (image_stamp(&ioc, from, out, &r, &err) != 0)
		rc = fail(&err);
	else
		printf("image %s written to %s: pins IOC %s; %zu files on its system partition, "
		       "recorded as image %s\n",
		       from ? from : "(last issued)", out, ioc.id_hex, r.nfiles, r.list_key);
	ioc_close(&ioc);
	return finish(rc);
}

static int cmd_schema(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		usage("schema takes no arguments");
	fputs(schema_sql, stdout);
	fputs(schema_v2_sql, stdout);
	fputs(schema_v3_sql, stdout);
	fputs(schema_v4_sql, stdout);
	fputs(schema_v5_sql, stdout);
	return finish(0);
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
    {"init", cmd_init},
    {"unit", cmd_unit},
    {"provision", cmd_provision},
    {"import", cmd_import},
    {"update", cmd_update},
    {"image", cmd_image},
    {"status", cmd_status},
    {"revoke", cmd_revoke},
    {"schema", cmd_schema},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ioc", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const struct rlimit nocore = {0, 0};
	const char *given = NULL;
	rq_error err;
	int c;

	/* The IOC secret key must never end up in a core file. */
	setrlimit(RLIMIT_CORE, &nocore);
	if (rq_crypto_init(&err) != 0)
		return fail(&err);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': given = optarg; break;
		case 'h': usage(NULL); break;
		case 'V': printf("raquet-sync %s\n", RAQUET_VERSION); return finish(0);
		default: usage(NULL);
		}
	}
	if (optind >= argc)
		usage("no command");
	ioc_dir = ioc_dir_default(given);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].fn(argc - optind, argv + optind);
	usage("unknown command");
	return 2;
}
