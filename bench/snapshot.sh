#!/usr/bin/env bash
# bench/snapshot.sh — the side-by-side goals of the issue "own the snapshot":
# dlv-tasks against Delve's own terminal on the same target, as ratios.
#
# Usage: bench/snapshot.sh [PART...]   PART: core100k attach connect core1m
#                                      (default: all four, in that order)
# Env:   REPS=3        runs of each tool per part, alternating A B A B ...
#        REPS_1M=1     runs per tool on the 1,000,000-goroutine core
#        KEEP_CORES=1  keep the cores in bench/out/ (default: deleted after use)
#
#   core100k  core of testdata/many -n 100000:
#             `dlv-tasks core EXE CORE -c ps`  vs  `dlv core EXE CORE` + goroutines -l
#             goal: wall <= 0.3x, peak RSS <= 0.6x
#   attach    live testdata/pausemeter -n 20000:
#             `dlv-tasks attach PID -c ps`  vs  `dlv attach PID` + goroutines -l + quit -d
#             goal: wall <= 0.3x (attach and detach included); the pause each
#             caused, as the target's own 1 ms meter measured it, is shown too
#   connect   a headless `dlv attach PID --accept-multiclient` on that target:
#             `dlv-tasks connect ADDR -c ps`  vs  `dlv connect ADDR` + goroutines -l + quit
#             goal: wall <= 0.5x
#   core1m    core of testdata/many -n 1000000:
#             `dlv-tasks core EXE CORE -c 'ps -group creation'`  vs  `dlv core` + goroutines -l
#             goal: <= 20 s and <= 1.5 GB peak RSS (Delve's figures beside)
#
# Each run is timed with /usr/bin/time -v (elapsed wall clock, the child's
# maximum resident set size). The ratio of each A B pair is taken within the
# pair, so that a change of machine load between pairs cancels out; the
# summary gives the median of the pairs' ratios. The core of 1M goroutines
# takes about 3 GB of disk (and the target as much memory while it dumps,
# about 2 minutes); today each tool then takes about 3 minutes and 3-4 GB.
# Rows are appended to bench/out/snapshot.tsv.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
BIN=$OUT/bin
REPS=${REPS:-3}
REPS_1M=${REPS_1M:-1}
DLV_VERSION=v1.27.2
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(core100k attach connect core1m)
for p in "${PARTS[@]}"; do
	case $p in core100k | attach | connect | core1m) ;; *)
		echo "usage: bench/snapshot.sh [core100k] [attach] [connect] [core1m]  (not '$p')" >&2
		exit 2
		;;
	esac
done
mkdir -p "$OUT" "$BIN"
ensure_tools

echo "building dlv-tasks, testdata/many and testdata/pausemeter into $OUT" >&2
go build -o "$OUT/dlv-tasks" ./cmd/dlv-tasks
(cd testdata/many && GOWORK=off go build -o "$OUT/many" .)
(cd testdata/pausemeter && GOWORK=off go build -o "$OUT/pausemeter" .)
DT=$OUT/dlv-tasks

LAST_ERR=$(mktemp)
LAST_OUT=$(mktemp)
EMPTY=$(mktemp)
TABLE=$(mktemp)
DLV_CORE=$(mktemp)
DLV_ATTACH=$(mktemp)
DLV_CONNECT=$(mktemp)
printf 'goroutines -l\n' >"$DLV_CORE"
printf 'goroutines -l\nquit -d\n' >"$DLV_ATTACH"
printf 'goroutines -l\nquit\nn\n' >"$DLV_CONNECT" # n: do not kill the headless instance
MPID= SPID= MOUT= CORE_DIR=
cleanup() {
	[ -z "$SPID" ] || kill -KILL "$SPID" 2>/dev/null || true
	[ -z "$MPID" ] || kill -KILL "$MPID" 2>/dev/null || true
	[ -z "$CORE_DIR" ] || [ -n "${KEEP_CORES:-}" ] || rm -rf "$CORE_DIR"
	rm -f "$LAST_ERR" "$LAST_OUT" "$EMPTY" "$TABLE" "$DLV_CORE" "$DLV_ATTACH" "$DLV_CONNECT" ${MOUT:+"$MOUT" "$MOUT.err"}
}
trap cleanup EXIT
RESULTS=$OUT/snapshot.tsv
[ -s "$RESULTS" ] || printf 'date\tpart\ttool\twall_s_median\trss_mb_median\tpause_ms_median\truns(wall_s/rss_kb/pause_ms)\n' >"$RESULTS"

