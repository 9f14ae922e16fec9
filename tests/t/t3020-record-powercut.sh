#!/bin/sh
# Power cut: a writer sealing records one after another (rq-testkeys seal,
# the same lib/ code as raquet-scan --stick) is killed with SIGKILL after a
# random delay, many times over on the same record directory: first on ext4
# (under $T), where fsync is real, so many kills land inside the write;
# then, as root with FUSE, on a FAT32 image through fusefat, as a stick is.
# Afterwards, on each:
#  - every <stick>-<n>.rqr verifies and opens, and its header's stick and
#    number are the ones in its name;
#  - every record the writer reported as saved (logged only after the
#    write returned) is there, with the content it was sealed with, so no
#    number was given to two records;
#  - the numbers run 1..max without a gap, and the temporary files of
#    killed writers (looked at after each kill: empty or truncated = torn,
#    or complete but unpublished) are never taken for records;
#  - a normal write afterwards takes the next free number.
# The delays run from 0 to 1.5 times what a seal takes on that file system
# here (measured first), so the kills spread over the whole write however
# fast or loaded the machine and the build (sanitizers) are.
# RQ_POWERCUT_RUNS (ext4, default 200), RQ_POWERCUT_FAT_RUNS (default 40,
# 0 to skip), RQ_POWERCUT_MAXMS (longest delay instead of the measured one)
# and RQ_POWERCUT_SEED (to repeat a run's delays) change the defaults.
. "$(dirname "$0")/../lib.sh"

RUNS=${RQ_POWERCUT_RUNS:-200}
FATRUNS=${RQ_POWERCUT_FAT_RUNS:-40}
SEED=${RQ_POWERCUT_SEED:-$$}
echo "# seed $SEED (RQ_POWERCUT_SEED=$SEED repeats the delays)"

rq-testkeys ioc "$T/ioc" >/dev/null && rq-testkeys stick "$T/stick" >/dev/null &&
	cp "$T/ioc/ioc.pub" "$T/stick/" || exit 1
id=$(key_id "$T/stick/stick.pub")
S=$T/stick W=$T/work
mkdir -p "$W" || exit 1
# Incompressible, so each record is ~64 KiB: a write worth interrupting.
head -c 65536 /dev/urandom >"$W/scan.log" || exit 1
# Opened records go to tmpfs when there is one: rq-testkeys open fsyncs
# what it extracts, and that is not what is being tested here.
X=$(mktemp -d /dev/shm/raquet-pc.XXXXXX 2>/dev/null || mktemp -d "$T/open.XXXXXX")
at_exit "rm -rf '$X'"

# The writer of run $1: seals into $R until killed; a record is "reported
# as saved" only once rq-testkeys has returned its name.
cat >"$W/writer.sh" <<'EOF'
run=$1 i=0
while :; do
	i=$((i + 1))
	printf '{"run":%d,"n":%d}\n' "$run" "$i" >"$W/result.json" &&
		name=$(rq-testkeys seal "$S" "$R" "$W/result.json" "$W/scan.log") || exit 3
	echo "$name {\"run\":$run,\"n\":$i}" >>"$LOG"
done
EOF

# check_leftovers: classifies what killed writers left in $R, before the
# next writer (which holds the lock) removes it.
check_leftovers() {
	for f in "$R"/.*.tmp*; do
		[ -e "$f" ] || continue
		case ${f##*/} in
		."$id"-[0-9]*.rqr.tmp[0-9]*) ;;
		.."$id".rqr.last.tmp[0-9]*) marktmp=$((marktmp + 1)); continue ;;
		*) badtmp=$((badtmp + 1)); echo "# unexpected leftover ${f##*/}"; continue ;;
		esac
		if rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$f" "$X/tmp" 2>"$T/tmp.err"; then
			unpublished=$((unpublished + 1))
		elif grep -Eq 'empty file|truncated' "$T/tmp.err"; then
			torn=$((torn + 1))
		else
			badtmp=$((badtmp + 1)); sed "s|^|# ${f##*/}: |" "$T/tmp.err"
		fi
	done
}

