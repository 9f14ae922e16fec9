#!/bin/sh
# tests/bench/report.sh: raquet-report over a generated province (issue 5).
# Builds $RAQUET_BENCH_DIR/ioc/ioc.db from sync/schema.sql (then
# sync/schema-v2.sql and sync/schema-v3.sql) with SQL alone
# (sqlite3 CLI, recursive CTEs, a fixed-seed LCG: the same bytes every run):
# 200 units (20 departments, 9 districts with 19 communes each, 9 of them not
# reached yet), 100,000 devices (2% with a weak id), ~112,000 scans (some
# devices scanned twice), their volumes, detections (~15% of the devices
# infected, 36 signature names, skewed) and actions, filled as
# `raquet-sync import` (sync/merge.c) fills them, scans.document and
# devices.identity included. Then times `raquet-report` for the whole
# province in each format and prints a Markdown table (docs/performance.md,
# "Report"): report.F is the whole campaign (read from ioc.db's report
# tables), period.F the same scans as a period (--from the first scan day:
# the tables are built from the scans). Target: under 2 s wall per format.
#
#   RAQUET_BUILD       build tree holding bin/raquet-report (default: ./build)
#   RAQUET_BENCH_DIR   work directory (default /var/tmp/raquet-bench/report);
#                      the database is reused when its generator is unchanged
#
# A missed target is printed as FAIL but does not change the exit status;
# a report that fails, or a JSON report with implausible totals, exits 2.
set -eu
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${RAQUET_BUILD:=$TOP/build}"
BENCH=${RAQUET_BENCH_DIR:-/var/tmp/raquet-bench/report}
REPORT=$RAQUET_BUILD/bin/raquet-report
FORMATS="docx xlsx html csv json"
TARGET=2

die() { echo "bench-report: $*" >&2; exit 2; }
for t in sqlite3 /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found"
done
[ -x "$REPORT" ] || die "$REPORT not built (run make, or set RAQUET_BUILD)"

IOC=$BENCH/ioc
OUT=$BENCH/out
mkdir -p "$IOC" "$OUT"

