/* print: what live mode (--auto) and station mode print on stdout once
 * live_run is done (see print.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "live/print.h"

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

/* Live mode acts after the scan: its outcome lines come here, worded as the
 * folder scan prints them while it goes. */
void live_print_outcomes(const struct scan_report *rep)
{
	for (size_t i = 0; i < rep->ndets; i++) {
		const struct detection *d = &rep->dets[i];
		char *esc = escape_name(d->path);
		const char *p = esc ? esc : "?", *why = d->detail ? d->detail : "";
		switch (d->outcome) {
		case RESULTDOC_REPORTED:
			break;
		case RESULTDOC_QUARANTINED:
			printf("%s: moved to quarantine as %s\n", p, why);
			break;
		case RESULTDOC_DELETED:
			printf("%s: Removed.%s%s\n", p, d->detail ? " " : "", why);
			break;
		case RESULTDOC_FAILED:
			printf("%s: not cleaned: %s\n", p, why);
			break;
		case RESULTDOC_NEEDS_REPAIR:
			printf("%s: needs repair: %s\n", p, why);
			break;
		}
		free(esc);
	}
}

/* What was done to the persistence entries of detected files (all
 * entries with --list-autoruns), one line each. */
void live_print_autoruns(json_object *ar, bool all)
{
	for (size_t i = 0; ar && i < json_object_array_length(ar); i++) {
		json_object *e = json_object_array_get_idx(ar, i);
		const char *detail = jstr(e, "detail"), *target = jstr(e, "target");
		if (!all && strcmp(jstr(e, "verdict"), "detected") != 0)
			continue;
		printf("autorun %s\\%s: %s -> %s: %s, %s%s%s\n", jstr(e, "location"),
		       jstr(e, "name"), jstr(e, "command"), target ? target : "-",
		       jstr(e, "verdict"), jstr(e, "outcome"), detail ? ": " : "",
		       detail ? detail : "");
	}
}

/* A boot-critical file was infected: what the technician does next. */
void live_print_repair_advice(const struct scan_report *rep)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->ndets; i++)
		n += rep->dets[i].outcome == RESULTDOC_NEEDS_REPAIR;
	if (n)
		printf("\n%zu boot-critical Windows file(s) are infected and were left in place:\n"
		       "removing them would stop Windows from starting. This PC is NOT cleaned.\n"
		       "Repair Windows: boot its recovery environment and run\n"
		       "  sfc /scannow /offbootdir=C:\\ /offwindir=C:\\Windows\n"
		       "or DISM /Image:C:\\ /Cleanup-Image /RestoreHealth; or reinstall Windows.\n",
		       n);
}

/* One line per volume, and what to do about a hibernated Windows. */
void live_print_volumes(json_object *vols, size_t hibernated)
{
	printf("\n----------- VOLUMES -----------\n");
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		json_object *v = json_object_array_get_idx(vols, i);
		const char *fs = jstr(v, "filesystem"), *label = jstr(v, "label");
		const char *detail = jstr(v, "detail");
		printf("%s: %s%s%s%s, %s", jstr(v, "device"), fs ? fs : "-", label ? " \"" : "",
		       label ? label : "", label ? "\"" : "", jstr(v, "state"));
		if (detail)
			printf(" (%s)", detail);
		putchar('\n');
	}
	if (hibernated)
		printf(
		    "\nWindows on %zu volume(s) is hibernated or was shut down with Fast Startup.\n"
		    "They were scanned read-only: nothing on them could be removed.\n"
		    "To clean them: start Windows, choose Restart (not Shut down), and boot\n"
		    "this stick during the restart; or turn Fast Startup off in Windows\n"
		    "(powercfg /h off as Administrator). --remove-hiberfile cleans now, but\n"
		    "the hibernated Windows session and its unsaved work are lost.\n",
		    hibernated);
}
