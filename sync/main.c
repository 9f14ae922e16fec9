/* raquet-sync: the IOC side of raquet (DESIGN §4 "raquet-sync"). One
 * command per entry of a table, as git does (its RUN_SETUP): the table says
 * which options a command takes, how many operands, and what it needs of the
 * IOC (open, its lock, its secret key); main parses, opens and locks, and the
 * command only does its work and prints what it did. Exit 0 all good, 1 some
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
#include "revoke.h"
#include "schema.h"
#include "settings.h"
#include "stale.h"
#include "status.h"
#include "sysverify.h"
#include "unitops.h"
#include "units.h"

#define MAX_UNITS 256

static const char *ioc_dir;

static const char usage_text[] =
    "usage: raquet-sync [--ioc DIR] COMMAND [ARGS]\n"
    "  init [--passphrase]              create the IOC: keys and ioc.db\n"
    "  unit add CODE NAME [--parent CODE] [--informed]\n"
    "  unit import FILE.csv             code,name,parent,informed (all or nothing)\n"
    "  unit list\n"
    "  unit rename CODE NAME | set-parent CODE PARENT|- | delete CODE | merge FROM INTO\n"
    "  unit aliases | alias FROM INTO    codes of merged units, and where they lead\n"
    "  provision STICK --unit CODE [--unit CODE ...] [--label TEXT] [--database DIR]\n"
    "  import STICK [-v]                verify, open and merge the stick's records\n"
    "  update STICK [--database DIR] [--image]\n"
    "                                   fresh databases, roster and config;\n"
    "                                   --image: rewrite its system partitions\n"
    "  image --out FILE [--from RELEASED.img]\n"
    "                                   the released image with this IOC's key\n"
    "                                   pinned (default --from: the last issued)\n"
    "  status [STICKID|LABEL]           sticks, last import, records, gaps\n"
    "  status --stale-days N            active sticks whose databases are N+ days old\n"
    "  revoke STICKID|LABEL [--yes]     refuse the stick's records from now on\n"
    "  schema                           print the database schema\n"
    "  settings list|set KEY VALUE|unset KEY [--unit CODE]\n"
    "                                   the office's settings for raquet-report\n"
    "--ioc DIR and --help may also follow the command's name.\n"
    "The IOC directory is --ioc DIR, else $RAQUET_IOC, else " IOC_DEFAULT_DIR ".\n"
    "A protected ioc.key's passphrase is read from the terminal, or from\n"
    "$RAQUET_PASSPHRASE (for scripts and tests).\n";

/* A usage error: why, then the usage, on stderr; exit 2. */
static void usage(const char *why)
{
	if (why)
		rq_warn("%s", why);
	fputs(usage_text, stderr);
	exit(2);
}

