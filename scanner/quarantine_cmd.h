/* quarantine_cmd: raquet-scan's quarantine commands, `--list-quarantine DIR`
 * and `--restore ID`, as the command line runs them: what they print and
 * the exit status (docs/quarantine.md). main.c finds the folder. */
#ifndef RAQUET_QUARANTINE_CMD_H
#define RAQUET_QUARANTINE_CMD_H

/* Lists the entries of the quarantine at qdir on stdout. Returns the exit
 * status: 0, or 2 after saying why on stderr. */
int quarantine_cmd_list(const char *qdir);

/* Restores entry id (or its first 4+ digits) of the quarantine at qdir; a
 * hive backup goes back in place of the cleaned hive. Returns the exit
 * status: 0, or 2 after saying why on stderr. */
int quarantine_cmd_restore(const char *qdir, const char *id);

#endif
