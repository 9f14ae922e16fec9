-- Unit totals for the appendix (DESIGN §5), over ioc.db (sync/schema.sql).
-- docs/ioc-database.md explains each number. Every query takes the same
-- named parameters, each may be NULL:
--   :from, :to  first and last day of the period, 'YYYY-MM-DD', inclusive,
--               compared with the scan's local start date (scans.scan_date)
--   :unit       a unit code: that unit and all its descendants; NULL = all
--   :top        (top_signatures only) how many rows, default 10
-- A device counts once, with the state of its latest scan in the period,
-- and belongs to the unit of that latest scan. Computers only: a USB drive's
-- scan in station mode (scan_usb, schema version 6) is not a computer's. Statements are separated by
-- "-- name: NAME" lines.

-- name: totals
WITH
period AS (
	SELECT * FROM scan_facts
	WHERE (:from IS NULL OR scan_date >= :from) AND (:to IS NULL OR scan_date <= :to)
	AND scan NOT IN (SELECT scan FROM scan_usb WHERE device_kind = 'removable')),
ranked AS (
	SELECT p.*, row_number() OVER (PARTITION BY device
	       ORDER BY started_utc DESC, stick DESC, seq DESC) AS rn
	FROM period p),
latest AS (
	SELECT * FROM ranked WHERE rn = 1
	AND (:unit IS NULL OR unit IN (SELECT code FROM unit_tree WHERE root = :unit))),
infected AS (
	SELECT DISTINCT device FROM period
	WHERE ndetections > 0 AND device IN (SELECT device FROM latest)),
found AS (
	SELECT p.device, x.path, coalesce(x.sha256, '') AS sha256,
	       max(coalesce(a.outcome IN ('quarantined', 'deleted'), 0)) AS handled
	FROM period p JOIN detections x ON x.scan = p.scan
	LEFT JOIN actions a ON a.detection = x.id
	WHERE p.device IN (SELECT device FROM latest)
	GROUP BY p.device, x.path, coalesce(x.sha256, ''))
SELECT
	(SELECT count(*) FROM units WHERE informed = 1 AND (:unit IS NULL
	    OR code IN (SELECT code FROM unit_tree WHERE root = :unit))) AS units_informed,
	(SELECT count(DISTINCT unit) FROM period WHERE :unit IS NULL
	    OR unit IN (SELECT code FROM unit_tree WHERE root = :unit)) AS units_active,
	(SELECT count(*) FROM latest) AS devices_scanned,
	(SELECT count(*) FROM infected) AS devices_infected,
	(SELECT count(*) FROM infected JOIN latest USING (device)
	    WHERE status IN ('clean', 'cleaned')) AS devices_cleaned,
	(SELECT count(*) FROM infected JOIN latest USING (device)
	    WHERE status NOT IN ('clean', 'cleaned')) AS devices_not_cleaned,
	(SELECT count(*) FROM found) AS files_found,
	(SELECT coalesce(sum(handled), 0) FROM found) AS files_handled,
	(SELECT count(*) FROM latest WHERE weak = 1) AS devices_weak_id;

-- name: not_cleaned_reasons
WITH
period AS (
	SELECT * FROM scan_facts
	WHERE (:from IS NULL OR scan_date >= :from) AND (:to IS NULL OR scan_date <= :to)
	AND scan NOT IN (SELECT scan FROM scan_usb WHERE device_kind = 'removable')),
ranked AS (
	SELECT p.*, row_number() OVER (PARTITION BY device
	       ORDER BY started_utc DESC, stick DESC, seq DESC) AS rn
	FROM period p),
latest AS (
	SELECT * FROM ranked WHERE rn = 1
	AND (:unit IS NULL OR unit IN (SELECT code FROM unit_tree WHERE root = :unit))),
not_cleaned AS (
	SELECT l.* FROM latest l
	WHERE l.status NOT IN ('clean', 'cleaned')
	AND l.device IN (SELECT device FROM period WHERE ndetections > 0))
SELECT CASE
	WHEN n.status = 'incomplete' THEN 'incomplete'
	WHEN EXISTS (SELECT 1 FROM actions a WHERE a.scan = n.scan AND a.outcome = 'needs-repair')
	    THEN 'needs-repair'
	WHEN EXISTS (SELECT 1 FROM actions a WHERE a.scan = n.scan AND a.outcome = 'failed')
	    THEN 'action-failed'
	WHEN EXISTS (SELECT 1 FROM actions a WHERE a.scan = n.scan AND a.action = 'autorun'
	             AND a.outcome = 'not-cleaned')
	    THEN 'autorun-not-cleaned'
	ELSE 'report-only' END AS reason,
	count(*) AS devices
FROM not_cleaned n
GROUP BY reason ORDER BY devices DESC, reason;

-- name: top_signatures
WITH
period AS (
	SELECT * FROM scan_facts
	WHERE (:from IS NULL OR scan_date >= :from) AND (:to IS NULL OR scan_date <= :to)
	AND scan NOT IN (SELECT scan FROM scan_usb WHERE device_kind = 'removable')),
ranked AS (
	SELECT p.*, row_number() OVER (PARTITION BY device
	       ORDER BY started_utc DESC, stick DESC, seq DESC) AS rn
	FROM period p),
latest AS (
	SELECT * FROM ranked WHERE rn = 1
	AND (:unit IS NULL OR unit IN (SELECT code FROM unit_tree WHERE root = :unit)))
SELECT x.signature,
       count(DISTINCT p.device) AS devices,
       count(DISTINCT p.device || char(0) || x.path) AS files
FROM period p JOIN detections x ON x.scan = p.scan
WHERE p.device IN (SELECT device FROM latest)
GROUP BY x.signature
ORDER BY devices DESC, files DESC, x.signature
LIMIT coalesce(:top, 10);
