#!/usr/bin/env bash
# bench/tracker.sh — cost of reading the tracker (dlv-tasks issue 4).
#
# Usage: bench/tracker.sh [TASKS]        (default: 10000 live tracked tasks)
# Env:   REPS=3                          repetitions per command (median reported)
#        ENDED=1000                      tasks the target ends before READY (history)
#        WT_ID=N                         task id for where-terminated (default: the
#                                        target's "chain-grand-exited", see below)
#        KEEP_CORES=1                    keep the cores (default: deleted after use)
#
# Builds dlv-tasks and testdata/tracked twice (default build, and -tags
# untracked: the same program with plain go statements and package context)
# into bench/out/, dumps one kernel core of each running `-tasks TASKS`
# (GOTRACEBACK=crash, SIGQUIT after READY), and measures on those cores, in
# one run, REPS times each under /usr/bin/time -v (wall clock, peak RSS):
#
#   dlv-tasks core tracked   CORE -c ps
#   dlv-tasks core tracked   CORE -c ps-terminated
#   dlv-tasks core tracked   CORE -c 'where-terminated t:N'
#   dlv-tasks core untracked CORE -c ps
#   dlv-tasks core untracked-labels CORE -c ps   (untracked build run with
#            -labels: the tracker's pprof labels without the tracker, to
#            separate the cost of labels from the cost of reading the tracker)
#
# and prints the ratios the issue sets goals for: ps-terminated / ps and
# where-terminated / ps (goal < 0.1), ps tracked / ps untracked (goal <= 1.1).
# A command dlv-tasks does not know yet is reported as missing, not measured.
# Every run is appended to bench/out/tracker-results.tsv.
#
# Task ids in testdata/tracked are assigned in start order (its main.go): with
# -ended E and -tasks N, "chain-grand-exited" — a terminated task with a
# creation chain and a three-hop cancellation chain — is t:E+N+11.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
REPS=${REPS:-3}
TASKS=${1:-10000}
ENDED=${ENDED:-1000}
WT_ID=${WT_ID:-$((ENDED + TASKS + 11))}

mkdir -p "$OUT"

if [ ! -x /usr/bin/time ]; then
	echo "installing GNU time" >&2
	apt-get install -y time >/dev/null
fi

echo "building dlv-tasks and testdata/tracked (tracked, untracked) into $OUT" >&2
go build -o "$OUT/dlv-tasks" ./cmd/dlv-tasks
(cd testdata/tracked && GOWORK=off GOFLAGS=-mod=mod go build -o "$OUT/tracked" .)
(cd testdata/tracked && GOWORK=off GOFLAGS=-mod=mod go build -tags untracked -o "$OUT/tracked-untracked" .)
DT=$OUT/dlv-tasks




RESULTS=$OUT/tracker-results.tsv
[ -s "$RESULTS" ] || printf 'date\ttasks\tcommand\twall_s_median\trss_mb_median\truns(wall_s/rss_kb)\n' >"$RESULTS"
RUNS_FILE=$(mktemp)
LAST_OUT=$(mktemp)
LAST_ERR=$(mktemp)
TABLE=$(mktemp)
tdir=$(mktemp -d "${TMPDIR:-/tmp}/dlv-tasks-trk-bench.XXXXXX")
udir=$(mktemp -d "${TMPDIR:-/tmp}/dlv-tasks-trk-bench-u.XXXXXX")
ldir=$(mktemp -d "${TMPDIR:-/tmp}/dlv-tasks-trk-bench-l.XXXXXX")
cleanup() {
	rm -f "$RUNS_FILE" "$LAST_OUT" "$LAST_ERR" "$TABLE"
	[ -n "${KEEP_CORES:-}" ] || rm -rf "$tdir" "$udir" "$ldir"
}
trap cleanup EXIT

args=(-tasks "$TASKS" -ended "$ENDED")
echo "== dumping cores of tracked ${args[*]} (tracked and untracked builds)" >&2
t0=$(date +%s.%N)
tcore=$(make_core "$tdir" "$OUT/tracked" "${args[@]}")
printf '   tracked core %s (%d MB) in %.1f s\n' "$tcore" $(($(stat -c %s "$tcore") / 1000000)) "$(echo "$(date +%s.%N) - $t0" | bc)" >&2
t0=$(date +%s.%N)
ucore=$(make_core "$udir" "$OUT/tracked-untracked" "${args[@]}")
printf '   untracked core %s (%d MB) in %.1f s\n' "$ucore" $(($(stat -c %s "$ucore") / 1000000)) "$(echo "$(date +%s.%N) - $t0" | bc)" >&2

