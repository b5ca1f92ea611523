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
