# A JSON report without the words that name its period (period.from, and
# the parenthesis of the assessment that says it), to compare the whole
# campaign's report, read from ioc.db's campaign tables, with the same scans
# asked for as a period, whose tables the report builds itself. Used by
# tests/lib.sh (report_sans_period) and tests/bench/report.sh.
del(.period.from) | .assessment |= sub("\\([^)]*\\)"; "")
