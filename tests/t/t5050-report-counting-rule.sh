#!/bin/sh
# The counting rule is one SQL text, sync/counting.sql (issue 15 item 3,
# docs/ioc-database.md "Where the rule lives"): both raquet-sync (import's
# refresh) and raquet-report (a period's tables) carry it byte for byte, and
# no other source restates the statements that fill the report tables
# (sync/schema-v3.sql's fill is migration history; sync/totals.sql, the
# tests' oracle, uses CTEs and fills nothing). The numbers themselves are
# checked by t5000, t5020 and t4100. A period's ends are bound, never
# pasted: a --from that is not a date is refused before any SQL.
. "$(dirname "$0")/../lib.sh"
plan 7

C=$TOP/sync/counting.sql
ok "sync/counting.sql is there" test -s "$C"
# Every line of the text, comments included, is in each program.
carries() {
	test -s "$C" || return 1
	strings -n 1 "$1" > "$T/strings" &&
		while IFS= read -r line; do
			[ -z "$line" ] || grep -q -F -x -- "$line" "$T/strings" || { echo "missing: $line"; return 1; }
		done < "$C"
}
ok "raquet-sync carries it" carries "$BIN/raquet-sync"
ok "raquet-report carries it" carries "$BIN/raquet-report"
fills() { grep -l -E 'INTO (temp\.)?rq_(period|infected|latest|found|detected)\b|TABLE (temp\.)?rq_(period|infected|latest|found|detected) AS' "$@"; }
is "no C source of sync/ or reports/ fills a report table" \
	"$(fills "$TOP"/sync/*.c "$TOP"/reports/*.c | sed "s|$TOP/||")" ""
is "only counting.sql (and the v3 migration's first fill) among the .sql files" \
	"$(fills "$TOP"/sync/*.sql | sed "s|$TOP/||" | sort)" "$(printf 'sync/counting.sql\nsync/schema-v3.sql')"

I=$T/ioc
"$TOP/tests/fixtures/report-ioc.sh" "$I" || { echo "Bail out! cannot build the IOC database"; exit 1; }
exit_is "a --from with SQL in it is refused" 2 raquet-report --ioc "$I" --from "2026-11-01' OR '1'='1" -o "$T/x.json"
ok "  ... and writes no report" test ! -e "$T/x.json"
