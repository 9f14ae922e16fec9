/* schema: the embedded schema and the migrations (see schema.h).
 *
 * The SQL blocks below are sync/schema.sql, sync/schema-v2.sql,
 * sync/schema-v3.sql, sync/schema-v4.sql and sync/schema-v5.sql, each generated with
 *   sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$/\\n"/' FILE
 * t4000 checks that `raquet-sync schema` prints those files exactly. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "schema.h"

/* ---- SQL: sync/schema.sql (version 1) ---- */
const char schema_sql[] =
	"-- ioc.db schema, version 1 (raquet-sync; docs/ioc-database.md explains it).\n"
	"-- sync/schema.c embeds this file byte for byte (t4000 checks it); a new\n"
	"-- version adds a migration there and never edits what is already released.\n"
	"\n"
	"CREATE TABLE meta (\n"
	"	key   TEXT PRIMARY KEY,\n"
	"	value TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"\n"
	"-- Units (co quan, don vi) of the province; codes are free text.\n"
	"CREATE TABLE units (\n"
	"	code     TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),\n"
	"	name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),\n"
	"	parent   TEXT REFERENCES units(code),\n"
	"	informed INTEGER NOT NULL DEFAULT 0 CHECK (informed IN (0, 1)),\n"
	"	added    TEXT NOT NULL,\n"
	"	CHECK (parent IS NULL OR parent <> code)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX units_parent ON units(parent);\n"
	"\n"
	"-- Each unit with itself and all its descendants (root = the unit asked for).\n"
	"CREATE VIEW unit_tree(root, code) AS\n"
	"	WITH RECURSIVE t(root, code) AS (\n"
	"		SELECT code, code FROM units\n"
	"		UNION\n"
	"		SELECT t.root, u.code FROM t JOIN units u ON u.parent = t.code\n"
	"	)\n"
	"	SELECT root, code FROM t;\n"
	"\n"
	"-- Sticks provisioned by this IOC; pubkey checks every record they bring.\n"
	"CREATE TABLE sticks (\n"
	"	id          TEXT PRIMARY KEY CHECK (length(id) = 16),\n"
	"	pubkey      BLOB NOT NULL CHECK (length(pubkey) = 32),\n"
	"	label       TEXT,\n"
	"	issued      TEXT NOT NULL,\n"
	"	db_updated  TEXT NOT NULL,\n"
	"	db_manifest TEXT NOT NULL,\n"
	"	revoked     TEXT,\n"
	"	last_import TEXT\n"
	") WITHOUT ROWID;\n"
	"\n"
	"-- Units a stick was issued for (provision --unit).\n"
	"CREATE TABLE stick_units (\n"
	"	stick TEXT NOT NULL REFERENCES sticks(id),\n"
	"	unit  TEXT NOT NULL REFERENCES units(code),\n"
	"	PRIMARY KEY (stick, unit)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"-- Every unit that was ever in a roster given to the stick (never shrinks,\n"
	"-- so records made under an older roster still import).\n"
	"CREATE TABLE stick_roster (\n"
	"	stick TEXT NOT NULL REFERENCES sticks(id),\n"
	"	unit  TEXT NOT NULL REFERENCES units(code),\n"
	"	PRIMARY KEY (stick, unit)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"-- One row per `raquet-sync import` run that reached its commit.\n"
	"CREATE TABLE imports (\n"
	"	id         INTEGER PRIMARY KEY,\n"
	"	stick      TEXT NOT NULL,\n"
	"	started    TEXT NOT NULL,\n"
	"	finished   TEXT NOT NULL,\n"
	"	imported   INTEGER NOT NULL,\n"
	"	duplicates INTEGER NOT NULL,\n"
	"	rejected   INTEGER NOT NULL\n"
	");\n"
	"\n"
	"-- Every record imported: (stick, type, seq) and the sealed file's sha256\n"
	"-- make a second import, or a replay under another name, a no-op.\n"
	"CREATE TABLE records (\n"
	"	stick     TEXT NOT NULL REFERENCES sticks(id),\n"
	"	type      TEXT NOT NULL CHECK (type IN ('result', 'sample')),\n"
	"	seq       INTEGER NOT NULL CHECK (seq >= 1),\n"
	"	sha256    TEXT NOT NULL UNIQUE,\n"
	"	file      TEXT NOT NULL,\n"
	"	size      INTEGER NOT NULL,\n"
	"	created   TEXT NOT NULL,\n"
	"	import_id INTEGER NOT NULL REFERENCES imports(id),\n"
	"	PRIMARY KEY (stick, type, seq)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"-- Sequence numbers missing at the IOC, per stick and type, as ranges.\n"
	"CREATE TABLE gaps (\n"
	"	stick     TEXT NOT NULL REFERENCES sticks(id),\n"
	"	type      TEXT NOT NULL CHECK (type IN ('result', 'sample')),\n"
	"	first_seq INTEGER NOT NULL,\n"
	"	last_seq  INTEGER NOT NULL,\n"
	"	PRIMARY KEY (stick, type, first_seq)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"-- Files a stick brought that were not imported, kept under IOC/rejected/.\n"
	"CREATE TABLE rejections (\n"
	"	id       INTEGER PRIMARY KEY,\n"
	"	stick    TEXT NOT NULL,\n"
	"	file     TEXT NOT NULL,\n"
	"	sha256   TEXT NOT NULL,\n"
	"	reason   TEXT NOT NULL,\n"
	"	stored   TEXT NOT NULL,\n"
	"	first_at TEXT NOT NULL,\n"
	"	UNIQUE (stick, file, sha256)\n"
	");\n"
	"\n"
	"-- PCs. key is the result's device.id; a weak or missing id never merges\n"
	"-- two scans (docs/device-identity.md): key is then 'scan:<stick>-<seq>'.\n"
	"CREATE TABLE devices (\n"
	"	id         INTEGER PRIMARY KEY,\n"
	"	key        TEXT NOT NULL UNIQUE,\n"
	"	weak       INTEGER NOT NULL CHECK (weak IN (0, 1)),\n"
	"	vendor     TEXT,\n"
	"	product    TEXT,\n"
	"	identity   TEXT,\n"
	"	first_seen TEXT NOT NULL,\n"
	"	last_seen  TEXT NOT NULL\n"
	");\n"
	"\n"
	"-- One scan session on one device (one result record).\n"
	"CREATE TABLE scans (\n"
	"	id             INTEGER PRIMARY KEY,\n"
	"	stick          TEXT NOT NULL REFERENCES sticks(id),\n"
	"	seq            INTEGER NOT NULL,\n"
	"	device         INTEGER NOT NULL REFERENCES devices(id),\n"
	"	unit           TEXT NOT NULL REFERENCES units(code),\n"
	"	technician     TEXT,\n"
	"	started        TEXT NOT NULL,\n"
	"	started_utc    TEXT NOT NULL,\n"
	"	scan_date      TEXT NOT NULL,\n"
	"	finished       TEXT NOT NULL,\n"
	"	duration       REAL NOT NULL,\n"
	"	mode_scan      TEXT NOT NULL,\n"
	"	mode_action    TEXT NOT NULL,\n"
	"	engine         TEXT NOT NULL,\n"
	"	signatures     INTEGER NOT NULL,\n"
	"	db_version     INTEGER,\n"
	"	files          INTEGER NOT NULL,\n"
	"	bytes          INTEGER NOT NULL,\n"
	"	errors         INTEGER NOT NULL,\n"
	"	ndetections    INTEGER NOT NULL,\n"
	"	status         TEXT NOT NULL\n"
	"	               CHECK (status IN ('clean', 'cleaned', 'infected-not-cleaned', 'incomplete')),\n"
	"	document       TEXT NOT NULL,\n"
	"	log            TEXT NOT NULL,\n"
	"	UNIQUE (stick, seq)\n"
	");\n"
	"CREATE INDEX scans_device ON scans(device, started_utc);\n"
	"CREATE INDEX scans_date ON scans(scan_date);\n"
	"CREATE INDEX scans_unit ON scans(unit);\n"
	"\n"
	"CREATE TABLE volumes (\n"
	"	scan       INTEGER NOT NULL REFERENCES scans(id),\n"
	"	idx        INTEGER NOT NULL,\n"
	"	path       TEXT NOT NULL,\n"
	"	device     TEXT,\n"
	"	filesystem TEXT,\n"
	"	label      TEXT,\n"
	"	size       INTEGER,\n"
	"	state      TEXT NOT NULL,\n"
	"	files      INTEGER NOT NULL,\n"
	"	bytes      INTEGER NOT NULL,\n"
	"	errors     INTEGER NOT NULL,\n"
	"	skipped    INTEGER NOT NULL,\n"
	"	excluded   INTEGER NOT NULL,\n"
	"	changed    INTEGER NOT NULL,\n"
	"	PRIMARY KEY (scan, idx)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"CREATE TABLE detections (\n"
	"	id           INTEGER PRIMARY KEY,\n"
	"	scan         INTEGER NOT NULL REFERENCES scans(id),\n"
	"	idx          INTEGER NOT NULL,\n"
	"	path         TEXT NOT NULL,\n"
	"	path_escaped INTEGER NOT NULL,\n"
	"	signature    TEXT NOT NULL,\n"
	"	sha256       TEXT,\n"
	"	size         INTEGER NOT NULL,\n"
	"	UNIQUE (scan, idx)\n"
	");\n"
	"CREATE INDEX detections_signature ON detections(signature);\n"
	"\n"
	"-- What was done: one row per detection (its outcome), and one per autorun\n"
	"-- entry changed (detection NULL).\n"
	"CREATE TABLE actions (\n"
	"	id        INTEGER PRIMARY KEY,\n"
	"	scan      INTEGER NOT NULL REFERENCES scans(id),\n"
	"	detection INTEGER UNIQUE REFERENCES detections(id),\n"
	"	action    TEXT NOT NULL CHECK (action IN ('report', 'quarantine', 'delete', 'autorun')),\n"
	"	outcome   TEXT NOT NULL,\n"
	"	detail    TEXT,\n"
	"	sample    TEXT\n"
	");\n"
	"CREATE INDEX actions_scan ON actions(scan);\n"
	"\n"
	"-- Quarantined files the sticks sealed; the bytes are under IOC/samples/.\n"
	"CREATE TABLE samples (\n"
	"	stick     TEXT NOT NULL REFERENCES sticks(id),\n"
	"	seq       INTEGER NOT NULL,\n"
	"	unit      TEXT,\n"
	"	path      TEXT NOT NULL,\n"
	"	signature TEXT NOT NULL,\n"
	"	sha256    TEXT NOT NULL,\n"
	"	size      INTEGER NOT NULL,\n"
	"	copied    INTEGER NOT NULL CHECK (copied IN (0, 1)),\n"
	"	stored    TEXT,\n"
	"	created   TEXT NOT NULL,\n"
	"	PRIMARY KEY (stick, seq)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX samples_sha256 ON samples(sha256);\n"
	"\n"
	"-- The facts the unit totals are made of: one row per scan.\n"
	"CREATE VIEW scan_facts AS\n"
	"	SELECT s.id AS scan, s.stick, s.seq, s.device, d.weak, s.unit, s.scan_date,\n"
	"	       s.started_utc, s.status, s.ndetections\n"
	"	FROM scans s JOIN devices d ON d.id = s.device;\n"
    ;
/* ---- SQL: sync/schema-v5.sql (version 4 to 5) ---- */
const char schema_v5_sql[] =
	"-- ioc.db schema, version 5: the Windows persistence entries of each result\n"
	"-- (docs/remediation.md): the Run values, services, scheduled tasks... that\n"
	"-- started a file the scan detected, and what was done to them. Until now\n"
	"-- each was only an actions row (action 'autorun') with the entry's JSON as\n"
	"-- its detail; this table has its fields as columns. Applied after version 4\n"
	"-- by every raquet-sync command that opens an older ioc.db; sync/schema.c\n"
	"-- embeds this file byte for byte (t4000 checks it). Entries imported before\n"
	"-- the upgrade are copied from their actions rows.\n"
	"\n"
	"-- One row per entry of a result's \"autoruns\", in its order (idx). outcome is\n"
	"-- left, reported, cleaned or not-cleaned; a PC is counted cleaned (row 5)\n"
	"-- only when its entries of detected files were cleaned, which its status\n"
	"-- already says.\n"
	"CREATE TABLE autoruns (\n"
	"\tscan      INTEGER NOT NULL REFERENCES scans(id),\n"
	"\tidx       INTEGER NOT NULL CHECK (idx >= 0),\n"
	"\tvolume    TEXT,\n"
	"\tkind      TEXT,\n"
	"\tlocation  TEXT,\n"
	"\tname      TEXT,\n"
	"\tcommand   TEXT,\n"
	"\ttarget    TEXT,\n"
	"\tverdict   TEXT,\n"
	"\tsignature TEXT,\n"
	"\taction    TEXT,\n"
	"\toutcome   TEXT NOT NULL,\n"
	"\tdetail    TEXT,\n"
	"\tPRIMARY KEY (scan, idx)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"INSERT INTO autoruns(scan, idx, volume, kind, location, name, command, target, verdict,\n"
	"                     signature, action, outcome, detail)\n"
	"SELECT scan, row_number() OVER (PARTITION BY scan ORDER BY id) - 1,\n"
	"       json_extract(detail, '$.volume'), json_extract(detail, '$.kind'),\n"
	"       json_extract(detail, '$.location'), json_extract(detail, '$.name'),\n"
	"       json_extract(detail, '$.command'), json_extract(detail, '$.target'),\n"
	"       json_extract(detail, '$.verdict'), json_extract(detail, '$.signature'),\n"
	"       json_extract(detail, '$.action'), outcome, json_extract(detail, '$.detail')\n"
	"  FROM actions WHERE action = 'autorun' AND json_valid(detail);\n"
    ;
/* ---- end of SQL ---- */

/* ---- SQL: sync/schema-v2.sql (version 1 to 2) ---- */
const char schema_v2_sql[] =
	"-- ioc.db schema, version 2: what raquet-report reads without opening the\n"
	"-- result documents (docs/ioc-database.md). Applied after version 1\n"
	"-- (sync/schema.sql) by every raquet-sync command that opens an older\n"
	"-- ioc.db; sync/schema.c embeds this file byte for byte (t4000 checks it).\n"
	"\n"
	"-- The computer name of the scanned PC (the first Windows installation the\n"
	"-- scan found), as import takes it from the result document; NULL when the\n"
	"-- scan found none.\n"
	"ALTER TABLE scans ADD COLUMN computer TEXT;\n"
	"UPDATE scans SET computer = CASE WHEN json_valid(document) THEN coalesce(\n"
	"	json_extract(document, '$.device.windows[0].computer_name'),\n"
	"	json_extract(document, '$.device.windows.computer_name'),\n"
	"	json_extract(document, '$.windows.computer_name')) END;\n"
	"\n"
	"-- Every column a report needs from a scan, newest scan of a device first:\n"
	"-- raquet-report finds each device's latest scan and builds the period's\n"
	"-- tables from this index alone, never reading the wide scans rows (their\n"
	"-- documents and logs are most of ioc.db).\n"
	"CREATE INDEX scans_latest ON scans(device, started_utc DESC, stick DESC, seq DESC,\n"
	"	scan_date, unit, status, ndetections, started, computer);\n"
    ;
/* ---- end of SQL ---- */

/* ---- SQL: sync/schema-v3.sql (version 2 to 3) ---- */
const char schema_v3_sql[] =
	"-- ioc.db schema, version 3: the whole campaign's report tables, kept by\n"
	"-- raquet-sync (docs/ioc-database.md). raquet-report builds the same tables\n"
	"-- in its temporary database for a period (--from, --to); for the whole\n"
	"-- campaign, the report everyone asks for, it reads these, which every import\n"
	"-- keeps up to date, instead of rebuilding them from 100,000 devices' scans\n"
	"-- for each report. Applied after version 2 by every raquet-sync command that\n"
	"-- opens an older ioc.db; sync/schema.c embeds this file byte for byte (t4000\n"
	"-- checks it). The rules are those of the report's (docs/ioc-database.md): a\n"
	"-- device counts once, with its latest scan, and belongs to that scan's unit.\n"
	"\n"
	"-- Every scan.\n"
	"CREATE TABLE rq_period (\n"
	"	scan        INTEGER PRIMARY KEY,\n"
	"	device      INTEGER NOT NULL,\n"
	"	unit        TEXT NOT NULL,\n"
	"	scan_date   TEXT NOT NULL,\n"
	"	status      TEXT NOT NULL,\n"
	"	ndetections INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX rq_period_unit ON rq_period(unit, scan_date);\n"
	"CREATE INDEX rq_period_device ON rq_period(device);\n"
	"\n"
	"-- Devices with a detection in any scan.\n"
	"CREATE TABLE rq_infected (device INTEGER PRIMARY KEY);\n"
	"\n"
	"-- Each device's latest scan (started_utc, then stick and seq), with the\n"
	"-- device's key and weak flag and whether it was ever infected.\n"
	"CREATE TABLE rq_latest (\n"
	"	device      INTEGER PRIMARY KEY,\n"
	"	scan        INTEGER NOT NULL,\n"
	"	stick       TEXT NOT NULL,\n"
	"	seq         INTEGER NOT NULL,\n"
	"	key         TEXT NOT NULL,\n"
	"	weak        INTEGER NOT NULL,\n"
	"	unit        TEXT NOT NULL,\n"
	"	scan_date   TEXT NOT NULL,\n"
	"	started_utc TEXT NOT NULL,\n"
	"	started     TEXT NOT NULL,\n"
	"	status      TEXT NOT NULL,\n"
	"	ndetections INTEGER NOT NULL,\n"
	"	computer    TEXT,\n"
	"	infected    INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX rq_latest_unit ON rq_latest(unit, infected, status, weak);\n"
	"\n"
	"-- Distinct files detected, with the unit of the device's latest scan;\n"
	"-- handled when quarantined or deleted in some scan.\n"
	"CREATE TABLE rq_found (\n"
	"	device  INTEGER NOT NULL,\n"
	"	unit    TEXT NOT NULL,\n"
	"	path    TEXT NOT NULL,\n"
	"	sha256  TEXT NOT NULL,\n"
	"	handled INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX rq_found_unit ON rq_found(unit, handled);\n"
	"CREATE INDEX rq_found_device ON rq_found(device);\n"
	"\n"
	"-- Distinct (device, file, signature) detections, with the unit of the\n"
	"-- device's latest scan.\n"
	"CREATE TABLE rq_detected (\n"
	"	device    INTEGER NOT NULL,\n"
	"	unit      TEXT NOT NULL,\n"
	"	signature TEXT NOT NULL,\n"
	"	path      TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX rq_detected_unit ON rq_detected(unit, signature);\n"
	"CREATE INDEX rq_detected_device ON rq_detected(device);\n"
	"\n"
	"-- Now for every device. raquet-sync import fills temp.rq_touched with the\n"
	"-- devices of the results it merged and runs the statements from the line\n"
	"-- \"-- refresh\" to the end of this file, inside the import's transaction.\n"
	"CREATE TEMP TABLE rq_touched (device INTEGER PRIMARY KEY);\n"
	"INSERT INTO temp.rq_touched SELECT id FROM devices;\n"
	"\n"
	"-- refresh\n"
	"INSERT OR IGNORE INTO rq_period\n"
	"	SELECT s.id, s.device, s.unit, s.scan_date, s.status, s.ndetections\n"
	"	FROM scans s INDEXED BY scans_latest\n"
	"	WHERE s.device IN (SELECT device FROM temp.rq_touched);\n"
	"INSERT OR IGNORE INTO rq_infected\n"
	"	SELECT device FROM rq_period\n"
	"	WHERE ndetections > 0 AND device IN (SELECT device FROM temp.rq_touched);\n"
	"-- The index gives each device's scans newest first, rows are inserted in\n"
	"-- the SELECT's order, and OR IGNORE keeps the first row per device.\n"
	"DELETE FROM rq_latest WHERE device IN (SELECT device FROM temp.rq_touched);\n"
	"INSERT OR IGNORE INTO rq_latest\n"
	"	SELECT s.device, s.id, s.stick, s.seq, d.key, d.weak, s.unit, s.scan_date,\n"
	"	       s.started_utc, s.started, s.status, s.ndetections, s.computer,\n"
	"	       s.device IN (SELECT device FROM rq_infected)\n"
	"	FROM scans s INDEXED BY scans_latest JOIN devices d ON d.id = s.device\n"
	"	WHERE s.device IN (SELECT device FROM temp.rq_touched)\n"
	"	ORDER BY s.device, s.started_utc DESC, s.stick DESC, s.seq DESC;\n"
	"DELETE FROM rq_found WHERE device IN (SELECT device FROM temp.rq_touched);\n"
	"DELETE FROM rq_detected WHERE device IN (SELECT device FROM temp.rq_touched);\n"
	"CREATE TEMP TABLE rq_hits AS\n"
	"	SELECT p.device, l.unit, x.path, coalesce(x.sha256, '') AS sha256, x.signature,\n"
	"	       coalesce(a.outcome IN ('quarantined', 'deleted'), 0) AS handled\n"
	"	FROM rq_period p JOIN detections x ON x.scan = p.scan\n"
	"	JOIN rq_latest l ON l.device = p.device\n"
	"	LEFT JOIN actions a ON a.detection = x.id\n"
	"	WHERE p.ndetections > 0 AND p.device IN (SELECT device FROM temp.rq_touched);\n"
	"INSERT INTO rq_found\n"
	"	SELECT device, unit, path, sha256, max(handled) FROM temp.rq_hits\n"
	"	GROUP BY device, path, sha256;\n"
	"INSERT INTO rq_detected SELECT DISTINCT device, unit, signature, path FROM temp.rq_hits;\n"
	"DROP TABLE temp.rq_hits;\n"
	"DROP TABLE temp.rq_touched;\n"
    ;
/* ---- end of SQL ---- */

/* ---- SQL: sync/schema-v4.sql (version 3 to 4) ---- */
const char schema_v4_sql[] =
	"-- ioc.db schema, version 4: what an import notices in a result without\n"
	"-- refusing it (docs/ioc-database.md, \"Flags\"). A stick's key signs whatever\n"
	"-- its holder wants and a PC's clock is often wrong, so a date, a unit or a\n"
	"-- database version a result gives is evidence; where it disagrees with what\n"
	"-- the IOC knows, the scan is imported and counted, and flagged here for\n"
	"-- the operator (raquet-sync status, the report's notes). Applied after\n"
	"-- version 3 by every raquet-sync command that opens an older ioc.db;\n"
	"-- sync/schema.c embeds this file byte for byte (t4000 checks it). Scans\n"
	"-- imported before the upgrade have no flags.\n"
	"\n"
	"-- One row per scan and kind of doubt. flag is one of\n"
	"--   date-before-issue  the scan says it started over a day before its stick\n"
	"--                      was issued (a dead CMOS battery: 2000, 2009)\n"
	"--   date-after-import  ... over a day after the IOC imported it (2099)\n"
	"--   unit-changed       the device was counted in another unit, from another\n"
	"--                      stick's scans; the scan counts there (scans.unit),\n"
	"--                      and detail names the unit the result gave\n"
	"--   old-database       the result names an older signature set (MANIFEST\n"
	"--                      version) than the IOC had given the stick before the\n"
	"--                      scan's sequence number, or none\n"
	"-- detail is a sentence for the operator.\n"
	"CREATE TABLE scan_flags (\n"
	"	scan   INTEGER NOT NULL REFERENCES scans(id),\n"
	"	flag   TEXT NOT NULL CHECK (flag IN ('date-before-issue', 'date-after-import',\n"
	"	                                     'unit-changed', 'old-database')),\n"
	"	detail TEXT NOT NULL,\n"
	"	PRIMARY KEY (scan, flag)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"-- Every signed database set (db/MANIFEST) given to a stick: its version\n"
	"-- (meta 'manifest_version' counts them, IOC-wide), when, and the highest\n"
	"-- result number the IOC had imported from the stick then. A result\n"
	"-- numbered above after_seq was made after the stick had this set, so it\n"
	"-- must name this version or a later one.\n"
	"CREATE TABLE stick_manifests (\n"
	"	stick     TEXT NOT NULL,\n"
	"	version   INTEGER NOT NULL CHECK (version >= 1),\n"
	"	given     TEXT NOT NULL,\n"
	"	after_seq INTEGER NOT NULL CHECK (after_seq >= 0),\n"
	"	PRIMARY KEY (stick, version)\n"
	") WITHOUT ROWID;\n"
    ;
/* ---- end of SQL ---- */

/* migrations[i] takes a database from version i to i + 1. */
static const char *const migrations[SCHEMA_VERSION] = {
    schema_sql,
    schema_v2_sql,
    schema_v3_sql,
    schema_v4_sql,
    schema_v5_sql,
};

static int user_version(sqlite3 *db, int *v, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA user_version", err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_row(db, st, err);
	if (rc == 1)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == 1 ? 0 : rq_fail(err, "database: cannot read its schema version");
}

/* Runs under BEGIN IMMEDIATE, so two programs opening an old database
 * at once migrate it once. */
int schema_migrate(sqlite3 *db, rq_error *err)
{
	char sql[160];
	int v = 0;

	if (db_exec(db, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (user_version(db, &v, err) != 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		rq_fail(err,
			"ioc.db has schema version %d; this raquet-sync knows up to %d "
			"(use a newer raquet-sync)",
			v, SCHEMA_VERSION);
		goto fail;
	}
	for (; v < SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql),
			 "PRAGMA user_version = %d;"
			 "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', '%d');",
			 v + 1, v + 1);
		if (db_exec(db, migrations[v], err) != 0 || db_exec(db, sql, err) != 0)
			goto fail;
	}
	return db_exec(db, "COMMIT", err);
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* The line of schema-v3.sql where the statements that bring the campaign's
 * report tables up to date for the devices in temp.rq_touched begin. */
#define REFRESH_MARK "\n-- refresh\n"

int schema_refresh(sqlite3 *db, int64_t import_id, rq_error *err)
{
	static const char touched[] =
		"INSERT OR IGNORE INTO temp.rq_touched SELECT s.device FROM records r"
		" JOIN scans s ON s.stick = r.stick AND s.seq = r.seq"
		" WHERE r.import_id = ?1 AND r.type = 'result'";
	const char *refresh = strstr(schema_v3_sql, REFRESH_MARK);
	sqlite3_stmt *st;
	int rc;

	if (refresh == NULL)
		return rq_fail(err, "internal error: schema-v3.sql has no refresh block");
	if (db_exec(db,
		    "DROP TABLE IF EXISTS temp.rq_touched;"
		    "CREATE TEMP TABLE rq_touched (device INTEGER PRIMARY KEY)",
		    err) != 0 ||
	    (st = db_prepare(db, touched, err)) == NULL)
		return -1;
	rc = db_bind(db, st, err, "i", import_id) != 0 || db_done(db, st, err) != 0 ? -1 : 0;
	sqlite3_finalize(st);
	return rc != 0 ? -1 : db_exec(db, refresh + 1, err);
}
