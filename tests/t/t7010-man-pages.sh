#!/bin/sh
# Man pages (docs/man/, translations in docs/man/LANG/): man --warnings
# accepts every page, the English page has every section of a Debian man
# page (a translation as many), and every option a program's --help prints
# is in its pages, so they cannot drift apart (docs/packaging.md).
. "$(dirname "$0")/../lib.sh"

MAN=$TOP/docs/man
# man's own warnings, groff's included; -E UTF-8 for the Vietnamese pages.
man_warnings() {
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$1" 2>&1 >/dev/null
}
# missing_options PROG PAGE: the options PROG --help names (long ones, and
# short ones written "-X,") that PAGE does not mention (roff's \- as -).
missing_options() {
	for _o in $("$1" --help 2>&1 | grep -o -e '--[a-z][a-z0-9-]*' -e '^ *-[A-Za-z],' | tr -d ' ,' | sort -u); do
		sed 's/\\-/-/g' "$2" | grep -q -F -e "$_o" || printf ' %s' "$_o"
	done
}
missing_sections() {
	for _s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES ENVIRONMENT EXAMPLES "SEE ALSO"; do
		grep -q -x -e ".SH $_s" -e ".SH \"$_s\"" "$1" || printf ' %s' "$_s"
	done
}

for prog in raquet-scan raquet-sync raquet-report raquet-launcher; do
	ok "$prog --help names options" sh -c "'$BIN/$prog' --help 2>&1 | grep -q -e '--[a-z]'"
	for page in "$MAN/$prog.1" $(ls "$MAN"/*/"$prog.1" 2>/dev/null); do
		rel=${page#$MAN/}
		ok "$rel exists" test -s "$page"
		is "$rel: man --warnings says nothing" "$(man_warnings "$page")" ""
		if [ "$rel" = "$prog.1" ]; then
			is "$rel: every section of a Debian man page" "$(missing_sections "$page")" ""
		else
			is "$rel: as many sections as the English page" \
				"$(grep -c '^\.SH' "$page")" "$(grep -c '^\.SH' "$MAN/$prog.1")"
		fi
		is "$rel: every option of $prog --help is in it" "$(missing_options "$BIN/$prog" "$page")" ""
	done
done

# The checks can fail: a page with roff errors, a page missing an option or
# a section.
printf '.TH X 1\n.SH NAME\nx \\- y\n.BOGUS\n\\fQ\n' > "$T/bad.1"
ok "a broken page makes man --warnings speak" test -n "$(man_warnings "$T/bad.1")"
sed -e 's/stale\\-days/stale/g' -e '/^\.SH FILES/d' "$MAN/raquet-sync.1" > "$T/raquet-sync.1"
is "a page without --stale-days misses it" "$(missing_options "$BIN/raquet-sync" "$T/raquet-sync.1")" " --stale-days"
is "a page without FILES misses it" "$(missing_sections "$T/raquet-sync.1")" " FILES"
done_testing
