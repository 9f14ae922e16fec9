-- ioc.db schema, version 6: USB drives (issue 16; docs/usb-repair.md,
-- docs/ioc-database.md). Applied after version 5 by every raquet-sync
-- command that opens an older ioc.db; sync/schema.c embeds this file byte
-- for byte. Scans imported before the upgrade have no row: a computer,
-- nothing repaired.

-- One row per scan: what kind of device it was (a PC, or a USB drive
-- scanned in station mode: counted apart from computers, never in the
-- appendix's machine rows), how many shortcut-worm repairs the result lists
-- as done, and on how many drives (volumes) they were done.
CREATE TABLE scan_usb (
	scan            INTEGER PRIMARY KEY REFERENCES scans(id),
	device_kind     TEXT NOT NULL CHECK (device_kind IN ('computer', 'removable')),
	repairs         INTEGER NOT NULL CHECK (repairs >= 0),
	drives_repaired INTEGER NOT NULL CHECK (drives_repaired >= 0)
);
