#!/usr/bin/env bash
# bench/run.sh — wall time and peak RSS of dlv-tasks vs Delve's own terminal
# on kernel core dumps of testdata/many.
#
# Usage: bench/run.sh [N...]        (default: 10000 100000)
# Env:   REPS=3                     repetitions per tool (median reported)
#        KEEP_CORES=1               keep the cores (default: deleted after use)
#
# Everything it builds goes to bench/out/ (gitignored). For each N it produces
# one core of `many -n N` (GOTRACEBACK=crash, SIGQUIT) and measures every tool
# on that same core, REPS times each, with /usr/bin/time -v (elapsed wall
# clock and "Maximum resident set size" of the child). Results are printed as a
# table and appended to bench/out/results.tsv.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
BIN=$OUT/bin
REPS=${REPS:-3}
DLV_VERSION=v1.27.2
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000)

mkdir -p "$OUT" "$BIN"

if [ ! -x /usr/bin/time ]; then
	echo "installing GNU time" >&2
	apt-get install -y time >/dev/null
fi

echo "building dlv-tasks and testdata/many into $OUT" >&2
go build -o "$OUT/dlv-tasks" ./cmd/dlv-tasks
(cd testdata/many && GOWORK=off go build -o "$OUT/many" .)

DLV=$BIN/dlv
if [ ! -x "$DLV" ] || ! "$DLV" version 2>/dev/null | grep -q "Version: ${DLV_VERSION#v}"; then
	echo "installing dlv $DLV_VERSION into $BIN" >&2
	GOBIN=$BIN go install "github.com/go-delve/delve/cmd/dlv@$DLV_VERSION"
fi

DT=$OUT/dlv-tasks
EXE=$OUT/many

# make_core N DIR: runs many -n N in DIR, waits for READY, SIGQUITs it and
# prints the path of the core it dumped.
make_core() {
	local n=$1 dir=$2 pid i
	(
		cd "$dir"
		ulimit -c unlimited
		GOTRACEBACK=crash exec "$EXE" -n "$n" >stdout.txt 2>stderr.txt
	) &
	pid=$!
	for ((i = 0; i < 1200; i++)); do
		grep -q '^READY' "$dir/stdout.txt" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^READY' "$dir/stdout.txt" || { echo "many -n $n: no READY line" >&2; kill -KILL $pid; return 1; }
	sleep 0.2 # let main park again after its write
	kill -QUIT $pid
	wait $pid || true # exits with SIGABRT after dumping core
	rm -f "$dir/stderr.txt" # the traceback: tens of MB at 100k
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

# measure LABEL STDIN CMD...: runs CMD REPS times (stdin from STDIN, stdout to
# $LAST_OUT), records "wall_s rss_kb" per run in $RUNS_FILE.
measure() {
	local label=$1 stdin=$2
	shift 2
	: >"$RUNS_FILE"
	local r tv
	for ((r = 1; r <= REPS; r++)); do
		tv=$(mktemp)
		/usr/bin/time -v -o "$tv" "$@" <"$stdin" >"$LAST_OUT" 2>"$LAST_ERR" || {
			echo "$label failed:" >&2
			tail -5 "$LAST_ERR" >&2
			rm -f "$tv"
			return 1
		}
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

RESULTS=$OUT/results.tsv
[ -s "$RESULTS" ] || printf 'date\tN\ttool\twall_s_median\trss_mb_median\truns(wall_s/rss_kb)\n' >"$RESULTS"
TABLE=$(mktemp)
RUNS_FILE=$(mktemp)
LAST_OUT=$(mktemp)
LAST_ERR=$(mktemp)
EMPTY=$(mktemp)
trap 'rm -f "$TABLE" "$RUNS_FILE" "$LAST_OUT" "$LAST_ERR" "$EMPTY"' EXIT
DLV_CMDS=$(mktemp)
echo 'goroutines -l' >"$DLV_CMDS"
trap 'rm -f "$TABLE" "$RUNS_FILE" "$LAST_OUT" "$LAST_ERR" "$EMPTY" "$DLV_CMDS"' EXIT

for n in "${SIZES[@]}"; do
	dir=$(mktemp -d "${TMPDIR:-/tmp}/dlv-tasks-bench-$n.XXXXXX")
	echo "== N=$n: dumping core of many -n $n in $dir" >&2
	t0=$(date +%s.%N)
	core=$(make_core "$n" "$dir")
	printf '   core %s (%d MB) in %.1f s\n' "$core" $(($(stat -c %s "$core") / 1000000)) "$(echo "$(date +%s.%N) - $t0" | bc)" >&2

	declare -A wall=() rss=()
	run_tool() { # run_tool NAME STDIN CHECK CMD...
		local name=$1 stdin=$2 check=$3
		shift 3
		echo "   $name x$REPS" >&2
		measure "$name" "$stdin" "$@"
		# Check the output once: did it really list the goroutines?
		local got
		got=$(eval "$check" <"$LAST_OUT" || true)
		echo "     output check: $got" >&2
		wall[$name]=$(median 1)
		rss[$name]=$(awk -v k="$(median 2)" 'BEGIN { printf "%.1f", k / 1024 }')
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$n" "$name" "${wall[$name]}" "${rss[$name]}" \
			"$(tr '\n' ',' <"$RUNS_FILE" | sed 's/,$//')" >>"$RESULTS"
	}
	run_tool "dlv-tasks ps" "$EMPTY" "head -1" \
		"$DT" core "$EXE" "$core" -c ps
	run_tool "dlv goroutines -l" "$DLV_CMDS" "grep -E '^\[[0-9]+ goroutines\]' | tr '\n' ' '; echo \"(\$(grep -c ' Goroutine [0-9]' $LAST_OUT) Goroutine lines)\"" \
		"$DLV" core "$EXE" "$core" --allow-non-terminal-interactive=true
	run_tool "dlv-tasks ps -group creation" "$EMPTY" "head -1" \
		"$DT" core "$EXE" "$core" -c 'ps -group creation'
	run_tool "dlv-tasks pstree" "$EMPTY" "wc -l | sed 's/$/ lines/'" \
		"$DT" core "$EXE" "$core" -c pstree

	if [ -z "${KEEP_CORES:-}" ]; then
		rm -rf "$dir"
	else
		echo "   kept $core" >&2
	fi

	base=dlv\ goroutines\ -l
	for name in "dlv-tasks ps" "dlv goroutines -l" "dlv-tasks ps -group creation" "dlv-tasks pstree"; do
		rw=$(awk -v a="${wall[$name]}" -v b="${wall[$base]}" 'BEGIN { printf "%.2f", a / b }')
		rr=$(awk -v a="${rss[$name]}" -v b="${rss[$base]}" 'BEGIN { printf "%.2f", a / b }')
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$name" "${wall[$name]}" "${rss[$name]}" "$rw" "$rr" >>"$TABLE"
	done
	unset wall rss
done

echo
{
	printf 'N\ttool\twall s (median of %s)\tpeak RSS MB (median)\twall / dlv\tRSS / dlv\n' "$REPS"
	cat "$TABLE"
} | column -t -s $'\t'
