-- ioc.db schema, version 1 (raquet-sync; docs/ioc-database.md explains it).
-- sync/schema.c embeds this file byte for byte (t4000 checks it); a new
-- version adds a migration there and never edits what is already released.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- Units (co quan, don vi) of the province; codes are free text.
CREATE TABLE units (
	code     TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),
	name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
	parent   TEXT REFERENCES units(code),
	informed INTEGER NOT NULL DEFAULT 0 CHECK (informed IN (0, 1)),
	added    TEXT NOT NULL,
	CHECK (parent IS NULL OR parent <> code)
) WITHOUT ROWID;
CREATE INDEX units_parent ON units(parent);

-- Each unit with itself and all its descendants (root = the unit asked for).
CREATE VIEW unit_tree(root, code) AS
	WITH RECURSIVE t(root, code) AS (
		SELECT code, code FROM units
		UNION
		SELECT t.root, u.code FROM t JOIN units u ON u.parent = t.code
	)
	SELECT root, code FROM t;

-- Sticks provisioned by this IOC; pubkey checks every record they bring.
CREATE TABLE sticks (
	id          TEXT PRIMARY KEY CHECK (length(id) = 16),
	pubkey      BLOB NOT NULL CHECK (length(pubkey) = 32),
	label       TEXT,
	issued      TEXT NOT NULL,
	db_updated  TEXT NOT NULL,
	db_manifest TEXT NOT NULL,
	revoked     TEXT,
	last_import TEXT
) WITHOUT ROWID;

-- Units a stick was issued for (provision --unit).
CREATE TABLE stick_units (
	stick TEXT NOT NULL REFERENCES sticks(id),
	unit  TEXT NOT NULL REFERENCES units(code),
	PRIMARY KEY (stick, unit)
) WITHOUT ROWID;

-- Every unit that was ever in a roster given to the stick (never shrinks,
-- so records made under an older roster still import).
CREATE TABLE stick_roster (
	stick TEXT NOT NULL REFERENCES sticks(id),
	unit  TEXT NOT NULL REFERENCES units(code),
	PRIMARY KEY (stick, unit)
) WITHOUT ROWID;

-- One row per `raquet-sync import` run that reached its commit.
CREATE TABLE imports (
	id         INTEGER PRIMARY KEY,
	stick      TEXT NOT NULL,
	started    TEXT NOT NULL,
	finished   TEXT NOT NULL,
	imported   INTEGER NOT NULL,
	duplicates INTEGER NOT NULL,
	rejected   INTEGER NOT NULL
);

-- Every record imported: (stick, type, seq) and the sealed file's sha256
-- make a second import, or a replay under another name, a no-op.
CREATE TABLE records (
	stick     TEXT NOT NULL REFERENCES sticks(id),
	type      TEXT NOT NULL CHECK (type IN ('result', 'sample')),
	seq       INTEGER NOT NULL CHECK (seq >= 1),
	sha256    TEXT NOT NULL UNIQUE,
	file      TEXT NOT NULL,
	size      INTEGER NOT NULL,
	created   TEXT NOT NULL,
	import_id INTEGER NOT NULL REFERENCES imports(id),
	PRIMARY KEY (stick, type, seq)
) WITHOUT ROWID;

-- Sequence numbers missing at the IOC, per stick and type, as ranges.
CREATE TABLE gaps (
	stick     TEXT NOT NULL REFERENCES sticks(id),
	type      TEXT NOT NULL CHECK (type IN ('result', 'sample')),
	first_seq INTEGER NOT NULL,
	last_seq  INTEGER NOT NULL,
	PRIMARY KEY (stick, type, first_seq)
) WITHOUT ROWID;

-- Files a stick brought that were not imported, kept under IOC/rejected/.
CREATE TABLE rejections (
	id       INTEGER PRIMARY KEY,
	stick    TEXT NOT NULL,
	file     TEXT NOT NULL,
	sha256   TEXT NOT NULL,
	reason   TEXT NOT NULL,
	stored   TEXT NOT NULL,
	first_at TEXT NOT NULL,
	UNIQUE (stick, file, sha256)
);

-- PCs. key is the result's device.id; a weak or missing id never merges
-- two scans (docs/device-identity.md): key is then 'scan:<stick>-<seq>'.
CREATE TABLE devices (
	id         INTEGER PRIMARY KEY,
	key        TEXT NOT NULL UNIQUE,
	weak       INTEGER NOT NULL CHECK (weak IN (0, 1)),
	vendor     TEXT,
	product    TEXT,
	identity   TEXT,
	first_seen TEXT NOT NULL,
	last_seen  TEXT NOT NULL
);

