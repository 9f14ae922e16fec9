-- ioc.db schema, version 4: what an import notices in a result without
-- refusing it (docs/ioc-database.md, "Flags"). A stick's key signs whatever
-- its holder wants and a PC's clock is often wrong, so a date, a unit or a
-- database version a result gives is evidence; where it disagrees with what
-- the IOC knows, the scan is imported and counted, and flagged here for
-- the operator (raquet-sync status, the report's notes). Applied after
-- version 3 by every raquet-sync command that opens an older ioc.db;
-- sync/schema.c embeds this file byte for byte (t4000 checks it). Scans
-- imported before the upgrade have no flags.

-- One row per scan and kind of doubt. flag is one of
--   date-before-issue  the scan says it started over a day before its stick
--                      was issued (a dead CMOS battery: 2000, 2009)
--   date-after-import  ... over a day after the IOC imported it (2099)
--   unit-changed       the device was counted in another unit, from another
--                      stick's scans; the scan counts there (scans.unit),
--                      and detail names the unit the result gave
--   old-database       the result names an older signature set (MANIFEST
--                      version) than the IOC had given the stick before the
--                      scan's sequence number, or none
-- detail is a sentence for the operator.
CREATE TABLE scan_flags (
	scan   INTEGER NOT NULL REFERENCES scans(id),
	flag   TEXT NOT NULL CHECK (flag IN ('date-before-issue', 'date-after-import',
	                                     'unit-changed', 'old-database')),
	detail TEXT NOT NULL,
	PRIMARY KEY (scan, flag)
) WITHOUT ROWID;

-- Every signed database set (db/MANIFEST) given to a stick: its version
-- (meta 'manifest_version' counts them, IOC-wide), when, and the highest
-- result number the IOC had imported from the stick then. A result
-- numbered above after_seq was made after the stick had this set, so it
-- must name this version or a later one.
CREATE TABLE stick_manifests (
	stick     TEXT NOT NULL,
	version   INTEGER NOT NULL CHECK (version >= 1),
	given     TEXT NOT NULL,
	after_seq INTEGER NOT NULL CHECK (after_seq >= 0),
	PRIMARY KEY (stick, version)
) WITHOUT ROWID;
