#!/bin/sh
# bash completion (completion/): commands and subcommands, options, unit
# codes and stick ids read from a real IOC (--ioc DIR, --ioc=DIR or
# $RAQUET_IOC), report formats; junk from the program gives no candidates.
. "$(dirname "$0")/../lib.sh"

# comp FILE WORD... : sources FILE in bash, completes the last WORD (the
# line typed so far) and prints COMPREPLY sorted, one per line.
comp() {
	_f=$1; shift
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		fn=$(complete -p "${COMP_WORDS[0]##*/}" | sed "s/.*-F \([^ ]*\) .*/\1/")
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$TOP/completion/$_f" "$@"
}
nl() { printf '%s\n' "$@"; }
S=raquet-sync R=raquet-report

I=$T/ioc
sync_ioc "$I"
sync_stick "$I" "$T/stick" 000.00.12.H57
ID=$(stick_id "$T/stick")

is "raquet-sync: the commands" "$(comp $S $S '')" "$(nl image import init provision revoke schema settings status unit update)"
is "  ... by prefix" "$(comp $S $S --ioc "$I" u)" "$(nl unit update)"
is "  ... options before the command" "$(comp $S $S --)" "$(nl --help --ioc --version)"
is "unit's subcommands" "$(comp $S $S --ioc "$I" unit '')" "$(nl add alias aliases delete import list merge rename set-parent)"
is "unit merge: unit codes" "$(comp $S $S --ioc "$I" unit merge 000.00)" "000.00.12.H57"
is "unit add's options" "$(comp $S $S unit add X Y --)" "$(nl --informed --parent)"
is "--unit: the IOC's unit codes (--ioc DIR)" "$(comp $S $S --ioc "$I" provision "$T/stick" --unit 000.01)" \
	"$(nl 000.01.20.H57 000.01.21.H57)"
is "  ... with --ioc=DIR" "$(comp $S $S --ioc = "$I" provision "$T/stick" --unit '')" \
	"$(nl 000.00.12.H57 000.01.20.H57 000.01.21.H57)"
is "  ... with \$RAQUET_IOC" "$(RAQUET_IOC=$I comp $S $S unit add X Y --parent 000.00)" "000.00.12.H57"
is "  ... none without an IOC" "$(RAQUET_IOC=$T/none comp $S $S provision s --unit '' 2>&1)" ""
is "status: the stick ids" "$(comp $S $S --ioc "$I" status '')" "$ID"
is "  ... and --stale-days" "$(comp $S $S --ioc "$I" status --)" "--stale-days"
is "revoke: the stick ids by prefix" "$(comp $S $S --ioc "$I" revoke "$(echo "$ID" | cut -c1-4)")" "$ID"
is "settings' subcommands" "$(comp $S $S settings '')" "$(nl list set unset)"
is "  ... the keys" "$(comp $S $S settings set sign)" "$(nl sign-authority signer signer-title)"
is "  ... --unit and the unit codes" "$(comp $S $S --ioc "$I" settings set place X --unit 000.01)" "$(nl 000.01.20.H57 000.01.21.H57)"
is "update's options" "$(comp $S $S update s --)" "$(nl --database --image)"
is "--database: directories" "$(comp $S $S provision s --database "$T/sti")" "$T/stick"

# A code with a space and a quote stays one word, quoted for the shell
# (unit add checks codes since issue 13: such a unit comes from an ioc.db
# made before, or an office's own unit-code-pattern).
sqlite3 "$I/ioc.db" "INSERT INTO units(code, name, added) VALUES ('Sở Y''tế 2', 'x', '2026-01-01T00:00:00+07:00')"
is "a code with a space is quoted" "$(comp $S $S --ioc "$I" provision s --unit Sở)" "$(bash -c 'printf %q "$1"' bash "Sở Y'tế 2")"

# Output that is not unit list's: no candidates (robust parsing).
cat > "$T/raquet-sync" <<'FAKE'
#!/bin/sh
printf 'raquet-sync: something failed\n\n  \n'
printf 'rejected x\tbut not a code line\n' >&2
FAKE
chmod +x "$T/raquet-sync"
is "junk from raquet-sync gives no codes" "$(comp $S "$T/raquet-sync" provision s --unit '' 2>&1)" ""
is "  ... nor stick ids" "$(comp $S "$T/raquet-sync" status '')" ""

is "raquet-report: --format" "$(comp $R $R --format '')" "$(nl csv docx html json xlsx)"
is "  ... --unit from the IOC" "$(comp $R $R --ioc "$I" --unit 000.01)" "$(nl 000.01.20.H57 000.01.21.H57)"
is "  ... --unit from \$RAQUET_IOC" "$(RAQUET_IOC=$I comp $R $R -o x.csv --unit 000.00)" "000.00.12.H57"
is "  ... options" "$(comp $R $R --t)" "$(nl --template --to --top)"
is "  ... the office's settings" "$(comp $R $R --sign)" "$(nl --sign-authority --signer --signer-title)"
is "raquet-scan: --action" "$(comp raquet-scan raquet-scan --action '')" "$(nl delete quarantine report)"
is "  ... options" "$(comp raquet-scan raquet-scan --no)" "$(nl --no-cache --no-progress --no-summary)"
done_testing
