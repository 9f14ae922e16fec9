-- The counting rule (docs/ioc-database.md, "What counts"), the one text that
-- fills the report tables rq_period, rq_infected, rq_latest, rq_found and
-- rq_detected, and rq_usb. A device counts once, with its latest scan in the
-- period (started_utc, then stick and seq), and belongs to that scan's unit.
-- The first five describe computers only: a scan of a USB drive in station
-- mode (scan_usb.device_kind 'removable', schema version 6) is never in them,
-- so the appendix's machine rows, and any template written against them,
-- never count a drive. rq_usb counts the drives apart, by the same rule.
--
-- Run by raquet-sync import (sync/schema.c, schema_refresh) on ioc.db's own
-- tables (sync/schema-v3.sql) for the whole campaign, and by raquet-report
-- (reports/totals.c) for a period on its temporary tables of the same names
-- and shapes, which take the place of ioc.db's. The caller puts the devices
-- to count in temp.rq_touched (import: those of the results it merged;
-- report: every device) and binds, to every statement that names them:
--   :from, :to  first and last day of the period, 'YYYY-MM-DD', inclusive,
--               compared with the scan's local start date; NULL = open
-- sync/counting.c runs the statements one by one, in this order. Every scan
-- column of the computers' tables comes from the index scans_latest (schema
-- version 2), so the wide scans rows (result documents and logs) are never
-- read but for the USB drives' scans, by id. scan_usb (schema version 6) is
-- ioc.db's, or the report's empty stand-in for an older database.

-- Scans are never changed once imported, so a scan already counted stays.
-- The NOT IN list (the drives' scans, few) is built once per statement.
INSERT OR IGNORE INTO rq_period
	SELECT s.id, s.device, s.unit, s.scan_date, s.status, s.ndetections
	FROM scans s INDEXED BY scans_latest
	WHERE s.device IN (SELECT device FROM temp.rq_touched)
	AND (:from IS NULL OR s.scan_date >= :from) AND (:to IS NULL OR s.scan_date <= :to)
	AND s.id NOT IN (SELECT scan FROM scan_usb WHERE device_kind = 'removable');
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
	AND (:from IS NULL OR s.scan_date >= :from) AND (:to IS NULL OR s.scan_date <= :to)
	AND s.id NOT IN (SELECT scan FROM scan_usb WHERE device_kind = 'removable')
	ORDER BY s.device, s.started_utc DESC, s.stick DESC, s.seq DESC;
-- Every detection of the period once, then the two views of it.
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
-- USB drives scanned in station mode: each drive once, with its latest
-- station scan in the period and in that scan's unit, whether any of its
-- scans of the period found something (infected) or undid a shortcut worm
-- (repaired), how many scans, and its distinct files detected. A device
-- whose scans are of both kinds (a stick's key can claim anything) is in
-- both counts, each from its own scans. Driven from scan_usb (schema
-- version 9 indexes the removable rows), so a province of computers pays
-- nothing here.
DELETE FROM rq_usb WHERE device IN (SELECT device FROM temp.rq_touched);
CREATE TEMP TABLE rq_usb_scans AS
	SELECT s.id AS scan, s.device, s.stick, s.seq, s.unit, s.scan_date, s.started_utc,
	       s.started, s.status, s.ndetections, u.drives_repaired
	FROM scan_usb u JOIN scans s ON s.id = u.scan
	WHERE u.device_kind = 'removable' AND s.device IN (SELECT device FROM temp.rq_touched)
	AND (:from IS NULL OR s.scan_date >= :from) AND (:to IS NULL OR s.scan_date <= :to);
INSERT OR IGNORE INTO rq_usb
	SELECT x.device, x.scan, x.stick, x.seq, d.key, d.weak, x.unit, x.scan_date,
	       x.started_utc, x.started, x.status, x.ndetections, g.scans, g.infected,
	       g.repaired, coalesce(f.files, 0)
	FROM temp.rq_usb_scans x JOIN devices d ON d.id = x.device
	JOIN (SELECT device, count(*) AS scans, max(ndetections > 0) AS infected,
	             max(drives_repaired > 0) AS repaired
	      FROM temp.rq_usb_scans GROUP BY device) g ON g.device = x.device
	LEFT JOIN (SELECT device, count(*) AS files FROM (
	             SELECT DISTINCT z.device, t.path, coalesce(t.sha256, '')
	             FROM temp.rq_usb_scans z JOIN detections t ON t.scan = z.scan)
	           GROUP BY device) f ON f.device = x.device
	ORDER BY x.device, x.started_utc DESC, x.stick DESC, x.seq DESC;
DROP TABLE temp.rq_usb_scans;
