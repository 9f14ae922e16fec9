/* autoruns_out: an enumeration's verdicts and how it is told: the result
 * document's "autoruns" (docs/result-format.md) and --list-autoruns. Every
 * string came from the scanned disk and is escaped on the way out. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "windows/autoruns.h"

/* What cleaning an entry of kind does (docs/remediation.md). */
static const char *kind_action(enum resultdoc_autorun_kind k)
{
	static const char *const names[] = {"delete-value",   "reset-default",   "delete-value",
					    "empty-value",    "disable-service", "quarantine-file",
					    "quarantine-task"};
	return names[k];
}

void autoruns_judge(struct autoruns *a, const struct detection *dets, size_t n)
{
	for (size_t i = 0; i < a->n; i++) {
		struct autorun *e = &a->v[i];
		e->det = NULL;
		e->verdict = e->target ? RESULTDOC_VERDICT_CLEAN : RESULTDOC_VERDICT_NOT_FOUND;
		for (size_t k = 0; e->target && k < n; k++)
			if (strcmp(dets[k].path, e->target) == 0) {
				e->det = &dets[k];
				e->verdict = RESULTDOC_VERDICT_DETECTED;
				break;
			}
		e->outcome = RESULTDOC_AR_LEFT;
	}
}

static json_object *escaped(const char *s)
{
	char *esc;
	json_object *o;

	if (s == NULL)
		return NULL;
	esc = escape_name(s);
	o = json_object_new_string(esc ? esc : "");
	free(esc);
	return o;
}

json_object *autoruns_json(const struct autoruns *a, bool all)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < a->n; i++) {
		const struct autorun *e = &a->v[i];
		json_object *o;
		if (!all && e->verdict != RESULTDOC_VERDICT_DETECTED)
			continue;
		o = json_object_new_object();
		json_object_object_add(
		    o, "kind", json_object_new_string(resultdoc_autorun_kind_name(e->kind)));
		json_object_object_add(o, "location", escaped(e->location));
		json_object_object_add(o, "name", escaped(e->name));
		json_object_object_add(o, "command", escaped(e->command));
		json_object_object_add(o, "target", escaped(e->target));
		json_object_object_add(o, "file", escaped(e->file));
		json_object_object_add(
		    o, "verdict",
		    json_object_new_string(resultdoc_autorun_verdict_name(e->verdict)));
		json_object_object_add(o, "signature", e->det ? escaped(e->det->signature) : NULL);
		json_object_object_add(o, "action",
				       e->verdict == RESULTDOC_VERDICT_DETECTED
					   ? json_object_new_string(kind_action(e->kind))
					   : NULL);
		json_object_object_add(
		    o, "outcome",
		    json_object_new_string(resultdoc_autorun_outcome_name(e->outcome)));
		json_object_object_add(o, "detail", escaped(e->detail));
		json_object_array_add(arr, o);
	}
	return arr;
}

void autoruns_print(const struct autoruns *a, FILE *out)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct autorun *e = &a->v[i];
		char *loc = escape_name(e->location), *name = escape_name(e->name);
		char *cmd = escape_name(e->command);
		char *tgt = e->target ? escape_name(e->target) : NULL;
		fprintf(out, "%s\t%s\t%s\t%s\t%s\n", loc ? loc : "?", name ? name : "?",
			cmd ? cmd : "?", e->target ? (tgt ? tgt : "?") : "-",
			resultdoc_autorun_verdict_name(e->verdict));
		free(loc);
		free(name);
		free(cmd);
		free(tgt);
	}
}
