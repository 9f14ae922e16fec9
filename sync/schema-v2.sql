-- ioc.db schema, version 2: what raquet-report reads without opening the
-- result documents (docs/ioc-database.md). Applied after version 1
-- (sync/schema.sql) by every raquet-sync command that opens an older
-- ioc.db; sync/schema.c embeds this file byte for byte (t4000 checks it).

-- The computer name of the scanned PC (the first Windows installation the
-- scan found), as import takes it from the result document; NULL when the
-- scan found none.
ALTER TABLE scans ADD COLUMN computer TEXT;
UPDATE scans SET computer = CASE WHEN json_valid(document) THEN coalesce(
	json_extract(document, '$.device.windows[0].computer_name'),
	json_extract(document, '$.device.windows.computer_name'),
	json_extract(document, '$.windows.computer_name')) END;

-- Every column a report needs from a scan, newest scan of a device first:
-- raquet-report finds each device's latest scan and builds the period's
-- tables from this index alone, never reading the wide scans rows (their
-- documents and logs are most of ioc.db).
CREATE INDEX scans_latest ON scans(device, started_utc DESC, stick DESC, seq DESC,
	scan_date, unit, status, ndetections, started, computer);
