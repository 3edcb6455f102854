#!/usr/bin/env bash
# Runs the routecache comparison suite and writes its report.
#
#   bench/run.sh                  full run: -count 10, -cpu 1,2,4, full sizes;
#                                 writes bench/RESULTS.md, bench/results/ and
#                                 the results block of bench/README.md
#   BENCH_QUICK=1 bench/run.sh    quick run for CI: -count 1, -cpu 2, small
#                                 sizes; writes bench/results-quick/ only
#
# Overrides: BENCH_COUNT, BENCH_CPU, BENCH_TIME (-benchtime), BENCH_OUT (the
# output folder), and the size variables listed in bench/config.go.
set -euo pipefail

cd "$(dirname "$0")"
started=$(date +%s)
given_env=$(env | grep '^BENCH_' | sort || true)

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
	mode="quick (BENCH_QUICK=1: reduced sizes, one run)"
	count=${BENCH_COUNT:-1}
	cpus=${BENCH_CPU:-2}
	benchtime=${BENCH_TIME:-100ms}
	out=${BENCH_OUT:-results-quick}
	results="$out/RESULTS.md"
	readme=""
else
	mode="full"
	count=${BENCH_COUNT:-10}
	cpus=${BENCH_CPU:-1,2,4}
	benchtime=${BENCH_TIME:-1s}
	out=${BENCH_OUT:-results}
	results="RESULTS.md"
	readme="README.md"
fi
mkdir -p "$out"
meta="$out/meta.tsv"
: >"$meta"
commands=()

# step records a command in the report and runs it; with a file argument
# its standard output is also written there.
step() {
	local into=$1 line
	shift
	line=$(printf '%q ' "$@")
	line=${line% }
	commands+=("$line${into:+ > $into}")
	echo "+ $line" >&2
	if [[ -n "$into" ]]; then
		"$@" | tee "$into"
	else
		"$@"
	fi
}

step "" go test -c -o "$out/bench.test" .
bench=("$out/bench.test" -test.run '^$' -test.benchmem -test.count "$count" -test.timeout 0)

step "$out/raw-throughput.txt" "${bench[@]}" -test.cpu "$cpus" -test.benchtime "$benchtime" \
	-test.bench '^Benchmark(ReadHit|Mixed|SetChurn|Resolve)$'
step "$out/raw-prune.txt" "${bench[@]}" -test.cpu 2 -test.benchtime "$benchtime" \
	-test.bench '^BenchmarkPrune$'
step "$out/raw-memory.txt" "${bench[@]}" -test.cpu 2 -test.benchtime 1x \
	-test.bench '^Benchmark(Memory|OverwriteGrowth)$'

if [[ -z "${BENCH_TAIL_CACHES:-}" ]]; then
	peers=$(go run ./cmd/benchreport fastest -workload Mixed -n 2 "$out/raw-throughput.txt")
	export BENCH_TAIL_CACHES="routecache,$peers"
	commands+=("export BENCH_TAIL_CACHES=$BENCH_TAIL_CACHES  # routecache and the two fastest peers in Mixed")
fi
step "$out/raw-tail.txt" "${bench[@]}" -test.cpu 2 -test.benchtime "$benchtime" \
	-test.bench '^BenchmarkTailLatency$'

# benchstat: each cache against otter, the first column; then the
# routecache-only workloads. benchstat exits 0 even when it rejects its
# arguments, so an empty summary is treated as the failure it is.
order='otter routecache ristretto theine ttlcache gocache lru xsyncmap syncmap'
step "$out/benchstat-caches.txt" go tool benchstat -col "/cache@($order)" -filter '/cache:/./' \
	"$out/raw-throughput.txt" "$out/raw-memory.txt" "$out/raw-tail.txt"
step "$out/benchstat-routecache.txt" go tool benchstat -filter '.name:(Resolve OR Prune)' \
	"routecache=$out/raw-throughput.txt" "routecache=$out/raw-prune.txt"
for summary in "$out/benchstat-caches.txt" "$out/benchstat-routecache.txt"; do
	if [[ ! -s "$summary" ]]; then
		echo "run.sh: benchstat wrote nothing to $summary" >&2
		exit 1
	fi
done

{
	printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'mode\t%s\n' "$mode"
	printf 'cores\t%s\n' "$(nproc)"
	printf 'go\t%s\n' "$(go version | cut -d' ' -f3-)"
	printf 'module\tgithub.com/c41db742/routecache %s\n' \
		"$(git -C .. describe --always --dirty 2>/dev/null || echo '(no git)')"
	go list -m -f '{{.Path}} {{.Version}}' \
		github.com/maypok86/otter/v2 github.com/dgraph-io/ristretto/v2 github.com/Yiling-J/theine-go \
		github.com/jellydator/ttlcache/v3 github.com/patrickmn/go-cache github.com/hashicorp/golang-lru/v2 \
		github.com/puzpuzpuz/xsync/v3 golang.org/x/perf | sed 's/^/module\t/'
	printf 'command\t# bench/run.sh ran, in bench/:\n'
	if [[ -n "$given_env" ]]; then
		sed 's/^/command\texport /' <<<"$given_env"
	fi
	for c in "${commands[@]}"; do
		printf 'command\t%s\n' "$c"
	done
} >>"$meta"

go run ./cmd/benchreport write -meta "$meta" -out "$results" ${readme:+-readme "$readme"} \
	-notes results-notes.md -benchstat "$out/benchstat-caches.txt" -benchstat "$out/benchstat-routecache.txt" \
	"$out/raw-throughput.txt" "$out/raw-prune.txt" "$out/raw-memory.txt" "$out/raw-tail.txt"
rm -f "$out/bench.test"
echo "wrote $results in $(($(date +%s) - started)) s" >&2
