/* revoke: naming, confirming and revoking a stick (see revoke.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "escape.h"
#include "ioc.h"
#include "revoke.h"
#include "status.h"

struct shown {
	char *label, *units;
};

static void remember(const struct status_stick *s, void *ctx)
{
	struct shown *sh = ctx;

	sh->label = escape_name(s->label ? s->label : "-");
	sh->units = escape_name(s->units);
}

/* The operator's answer: yes (or the Vietnamese có), anything else is no. */
static bool confirmed(FILE *in, FILE *ask, const char *id, const struct shown *sh)
{
	char line[64];

	fprintf(ask,
		"Revoke stick %s (label %s, units %s)? Its records will be refused from now "
		"on; this cannot be undone. Type yes to revoke: ",
		id, sh->label ? sh->label : "?", sh->units ? sh->units : "?");
	fflush(ask);
	if (fgets(line, sizeof(line), in) == NULL)
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0 ||
	       strcmp(line, "có") == 0 || strcmp(line, "CÓ") == 0;
}

int revoke_run(struct ioc *ioc, const char *arg, bool yes, FILE *in, FILE *ask, FILE *out,
	       rq_error *err)
{
	char id[17], when[32], shown_when[64];
	struct shown sh = {0};
	int rc = -1;
	bool busy;

	if (!yes && !isatty(fileno(in)))
		return rq_fail(err, "revoking a stick cannot be undone: run it on a terminal to "
				    "confirm, or add --yes");
	if (status_find_stick(ioc->db, arg, id, err) != 0 ||
	    status_sticks(ioc->db, id, remember, &sh, err) < 0)
		goto out;
	/* Asked before the lock: an operator thinking does not stop imports. */
	if (!yes && !confirmed(in, ask, id, &sh)) {
		rq_fail(err, "stick %s not revoked (not confirmed)", id);
		goto out;
	}
	if (ioc_lock(ioc, true, &busy, err) != 0 || status_revoke(ioc->db, id, when, err) != 0)
		goto out;
	fprintf(out, "stick %s (label %s) revoked on %s; its records will be rejected\n", id,
		sh.label ? sh.label : "?", status_local_time(when, shown_when));
	rc = 0;
out:
	free(sh.label);
	free(sh.units);
	return rc;
}
