/* stale: sticks whose signature databases are too old (see stale.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "ioc.h"
#include "stale.h"
#include "status.h"

struct stale_ctx {
	FILE *out;
	int days;
	int active, stale;
	bool oom;
};

int stale_parse_days(const char *arg, int *days, rq_error *err)
{
	size_t len = arg ? strlen(arg) : 0;

	/* Digits only (strtol would take "-1", " 7" or "7x"), and at most five
	 * of them, so the value cannot overflow before it is compared. */
	if (len == 0 || len > 5 || strspn(arg, "0123456789") != len ||
	    strtol(arg, NULL, 10) > STALE_MAX_DAYS)
		return rq_fail(err, "--stale-days wants a number of days from 0 to %d",
			       STALE_MAX_DAYS);
	*days = (int)strtol(arg, NULL, 10);
	return 0;
}

/* Labels and unit codes come from the operator and from sticks' rosters:
 * escaped like every other name raquet-sync prints. */
static void put_escaped(struct stale_ctx *c, const char *s)
{
	char *esc = escape_name(s);

	if (esc == NULL) {
		c->oom = true;
		return;
	}
	fputs(esc, c->out);
	free(esc);
}

static void stale_stick(const struct status_stick *s, void *ctx)
{
	struct stale_ctx *c = ctx;
	char t1[64], t2[64];

	/* A revoked stick's records are refused anyway: updating it is moot. */
	if (s->revoked)
		return;
	c->active++;
	if (s->db_age_days < c->days)
		return;
	c->stale++;
	fprintf(c->out, "stick %s: databases %lld days old (updated %s), last import %s, units ",
		s->id, (long long)s->db_age_days, status_local_time(s->db_updated, t1),
		s->last_import ? status_local_time(s->last_import, t2) : "never");
	put_escaped(c, s->units);
	if (s->label) {
		fputs(", label ", c->out);
		put_escaped(c, s->label);
	}
	fputc('\n', c->out);
}

int stale_report(sqlite3 *db, int days, FILE *out, rq_error *err)
{
	struct stale_ctx c = {.out = out, .days = days};
	int n;

	n = status_sticks(db, NULL, stale_stick, &c, err);
	if (n < 0)
		return -1;
	if (c.oom)
		return rq_fail(err, "out of memory");
	if (c.stale == 0)
		fprintf(out, "no active stick carries databases %d days old or older (%d active)\n",
			c.days, c.active);
	else
		fprintf(out,
			"%d of %d active sticks carry databases %d days old or older: "
			"raquet-sync update STICK\n",
			c.stale, c.active, c.days);
	return c.stale;
}