check_dt() { head -1 "$LAST_OUT"; }
check_dlv() { echo "$(grep -m1 -E '^\[[0-9]+ goroutines\]' "$LAST_OUT" || echo 'no [N goroutines] line') ($(grep -c ' Goroutine [0-9]' "$LAST_OUT" || true) Goroutine lines)"; }

# compare PART REPS A_NAME B_NAME GOAL: runs tool_a and tool_b (functions set
# by the caller; each runs its tool once through run_once and prints
# "wall_s rss_kb") alternately REPS times, with the target's pause when
# $MPID is a pausemeter, and adds the summary row to the table.
compare() {
	local part=$1 reps=$2 a=$3 b=$4 goal=$5 r fn name m gap
	local -a wa=() ra=() pa=() wb=() rb=() pb=() rw=() rr=()
	for ((r = 1; r <= reps; r++)); do
		for fn in tool_a tool_b; do
			name=$a check=check_dt
			[ $fn = tool_b ] && name=$b check=check_dlv
			[ -z "$MPID" ] || meter_gap "$MPID" "$MOUT" >/dev/null
			m=$($fn) || { echo "$name failed:" >&2; tail -5 "$LAST_ERR" >&2; exit 1; }
			gap=-
			[ -z "$MPID" ] || gap=$(meter_gap "$MPID" "$MOUT")
			echo "   run $r $name: wall ${m%% *} s, peak RSS $((${m##* } / 1024)) MB, target pause $gap ms; output: $($check)" >&2
			if [ $fn = tool_a ]; then
				wa+=("${m%% *}") ra+=("${m##* }") pa+=("$gap")
			else
				wb+=("${m%% *}") rb+=("${m##* }") pb+=("$gap")
			fi
		done
		rw+=("$(ratio "${wa[-1]}" "${wb[-1]}")") rr+=("$(ratio "${ra[-1]}" "${rb[-1]}")")
	done
	local med_wa med_ra med_pa med_wb med_rb med_pb
	med_wa=$(printf '%s\n' "${wa[@]}" | median_of) med_ra=$(printf '%s\n' "${ra[@]}" | median_of)
	med_wb=$(printf '%s\n' "${wb[@]}" | median_of) med_rb=$(printf '%s\n' "${rb[@]}" | median_of)
	med_pa=- med_pb=-
	[ -z "$MPID" ] || { med_pa=$(printf '%s\n' "${pa[@]}" | median_of) med_pb=$(printf '%s\n' "${pb[@]}" | median_of); }
	local mb_a mb_b
	mb_a=$(awk -v k="$med_ra" 'BEGIN { printf "%.0f", k / 1024 }') mb_b=$(awk -v k="$med_rb" 'BEGIN { printf "%.0f", k / 1024 }')
	local runs_a runs_b i
	runs_a=$(for i in "${!wa[@]}"; do printf '%s/%s/%s,' "${wa[i]}" "${ra[i]}" "${pa[i]}"; done)
	runs_b=$(for i in "${!wb[@]}"; do printf '%s/%s/%s,' "${wb[i]}" "${rb[i]}" "${pb[i]}"; done)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$part" "$a" "$med_wa" "$mb_a" "$med_pa" "${runs_a%,}" >>"$RESULTS"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$part" "$b" "$med_wb" "$mb_b" "$med_pb" "${runs_b%,}" >>"$RESULTS"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$part" "$a" "$med_wa" "$mb_a" "$med_pa" "$med_wb" "$mb_b" "$med_pb" \
		"$(printf '%s\n' "${rw[@]}" | median_of)" "$(printf '%s\n' "${rr[@]}" | median_of)" "$goal" >>"$TABLE"
}

