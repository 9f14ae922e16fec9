-- ioc.db schema, version 5: the Windows persistence entries of each result
-- (docs/remediation.md): the Run values, services, scheduled tasks... that
-- started a file the scan detected, and what was done to them. Until now
-- each was only an actions row (action 'autorun') with the entry's JSON as
-- its detail; this table has its fields as columns. Applied after version 4
-- by every raquet-sync command that opens an older ioc.db; sync/schema.c
-- embeds this file byte for byte (t4000 checks it). Entries imported before
-- the upgrade are copied from their actions rows.

-- One row per entry of a result's "autoruns", in its order (idx). outcome is
-- left, reported, cleaned or not-cleaned; a PC is counted cleaned (row 5)
-- only when its entries of detected files were cleaned, which its status
-- already says.
CREATE TABLE autoruns (
	scan      INTEGER NOT NULL REFERENCES scans(id),
	idx       INTEGER NOT NULL CHECK (idx >= 0),
	volume    TEXT,
	kind      TEXT,
	location  TEXT,
	name      TEXT,
	command   TEXT,
	target    TEXT,
	verdict   TEXT,
	signature TEXT,
	action    TEXT,
	outcome   TEXT NOT NULL,
	detail    TEXT,
	PRIMARY KEY (scan, idx)
) WITHOUT ROWID;

INSERT INTO autoruns(scan, idx, volume, kind, location, name, command, target, verdict,
                     signature, action, outcome, detail)
SELECT scan, row_number() OVER (PARTITION BY scan ORDER BY id) - 1,
       json_extract(detail, '$.volume'), json_extract(detail, '$.kind'),
       json_extract(detail, '$.location'), json_extract(detail, '$.name'),
       json_extract(detail, '$.command'), json_extract(detail, '$.target'),
       json_extract(detail, '$.verdict'), json_extract(detail, '$.signature'),
       json_extract(detail, '$.action'), outcome, json_extract(detail, '$.detail')
  FROM actions WHERE action = 'autorun' AND json_valid(detail);