# ---- the generator --------------------------------------------------------
gen_sql() {
	cat "$TOP/sync/schema.sql"
	cat <<'SQL'
PRAGMA user_version = 1;
PRAGMA foreign_keys = OFF;
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -200000;
BEGIN;
INSERT INTO meta VALUES ('schema_version', '1'), ('created', '2026-09-25T08:00:00+07:00');

-- ---- units: 20 departments, 9 districts x 19 communes = 200 ----
CREATE TEMP TABLE dept(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO dept(name) VALUES
 ('Văn phòng UBND tỉnh'), ('Sở Nội vụ'), ('Sở Tư pháp'), ('Sở Kế hoạch và Đầu tư'),
 ('Sở Tài chính'), ('Sở Công Thương'), ('Sở Nông nghiệp và Phát triển nông thôn'),
 ('Sở Giao thông vận tải'), ('Sở Xây dựng'), ('Sở Tài nguyên và Môi trường'),
 ('Sở Thông tin và Truyền thông'), ('Sở Lao động - Thương binh và Xã hội'),
 ('Sở Văn hóa và Thể thao'), ('Sở Du lịch'), ('Sở Khoa học và Công nghệ'),
 ('Sở Giáo dục và Đào tạo'), ('Sở Y tế'), ('Thanh tra tỉnh'), ('Ban Dân tộc'),
 ('Sở Ngoại vụ');
CREATE TEMP TABLE dist(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO dist(name) VALUES
 ('UBND thành phố Huế'), ('UBND thị xã Hương Thủy'), ('UBND thị xã Hương Trà'),
 ('UBND huyện Phong Điền'), ('UBND huyện Quảng Điền'), ('UBND huyện Phú Vang'),
 ('UBND huyện Phú Lộc'), ('UBND huyện A Lưới'), ('UBND huyện Nam Đông');
CREATE TEMP TABLE syl(i INTEGER PRIMARY KEY, s TEXT);
INSERT INTO syl(s) VALUES ('Phú'), ('Hương'), ('Quảng'), ('Vinh'), ('Thủy'), ('Lộc'),
 ('An'), ('Hải'), ('Điền'), ('Xuân'), ('Thuận'), ('Mỹ'), ('Hòa'), ('Long'), ('Bình'),
 ('Lạc'), ('Thạnh'), ('Đông'), ('Tây');
CREATE TEMP TABLE u(k INTEGER PRIMARY KEY, code TEXT, name TEXT, parent TEXT, w INTEGER,
 informed INTEGER, day0 INTEGER, lo INTEGER, hi INTEGER);
INSERT INTO u(k, code, name, parent, w, informed, day0)
 SELECT i, printf('000.00.%02d.H57', i), name, NULL, 900 + (i * 577) % 1400, 1, (i * 7) % 30
 FROM dept;
INSERT INTO u(k, code, name, parent, w, informed, day0)
 SELECT 20 + i, printf('000.%02d.00.H57', 20 + i), name, NULL, 500 + (i * 131) % 400, 1,
  (i * 11) % 30 FROM dist;
INSERT INTO u(k, code, name, parent, w, informed, day0)
 SELECT 29 + (d.i - 1) * 19 + c.c, printf('000.%02d.%02d.H57', 20 + d.i, c.c),
  CASE WHEN c.c % 5 = 0 THEN 'UBND phường ' ELSE 'UBND xã ' END
   || (SELECT s FROM syl WHERE i = 1 + (d.i * 3 + c.c) % 19) || ' '
   || (SELECT s FROM syl WHERE i = 1 + (d.i * 7 + c.c * 5) % 19),
  printf('000.%02d.00.H57', 20 + d.i),
  -- one commune in each district is not reached yet (weight 0)
  CASE WHEN c.c = 1 + d.i % 19 THEN 0 ELSE 60 + (d.i * 53 + c.c * 29) % 140 END,
  CASE WHEN c.c = 1 + d.i % 19 THEN (c.c % 2) ELSE 1 END,
  30 + (d.i * 5 + c.c * 3) % 45
 FROM dist d, (WITH RECURSIVE n(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM n WHERE c < 19)
  SELECT c FROM n) c;
-- devices lo..hi (1-based, contiguous) per unit, in proportion to w
UPDATE u SET lo = x.lo, hi = x.hi FROM (
 SELECT k, 100000 * (cum - w) / tot + 1 AS lo, 100000 * cum / tot AS hi
 FROM (SELECT k, w, sum(w) OVER (ORDER BY k) AS cum, sum(w) OVER () AS tot FROM u)) x
 WHERE x.k = u.k;
INSERT INTO units(code, name, parent, informed, added)
 SELECT code, name, parent, informed, '2026-09-25' FROM u ORDER BY k;

-- ---- sticks: 10, each issued for all units ----
CREATE TEMP TABLE st(n INTEGER PRIMARY KEY, id TEXT);
INSERT INTO st(n, id) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
 SELECT i, substr(lower(hex(sha3('stick' || i, 256))), 1, 16) FROM n;
INSERT INTO sticks SELECT id, sha3('pk' || n, 256), 'USB ' || (n + 1), '2026-09-25T08:00:00+07:00',
 '2026-11-20T07:00:00+07:00', 'main.cvd daily.cvd bytecode.cvd', NULL, '2026-12-20T16:00:00+07:00'
 FROM st;
INSERT INTO stick_units SELECT st.id, u.code FROM st, u WHERE u.k % 10 = st.n;
INSERT INTO stick_roster SELECT st.id, u.code FROM st, u;

-- ---- devices: 100,000, two LCG streams (minstd) give their random bits ----
CREATE TEMP TABLE dv(i INTEGER PRIMARY KEY, x INTEGER, y INTEGER, unit INTEGER);
INSERT INTO dv(i, x, y)
 WITH RECURSIVE g(i, x, y) AS (SELECT 1, 48271 * 20261101 % 2147483647, 16807 * 1105 % 2147483647
  UNION ALL SELECT i + 1, x * 48271 % 2147483647, y * 16807 % 2147483647 FROM g WHERE i < 100000)
 SELECT i, x, y FROM g;
UPDATE dv SET unit = (SELECT k FROM u WHERE dv.i BETWEEN u.lo AND u.hi);

-- One row per scan. x % 100: infected (< 15); x / 100 % 100: action mix;
-- x / 10000 % 100: second scan; y % 100: incomplete, weak id; y / 100: dates.
CREATE TEMP TABLE sc(id INTEGER PRIMARY KEY, dev INTEGER, nth INTEGER, unit INTEGER,
 stick TEXT, seq INTEGER, weak INTEGER, t INTEGER, dur INTEGER, action TEXT, status TEXT,
 ndet INTEGER, fail INTEGER, f1 INTEGER, b1 INTEGER, f2 INTEGER, b2 INTEGER, nvol INTEGER,
 errors INTEGER, tech TEXT, mode TEXT, r INTEGER);
CREATE TEMP TABLE techs(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO techs(name) VALUES ('Nguyễn Văn An'), ('Trần Thị Bình'), ('Lê Hoàng Cường'),
 ('Phạm Minh Đức'), ('Hoàng Thị Hoa'), ('Võ Quốc Hùng'), ('Đặng Thu Hương'),
 ('Bùi Thanh Long'), ('Ngô Thị Mai'), ('Dương Văn Nam');
WITH a AS (
 SELECT dv.*, u.day0, u.k AS uk,
  x % 100 < 15 AS inf,
  CASE WHEN x / 100 % 100 < 55 THEN 'quarantine' WHEN x / 100 % 100 < 88 THEN 'report'
   ELSE 'delete' END AS action,
  y % 100 < 2 AS weak, y % 1000 >= 990 AS incomplete,
  x / 1000000 % 100 < 6 AS fail,
  -- detections: 1 (55%), 2 (25%), 3 (10%), 5 (10%)
  CASE WHEN y / 1000 % 100 < 55 THEN 1 WHEN y / 1000 % 100 < 80 THEN 2
   WHEN y / 1000 % 100 < 90 THEN 3 ELSE 5 END AS nd
 FROM dv JOIN u ON u.k = dv.unit)
INSERT INTO sc(dev, nth, unit, weak, t, dur, action, status, ndet, fail, r)
 SELECT i, 1, uk, weak,
  -- 2026-10-01 00:00 local + unit's first day + 0..4 days, 07:30..16:30
  1790787600 + (day0 + y / 100000 % 5) * 86400 + 27000 + (y / 100 % 32400),
  600 + x / 100000 % 3000, action,
  CASE WHEN incomplete THEN 'incomplete' WHEN NOT inf THEN 'clean'
   WHEN action = 'report' OR fail THEN 'infected-not-cleaned' ELSE 'cleaned' END,
  CASE WHEN inf THEN nd ELSE 0 END, fail, x
 FROM a
 UNION ALL
 -- second visits: half the infected devices, 4% of the others (never a weak id)
 SELECT i, 2, uk, 0,
  1790787600 + (day0 + 7 + y / 100000 % 20) * 86400 + 27000 + (x / 100 % 32400),
  900 + y / 1000 % 2400, 'quarantine',
  CASE WHEN NOT inf OR x / 100 % 10 < 6 THEN 'clean'
   WHEN x / 100 % 10 < 9 THEN 'cleaned' ELSE 'infected-not-cleaned' END,
  CASE WHEN NOT inf OR x / 100 % 10 < 6 THEN 0 ELSE 1 END,
  CASE WHEN inf AND x / 100 % 10 >= 9 THEN 1 ELSE 0 END, y
 FROM a WHERE NOT weak AND (inf AND x / 10000 % 100 < 50 OR NOT inf AND x / 10000 % 100 < 4)
 ORDER BY 5, 1;
UPDATE sc SET
 stick = (SELECT id FROM st WHERE n = sc.unit % 10),
 mode = CASE WHEN r / 7 % 10 < 7 THEN 'full' ELSE 'quick' END,
 tech = (SELECT name FROM techs WHERE i = 1 + (sc.unit + r / 13 % 2) % 10),
 nvol = CASE WHEN r / 17 % 10 < 6 THEN 2 ELSE 1 END,
 f1 = 40000 + r / 19 % 250000, b1 = (40000 + r / 19 % 250000) * (90000 + r % 200000),
 f2 = 2000 + r / 23 % 80000, b2 = (2000 + r / 23 % 80000) * (300000 + r % 3000000),
 errors = CASE WHEN r / 29 % 10 < 3 THEN r / 31 % 40 ELSE 0 END;
UPDATE sc SET seq = x.seq FROM (SELECT id, row_number() OVER (PARTITION BY stick ORDER BY t, id) AS seq FROM sc) x
 WHERE x.id = sc.id;

CREATE TEMP TABLE vend(i INTEGER PRIMARY KEY, v TEXT, p TEXT);
INSERT INTO vend(v, p) VALUES ('Dell Inc.', 'OptiPlex 3080'), ('Dell Inc.', 'Vostro 3670'),
 ('HP', 'HP ProDesk 400 G6 MT'), ('HP', 'HP 280 G4 MT Business PC'),
 ('LENOVO', 'ThinkCentre M720t'), ('ASUSTeK COMPUTER INC.', 'ExpertCenter D500MA'),
 ('Acer', 'Veriton M2640G'), ('FPT Elead', 'Elead T8200i'),
 ('To Be Filled By O.E.M.', 'To Be Filled By O.E.M.'), ('Dell Inc.', 'Latitude 3420');

-- ---- devices (ids = dv.i), keyed as merge.c keys them ----
CREATE TEMP TABLE dk(i INTEGER PRIMARY KEY, key TEXT, weak INTEGER, vendor TEXT, product TEXT,
 identity TEXT, first TEXT, last TEXT, cname TEXT);
INSERT INTO dk
 SELECT dv.i,
  CASE WHEN s1.weak THEN 'scan:' || s1.stick || '-' || s1.seq
   ELSE lower(hex(sha3('device' || dv.i, 256))) END,
  s1.weak, v.v, v.p, NULL,
  datetime(min(s.t), 'unixepoch'), datetime(max(s.t), 'unixepoch'),
  printf('MAY%03d-%04d', u.k, dv.i - u.lo + 1)
 FROM dv JOIN sc s1 ON s1.dev = dv.i AND s1.nth = 1 JOIN sc s ON s.dev = dv.i
 JOIN u ON u.k = dv.unit JOIN vend v ON v.i = 1 + dv.x / 7 % 10
 GROUP BY dv.i;
UPDATE dk SET identity = json_object(
 'id', lower(hex(sha3('device' || i, 256))), 'weak', json(CASE WHEN weak THEN 'true' ELSE 'false' END),
 'dmi', json_object('sys_vendor', vendor, 'product_name', product,
  'product_serial', CASE WHEN weak THEN 'Default string' ELSE printf('VN%08X', i * 2654435761 % 4294967291) END,
  'product_uuid', CASE WHEN weak THEN '03000200-0400-0500-0006-000700080009'
   ELSE substr(lower(hex(sha3('uuid' || i, 256))), 1, 32) END,
  'board_vendor', vendor, 'board_name', printf('0%05X', i % 65536),
  'board_serial', printf('/%07X/CNFCW00%04d/', i * 40503 % 268435456, i % 10000)),
 'disks', json_array(json_object('name', 'sda', 'model', 'WDC WD10EZEX-08WN4A0',
  'serial', printf('WD-WCC6Y%07d', i), 'wwid', printf('naa.50014ee2%06x', i))),
 'macs', json_array(printf('b8:ca:3a:%02x:%02x:%02x', i / 65536 % 256, i / 256 % 256, i % 256)),
 'ignored', json_array(), 'ignored_dropped', 0,
 'windows', json_array(json_object('volume', 1, 'computer_name', cname,
  'product_name', 'Windows 10 Pro', 'display_version', '22H2', 'build', '19045',
  'install_date', '2022-03-14T08:12:40Z', 'errors', json_array())));
INSERT INTO devices(id, key, weak, vendor, product, identity, first_seen, last_seen)
 SELECT i, key, weak, vendor, product, identity, first, last FROM dk ORDER BY i;

-- ---- signatures (skewed: signature k with weight ~ 1/k) and paths ----
CREATE TEMP TABLE sig(k INTEGER PRIMARY KEY, name TEXT, size INTEGER);
INSERT INTO sig(name, size) VALUES ('Win.Worm.Autorun-9953208-0', 86016),
 ('Win.Trojan.Agent-1380937', 241664), ('Html.Exploit.CVE_2014_6332-1', 4096),
 ('Win.Virus.Sality-6850519-0', 1245184), ('Win.Worm.Dorkbot-9952718-0', 151552),
 ('Xls.Downloader.Emotet-9797467-0', 98304), ('Win.Trojan.Ramnit-1847', 368640),
 ('Win.Virus.Virut-6859017-0', 532480), ('Doc.Malware.Valyria-9989425-0', 73728),
 ('Win.Malware.Vobfus-9863562-0', 196608), ('Js.Trojan.Nemucod-6334830-0', 12288),
 ('Win.Trojan.Conficker-3', 162816), ('Win.Adware.Browsefox-9800041-0', 2097152),
 ('Win.Packed.Generic-9956955-0', 458752), ('Vbs.Worm.Jenxcus-6345281-0', 24576),
 ('Win.Ransomware.Wannacry-6313787-0', 3514368), ('Win.Trojan.Emotet-9953513-0', 401408),
 ('Lnk.Worm.Gamarue-6854324-0', 2048), ('Win.Coinminer.Generic-7151250-0', 2932736),
 ('PUA.Win.Tool.Kmsauto-6813226-0', 5767168), ('PUA.Win.Packer.Upx-1', 65536),
 ('Win.Dropper.Zbot-9846125-0', 274432), ('Win.Virus.Neshta-9878418-0', 41472),
 ('Win.Trojan.AgentTesla-9961402-0', 917504), ('Win.Exploit.CVE_2017_0144-6340473-0', 5120),
 ('Pdf.Phishing.Generic-9954813-0', 61440), ('Win.Keylogger.Ardamax-6993523-0', 634880),
 ('Win.Trojan.Remcos-9954876-0', 483328), ('Win.Backdoor.Plugx-9867921-0', 131072),
 ('Win.Worm.Brontok-1', 43520), ('Win.Virus.Expiro-6853574-0', 811008),
 ('Html.Trojan.Iframe-2', 3072), ('Win.Trojan.Formbook-9950887-0', 208896),
 ('Xls.Malware.Sload-9943282-0', 156672), ('Eicar-Signature', 68),
 ('Win.Test.EICAR_HDB-1', 68);
CREATE TEMP TABLE pth(k INTEGER PRIMARY KEY, p TEXT);
INSERT INTO pth(p) VALUES ('/Windows/System32/svchosts.exe'), ('/Users/Public/Downloads/setup.exe'),
 ('/ProgramData/Microsoft/Windows/Start Menu/Programs/Startup/update.vbs'),
 ('/Users/ketoan/AppData/Roaming/Microsoft/Windows/Recent/Bao cao quy 3.lnk'),
 ('/Users/ketoan/Downloads/Hoa don dien tu thang 10.xls'),
 ('/Users/vanthu/Documents/Cong van den/CV 1234-UBND.doc'),
 ('/Users/admin/AppData/Local/Temp/tmp4F2A.exe'), ('/autorun.inf'),
 ('/Program Files (x86)/KMSAuto/KMSAuto Net.exe'),
 ('/Users/vanthu/Desktop/Quyet dinh bo nhiem.pdf'),
 ('/Windows/Temp/msupdate.exe'), ('/Users/Public/Music/RECYCLER/S-1-5-21/explorer.exe'),
 ('/Users/ketoan/AppData/Roaming/winlogon.exe'), ('/Windows/SysWOW64/wbem/nvsvc.exe'),
 ('/Users/admin/Downloads/UniKey 4.3 RC5.zip'), ('/Users/hanhchinh/Documents/Tong hop.xlsm');

INSERT INTO volumes(scan, idx, path, device, filesystem, label, size, state, files, bytes,
 errors, skipped, excluded, changed)
 SELECT id, 0, '/run/raquet/vol/sda2', '/dev/sda2', 'ntfs', 'Windows',
  500107862016 - 536870912 - CASE WHEN nvol = 2 THEN 250000000000 ELSE 0 END,
  CASE WHEN status = 'incomplete' THEN 'interrupted' ELSE 'scanned' END,
  f1, b1, errors, r / 37 % 50, CASE WHEN mode = 'quick' THEN 100000 + r % 300000 ELSE 0 END,
  r / 41 % 3 FROM sc
 UNION ALL
 SELECT id, 1, '/run/raquet/vol/sda3', '/dev/sda3', 'ntfs', 'DATA', 250000000000, 'scanned',
  f2, b2, 0, 0, 0, 0 FROM sc WHERE nvol = 2
 UNION ALL
 SELECT id, nvol, '', '/dev/sda1', 'ntfs', 'System Reserved', 536870912, 'unsupported',
  0, 0, 0, 0, 0, 0 FROM sc WHERE r % 3 = 0
 ORDER BY 1, 2;

-- detections: idx 0..ndet-1, signature skewed to the first names
INSERT INTO detections(scan, idx, path, path_escaped, signature, sha256, size)
 SELECT s.id, n.j,
  CASE WHEN s.nvol = 2 AND n.j % 3 = 2 THEN '/run/raquet/vol/sda3' ELSE '/run/raquet/vol/sda2' END
   || (SELECT p FROM pth WHERE k = 1 + (s.dev + n.j * 7) % 16),
  0, g.name,
  lower(hex(sha3(g.name || '#' || (s.dev * 31 + n.j) % (3 + g.k * 2), 256))), g.size
 FROM sc s JOIN (WITH RECURSIVE m(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM m WHERE j < 4)
  SELECT j FROM m) n ON n.j < s.ndet
 JOIN sig g ON g.k = 1 + min(35, CAST(36 * pow(((s.r / 43 + n.j * 7919) % 1000) / 1000.0, 2.2) AS INTEGER))
 ORDER BY s.id, n.j;
-- one action per detection: the scan's mode, its outcome
INSERT INTO actions(scan, detection, action, outcome, detail, sample)
 SELECT x.scan, x.id, s.action,
  CASE WHEN s.action = 'report' THEN 'reported'
   WHEN s.fail AND x.idx = 0 THEN 'failed'
   WHEN s.action = 'quarantine' THEN 'quarantined' ELSE 'deleted' END,
  CASE WHEN s.action = 'report' THEN NULL
   WHEN s.fail AND x.idx = 0 THEN 'quarantine directory /run/raquet/stick/quarantine is full (limit 2048 MiB); file left in place'
   WHEN s.action = 'quarantine' THEN substr(x.sha256, 1, 16) || '-' || x.scan ELSE NULL END,
  CASE WHEN s.action = 'quarantine' AND NOT (s.fail AND x.idx = 0)
   THEN s.stick || '-' || (100000 + x.id) ELSE NULL END
 FROM detections x JOIN sc s ON s.id = x.scan ORDER BY x.id;
-- an infected-not-cleaned scan in quarantine/delete mode has a failed action
UPDATE actions SET outcome = 'failed', detail = 'file is in use; file left in place', sample = NULL
 WHERE id IN (SELECT min(a.id) FROM actions a JOIN sc s ON s.id = a.scan
  WHERE s.status = 'infected-not-cleaned' AND s.action <> 'report' GROUP BY a.scan)
 AND outcome <> 'failed';

-- the result document (docs/result-format.md), as the stick sealed it
CREATE TEMP TABLE vj(scan INTEGER PRIMARY KEY, j TEXT);
INSERT INTO vj SELECT scan, json_group_array(json_object('path', nullif(path, ''), 'state', state,
  'device', device, 'filesystem', filesystem, 'label', label, 'size', size, 'files', files,
  'bytes', bytes, 'errors', errors, 'skipped', skipped, 'excluded', excluded, 'changed', changed,
  'uuid', printf('%016X', scan * 2654435761 % 4294967291), 'detail', NULL, 'driver', 'ntfs3',
  'detections', 0, 'hiberfile_removed', json('false')))
 FROM (SELECT * FROM volumes ORDER BY scan, idx) GROUP BY scan;
CREATE TEMP TABLE dj(scan INTEGER PRIMARY KEY, j TEXT);
INSERT INTO dj SELECT x.scan, json_group_array(json_object('path', x.path, 'path_escaped', json('false'),
  'signature', x.signature, 'sha256', x.sha256, 'size', x.size, 'outcome', a.outcome,
  'detail', a.detail, 'sample', a.sample))
 FROM (SELECT * FROM detections ORDER BY scan, path, idx) x JOIN actions a ON a.detection = x.id
 GROUP BY x.scan;
-- ---- scans, with the result document as merge.c stores it ----
CREATE TEMP TABLE sx(id INTEGER PRIMARY KEY, stick, seq, device, unit, technician, started,
 started_utc, scan_date, finished, duration, mode_scan, mode_action, engine, signatures,
 db_version, files, bytes, errors, ndetections, status, document, log);
INSERT INTO sx(id, stick, seq, device, unit, technician, started, started_utc, scan_date,
 finished, duration, mode_scan, mode_action, engine, signatures, db_version, files, bytes,
 errors, ndetections, status, document, log)
 SELECT s.id, s.stick, s.seq, s.dev, u.code, s.tech,
  strftime('%Y-%m-%dT%H:%M:%S+07:00', s.t + 25200, 'unixepoch'),
  datetime(s.t, 'unixepoch'), date(s.t + 25200, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S+07:00', s.t + 25200 + s.dur, 'unixepoch'),
  s.dur + (s.r % 1000) / 1000.0, s.mode, s.action, '1.0.7', 8698472,
  27100 + (s.t - 1790787600) / 86400,
  s.f1 + CASE WHEN s.nvol = 2 THEN s.f2 ELSE 0 END,
  s.b1 + CASE WHEN s.nvol = 2 THEN s.b2 ELSE 0 END, s.errors, s.ndet, s.status, NULL,
  'raquet-scan 1.0 live mode, ' || s.mode || ' scan, action ' || s.action || char(10) ||
  'libclamav 1.0.7, 8698472 signatures, daily ' || (27100 + (s.t - 1790787600) / 86400) || char(10) ||
  'mounted /dev/sda2 (ntfs, read-only) at /run/raquet/vol/sda2' || char(10) ||
  CASE WHEN s.nvol = 2 THEN 'mounted /dev/sda3 (ntfs, read-only) at /run/raquet/vol/sda3' || char(10) ELSE '' END ||
  s.ndet || ' detection(s), ' || s.errors || ' error(s), status ' || s.status || char(10)
 FROM sc s JOIN u ON u.k = s.unit ORDER BY s.id;

INSERT INTO scans SELECT scans.id, scans.stick, scans.seq, scans.device, scans.unit,
 scans.technician, scans.started, scans.started_utc, scans.scan_date, scans.finished, scans.duration,
 scans.mode_scan, scans.mode_action, scans.engine, scans.signatures, scans.db_version, scans.files,
 scans.bytes, scans.errors, scans.ndetections, scans.status, json_object(
 'format', 'raquet.result/1',
 'record', json_object('stick', scans.stick, 'seq', scans.seq, 'type', 'result', 'created', scans.finished),
 'unit', scans.unit, 'technician', scans.technician,
 'device', json(d.identity),
 'engine', json_object('libclamav', scans.engine, 'flevel', 191, 'signatures', scans.signatures,
  'database_version', scans.db_version, 'database_time', scans.scan_date || 'T06:10:00+07:00'),
 'mode', json_object('scan', scans.mode_scan, 'action', scans.mode_action, 'jobs', 2,
  'max_filesize', 104857600, 'max_scansize', 419430400, 'alert_exceeds_max', json('false')),
 'volumes', json(vj.j), 'detections', json(coalesce(dj.j, '[]')), 'autoruns', json_array(),
 'totals', json_object('files', scans.files, 'bytes', scans.bytes, 'detections', scans.ndetections,
  'errors', scans.errors),
 'started', scans.started, 'finished', scans.finished, 'duration_seconds', scans.duration,
 'status', scans.status), scans.log
 FROM sx scans JOIN devices d ON d.id = scans.device JOIN vj ON vj.scan = scans.id
 LEFT JOIN dj ON dj.scan = scans.id ORDER BY scans.id;
DROP TABLE sx;

-- ---- the import bookkeeping: one import per stick and day, one record per scan ----
INSERT INTO imports(stick, started, finished, imported, duplicates, rejected)
 SELECT stick, scan_date || 'T17:05:00+07:00', scan_date || 'T17:06:10+07:00', count(*), 0, 0
 FROM scans GROUP BY stick, scan_date ORDER BY scan_date, stick;
CREATE INDEX gen_imports_day ON imports(stick, started);
INSERT INTO records(stick, type, seq, sha256, file, size, created, import_id)
 SELECT s.stick, 'result', s.seq, lower(hex(sha3('record' || s.id, 256))),
  'results/' || s.stick || '-' || s.seq || '.rqr', length(s.document) + length(s.log) + 1200,
  s.finished, i.id
 FROM scans s CROSS JOIN imports i ON i.stick = s.stick AND i.started = s.scan_date || 'T17:05:00+07:00'
 ORDER BY s.stick, s.seq;
DROP INDEX gen_imports_day;
UPDATE sticks SET last_import = (SELECT max(finished) FROM imports WHERE imports.stick = sticks.id);
COMMIT;
SQL
	# then versions 2 and 3, as raquet-sync brings a version-1 ioc.db up
	# to date
	cat "$TOP/sync/schema-v2.sql" "$TOP/sync/schema-v3.sql"
	echo "PRAGMA user_version = 3; UPDATE meta SET value = '3' WHERE key = 'schema_version';"
}

# Reuse the database while this script (its generator) is unchanged.
stamp=$( (cat "$0" "$TOP/sync/schema.sql" "$TOP/sync/schema-v2.sql" "$TOP/sync/schema-v3.sql") | cksum | cut -d' ' -f1)
if [ ! -f "$IOC/ioc.db" ] || [ "$(cat "$IOC/stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$IOC/ioc.db" "$IOC/stamp"
	t0=$(date +%s.%N)
	gen_sql | sqlite3 "$IOC/ioc.db.new" >/dev/null
	mv "$IOC/ioc.db.new" "$IOC/ioc.db"
	echo "$stamp" >"$IOC/stamp"
	printf 'bench-report: generated %s in %.1f s\n' "$IOC/ioc.db" \
		"$(echo "$(date +%s.%N) $t0" | awk '{print $1 - $2}')"
fi
set -- $(sqlite3 "$IOC/ioc.db" "SELECT (SELECT count(*) FROM units), (SELECT count(*) FROM devices),
	(SELECT count(*) FROM scans), (SELECT count(*) FROM volumes), (SELECT count(*) FROM detections),
	(SELECT count(*) FROM actions)" | tr '|' ' ')
echo "bench-report: $IOC/ioc.db: $1 units, $2 devices, $3 scans, $4 volumes, $5 detections, $6 actions, $(( $(stat -c %s "$IOC/ioc.db") / 1048576 )) MiB"
[ "$1" = 200 ] && [ "$2" = 100000 ] || die "the generated database is wrong (want 200 units, 100000 devices)"

# ---- the timed runs ---------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "bench-report: machine: $(nproc) CPUs, ${CPU:-unknown CPU}; load: $(uptime)"
rm -f "$OUT"/*
# run NAME FORMAT [OPTION...]: one untimed run warms the page cache (and
# checks the report works), then the timed one.
run() {
	name=$1 f=$2
	shift 2
	"$REPORT" --ioc "$IOC" --date 2026-12-31 "$@" -o "$OUT/warm.$f" >/dev/null 2>"$OUT/$name.stderr" ||
		{ cat "$OUT/$name.stderr" >&2; die "raquet-report $* -o $name.$f failed"; }
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/$name.time" \
		"$REPORT" --ioc "$IOC" --date 2026-12-31 "$@" -o "$OUT/$name.$f" >/dev/null 2>"$OUT/$name.stderr" ||
		{ cat "$OUT/$name.stderr" >&2; die "raquet-report $* -o $name.$f failed"; }
	echo "$name.$f $(tail -1 "$OUT/$name.time") $(stat -c %s "$OUT/$name.$f")" >>"$OUT/times"
}
# The whole campaign (ioc.db's own report tables, schema version 3), then
# the same scans as a period from the first scan day on (the report builds
# its tables from the scans).
FIRST=$(sqlite3 "$IOC/ioc.db" "SELECT min(scan_date) FROM scans")
for f in $FORMATS; do run report $f; done
for f in $FORMATS; do run period $f --from "$FIRST"; done
rm -f "$OUT"/warm.*

# Plausible totals in the JSON report: every device scanned, ~15% infected;
# and the period's report says the same but for the words naming the period.
if command -v jq >/dev/null 2>&1; then
	jq -c '.totals // .' "$OUT/report.json" 2>/dev/null | head -c 600; echo
	same() { jq -S -f "$TOP/tests/report-sans-period.jq" "$1"; }
	[ "$(same "$OUT/report.json" | cksum)" = "$(same "$OUT/period.json" | cksum)" ] ||
		die "the whole campaign's report and the period's differ"
fi

echo
awk -v target="$TARGET" '
BEGIN {
	print "| report | wall s | CPU s (user+sys) | peak RSS MiB | output KiB | < " target " s |"
	print "|---|---:|---:|---:|---:|---|"
}
{
	cpu = $3 + $4
	printf "| %s | %.2f | %.2f | %.1f | %.0f | %s |\n", $1, $2, cpu, $5 / 1024, $6 / 1024,
		($2 < target) ? "PASS" : "FAIL"
}' "$OUT/times" | tee "$OUT/table.md"
echo
echo "bench-report: load after: $(uptime)"
echo "bench-report: outputs in $OUT"