-- One scan session on one device (one result record).
CREATE TABLE scans (
	id             INTEGER PRIMARY KEY,
	stick          TEXT NOT NULL REFERENCES sticks(id),
	seq            INTEGER NOT NULL,
	device         INTEGER NOT NULL REFERENCES devices(id),
	unit           TEXT NOT NULL REFERENCES units(code),
	technician     TEXT,
	started        TEXT NOT NULL,
	started_utc    TEXT NOT NULL,
	scan_date      TEXT NOT NULL,
	finished       TEXT NOT NULL,
	duration       REAL NOT NULL,
	mode_scan      TEXT NOT NULL,
	mode_action    TEXT NOT NULL,
	engine         TEXT NOT NULL,
	signatures     INTEGER NOT NULL,
	db_version     INTEGER,
	files          INTEGER NOT NULL,
	bytes          INTEGER NOT NULL,
	errors         INTEGER NOT NULL,
	ndetections    INTEGER NOT NULL,
	status         TEXT NOT NULL
	               CHECK (status IN ('clean', 'cleaned', 'infected-not-cleaned', 'incomplete')),
	document       TEXT NOT NULL,
	log            TEXT NOT NULL,
	UNIQUE (stick, seq)
);
CREATE INDEX scans_device ON scans(device, started_utc);
CREATE INDEX scans_date ON scans(scan_date);
CREATE INDEX scans_unit ON scans(unit);

CREATE TABLE volumes (
	scan       INTEGER NOT NULL REFERENCES scans(id),
	idx        INTEGER NOT NULL,
	path       TEXT NOT NULL,
	device     TEXT,
	filesystem TEXT,
	label      TEXT,
	size       INTEGER,
	state      TEXT NOT NULL,
	files      INTEGER NOT NULL,
	bytes      INTEGER NOT NULL,
	errors     INTEGER NOT NULL,
	skipped    INTEGER NOT NULL,
	excluded   INTEGER NOT NULL,
	changed    INTEGER NOT NULL,
	PRIMARY KEY (scan, idx)
) WITHOUT ROWID;

CREATE TABLE detections (
	id           INTEGER PRIMARY KEY,
	scan         INTEGER NOT NULL REFERENCES scans(id),
	idx          INTEGER NOT NULL,
	path         TEXT NOT NULL,
	path_escaped INTEGER NOT NULL,
	signature    TEXT NOT NULL,
	sha256       TEXT,
	size         INTEGER NOT NULL,
	UNIQUE (scan, idx)
);
CREATE INDEX detections_signature ON detections(signature);

-- What was done: one row per detection (its outcome), and one per autorun
-- entry changed (detection NULL).
CREATE TABLE actions (
	id        INTEGER PRIMARY KEY,
	scan      INTEGER NOT NULL REFERENCES scans(id),
	detection INTEGER UNIQUE REFERENCES detections(id),
	action    TEXT NOT NULL CHECK (action IN ('report', 'quarantine', 'delete', 'autorun')),
	outcome   TEXT NOT NULL,
	detail    TEXT,
	sample    TEXT
);
CREATE INDEX actions_scan ON actions(scan);

-- Quarantined files the sticks sealed; the bytes are under IOC/samples/.
CREATE TABLE samples (
	stick     TEXT NOT NULL REFERENCES sticks(id),
	seq       INTEGER NOT NULL,
	unit      TEXT,
	path      TEXT NOT NULL,
	signature TEXT NOT NULL,
	sha256    TEXT NOT NULL,
	size      INTEGER NOT NULL,
	copied    INTEGER NOT NULL CHECK (copied IN (0, 1)),
	stored    TEXT,
	created   TEXT NOT NULL,
	PRIMARY KEY (stick, seq)
) WITHOUT ROWID;
CREATE INDEX samples_sha256 ON samples(sha256);

-- The facts the unit totals are made of: one row per scan.
CREATE VIEW scan_facts AS
	SELECT s.id AS scan, s.stick, s.seq, s.device, d.weak, s.unit, s.scan_date,
	       s.started_utc, s.status, s.ndetections
	FROM scans s JOIN devices d ON d.id = s.device;
