#!/usr/bin/env bash
# plant.sh: proves that FuzzOps can fail.
#
# For each planted bug it copies the root package and the fuzz package into
# a temporary module, applies one small, realistic edit to the copy, builds
# the coverage-instrumented FuzzOps binary and fuzzes it for a bounded time.
# A bug counts as found when FuzzOps fails. The working tree is never
# touched: everything happens under a temporary directory that is removed
# on exit, and the fuzz cache of each run is private to it.
#
# Usage: fuzz/plant/plant.sh [-t FUZZTIME] [-s] [-u] [-k] [-l] [BUG...]
#   -t FUZZTIME  fuzzing budget per bug (go test -fuzztime syntax); default 60s
#   -s           keep the checked-in seed corpus; without it each run starts
#                from an empty corpus, so what finds the bug is the fuzzer's
#                own search, not an input written to catch it
#   -u           also run the other tests of fuzz/ (stress, close, bad-input
#                catalogue; no fuzzing engine) against each copy and report
#                which of them catch the bug; informational, not required
#   -k           keep the temporary directory (logs, failing inputs) and
#                print its path
#   -l           list the bugs and exit
#   BUG...       bugs to plant (default: all); "control" runs the unmodified
#                code, which must pass
#
# Exit status: 0 when every planted bug was found and the control passed.
set -euo pipefail

fuzztime=60s
keep_seeds=false
keep_work=false
unit_tests=false

bugs=(
	control
	room-in-thread-shard
	newest-evicted-first
	fallback-not-stored
	alive-at-expiry
	delete-hides-expiry
	room-staleness-lost
	overwrite-grows-size
	prune-skips-current-segment
	evicts-one-too-many
	ttl-overflow-unclamped
)

describe() {
	case $1 in
	control) echo "no bug: the unmodified code must pass" ;;
	room-in-thread-shard) echo "Resolve looks for the room's route in the thread key's shard" ;;
	newest-evicted-first) echo "capacity eviction takes the newest write of the soonest segment" ;;
	fallback-not-stored) echo "Resolve answers from a fallback but does not store it" ;;
	alive-at-expiry) echo "Get treats an entry as alive at the instant it expires" ;;
	delete-hides-expiry) echo "Delete reports an already expired entry as EvictDeleted" ;;
	room-staleness-lost) echo "Resolve forgets that it met an expired room route" ;;
	overwrite-grows-size) echo "an overwrite counts as a new entry in the shard's size" ;;
	prune-skips-current-segment) echo "Prune sweeps whole past segments only, not the current one" ;;
	evicts-one-too-many) echo "capacity eviction stops one entry below the capacity" ;;
	ttl-overflow-unclamped) echo "a huge TTL overflows instead of being clamped to the far future" ;;
	*) return 1 ;;
	esac
}

# edit FILE PERL-SUBSTITUTION: applies the substitution to the whole file
# and fails loudly when it changed nothing, so a patch that no longer
# matches the code is reported instead of silently testing the original.
edit() {
	local file=$1 expr=$2 before
	before=$(cksum <"$file")
	perl -0pi -e "$expr" "$file"
	if [[ $(cksum <"$file") == "$before" ]]; then
		echo "patch did not apply to $(basename "$file"): $expr" >&2
		return 1
	fi
}

# plant BUG DIR: applies BUG to the copy in DIR.
plant() {
	local dir=$2
	case $1 in
	control) ;;
	room-in-thread-shard)
		edit "$dir/resolve.go" 's/rs := &c\.shards\[c\.shardIndex\(rh\)\]/rs := &c.shards[res.Shard]/'
		;;
	newest-evicted-first)
		edit "$dir/ttl.go" 's/n := s\.popFront\(\)/n := s.popBack()/'
		cat >>"$dir/ttl.go" <<'EOF'

// popBack takes the newest node. Caller holds mu and has checked count > 0.
func (s *segment) popBack() node {
	last := len(s.blocks) - 1
	b := s.blocks[last]
	n := b[len(b)-1]
	s.blocks[last] = b[:len(b)-1]
	s.count--
	if len(s.blocks[last]) == 0 || (last == 0 && len(s.blocks[0]) == int(s.head)) {
		s.blocks = s.blocks[:last]
		if last == 0 {
			s.head = 0
		}
	}
	if s.count == 0 {
		s.reset()
	}
	return n
}
EOF
		;;
	fallback-not-stored)
		edit "$dir/resolve.go" 's/(firstValid\(fallbacks\); ok \{\n)\s*c\.write\(s, h, k, route, c\.ttl\)\n/$1/'
		;;
	alive-at-expiry)
		edit "$dir/cache.go" 's/if e\.expiresAt > c\.now\(\) \{/if e.expiresAt >= c.now() {/'
		;;
	delete-hides-expiry)
		edit "$dir/cache.go" 's/\n\s*if e\.expiresAt <= c\.now\(\) \{\n\s*reason = EvictExpired\n\s*\}//'
		;;
	room-staleness-lost)
		edit "$dir/resolve.go" 's/(c\.dropExpired\(rs, rh, e\)\n)\s*res\.Stale = true\n/$1/'
		;;
	overwrite-grows-size)
		edit "$dir/shard.go" 's/if replaced \{\n\s*s\.stale\.Add\(1\)\n\s*\} else \{\n\s*s\.size\.Add\(1\)\n\s*\}/s.size.Add(1)\n\t_ = replaced/'
		;;
	prune-skips-current-segment)
		edit "$dir/evict.go" 's/\n\s*s\.wheel\.scanCurrent\(now, func\(n node\) \(bool, int64\) \{.*?\n\t\}\)\n/\n/s'
		;;
	evicts-one-too-many)
		edit "$dir/evict.go" 's/for s\.size\.Load\(\) > c\.maxEntries \{/for s.size.Load() >= c.maxEntries {/'
		;;
	ttl-overflow-unclamped)
		edit "$dir/cache.go" 's/\n\s*if now > 0 && ttl > math\.MaxInt64-now \{\n\s*return math\.MaxInt64\n\s*\}//'
		;;
	*)
		echo "unknown bug $1 (see -l)" >&2
		return 1
		;;
	esac
}

