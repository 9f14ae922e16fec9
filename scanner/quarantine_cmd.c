/* quarantine_cmd: --list-quarantine and --restore (see quarantine_cmd.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine.h"
#include "quarantine_cmd.h"
#include "rqerror.h"
#include "windows/hivefix.h"

int quarantine_cmd_list(const char *qdir)
{
	rq_error err = {""};

	if (quarantine_list(qdir, stdout, &err) < 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		return 2;
	}
	return rq_finish_stdout(0);
}

int quarantine_cmd_restore(const char *qdir, const char *id)
{
	char *qpath = NULL, *qsig = NULL, why[300];
	rq_error err = {""};
	bool hive;

	/* A hive backup goes back in place of the cleaned hive. */
	quarantine_entry(qdir, id, &qpath, &qsig, &err);
	hive = qsig && strcmp(qsig, HIVEFIX_BACKUP_SIGNATURE) == 0;
	free(qsig);
	if (quarantine_restore(qdir, id, &err) != 0) {
		fprintf(stderr, "raquet-scan: %s\n", err.msg);
		free(qpath);
		return 2;
	}
	if (hive && hivefix_restore_in_place(qpath, why, sizeof(why)) != 0) {
		fprintf(stderr, "raquet-scan: restored as %s, but %s\n", qpath, why);
		free(qpath);
		return 2;
	}
	free(qpath);
	printf("restored %s\n", id);
	if (err.msg[0]) /* restored, but not every attribute could be set */
		fprintf(stderr, "raquet-scan: note: %s\n", err.msg);
	return rq_finish_stdout(0);
}
