#!/usr/bin/env bash
# bench/spawn.sh — what a tracked spawn costs against `go` + pprof.Do, as ratios.
#
#   bench/spawn.sh [ROUNDS]          # default 9 rounds, at -cpu 1 and -cpu 2
#   BASE=<git rev> bench/spawn.sh    # also measure the tracker as of <rev>, alternately
#
# Single benchmark runs on a shared VM vary by ±10–30 %, so each round runs
# BenchmarkSpawnGoPprofDo, BenchmarkSpawnTrackerGo and BenchmarkSpawnGroupGo back to
# back in one process and takes the ratios within that round; the summary is the
# median over rounds (and the range). With BASE, the two builds alternate round by
# round, so both see the same machine load. Raw rows go to bench/out/spawn-<cpu>.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-9}
if ! [[ $ROUNDS =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: [BASE=<git rev>] bench/spawn.sh [ROUNDS]  (ROUNDS: a positive integer, not '$ROUNDS')" >&2
	exit 2
fi
if [ -n "${BASE:-}" ] && ! git rev-parse --verify --quiet "$BASE^{commit}" >/dev/null; then
	echo "bench/spawn.sh: BASE=$BASE is not a commit of this repository" >&2
	exit 2
fi
OUT=bench/out
mkdir -p "$OUT"
go test -c -o "$OUT/tracker-now.test" ./tracker
BINS=(now)
if [ -n "${BASE:-}" ]; then
	wt=$(mktemp -d)
	trap 'git worktree remove --force "$wt" >/dev/null 2>&1 || true' EXIT
	git worktree add --detach "$wt" "$BASE" >/dev/null
	(cd "$wt/tracker" && GOWORK=off go test -c -o "$OLDPWD/$OUT/tracker-base.test" .)
	BINS=(base now)
fi
for cpu in 1 2; do
	tsv="$OUT/spawn-cpu$cpu.tsv"
	printf 'build\tpprofDo_ns\ttrackerGo_ns\tgroupGo_ns\n' >"$tsv"
	for ((i = 1; i <= ROUNDS; i++)); do
		for b in "${BINS[@]}"; do
			"$OUT/tracker-$b.test" -test.run '^$' -test.cpu "$cpu" -test.count 1 \
				-test.bench 'SpawnGoPprofDo$|SpawnTrackerGo$|SpawnGroupGo$' |
				awk -v b="$b" '/PprofDo/{p=$3} /TrackerGo/{g=$3} /GroupGo/{q=$3} END{printf "%s\t%s\t%s\t%s\n", b, p, g, q}' >>"$tsv"
		done
	done
	echo "-cpu $cpu, $ROUNDS rounds ($(date -u '+%Y-%m-%d %H:%M UTC')):"
	for b in "${BINS[@]}"; do
		awk -F'\t' -v b="$b" '$1 == b { print $2, $3, $4, $3 / $2, $4 / $2 }' "$tsv" | sort -k4n |
			awk -v b="$b" '
				{ p[NR] = $1; g[NR] = $2; q[NR] = $3; r[NR] = $4; rq[NR] = $5 }
				END {
					m = int((NR + 1) / 2)
					# medians of the ns columns need their own order
					n = NR; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) {
						if (p[j] < p[i]) { t = p[i]; p[i] = p[j]; p[j] = t }
						if (g[j] < g[i]) { t = g[i]; g[i] = g[j]; g[j] = t }
						if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
						if (rq[j] < rq[i]) { t = rq[i]; rq[i] = rq[j]; rq[j] = t }
					}
					printf "  %-5s go+pprof.Do %4.0f ns | tracker.Go %4.0f ns = %.2fx (rounds %.2f..%.2f) | Group.Go %4.0f ns = %.2fx\n",
						b, p[m], g[m], r[m], r[1], r[NR], q[m], rq[m]
				}'
	done
done
