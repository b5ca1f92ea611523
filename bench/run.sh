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
. "$(dirname "$0")/lib.sh"

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
	core=$(make_core "$dir" "$EXE" -n "$n")
	printf '   core %s (%d MB) in %.1f s\n' "$core" $(($(stat -c %s "$core") / 1000000)) "$(echo "$(date +%s.%N) - $t0" | bc)" >&2

	declare -A wall=() rss=()
	run_tool() { # run_tool NAME STDIN CHECK CMD...
		local name=$1 stdin=$2 check=$3
		shift 3
		echo "   $name x$REPS" >&2
		measure "$stdin" "$@" || {
			echo "$name failed:" >&2
			tail -5 "$LAST_ERR" >&2
			return 1
		}
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
