-- ioc.db schema: USB drives apart from computers (issue 16; docs/ioc-database.md,
-- "USB drives"). A USB drive scanned in station mode (scan_usb.device_kind
-- 'removable', version 6) is no computer: from this version on the counting
-- rule (sync/counting.sql) keeps the campaign's report tables rq_period,
-- rq_infected, rq_latest, rq_found and rq_detected for computers only, and
-- counts the drives in rq_usb. Applied by every raquet-sync command that
-- opens an older ioc.db; sync/schema.c embeds this file byte for byte and,
-- once the migrations are done, runs the counting rule for the devices this
-- file puts in temp.rq_touched: those with a drive's scan, the only ones
-- whose rows the older rule counted wrongly (so the upgrade costs nothing
-- at an IOC without drives). Self-contained, so that it can take whatever
-- version number it is given among the migrations.

-- Each USB drive once: its latest station scan in the period (the whole
-- campaign here) and that scan's unit, as rq_latest has a computer's; scans
-- is how many station scans of it the period has, infected whether one of
-- them found something, repaired whether one of them undid a shortcut worm
-- (scan_usb.drives_repaired), files its distinct files detected.
CREATE TABLE IF NOT EXISTS rq_usb (
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
	scans       INTEGER NOT NULL,
	infected    INTEGER NOT NULL,
	repaired    INTEGER NOT NULL,
	files       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rq_usb_unit ON rq_usb(unit);

-- The drives' scans, few among a province's computers: the counting rule
-- leaves them out of the computers' tables and reads them for rq_usb
-- through this index alone.
CREATE INDEX IF NOT EXISTS scan_usb_removable ON scan_usb(scan) WHERE device_kind = 'removable';

-- The devices to count again, and their scans out of the computers' tables
-- (the rule keeps a scan it already counted there; the rest it rebuilds).
DROP TABLE IF EXISTS temp.rq_touched;
CREATE TEMP TABLE rq_touched (device INTEGER PRIMARY KEY);
INSERT OR IGNORE INTO temp.rq_touched
	SELECT s.device FROM scan_usb u JOIN scans s ON s.id = u.scan
	WHERE u.device_kind = 'removable';
DELETE FROM rq_period WHERE device IN (SELECT device FROM temp.rq_touched);
DELETE FROM rq_infected WHERE device IN (SELECT device FROM temp.rq_touched);