# kill_writers N MAXMS [MODE]: N writers into $R, each killed after its random
# delay (with MODE 2, every one as soon as its temporary file appears). Every fourth one first waits until its writer has reported a record
# (so that records are saved even on a slow, loaded machine), and another
# fourth until a record's temporary file appears (so that kills land inside
# the write even when starting the process is most of the time, as with
# sanitizers); then the delay.
kill_writers() {
	awk -v n="$1" -v max="$2" -v seed="$SEED" -v only="${3:-}" 'BEGIN { srand(seed)
		for (i = 1; i <= n; i++) {
			d = rand() * max / 1000
			if (only != "")
				printf "%d 0 %d\n", i, only
			else
				printf "%d %.3f %d\n", i, i % 4 == 2 ? d / 20 : d, i % 4 == 0 ? 1 : i % 4 == 2 ? 2 : 0
		} }' >"$T/delays"
	while read -r run delay wait_for; do
		saved=$(wc -l <"$LOG")
		setsid sh "$W/writer.sh" "$run" </dev/null >/dev/null 2>>"$W/writer.err" &
		pid=$!
		tries=0
		case $wait_for in
		1)	while [ "$(wc -l <"$LOG")" = "$saved" ] && kill -0 "$pid" 2>/dev/null &&
				[ $tries -lt 2000 ]; do
				sleep 0.005; tries=$((tries + 1))
			done ;;
		2)	# A busy loop on a glob (no process to start between looks) for a
			# temporary file that is not a dead writer's leftover.
			stale=" $(echo "$R"/."$id"-*.rqr.tmp*) " new=
			while [ -z "$new" ] && [ $tries -lt 200000 ]; do
				for f in "$R"/."$id"-*.rqr.tmp*; do
					case $stale in *" $f "*) ;; *) [ -e "$f" ] && new=$f ;; esac
				done
				tries=$((tries + 1))
			done ;;
		esac
		sleep "$delay"
		# The whole group (shell and rq-testkeys); until setsid has run there
		# is no group yet, so try again while the process lives. (dash's kill
		# wants "-s KILL --" before a group.)
		tries=0
		until kill -s KILL -- "-$pid" 2>/dev/null; do
			tries=$((tries + 1))
			kill -0 "$pid" 2>/dev/null && [ $tries -lt 100000 ] || break
		done
		wait "$pid" 2>/dev/null
		[ $? = 137 ] || selfexit=$((selfexit + 1))
		kills=$((kills + 1))
		check_leftovers
	done <"$T/delays"
}

# seal_ms DIR: how long one seal takes in DIR, in ms (the mean of three).
seal_ms() {
	t0=$(date +%s%N)
	for i in 1 2 3; do
		rq-testkeys seal "$S" "$1" "$W/scan.log" >/dev/null || return 1
	done
	echo $((($(date +%s%N) - t0) / 3000000))
}

