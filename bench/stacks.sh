#!/usr/bin/env bash
# bench/stacks.sh — wall time, CPU time and peak RSS of `dlv-tasks stacks`
# parsing and grouping a SIGQUIT goroutine dump of testdata/many, side by
# side with panicparse's pp on the same file.
#
# Usage: bench/stacks.sh [N]        (default: 100000 goroutines)
# Env:   REPS=3                     repetitions per tool (median reported)
#        PP=/path/to/pp             panicparse's pp binary; without it, and
#                                   without PANICPARSE_SRC, pp is skipped
#        PANICPARSE_SRC=DIR         a checkout of github.com/maruel/panicparse
#                                   to build pp from (into bench/out/bin)
#
# The dump is made once per N (bench/out/many-N.txt): `many -n N` under the
# default GOTRACEBACK, SIGQUIT once it is READY, its stderr kept. dlv-tasks
# runs `stacks FILE -c 'ps -group stack -limit 10'` (parse, build the
# snapshot, group every goroutine by its whole stack); pp runs with its
# default aggregation. Each is measured REPS times with /usr/bin/time -v;
# on a loaded machine compare the CPU times (user+sys), which the load
# average printed with the results inflates less than wall times.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
BIN=$OUT/bin
REPS=${REPS:-3}
N=${1:-100000}
mkdir -p "$OUT" "$BIN"

if [ ! -x /usr/bin/time ]; then
	echo "installing GNU time" >&2
	apt-get install -y time >/dev/null
fi

echo "building dlv-tasks and testdata/many into $OUT" >&2
go build -o "$OUT/dlv-tasks" ./cmd/dlv-tasks
(cd testdata/many && GOWORK=off go build -o "$OUT/many" .)

PP=${PP:-}
if [ -z "$PP" ] && [ -n "${PANICPARSE_SRC:-}" ]; then
	echo "building panicparse's pp from $PANICPARSE_SRC" >&2
	(cd "$PANICPARSE_SRC" && GOWORK=off GOFLAGS=-mod=mod go build -o "$BIN/pp" .)
	PP=$BIN/pp
fi

DUMP=$OUT/many-$N.txt
if [ ! -s "$DUMP" ]; then
	echo "making a $N-goroutine SIGQUIT dump" >&2
	dir=$(mktemp -d)
	(cd "$dir" && exec "$OUT/many" -n "$N" >stdout.txt 2>"$DUMP") &
	pid=$!
	for ((i = 0; i < 1200; i++)); do
		grep -q '^READY' "$dir/stdout.txt" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^READY' "$dir/stdout.txt" || { echo "many: no READY line" >&2; kill -KILL $pid; exit 1; }
	sleep 0.2 # let main park again after its write
	kill -QUIT $pid
	wait $pid || true # exits with status 2 after the dump
	rm -rf "$dir"
fi
BYTES=$(stat -c %s "$DUMP")
GOROUTINES=$(grep -c '^goroutine [1-9]' "$DUMP" || true)

RUNS_FILE=$(mktemp)
LAST_OUT=$(mktemp)
LAST_ERR=$(mktemp)
EMPTY=$(mktemp)
trap 'rm -f "$RUNS_FILE" "$LAST_OUT" "$LAST_ERR" "$EMPTY"' EXIT

# measure_cpu: like measure (lib.sh) but records user+sys CPU seconds too.
measure_cpu() {
	: >"$RUNS_FILE"
	local r tv
	for ((r = 1; r <= REPS; r++)); do
		tv=$(mktemp)
		if ! /usr/bin/time -v -o "$tv" "$@" <"$EMPTY" >"$LAST_OUT" 2>"$LAST_ERR"; then
			rm -f "$tv"
			return 1
		fi
		awk -F': ' '
			/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
			/User time/ { u = $2 } /System time/ { sy = $2 }
			/Maximum resident set size/ { rss = $2 }
			END { printf "%.3f %d %.2f\n", wall, rss, u + sy }' "$tv" >>"$RUNS_FILE"
		rm -f "$tv"
	done
}

printf 'dump: %s, %d bytes (%.1f MB), %d goroutines; load average %s\n' "$DUMP" "$BYTES" \
	"$(echo "$BYTES / 1000000" | bc -l)" "$GOROUTINES" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %10s %10s %10s %12s\n' tool wall_s cpu_s rss_MB rss/text
report() {
	local tool=$1 wall rss cpu
	wall=$(median 1)
	rss=$(median 2)
	cpu=$(median 3)
	printf '%-10s %10s %10s %10.0f %12.2f\n' "$tool" "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)" "$(echo "$rss * 1024 / $BYTES" | bc -l)"
	eval "${tool//-/_}_wall=$wall; ${tool//-/_}_rss=$rss; ${tool//-/_}_cpu=$cpu"
}

measure_cpu "$OUT/dlv-tasks" stacks "$DUMP" -c 'ps -group stack -limit 10'
grep -q "groups of" "$LAST_OUT" || { echo "dlv-tasks printed no groups:" >&2; cat "$LAST_ERR" >&2; exit 1; }
report dlv-tasks

if [ -n "$PP" ] && [ -x "$PP" ]; then
	measure_cpu "$PP" -no-color "$DUMP"
	report pp
	printf 'pp / dlv-tasks: %.1fx the wall time, %.1fx the CPU time, %.1fx the memory\n' \
		"$(echo "$pp_wall / $dlv_tasks_wall" | bc -l)" "$(echo "$pp_cpu / $dlv_tasks_cpu" | bc -l)" \
		"$(echo "$pp_rss / $dlv_tasks_rss" | bc -l)"
else
	echo "pp: skipped (set PP=/path/to/pp or PANICPARSE_SRC=checkout)"
fi