core_part() { # core_part PART N REPS A_COMMAND GOAL
	local part=$1 n=$2 reps=$3 cmd=$4 goal=$5 t0 live=$MPID
	MPID= # no live target to measure the pause of
	CORE_DIR=$(mktemp -d "$OUT/core-$n.XXXXXX")
	echo "== $part: dumping a core of many -n $n in $CORE_DIR" >&2
	t0=$(date +%s.%N)
	CORE=$(make_core "$CORE_DIR" "$OUT/many" -n "$n")
	printf '   core %s (%d MB) in %.0f s\n' "$CORE" $(($(stat -c %s "$CORE") / 1000000)) "$(echo "$(date +%s.%N) - $t0" | bc)" >&2
	A_CMD=$cmd
	tool_a() { run_once "$EMPTY" "$LAST_OUT" "$DT" core "$OUT/many" "$CORE" -c "$A_CMD"; }
	tool_b() { run_once "$DLV_CORE" "$LAST_OUT" "$DLV" core "$OUT/many" "$CORE" --allow-non-terminal-interactive=true; }
	compare "$part" "$reps" "dlv-tasks core -c '$cmd'" "dlv core + goroutines -l" "$goal"
	if [ -z "${KEEP_CORES:-}" ]; then rm -rf "$CORE_DIR"; else echo "   kept $CORE" >&2; fi
	CORE_DIR=
	MPID=$live
}

start_live() { # a pausemeter of 20k goroutines, once for attach and connect
	[ -z "$MPID" ] || return 0
	MOUT=$(mktemp)
	echo "== starting pausemeter -n 20000" >&2
	MPID=$(start_meter "$MOUT" "$OUT/pausemeter" -n 20000)
}

for part in "${PARTS[@]}"; do
	case $part in
	core100k) core_part core100k 100000 "$REPS" ps "wall <= 0.3x, RSS <= 0.6x" ;;
	core1m) core_part core1m 1000000 "$REPS_1M" "ps -group creation" "<= 20 s, <= 1536 MB" ;;
	attach)
		start_live
		echo "== attach: live, 20000 goroutines (pid $MPID)" >&2
		tool_a() { run_once "$EMPTY" "$LAST_OUT" "$DT" attach "$MPID" -c ps; }
		tool_b() { run_once "$DLV_ATTACH" "$LAST_OUT" "$DLV" attach "$MPID" --allow-non-terminal-interactive=true; }
		compare attach "$REPS" "dlv-tasks attach -c ps" "dlv attach + goroutines -l" "wall <= 0.3x; pause <= 100 ms"
		;;
	connect)
		start_live
		slog=$(mktemp)
		"$DLV" attach "$MPID" --headless --api-version 2 --accept-multiclient --listen 127.0.0.1:0 >"$slog" 2>&1 &
		SPID=$!
		for ((i = 0; i < 600; i++)); do
			grep -q 'listening at' "$slog" && break
			sleep 0.1
		done
		ADDR=$(grep -o '127\.0\.0\.1:[0-9]*' "$slog" | head -1)
		[ -n "$ADDR" ] || { echo "the headless dlv did not start:" >&2; cat "$slog" >&2; exit 1; }
		rm -f "$slog"
		echo "== connect: headless dlv on $ADDR, attached to pid $MPID (stopped throughout)" >&2
		tool_a() { run_once "$EMPTY" "$LAST_OUT" "$DT" connect "$ADDR" -c ps; }
		tool_b() { run_once "$DLV_CONNECT" "$LAST_OUT" "$DLV" connect "$ADDR" --allow-non-terminal-interactive=true; }
		saved=$MPID
		MPID= # the server holds the target stopped: no pause to measure
		compare connect "$REPS" "dlv-tasks connect -c ps" "dlv connect + goroutines -l" "wall <= 0.5x"
		MPID=$saved
		kill -KILL "$SPID" 2>/dev/null || true # its tracee is detached by the kernel and runs on
		wait "$SPID" 2>/dev/null || true
		SPID=
		;;
	esac
done

echo
echo "dlv-tasks (A) vs Delve $DLV_VERSION (B), medians of the runs and of the pairs' ratios, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
{
	printf 'part\tA\tA wall s\tA RSS MB\tA pause ms\tB wall s\tB RSS MB\tB pause ms\twall A/B\tRSS A/B\tgoal\n'
	cat "$TABLE"
} | column -t -s $'\t'