while getopts "t:skul" flag; do
	case $flag in
	u) unit_tests=true ;;
	t) fuzztime=$OPTARG ;;
	s) keep_seeds=true ;;
	k) keep_work=true ;;
	l)
		for b in "${bugs[@]}"; do printf '%-28s %s\n' "$b" "$(describe "$b")"; done
		exit 0
		;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if (($# > 0)); then
	bugs=("$@")
fi
for b in "${bugs[@]}"; do
	describe "$b" >/dev/null || { echo "unknown bug $b (see -l)" >&2; exit 2; }
done

unit_test_pattern='^(TestStress|TestCloseUnderLoad|TestBadInputCatalogue)$'

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/routecache-plant.XXXXXX")
if $keep_work; then
	echo "keeping $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# copy_module DIR: the root package (without its own tests) and the fuzz
# package, as a standalone module with the root's go.mod. Its go.sum joins
# every checksum file of the workspace: in the workspace, checksums of
# test-only dependencies may live in go.work.sum or a nested module's go.sum
# rather than in the root's.
copy_module() {
	local dir=$1
	mkdir -p "$dir/fuzz"
	cp "$root/go.mod" "$dir/"
	find "$root" \( -name go.sum -o -name go.work.sum \) -exec cat {} + | sort -u >"$dir/go.sum"
	find "$root" -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} "$dir/" \;
	cp "$root"/fuzz/*.go "$dir/fuzz/"
	if $keep_seeds; then
		cp -r "$root/fuzz/testdata" "$dir/fuzz/"
	fi
}

printf 'planting %d bug(s), %s of fuzzing each, %s\n' "${#bugs[@]}" "$fuzztime" \
	"$($keep_seeds && echo "with the seed corpus" || echo "from an empty corpus")"
failures=0
results=()
for bug in "${bugs[@]}"; do
	dir=$work/$bug
	copy_module "$dir"
	if ! plant "$bug" "$dir"; then
		results+=("$(printf '%-28s PATCH FAILED' "$bug")")
		failures=$((failures + 1))
		continue
	fi
	if ! (cd "$dir" && GOWORK=off GOFLAGS=-mod=mod go test -c -fuzz '^FuzzOps$' -o "$dir/ops.test" ./fuzz) >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		results+=("$(printf '%-28s BUILD FAILED' "$bug")")
		failures=$((failures + 1))
		continue
	fi
	status=0
	(cd "$dir/fuzz" && ../ops.test -test.run '^$' -test.fuzz '^FuzzOps$' \
		-test.fuzztime "$fuzztime" -test.fuzzcachedir "$dir/fuzzcache") >"$dir/fuzz.log" 2>&1 || status=$?
	failed_after=$(grep -a -m1 -oE -- '--- FAIL: FuzzOps \([0-9.]+s\)' "$dir/fuzz.log" | grep -oE '[0-9.]+s' || true)
	caught=""
	if $unit_tests; then
		if (cd "$dir" && GOWORK=off GOFLAGS=-mod=mod go test -count=1 -run "$unit_test_pattern" ./fuzz) >"$dir/unit.log" 2>&1; then
			caught="; other tests: none failed"
		else
			caught="; other tests failing: $(grep -aoE -- '^--- FAIL: Test[A-Za-z]+' "$dir/unit.log" | sed 's/--- FAIL: //' | sort -u | tr '\n' ' ')"
		fi
	fi
	if [[ $bug == control ]]; then
		if [[ $caught == *failing* ]]; then
			status=1
		fi
		if ((status == 0)); then
			results+=("$(printf '%-28s passed, as it must%s' "$bug" "$caught")")
		else
			results+=("$(printf '%-28s FAILED: the unmodified code must pass%s' "$bug" "$caught")")
			sed -n '1,40p' "$dir/fuzz.log" >&2
			failures=$((failures + 1))
		fi
		continue
	fi
	if ((status != 0)) && [[ -n $failed_after ]]; then
		first=$(tr -d '\000' <"$dir/fuzz.log" | grep -a -m1 -E 'config .*, (op [0-9]+|after all)' | sed -E 's/^[[:space:]]*[a-z_]+\.go:[0-9]+: //' || true)
		results+=("$(printf '%-28s found after %-8s %s%s' "$bug" "$failed_after" "${first:0:110}" "$caught")")
	else
		results+=("$(printf '%-28s NOT FOUND in %s%s' "$bug" "$fuzztime" "$caught")")
		failures=$((failures + 1))
	fi
done

echo
for line in "${results[@]}"; do
	echo "$line"
done
if ((failures > 0)); then
	echo "$failures of ${#bugs[@]} runs did not go as required"
	exit 1
fi
echo "every planted bug was found"