# powercut FS RUNS: the whole test on the record directory $R.
powercut() {
	fs=$1 kills=0 selfexit=0 torn=0 unpublished=0 marktmp=0 badtmp=0
	LOG=$T/saved-$fs.log
	export S R W LOG
	mkdir -p "$R" "$X/$fs" && : >"$LOG" && : >"$W/writer.err" || return 1
	ms=$(seal_ms "$R.cal") || return 1
	maxms=${RQ_POWERCUT_MAXMS:-$((ms * 3 / 2 > 20 ? ms * 3 / 2 : 20))}
	echo "# $fs: a seal takes $ms ms; kills after 0..$maxms ms"
	kill_writers "$2" "$maxms"
	# On a loaded machine the random kills may all miss the writes (a
	# process that takes long to start, a kill that takes long to land):
	# then more writers, each killed the moment its temporary file shows,
	# until one lands inside a write, so that the checks below always see
	# torn or unpublished files (at most 4 rounds of 10).
	extra=0
	while [ $((torn + unpublished)) = 0 ] && [ $extra -lt 40 ]; do
		echo "# $fs: no kill landed inside a write yet: 10 more, as soon as each write starts"
		kill_writers 10 0 2
		extra=$((extra + 10))
	done
	echo "# $fs: $kills kills; leftovers seen: $torn torn (empty or truncated)," \
		"$unpublished complete but unpublished, $marktmp of the mark;" \
		"$(wc -l <"$LOG") records reported as saved"
	is "$fs: $2 writers were killed (and $extra more)" "$kills" "$(($2 + extra))"
	is "$fs: no writer stopped on its own (an error)" "$selfexit" 0
	ok "$fs:   ... and none wrote an error" test ! -s "$W/writer.err"
	ok "$fs: some kills landed inside a record write" test $((torn + unpublished)) -gt 0
	is "$fs: every leftover is a recognised temporary file, torn or whole" "$badtmp" 0

	# What is in the directory now: records, the lock, the mark, leftovers.
	ls -A "$R" >"$T/listing"
	grep -v -e "^$id-[1-9][0-9]*\.rqr\$" -e '^\.raquet\.lock$' -e "^\.$id\.rqr\.last\$" \
		-e "^\.$id-[1-9][0-9]*\.rqr\.tmp[0-9.]*\$" -e "^\.\.$id\.rqr\.last\.tmp[0-9.]*\$" \
		"$T/listing" >"$T/other"
	ok "$fs: nothing but records, lock, mark and leftovers" test ! -s "$T/other"
	sed -n "s/^$id-\([0-9]*\)\.rqr\$/\1/p" "$T/listing" | sort -n >"$T/seqs"
	nrec=$(wc -l <"$T/seqs")
	ok "$fs: records were written" test "$nrec" -gt 0

	# Every record: header matches the name, signature verifies, it opens.
	# The header's stick id and number are read with od, straight from the
	# bytes (docs/record-format.md: u64 LE at offsets 8 and 16; this host is
	# little-endian), as a check independent of lib/.
	bad=0
	while read -r n; do
		f=$id-$n.rqr
		h=$(od -An -v -j8 -N16 -tx8 "$R/$f" | tr -s ' \n' ' ')
		if [ "$h" != " $id $(printf '%016x' "$n") " ]; then
			bad=$((bad + 1)); echo "# $f: header says '$h'"
		elif ! rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$R/$f" "$X/$fs/$f" \
			2>"$T/open.err"; then
			bad=$((bad + 1)); sed "s|^|# $f: |" "$T/open.err"
		fi
	done <"$T/seqs"
	is "$fs: all $nrec records: header matches the name, verifies and opens" "$bad" 0
	is "$fs: numbers 1..max, each once, no gap" "$(tr '\n' ' ' <"$T/seqs")" \
		"$(seq 1 "$nrec" | tr '\n' ' ')"

	# Every record reported as saved is there with its own content.
	missing=0
	while read -r f want; do
		if [ "$(cat "$X/$fs/$f/result.json" 2>/dev/null)" != "$want" ]; then
			missing=$((missing + 1)); echo "# reported $f ($want): missing or other content"
		fi
	done <"$LOG"
	ok "$fs: records were reported as saved" test -s "$LOG"
	is "$fs: every reported record is there with its content" "$missing" 0
	is "$fs: no name reported twice" "$(cut -d' ' -f1 "$LOG" | sort | uniq -d)" ""

	next=$((nrec + 1))
	printf '{"run":"final"}\n' >"$W/result.json"
	is "$fs: a normal write takes the next free number" \
		"$(rq-testkeys seal "$S" "$R" "$W/result.json" "$W/scan.log")" "$id-$next.rqr"
	ok "$fs:   ... and it verifies and opens" \
		rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$R/$id-$next.rqr" "$X/$fs/final"
	ok "$fs:   ... with its content" cmp "$W/result.json" "$X/$fs/final/result.json"
	ok "$fs:   ... and the leftovers are gone" sh -c "! ls -A '$R' | grep -q '\.tmp'"
}

R=$T/results
powercut "$(df --output=fstype "$T" | tail -1)" "$RUNS"

if [ "$FATRUNS" -gt 0 ] && [ "$(id -u)" = 0 ] && [ -c /dev/fuse ] &&
	command -v fusefat >/dev/null && command -v mkfs.vfat >/dev/null; then
	M=$T/mnt-vfat
	mkdir -p "$M" && truncate -s 64M "$T/vfat.img" && mkfs.vfat -F 32 "$T/vfat.img" >/dev/null &&
		fusefat -o rw+ "$T/vfat.img" "$M" >/dev/null 2>&1
	ok "vfat: mounted through fusefat" mountpoint -q "$M"
	if mountpoint -q "$M"; then
		at_exit "fusermount -u '$M' 2>/dev/null"
		R=$M/RAQUET/results
		powercut vfat "$FATRUNS"
	fi
else
	echo "# vfat pass skipped (RQ_POWERCUT_FAT_RUNS=0, or no root, /dev/fuse, fusefat, mkfs.vfat)"
fi
done_testing