static int fail(const rq_error *err)
{
	rq_warn("%s", err->msg);
	return 2;
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

/* What a command needs of the IOC before it runs. */
enum {
	NEEDS_IOC = 1,    /* ioc_open: ioc.db and the public key */
	NEEDS_LOCK = 2,   /* the command writes: one raquet-sync at a time */
	NEEDS_SECRET = 4, /* it signs for sticks or opens their records */
};

/* Opens the IOC as a command needs it; 0, or 2 after saying why. */
static int setup_ioc(struct ioc *ioc, unsigned needs)
{
	rq_error err;
	bool busy;

	if (ioc_open(ioc_dir, ioc, &err) != 0)
		return fail(&err);
	if ((needs & NEEDS_LOCK) && ioc_lock(ioc, false, &busy, &err) != 0) {
		if (!busy) {
			ioc_close(ioc);
			return fail(&err);
		}
		rq_warn("another raquet-sync is working on %s; waiting for it", ioc_dir);
		if (ioc_lock(ioc, true, &busy, &err) != 0) {
			ioc_close(ioc);
			return fail(&err);
		}
	}
	if ((needs & NEEDS_SECRET) && ioc_load_secret(ioc, ask_passphrase, &err) != 0) {
		ioc_close(ioc);
		return fail(&err);
	}
	return 0;
}

/* A command's parsed options and operands (each command reads its own). */
struct args {
	const char *op[2]; /* operands, in order */
	int nop;
	const char *parent, *label, *database, *out, *from, *stale_days;
	const char *units[MAX_UNITS];
	size_t nunits;
	bool passphrase, informed, image, verbose, yes;
};

static void print_escaped(FILE *f, const char *s)
{
	char *esc = escape_name(s);
	fputs(esc ? esc : "?", f);
	free(esc);
}

static int cmd_init(struct ioc *ioc, struct args *a)
{
	char id[KEYS_ID_HEX_LEN + 1], *pass = NULL;
	rq_error err;
	int rc;

	(void)ioc;
	if (a->passphrase) {
		if ((pass = sodium_malloc(1024)) == NULL)
			return rq_warn("out of memory"), 2;
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
	       a->passphrase ? ", protected by a passphrase" : "");
	return 0;
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

static int cmd_unit_add(struct ioc *ioc, struct args *a)
{
	rq_error err;

	if (units_add(ioc->db, a->op[0], a->op[1], a->parent, a->informed, &err) != 0)
		return fail(&err);
	fputs("unit ", stdout);
	print_escaped(stdout, a->op[0]);
	fputs(" added\n", stdout);
	return 0;
}

static int cmd_unit_import(struct ioc *ioc, struct args *a)
{
	rq_error err;
	int n;

	if (units_import_csv(ioc->db, a->op[0], &n, &err) != 0)
		return fail(&err);
	printf("%d unit%s imported from %s\n", n, n == 1 ? "" : "s", a->op[0]);
	return 0;
}

static int cmd_unit_list(struct ioc *ioc, struct args *a)
{
	rq_error err;

	(void)a;
	return units_list(ioc->db, print_unit, NULL, &err) != 0 ? fail(&err) : 0;
}

/* unit rename, set-parent, delete, merge (sync/unitops.h). */
static int unit_op(struct ioc *ioc, const char *op, struct args *a)
{
	rq_error err;

	return unitops_do(ioc->db, op, a->op[0], a->op[1], stdout, &err) != 0 ? fail(&err) : 0;
}
static int cmd_unit_rename(struct ioc *ioc, struct args *a)
{
	return unit_op(ioc, "rename", a);
}
static int cmd_unit_set_parent(struct ioc *ioc, struct args *a)
{
	return unit_op(ioc, "set-parent", a);
}
static int cmd_unit_delete(struct ioc *ioc, struct args *a)
{
	return unit_op(ioc, "delete", a);
}
static int cmd_unit_merge(struct ioc *ioc, struct args *a)
{
	return unit_op(ioc, "merge", a);
}
static int cmd_unit_alias(struct ioc *ioc, struct args *a)
{
	return unit_op(ioc, "alias", a);
}
static int cmd_unit_aliases(struct ioc *ioc, struct args *a)
{
	return unit_op(ioc, "aliases", a);
}

static int cmd_provision(struct ioc *ioc, struct args *a)
{
	struct provision_opts o = {.units = a->units,
				   .nunits = a->nunits,
				   .stick = a->op[0],
				   .label = a->label,
				   .database = a->database ? a->database : PROVISION_DEFAULT_DB};
	struct provision_result r;
	rq_error err;

	if (o.nunits == 0)
		usage("provision needs STICK and at least one --unit CODE");
	if (provision_stick(ioc, &o, &r, &err) != 0)
		return fail(&err);
	printf("stick %s provisioned in %s/RAQUET: %d unit%s in its roster, %d database "
	       "file%s\n",
	       r.id, o.stick, r.nunits, r.nunits == 1 ? "" : "s", r.nfiles,
	       r.nfiles == 1 ? "" : "s");
	return 0;
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

static int cmd_update(struct ioc *ioc, struct args *a)
{
	struct provision_result r;
	rq_error err;

	if (provision_update(ioc, a->op[0], a->database ? a->database : PROVISION_DEFAULT_DB, &r,
			     &err) != 0)
		return fail(&err);
	printf("stick %s updated: %d database file%s, %d unit%s in its roster\n", r.id, r.nfiles,
	       r.nfiles == 1 ? "" : "s", r.nunits, r.nunits == 1 ? "" : "s");
	return report_system(ioc, a->op[0], a->image);
}

static int cmd_import(struct ioc *ioc, struct args *a)
{
	const char *stick = a->op[0];
	bool verbose = a->verbose;
	struct import_report rep;
	rq_error err;
	int rc, sys;

	/* Before the import writes its receipt: what the IOC reports is what
	 * the stick held when it came in. */
	sys = report_system(ioc, stick, false);
	if (import_stick(ioc, stick, &rep, &err) != 0) {
		rq_warn("import of %s failed, nothing was imported: %s", stick, err.msg);
		import_report_free(&rep);
		return 2;
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
	printf("stick %s: %d imported, %d already imported, %d rejected\n", rep.stick, rep.imported,
	       rep.duplicates, rep.rejected);
	rc = worse(rep.rejected > 0 ? 1 : 0, sys);
	if (!rep.receipt_written) {
		rq_warn("the records are imported, but the receipt could not be written to the "
			"stick: %s",
			rep.receipt_error);
		rc = 2;
	}
	if (rep.rejected > 0)
		rq_warn("%d file%s rejected; kept in %s/rejected/%s/", rep.rejected,
			rep.rejected == 1 ? "" : "s", ioc->dir, rep.stick);
	import_report_free(&rep);
	return rc;
}

static void print_stick(const struct status_stick *s, void *ctx)
{
	char t1[64], t2[64], t3[64];
	bool detail = *(bool *)ctx;

	if (!detail) {
		printf("%s  %-8s  %5lld results  %4lld samples  %3lld missing  db %3lld days  "
		       "last import %s  units ",
		       s->id, s->revoked ? "revoked" : "active", (long long)s->results,
		       (long long)s->samples, (long long)s->missing, (long long)s->db_age_days,
		       s->last_import ? status_local_time(s->last_import, t1) : "never");
		print_escaped(stdout, s->units);
		fputs("  label ", stdout);
		print_escaped(stdout, s->label ? s->label : "-");
		if (s->flagged)
			printf("  flagged %lld", (long long)s->flagged);
		putchar('\n');
		return;
	}
	printf("stick:       %s\nlabel:       ", s->id);
	print_escaped(stdout, s->label ? s->label : "-");
	printf("\nunits:       ");
	print_escaped(stdout, s->units);
	printf("\nissued:      %s\nstate:       %s%s\n", status_local_time(s->issued, t1),
	       s->revoked ? "revoked on " : "active",
	       s->revoked ? status_local_time(s->revoked, t2) : "");
	printf("last import: %s\nrecords:     %lld results, %lld samples\n",
	       s->last_import ? status_local_time(s->last_import, t3) : "never",
	       (long long)s->results, (long long)s->samples);
	printf("gaps:        %s\ndatabases:   updated %s (%lld days ago)\nrejected:    %lld\n",
	       s->gaps ? s->gaps : "none", status_local_time(s->db_updated, t1),
	       (long long)s->db_age_days, (long long)s->rejected);
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

static int cmd_status(struct ioc *ioc, struct args *a)
{
	char id[KEYS_ID_HEX_LEN + 1];
	bool detail = a->nop == 1;
	rq_error err;
	int n, days;

	if (a->stale_days) {
		if (detail)
			usage("status takes STICKID or --stale-days N, not both");
		if (stale_parse_days(a->stale_days, &days, &err) != 0 ||
		    stale_report(ioc->db, days, stdout, &err) < 0)
			return fail(&err);
		return 0;
	}
	if (detail && status_find_stick(ioc->db, a->op[0], id, &err) != 0)
		return fail(&err);
	n = status_sticks(ioc->db, detail ? id : NULL, print_stick, &detail, &err);
	if (n < 0)
		return fail(&err);
	if (detail && n == 0) {
		rq_warn("unknown stick %s", id);
		return 2;
	}
	if (detail && (fputs("rejected files:\n", stdout),
		       status_rejections(ioc->db, id, print_rejection, NULL, &err) != 0 ||
			   status_print_flags(ioc->db, id, stdout, &err) < 0))
		return fail(&err);
	if (!detail && n == 0)
		printf("no sticks yet (raquet-sync provision STICK --unit CODE)\n");
	return 0;
}

static int cmd_revoke(struct ioc *ioc, struct args *a)
{
	rq_error err;

	/* Locks once the operator has answered (sync/revoke.h). */
	return revoke_run(ioc, a->op[0], a->yes, stdin, stderr, stdout, &err) != 0 ? fail(&err) : 0;
}

static int cmd_image(struct ioc *ioc, struct args *a)
{
	struct image_stamp_result r;
	rq_error err;

	if (a->out == NULL)
		usage("image needs --out FILE");
	if (image_stamp(ioc, a->from, a->out, &r, &err) != 0)
		return fail(&err);
	printf("image %s written to %s: pins IOC %s; %zu files on its system partition, "
	       "recorded as image %s\n",
	       a->from ? a->from : "(last issued)", a->out, ioc->id_hex, r.nfiles, r.list_key);
	return 0;
}

static int cmd_schema(struct ioc *ioc, struct args *a)
{
	(void)ioc, (void)a;
	for (int v = 0; v < SCHEMA_VERSION; v++)
		fputs(schema_migrations[v], stdout);
	return 0;
}

/* The office's settings (sync/settings.c); --unit: for one unit only. */
static const char *settings_unit(struct args *a)
{
	if (a->nunits > 1)
		usage("settings: one --unit CODE at most");
	return a->nunits ? a->units[0] : NULL;
}

static int cmd_settings_list(struct ioc *ioc, struct args *a)
{
	rq_error err;

	(void)a;
	return settings_list(ioc->db, stdout, &err) != 0 ? fail(&err) : 0;
}

static int cmd_settings_set(struct ioc *ioc, struct args *a)
{
	const char *unit = settings_unit(a);
	rq_error err;

	if (settings_set(ioc->db, a->op[0], unit, a->op[1], &err) != 0)
		return fail(&err);
	printf("%s set%s\n", a->op[0], unit ? " for the unit" : "");
	return 0;
}

static int cmd_settings_unset(struct ioc *ioc, struct args *a)
{
	rq_error err;
	int rc = settings_unset(ioc->db, a->op[0], settings_unit(a), &err);

	if (rc < 0)
		return fail(&err);
	printf(rc ? "%s unset\n" : "%s was not set\n", a->op[0]);
	return 0;
}

/* Options: every command takes the global ones (so that `init --ioc DIR`
 * works as `--ioc DIR init` does) and those its table entry lists. */
enum {
	OPT_VERBOSE = 'v',
	OPT_IOC = 256,
	OPT_HELP,
	OPT_PASSPHRASE,
	OPT_PARENT,
	OPT_INFORMED,
	OPT_UNIT,
	OPT_LABEL,
	OPT_DATABASE,
	OPT_IMAGE,
	OPT_OUT,
	OPT_FROM,
	OPT_STALE,
	OPT_YES,
};

static const struct option all_options[] = {
    {"ioc", required_argument, NULL, OPT_IOC},
    {"help", no_argument, NULL, OPT_HELP},
    {"passphrase", no_argument, NULL, OPT_PASSPHRASE},
    {"parent", required_argument, NULL, OPT_PARENT},
    {"informed", no_argument, NULL, OPT_INFORMED},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"label", required_argument, NULL, OPT_LABEL},
    {"database", required_argument, NULL, OPT_DATABASE},
    {"image", no_argument, NULL, OPT_IMAGE},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"out", required_argument, NULL, OPT_OUT},
    {"from", required_argument, NULL, OPT_FROM},
    {"stale-days", required_argument, NULL, OPT_STALE},
    {"yes", no_argument, NULL, OPT_YES},
};
#define NOPTIONS        (sizeof(all_options) / sizeof(all_options[0]))
#define MAX_CMD_OPTIONS 8

static const struct command {
	const char *name, *sub; /* "unit" "add"; sub NULL for a plain command */
	int (*fn)(struct ioc *ioc, struct args *a);
	unsigned needs;            /* NEEDS_*; 0: the command opens no IOC */
	int min_op, max_op;        /* operands */
	int opts[MAX_CMD_OPTIONS]; /* OPT_* beyond --ioc and --help; 0 ends */
	const char *usage;
} commands[] = {
    {"init", NULL, cmd_init, 0, 0, 0, {OPT_PASSPHRASE}, "init [--passphrase]"},
    {"unit",
     "add",
     cmd_unit_add,
     NEEDS_IOC | NEEDS_LOCK,
     2,
     2,
     {OPT_PARENT, OPT_INFORMED},
     "unit add CODE NAME [--parent CODE] [--informed]"},
    {"unit", "import", cmd_unit_import, NEEDS_IOC | NEEDS_LOCK, 1, 1, {0}, "unit import FILE.csv"},
    {"unit", "list", cmd_unit_list, NEEDS_IOC, 0, 0, {0}, "unit list"},
    {"unit", "rename", cmd_unit_rename, NEEDS_IOC | NEEDS_LOCK, 2, 2, {0}, "unit rename CODE NAME"},
    {"unit",
     "set-parent",
     cmd_unit_set_parent,
     NEEDS_IOC | NEEDS_LOCK,
     2,
     2,
     {0},
     "unit set-parent CODE PARENT|-"},
    {"unit", "delete", cmd_unit_delete, NEEDS_IOC | NEEDS_LOCK, 1, 1, {0}, "unit delete CODE"},
    {"unit", "merge", cmd_unit_merge, NEEDS_IOC | NEEDS_LOCK, 2, 2, {0}, "unit merge FROM INTO"},
    {"unit", "alias", cmd_unit_alias, NEEDS_IOC | NEEDS_LOCK, 2, 2, {0}, "unit alias FROM INTO"},
    {"unit", "aliases", cmd_unit_aliases, NEEDS_IOC, 0, 0, {0}, "unit aliases"},
    {"provision",
     NULL,
     cmd_provision,
     NEEDS_IOC | NEEDS_LOCK | NEEDS_SECRET,
     1,
     1,
     {OPT_UNIT, OPT_LABEL, OPT_DATABASE},
     "provision STICK --unit CODE [--unit CODE ...] [--label TEXT] [--database DIR]"},
    {"import",
     NULL,
     cmd_import,
     NEEDS_IOC | NEEDS_LOCK | NEEDS_SECRET,
     1,
     1,
     {OPT_VERBOSE},
     "import STICK [-v]"},
    {"update",
     NULL,
     cmd_update,
     NEEDS_IOC | NEEDS_LOCK | NEEDS_SECRET,
     1,
     1,
     {OPT_DATABASE, OPT_IMAGE},
     "update STICK [--database DIR] [--image]"},
    {"image",
     NULL,
     cmd_image,
     NEEDS_IOC | NEEDS_LOCK,
     0,
     0,
     {OPT_OUT, OPT_FROM},
     "image --out FILE [--from RELEASED.img]"},
    {"status",
     NULL,
     cmd_status,
     NEEDS_IOC,
     0,
     1,
     {OPT_STALE},
     "status [STICKID|LABEL] | status --stale-days N"},
    {"revoke", NULL, cmd_revoke, NEEDS_IOC, 1, 1, {OPT_YES}, "revoke STICKID|LABEL [--yes]"},
    {"schema", NULL, cmd_schema, 0, 0, 0, {0}, "schema"},
    {"settings", "list", cmd_settings_list, NEEDS_IOC, 0, 0, {0}, "settings list"},
    {"settings",
     "set",
     cmd_settings_set,
     NEEDS_IOC | NEEDS_LOCK,
     2,
     2,
     {OPT_UNIT},
     "settings set KEY VALUE [--unit CODE]"},
    {"settings",
     "unset",
     cmd_settings_unset,
     NEEDS_IOC | NEEDS_LOCK,
     1,
     1,
     {OPT_UNIT},
     "settings unset KEY [--unit CODE]"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* One command's usage: on stdout for --help (exit 0), else with why on
 * stderr (exit 2). */
static void command_usage(const struct command *c, const char *why)
{
	if (why) {
		rq_warn("%s", why);
		fprintf(stderr, "usage: raquet-sync [--ioc DIR] %s\n", c->usage);
		exit(2);
	}
	printf("usage: raquet-sync [--ioc DIR] %s\n", c->usage);
	exit(rq_finish_stdout(0));
}

static const struct command *find_command(const char *name, const char *sub)
{
	const struct command *first = NULL;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		if (commands[i].sub == NULL || (sub && strcmp(sub, commands[i].sub) == 0))
			return &commands[i];
		if (first == NULL)
			first = &commands[i];
	}
	if (first && sub && strcmp(sub, "--help") == 0) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (strcmp(name, commands[i].name) == 0)
				printf("usage: raquet-sync [--ioc DIR] %s\n", commands[i].usage);
		exit(rq_finish_stdout(0));
	}
	if (first) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s needs %s", name,
			 strcmp(name, "settings") == 0
			     ? "list, set or unset"
			     : "add, import, list, rename, set-parent, delete or merge");
		usage(msg);
	}
	usage("unknown command");
	return NULL;
}

/* The command's option table: the global options and its own. */
static void command_options(const struct command *c, struct option *out)
{
	size_t n = 0;

	for (size_t i = 0; i < NOPTIONS; i++) {
		bool mine = all_options[i].val == OPT_IOC || all_options[i].val == OPT_HELP;
		for (int k = 0; k < MAX_CMD_OPTIONS && c->opts[k] && !mine; k++)
			mine = c->opts[k] == all_options[i].val;
		if (mine)
			out[n++] = all_options[i];
	}
	out[n] = (struct option){NULL, 0, NULL, 0};
}

/* Parses argv (argv[0] the command's last word) into a; --ioc sets *given. */
static void parse_command(const struct command *c, int argc, char **argv, struct args *a,
			  const char **given)
{
	struct option opts[NOPTIONS + 1];
	bool short_v = false;
	char msg[160];
	int ch;

	command_options(c, opts);
	for (int k = 0; k < MAX_CMD_OPTIONS && c->opts[k]; k++)
		short_v |= c->opts[k] == OPT_VERBOSE;
	optind = 0; /* GNU: start afresh on this argv */
	opterr = 0; /* the message below names the command */
	while ((ch = getopt_long(argc, argv, short_v ? "-v" : "-", opts, NULL)) != -1) {
		switch (ch) {
		case 1:
			if (a->nop == c->max_op)
				command_usage(c, "too many arguments");
			a->op[a->nop++] = optarg;
			break;
		case OPT_IOC:
			*given = optarg;
			break;
		case OPT_HELP:
			command_usage(c, NULL);
			break;
		case OPT_PASSPHRASE:
			a->passphrase = true;
			break;
		case OPT_PARENT:
			a->parent = optarg;
			break;
		case OPT_INFORMED:
			a->informed = true;
			break;
		case OPT_UNIT:
			if (a->nunits == MAX_UNITS)
				command_usage(c, "too many --unit options");
			a->units[a->nunits++] = optarg;
			break;
		case OPT_LABEL:
			a->label = optarg;
			break;
		case OPT_DATABASE:
			a->database = optarg;
			break;
		case OPT_IMAGE:
			a->image = true;
			break;
		case OPT_VERBOSE:
			a->verbose = true;
			break;
		case OPT_OUT:
			a->out = optarg;
			break;
		case OPT_FROM:
			a->from = optarg;
			break;
		case OPT_STALE:
			a->stale_days = optarg;
			break;
		case OPT_YES:
			a->yes = true;
			break;
		default:
			snprintf(msg, sizeof(msg), "%s: unknown option or missing value: %.60s",
				 c->sub ? c->sub : c->name, argv[optind - 1]);
			command_usage(c, msg);
		}
	}
	for (; optind < argc; optind++) { /* after "--" */
		if (a->nop == c->max_op)
			command_usage(c, "too many arguments");
		a->op[a->nop++] = argv[optind];
	}
	if (a->nop < c->min_op)
		command_usage(c, "missing arguments");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ioc", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const struct rlimit nocore = {0, 0};
	const struct command *cmd;
	const char *given = NULL;
	static struct args a;
	struct ioc ioc = {.dirfd = -1, .lockfd = -1};
	rq_error err;
	int c, rc, skip;

	rq_set_progname("raquet-sync");
	/* The IOC secret key must never end up in a core file. */
	setrlimit(RLIMIT_CORE, &nocore);
	if (rq_crypto_init(&err) != 0)
		return fail(&err);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			given = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return rq_finish_stdout(0);
		case 'V':
			printf("raquet-sync %s\n", RAQUET_VERSION);
			return rq_finish_stdout(0);
		default:
			usage(NULL);
		}
	}
	if (optind >= argc)
		usage("no command");
	cmd = find_command(argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL);
	skip = optind + (cmd->sub ? 1 : 0);
	parse_command(cmd, argc - skip, argv + skip, &a, &given);
	ioc_dir = ioc_dir_default(given);
	if (cmd->needs && (rc = setup_ioc(&ioc, cmd->needs)) != 0)
		return rc;
	rc = cmd->fn(&ioc, &a);
	if (cmd->needs)
		ioc_close(&ioc);
	return rq_finish_stdout(rc);
}