t0=$(date +%s.%N)
lcore=$(make_core "$ldir" "$OUT/tracked-untracked" "${args[@]}" -labels)
printf '   untracked -labels core %s (%d MB) in %.1f s\n' "$lcore" $(($(stat -c %s "$lcore") / 1000000)) "$(echo "$(date +%s.%N) - $t0" | bc)" >&2

declare -A wall=() rss=() check=()
# run_cmd NAME EXE CORE COMMAND: measures `dlv-tasks core EXE CORE -c COMMAND`.
run_cmd() {
	local name=$1 exe=$2 core=$3 cmd=$4
	echo "   $name x$REPS" >&2
	if ! measure /dev/null "$DT" core "$exe" "$core" -c "$cmd"; then
		echo "     FAILED: $(tail -3 "$LAST_ERR" | tr '\n' ' ')" >&2
		check[$name]="missing or failed: $(head -1 "$LAST_ERR")"
		return 0
	fi
	check[$name]="$(head -1 "$LAST_OUT" | cut -c1-100) ($(wc -l <"$LAST_OUT") lines)"
	echo "     output: ${check[$name]}" >&2
	wall[$name]=$(median 1)
	rss[$name]=$(awk -v k="$(median 2)" 'BEGIN { printf "%.1f", k / 1024 }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$TASKS" "$name" "${wall[$name]}" "${rss[$name]}" \
		"$(tr '\n' ',' <"$RUNS_FILE" | sed 's/,$//')" >>"$RESULTS"
}
PS="ps (tracked)"
PST="ps-terminated"
WT="where-terminated t:$WT_ID"
PSU="ps (untracked build)"
PSL="ps (untracked, -labels)"
run_cmd "$PS" "$OUT/tracked" "$tcore" ps
run_cmd "$PST" "$OUT/tracked" "$tcore" ps-terminated
run_cmd "$WT" "$OUT/tracked" "$tcore" "where-terminated t:$WT_ID"
if [ -n "${wall[$WT]:-}" ] && ! grep -q 'chain-grand-exited' "$LAST_OUT"; then
	echo "   warning: where-terminated t:$WT_ID does not show chain-grand-exited (set WT_ID)" >&2
fi
run_cmd "$PSU" "$OUT/tracked-untracked" "$ucore" ps
run_cmd "$PSL" "$OUT/tracked-untracked" "$lcore" ps

# ratio A B: A / B to 3 decimals, or "-" if either is missing.
ratio() {
	if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
	else
		echo -
	fi
}

echo
{
	printf 'command\twall s (median of %s)\tpeak RSS MB (median)\twall / ps (tracked)\toutput\n' "$REPS"
	for name in "$PS" "$PST" "$WT" "$PSU" "$PSL"; do
		printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${wall[$name]:--}" "${rss[$name]:--}" \
			"$(ratio "${wall[$name]:-}" "${wall[$PS]:-}")" "${check[$name]:-}"
	done
} | column -t -s $'\t'
echo
printf 'ps-terminated / ps        = %s   (goal < 0.1)\n' "$(ratio "${wall[$PST]:-}" "${wall[$PS]:-}")"
printf 'where-terminated / ps     = %s   (goal < 0.1)\n' "$(ratio "${wall[$WT]:-}" "${wall[$PS]:-}")"
printf 'ps tracked / untracked    = %s   (goal <= 1.1; RSS %s)\n' "$(ratio "${wall[$PS]:-}" "${wall[$PSU]:-}")" \
	"$(ratio "${rss[$PS]:-}" "${rss[$PSU]:-}")"
printf 'ps tracked / untracked -labels = %s   (the tracker reading alone)\n' "$(ratio "${wall[$PS]:-}" "${wall[$PSL]:-}")"
[ -z "${KEEP_CORES:-}" ] || echo "kept $tcore $ucore $lcore" >&2
