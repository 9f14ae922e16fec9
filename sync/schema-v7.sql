-- ioc.db schema: the office's settings (raquet-sync settings; docs/report.md,
-- "The office's settings"). Keys are lib/office.c's, optionally for one unit
-- as KEY@UNITCODE; raquet-report reads them and a database without this
-- table gives the defaults. Self-contained (IF NOT EXISTS) so that it can
-- take whatever version number it is given among the migrations.
CREATE TABLE IF NOT EXISTS settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
