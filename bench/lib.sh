# bench/lib.sh — helpers shared by bench/run.sh and bench/tracker.sh
# (sourced, not run). The caller sets REPS, RUNS_FILE, LAST_OUT, LAST_ERR.

# make_core DIR EXE ARGS...: runs EXE ARGS in DIR, waits for READY, SIGQUITs
# it and prints the path of the core it dumped.
make_core() {
	local dir=$1 exe=$2 pid i
	shift 2
	(
		cd "$dir"
		ulimit -c unlimited
		GOTRACEBACK=crash exec "$exe" "$@" >stdout.txt 2>stderr.txt
	) &
	pid=$!
	for ((i = 0; i < 1200; i++)); do
		grep -q '^READY' "$dir/stdout.txt" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^READY' "$dir/stdout.txt" || { echo "$exe $*: no READY line" >&2; kill -KILL $pid; return 1; }
	sleep 0.2 # let main park again after its write
	kill -QUIT $pid
	wait $pid || true # exits with SIGABRT after dumping core
	rm -f "$dir/stderr.txt"
	local core
	for core in "$dir/core" "$dir/core.$pid" "$dir"/core*; do
		if [ -f "$core" ] && [ -s "$core" ]; then
			echo "$core"
			return 0
		fi
	done
	echo "no core file in $dir (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2
	return 1
}

# measure STDIN CMD...: runs CMD REPS times (stdin from STDIN, stdout to
# $LAST_OUT, stderr to $LAST_ERR), records "wall_s rss_kb" per run in
# $RUNS_FILE; returns 1 if a run fails.
measure() {
	local stdin=$1
	shift
	: >"$RUNS_FILE"
	local r tv
	for ((r = 1; r <= REPS; r++)); do
		tv=$(mktemp)
		if ! /usr/bin/time -v -o "$tv" "$@" <"$stdin" >"$LAST_OUT" 2>"$LAST_ERR"; then
			rm -f "$tv"
			return 1
		fi
		awk -F': ' '
			/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
			/Maximum resident set size/ { rss = $2 }
			END { printf "%.3f %d\n", wall, rss }' "$tv" >>"$RUNS_FILE"
		rm -f "$tv"
	done
}

# median COLUMN: median of column COLUMN of $RUNS_FILE.
median() {
	sort -g -k"$1","$1" "$RUNS_FILE" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# run_once STDIN OUT CMD...: runs CMD once under /usr/bin/time -v (stdin from
# STDIN, stdout to OUT, stderr to $LAST_ERR) and prints "wall_s rss_kb";
# returns 1 if CMD fails.
run_once() {
	local stdin=$1 out=$2 tv
	shift 2
	tv=$(mktemp)
	if ! /usr/bin/time -v -o "$tv" "$@" <"$stdin" >"$out" 2>"$LAST_ERR"; then
		rm -f "$tv"
		return 1
	fi
	awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
		/Maximum resident set size/ { rss = $2 }
		END { printf "%.3f %d\n", wall, rss }' "$tv"
	rm -f "$tv"
}

# start_meter OUTFILE EXE ARGS...: starts testdata/pausemeter (EXE) with ARGS,
# its stdout to OUTFILE, waits for its READY line and prints its pid. The
# caller kills it.
start_meter() {
	local out=$1 exe=$2 pid i
	shift 2
	"$exe" "$@" >"$out" 2>"$out.err" &
	pid=$!
	for ((i = 0; i < 1200; i++)); do
		grep -q '^READY' "$out" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^READY' "$out" || { echo "$exe $*: no READY line" >&2; cat "$out.err" >&2; kill -KILL $pid 2>/dev/null; return 1; }
	echo $pid
}

# meter_gap PID OUTFILE: asks the pausemeter PID (its stdout in OUTFILE) for
# the longest gap between its 1 ms ticks since it was last asked, and prints
# it in milliseconds. The gap is measured by the target itself: a debugger
# that stops it for X ms shows as a gap of about X ms (plus up to a tick).
meter_gap() {
	local pid=$1 out=$2 before i
	before=$(grep -c '^MAXGAP' "$out" || true)
	kill -USR1 "$pid"
	for ((i = 0; i < 600; i++)); do
		[ "$(grep -c '^MAXGAP' "$out" || true)" -gt "$before" ] && break
		sleep 0.05
	done
	grep '^MAXGAP' "$out" | tail -1 | awk 'NR == 1 { printf "%.1f\n", $2 / 1e6 }'
}

# median_of: the median of the numbers on stdin, one a line.
median_of() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "nan" }'
}

# ratio A B: A/B to two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'
}

# ensure_tools: GNU time, and Delve $DLV_VERSION in $BIN (callers set both).
ensure_tools() {
	if [ ! -x /usr/bin/time ]; then
		echo "installing GNU time" >&2
		apt-get install -y time >/dev/null
	fi
	DLV=$BIN/dlv
	if [ ! -x "$DLV" ] || ! "$DLV" version 2>/dev/null | grep -q "Version: ${DLV_VERSION#v}"; then
		echo "installing dlv $DLV_VERSION into $BIN" >&2
		GOBIN=$BIN go install "github.com/go-delve/delve/cmd/dlv@$DLV_VERSION"
	fi
}
