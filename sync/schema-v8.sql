-- ioc.db schema: unit aliases (issue 13, "Units that change";
-- docs/ioc-database.md, "Unit aliases"). A stick still in the field with a
-- merged unit in its roster keeps recording under that unit's code; the
-- code leads to the unit it is part of now, so those records count there
-- instead of being rejected. Written to take whatever version number it is
-- given among the migrations after version 4 (scan_flags): nothing here
-- depends on the number.

-- One row per unit code merged away (raquet-sync unit merge FROM INTO, or
-- unit alias FROM INTO for a merge made before this table). unit is where
-- the code leads now: always a unit, never another alias (a merge
-- re-points the aliases that led to the unit it merges away), so a code
-- resolves in one step and the aliases form no cycle. No alias code is a
-- unit code (unit add and unit import refuse one). merged_into is the unit
-- FROM first went into, merged when (the IOC's local time).
CREATE TABLE IF NOT EXISTS unit_aliases (
	code        TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),
	unit        TEXT NOT NULL REFERENCES units(code),
	merged_into TEXT NOT NULL,
	merged      TEXT NOT NULL,
	CHECK (code <> unit)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS unit_aliases_unit ON unit_aliases(unit);

-- scan_flags (version 4) gains one flag:
--   unit-merged  the result names a unit merged away; the scan counts in the
--                unit its code leads to (scans.unit), and detail names both
--                and the merge's date
-- SQLite cannot change a CHECK, so the table is copied with the new list.
CREATE TABLE scan_flags_v8 (
	scan   INTEGER NOT NULL REFERENCES scans(id),
	flag   TEXT NOT NULL CHECK (flag IN ('date-before-issue', 'date-after-import',
	                                     'unit-changed', 'old-database', 'unit-merged')),
	detail TEXT NOT NULL,
	PRIMARY KEY (scan, flag)
) WITHOUT ROWID;
INSERT INTO scan_flags_v8(scan, flag, detail) SELECT scan, flag, detail FROM scan_flags;
DROP TABLE scan_flags;
ALTER TABLE scan_flags_v8 RENAME TO scan_flags;
