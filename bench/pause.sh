#!/usr/bin/env bash
# bench/pause.sh — how long a look at a live service stops it, measured by the
# service itself.
#
# Usage: bench/pause.sh [N...]      (default: 20000 100000 goroutines)
# Env:   REPS=3                     runs per tool (median reported)
#
# The target is testdata/pausemeter -n N: N parked goroutines in a server's
# shape and a meter goroutine that ticks every 1 ms and, on SIGUSR1, prints the
# longest gap between two ticks since it was last asked. For each N the same
# target is looked at, REPS times in turn, by
#
#   dlv-tasks attach PID -c ps                     (a low-pause snapshot: freeze, copy, thaw, read the copy)
#   dlv attach PID + goroutines -l + quit -d       (Delve's own terminal)
#
# and the gap the target saw during each run is its pause. Then
# internal/freeze's BenchmarkFreezeCopy freezes a fresh target of N, copies
# allgs, every g and every stack top (what a snapshot needs), and thaws it:
# the floor for a low-pause snapshot, again measured by the target's meter
# (gap) beside the freezer's own clock (pause). The goals (issue: own the
# snapshot) are a pause of at most 100 ms at 20k goroutines and 500 ms at
# 100k. Everything it builds goes to bench/out/; rows are appended to
# bench/out/pause.tsv.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
BIN=$OUT/bin
REPS=${REPS:-3}
DLV_VERSION=v1.27.2
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(20000 100000)
mkdir -p "$OUT" "$BIN"
ensure_tools

echo "building dlv-tasks, testdata/pausemeter and the freeze benchmark into $OUT" >&2
go build -o "$OUT/dlv-tasks" ./cmd/dlv-tasks
(cd testdata/pausemeter && GOWORK=off go build -o "$OUT/pausemeter" .)
go test -c -o "$OUT/freeze.test" ./internal/freeze

DT=$OUT/dlv-tasks
METER=$OUT/pausemeter
LAST_ERR=$(mktemp)
LAST_OUT=$(mktemp)
DLV_CMDS=$(mktemp)
printf 'goroutines -l\nquit -d\n' >"$DLV_CMDS"
EMPTY=$(mktemp)
TABLE=$(mktemp)
MPID=
trap 'rm -f "$LAST_ERR" "$LAST_OUT" "$DLV_CMDS" "$EMPTY" "$TABLE"; [ -z "$MPID" ] || kill -KILL "$MPID" 2>/dev/null || true' EXIT
RESULTS=$OUT/pause.tsv
[ -s "$RESULTS" ] || printf 'date\tN\ttool\tpause_ms_median\twall_s_median\truns(pause_ms/wall_s)\n' >"$RESULTS"

for n in "${SIZES[@]}"; do
	mout=$(mktemp)
	echo "== N=$n: starting pausemeter -n $n" >&2
	MPID=$(start_meter "$mout" "$METER" -n "$n")
	declare -A gaps=() walls=()
	for ((r = 1; r <= REPS; r++)); do
		for tool in "dlv-tasks attach -c ps" "dlv attach + goroutines -l"; do
			meter_gap "$MPID" "$mout" >/dev/null # a fresh measurement from here
			case $tool in
			dlv-tasks*) m=$(run_once "$EMPTY" "$LAST_OUT" "$DT" attach "$MPID" -c ps) ||
				{ echo "$tool failed:" >&2; tail -5 "$LAST_ERR" >&2; exit 1; }
				check=$(head -1 "$LAST_OUT") ;;
			dlv*) m=$(run_once "$DLV_CMDS" "$LAST_OUT" "$DLV" attach "$MPID" --allow-non-terminal-interactive=true) ||
				{ echo "$tool failed:" >&2; tail -5 "$LAST_ERR" >&2; exit 1; }
				check="$(grep -m1 -E '^\[[0-9]+ goroutines\]' "$LAST_OUT" || true) ($(grep -c ' Goroutine [0-9]' "$LAST_OUT" || true) Goroutine lines)" ;;
			esac
			gap=$(meter_gap "$MPID" "$mout")
			wall=${m%% *}
			echo "   run $r $tool: pause ${gap} ms, wall ${wall} s; output: $check" >&2
			gaps[$tool]+="$gap "
			walls[$tool]+="$wall "
		done
	done
	kill -KILL "$MPID" 2>/dev/null || true
	wait "$MPID" 2>/dev/null || true
	MPID=
	rm -f "$mout" "$mout.err"
	for tool in "dlv-tasks attach -c ps" "dlv attach + goroutines -l"; do
		gm=$(tr ' ' '\n' <<<"${gaps[$tool]}" | grep . | median_of)
		wm=$(tr ' ' '\n' <<<"${walls[$tool]}" | grep . | median_of)
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$n" "$tool" "$gm" "$wm" "$(paste -d/ <(tr ' ' '\n' <<<"${gaps[$tool]}" | grep .) <(tr ' ' '\n' <<<"${walls[$tool]}" | grep .) | paste -sd,)" >>"$RESULTS"
		gaps[$tool]=$gm
		walls[$tool]=$wm
	done

	echo "   freeze + copy (BenchmarkFreezeCopy, $REPS runs)" >&2
	bline=$("$OUT/freeze.test" -test.run '^$' -test.bench "FreezeCopy/goroutines=$n\$" -test.benchtime "${REPS}x" | grep '^BenchmarkFreezeCopy' || true)
	[ -n "$bline" ] || { echo "BenchmarkFreezeCopy/goroutines=$n printed nothing (it knows 20000 and 100000)" >&2; exit 1; }
	metric() { awk -v k="$1" '{ for (i = 2; i <= NF; i++) if ($i == k) print $(i - 1) }' <<<"$bline"; }
	echo "     $(metric MB-copied) MB in $(metric ranges) ranges, $(metric gs) g's; freezer's pause $(metric pause-ms) ms (max $(metric maxpause-ms))" >&2
	gaps[freeze]=$(metric gap-ms)
	walls[freeze]=$(awk '{ printf "%.3f", $3 / 1e9 }' <<<"$bline")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$n" "freeze+copy" "${gaps[freeze]}" "${walls[freeze]}" "freezer pause $(metric pause-ms) ms, max gap $(metric maxgap-ms) ms" >>"$RESULTS"

	goal=$([ "$n" -le 20000 ] && echo 100 || echo 500)
	base="dlv attach + goroutines -l"
	for tool in "dlv-tasks attach -c ps" "dlv attach + goroutines -l" freeze; do
		name=$tool
		[ "$tool" = freeze ] && name="freeze + copy allgs/g's/stack tops"
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$name" "${gaps[$tool]}" "$(ratio "${gaps[$tool]}" "${gaps[$base]}")" \
			"$(ratio "${gaps[$tool]}" "$goal")" "${walls[$tool]}" >>"$TABLE"
	done
	unset gaps walls
done

echo
echo "target pause as the target measured it (median of $REPS; goal: 100 ms at 20k, 500 ms at 100k), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
{
	printf 'N\ttool\tpause ms\tpause / dlv\tpause / goal\twall s\n'
	cat "$TABLE"
} | column -t -s $'\t'
