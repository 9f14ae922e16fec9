-- ioc.db schema, version 3: the whole campaign's report tables, kept by
-- raquet-sync (docs/ioc-database.md). raquet-report builds the same tables
-- in its temporary database for a period (--from, --to); for the whole
-- campaign, the report everyone asks for, it reads these, which every import
-- keeps up to date, instead of rebuilding them from 100,000 devices' scans
-- for each report. Applied after version 2 by every raquet-sync command that
-- opens an older ioc.db; sync/schema.c embeds this file byte for byte (t4000
-- checks it). The rules are those of the report's (docs/ioc-database.md): a
-- device counts once, with its latest scan, and belongs to that scan's unit.

-- Every scan.
CREATE TABLE rq_period (
	scan        INTEGER PRIMARY KEY,
	device      INTEGER NOT NULL,
	unit        TEXT NOT NULL,
	scan_date   TEXT NOT NULL,
	status      TEXT NOT NULL,
	ndetections INTEGER NOT NULL
);
CREATE INDEX rq_period_unit ON rq_period(unit, scan_date);
CREATE INDEX rq_period_device ON rq_period(device);

-- Devices with a detection in any scan.
CREATE TABLE rq_infected (device INTEGER PRIMARY KEY);

-- Each device's latest scan (started_utc, then stick and seq), with the
-- device's key and weak flag and whether it was ever infected.
CREATE TABLE rq_latest (
	device      INTEGER PRIMARY KEY,
	scan        INTEGER NOT NULL,
	stick       TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	key         TEXT NOT NULL,
	weak        INTEGER NOT NULL,
	unit        TEXT NOT NULL,
	scan_date   TEXT NOT NULL,
	started_utc TEXT NOT NULL,
	started     TEXT NOT NULL,
	status      TEXT NOT NULL,
	ndetections INTEGER NOT NULL,
	computer    TEXT,
	infected    INTEGER NOT NULL
);
CREATE INDEX rq_latest_unit ON rq_latest(unit, infected, status, weak);

-- Distinct files detected, with the unit of the device's latest scan;
-- handled when quarantined or deleted in some scan.
CREATE TABLE rq_found (
	device  INTEGER NOT NULL,
	unit    TEXT NOT NULL,
	path    TEXT NOT NULL,
	sha256  TEXT NOT NULL,
	handled INTEGER NOT NULL
);
CREATE INDEX rq_found_unit ON rq_found(unit, handled);
CREATE INDEX rq_found_device ON rq_found(device);

-- Distinct (device, file, signature) detections, with the unit of the
-- device's latest scan.
CREATE TABLE rq_detected (
	device    INTEGER NOT NULL,
	unit      TEXT NOT NULL,
	signature TEXT NOT NULL,
	path      TEXT NOT NULL
);
CREATE INDEX rq_detected_unit ON rq_detected(unit, signature);
CREATE INDEX rq_detected_device ON rq_detected(device);

-- Now for every device. raquet-sync import fills temp.rq_touched with the
-- devices of the results it merged and runs the statements from the line
-- "-- refresh" to the end of this file, inside the import's transaction.
CREATE TEMP TABLE rq_touched (device INTEGER PRIMARY KEY);
INSERT INTO temp.rq_touched SELECT id FROM devices;

-- refresh
INSERT OR IGNORE INTO rq_period
	SELECT s.id, s.device, s.unit, s.scan_date, s.status, s.ndetections
	FROM scans s INDEXED BY scans_latest
	WHERE s.device IN (SELECT device FROM temp.rq_touched);
INSERT OR IGNORE INTO rq_infected
	SELECT device FROM rq_period
	WHERE ndetections > 0 AND device IN (SELECT device FROM temp.rq_touched);
-- The index gives each device's scans newest first, rows are inserted in
-- the SELECT's order, and OR IGNORE keeps the first row per device.
DELETE FROM rq_latest WHERE device IN (SELECT device FROM temp.rq_touched);
INSERT OR IGNORE INTO rq_latest
	SELECT s.device, s.id, s.stick, s.seq, d.key, d.weak, s.unit, s.scan_date,
	       s.started_utc, s.started, s.status, s.ndetections, s.computer,
	       s.device IN (SELECT device FROM rq_infected)
	FROM scans s INDEXED BY scans_latest JOIN devices d ON d.id = s.device
	WHERE s.device IN (SELECT device FROM temp.rq_touched)
	ORDER BY s.device, s.started_utc DESC, s.stick DESC, s.seq DESC;
DELETE FROM rq_found WHERE device IN (SELECT device FROM temp.rq_touched);
DELETE FROM rq_detected WHERE device IN (SELECT device FROM temp.rq_touched);
CREATE TEMP TABLE rq_hits AS
	SELECT p.device, l.unit, x.path, coalesce(x.sha256, '') AS sha256, x.signature,
	       coalesce(a.outcome IN ('quarantined', 'deleted'), 0) AS handled
	FROM rq_period p JOIN detections x ON x.scan = p.scan
	JOIN rq_latest l ON l.device = p.device
	LEFT JOIN actions a ON a.detection = x.id
	WHERE p.ndetections > 0 AND p.device IN (SELECT device FROM temp.rq_touched);
INSERT INTO rq_found
	SELECT device, unit, path, sha256, max(handled) FROM temp.rq_hits
	GROUP BY device, path, sha256;
INSERT INTO rq_detected SELECT DISTINCT device, unit, signature, path FROM temp.rq_hits;
DROP TABLE temp.rq_hits;
DROP TABLE temp.rq_touched;
