#!/usr/bin/env bash
# Runs the routecache comparison suite and writes its report: benchstat
# tables, the targets check (cmd/targets) and results-notes.md.
#
#   bench/run.sh                  full run: 10 processes a group, -cpu 1,2,4; writes
#                                 bench/RESULTS.md and bench/results/
#   BENCH_QUICK=1 bench/run.sh    quick run for CI: one process, -cpu 2, small
#                                 sizes; writes bench/results-quick/ only
#
# Overrides: BENCH_COUNT, BENCH_CPU, BENCH_TIME (-benchtime), BENCH_OUT (the
# output folder), and the size variables of bench/config.go.
set -euo pipefail
cd "$(dirname "$0")"
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
	mode=quick count=${BENCH_COUNT:-1} cpus=${BENCH_CPU:-2} benchtime=${BENCH_TIME:-100ms} herd=20x
	out=${BENCH_OUT:-results-quick} report=${BENCH_OUT:-results-quick}/RESULTS.md
else
	mode=full count=${BENCH_COUNT:-10} cpus=${BENCH_CPU:-1,2,4} benchtime=${BENCH_TIME:-1s} herd=200x
	out=${BENCH_OUT:-results} report=RESULTS.md
fi
mkdir -p "$out"
raw=$out/raw.txt
# The commit is read before the run rewrites raw.txt and RESULTS.md, both in
# git: read after, a clean tree would always be reported dirty.
commit=$(git -C .. describe --always --dirty 2>/dev/null || echo '(no git)')
: >"$raw"
env | grep '^BENCH_' | sort | sed 's/^/export /' >"$out/commands.txt" || true
go test -c -o "$out/bench.test" .
# run runs the test binary count times, one process a count, appending its
# output to raw.txt and the command to commands.txt. A process differs from
# the next by 10-30 % on a noisy VM (the layout of its heap, the time it
# ran); five counts in one process measured one layout five times, and one
# full run put the same code on either side of a target.
run() {
	local cmd=("$out/bench.test" -test.run '^$' -test.benchmem -test.count 1 -test.timeout 0 "$@") line="" arg i
	for arg in "${cmd[@]}"; do
		if [[ "$arg" =~ ^[A-Za-z0-9_./,=:-]+$ ]]; then line+="$arg "; else line+="'$arg' "; fi
	done
	echo "for i in \$(seq $count); do $line>> $raw; done" >>"$out/commands.txt"
	for ((i = 0; i < count; i++)); do
		"${cmd[@]}" | tee -a "$raw"
	done
}
run -test.cpu "$cpus" -test.benchtime "$benchtime" -test.bench '^Benchmark(ReadHit|Mixed|SetChurn|Resolve)$'
run -test.cpu 2 -test.benchtime "$benchtime" -test.bench '^Benchmark(TailLatency|Prune|Collide)$'
run -test.cpu 2 -test.benchtime 1x -test.bench '^Benchmark(Memory|OverwriteGrowth|WriterStall)$'
run -test.cpu 2 -test.benchtime "$herd" -test.bench '^BenchmarkHerd$'
rm -f "$out/bench.test"

# benchstat exits 0 even when it rejects its arguments: an empty table fails.
table() {
	local t
	t=$(go tool benchstat "$@" "$raw")
	[[ -n "$t" ]] || { echo "run.sh: benchstat $* printed nothing" >&2; exit 1; }
	printf '```\n%s\n```\n\n' "$t"
}
{
	echo "# routecache benchmark results"
	echo
	echo "Written by \`bench/run.sh\` ($mode run) on $(date -u '+%Y-%m-%d %H:%M UTC'):" \
		"$(sed -n 's/^cpu: *\(.*[^ ]\) *$/\1/p' "$raw" | head -1), $(nproc) cores, $(go version | cut -d' ' -f3-)," \
		"routecache $commit." \
		"Medians of $count runs, one process each; the ratios are routecache's median over the other's."
	printf '\n## Targets\n\n'
	go run ./cmd/targets "$raw"
	printf '\n## Caches side by side\n\n'
	table -col '/cache@(routecache floor floorget floorevict xsyncmap otter ristretto theine ttlcache gocache lru syncmap)' -filter '/cache:/./'
	printf '## Resolve (routecache alone)\n\n'
	table -filter '.name:Resolve'
	printf '## Prune against a full scan\n\n'
	table -filter '.name:Prune' -col /op
	printf '## Colliding against ordinary keys\n\n'
	table -filter '.name:Collide' -col /keys
	printf '## Thundering herd on one expiring key\n\n'
	table -filter '.name:Herd' -col /strategy
	printf '## Commands\n\nIn `bench/`, after `go test -c -o %s/bench.test .`:\n\n```sh\n' "$out"
	cat "$out/commands.txt"
	printf '```\n\n'
	cat results-notes.md
} >"$report"
echo "wrote $report" >&2
