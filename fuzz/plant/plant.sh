#!/usr/bin/env bash
# plant.sh: proves that FuzzOps can fail.
#
# Each planted bug is a small patch in fuzz/plant/bugs/NAME.patch whose
# first line says what the bug is. For each bug the script copies the root
# package, its internal packages and the fuzz package into a temporary
# module, applies the patch to the copy with git apply, builds the
# coverage-instrumented FuzzOps binary and fuzzes it for a bounded time. A
# bug counts as found when FuzzOps fails. A patch that no longer applies
# fails the run: whoever changes the code updates the bug with it (edit the
# code as the bug describes, then `git diff > fuzz/plant/bugs/NAME.patch`
# and put the description back on the first line). The working tree is
# never touched: everything happens under a temporary directory that is
# removed on exit, and the fuzz cache of each run is private to it.
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

bugs_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bugs
bugs=(control)
for patch in "$bugs_dir"/*.patch; do
	bugs+=("$(basename "$patch" .patch)")
done

describe() {
	if [[ $1 == control ]]; then
		echo "no bug: the unmodified code must pass"
	elif [[ -f $bugs_dir/$1.patch ]]; then
		head -n1 "$bugs_dir/$1.patch"
	else
		return 1
	fi
}

# plant BUG DIR: applies BUG's patch to the copy in DIR, or says loudly
# that it does not apply.
plant() {
	[[ $1 == control ]] && return 0
	if ! (cd "$2" && git apply "$bugs_dir/$1.patch") 2>"$2/apply.log"; then
		echo "plant.sh: bug $1: fuzz/plant/bugs/$1.patch does not apply to today's code:" >&2
		cat "$2/apply.log" >&2
		return 1
	fi
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

# copy_module DIR: the root package and its internal packages (without
# their tests) and the fuzz package, as a standalone module with the root's
# go.mod. Its go.sum joins every checksum file of the workspace: in the
# workspace, checksums of test-only dependencies may live in go.work.sum or
# a nested module's go.sum rather than in the root's.
copy_module() {
	local dir=$1
	mkdir -p "$dir/fuzz"
	cp "$root/go.mod" "$dir/"
	find "$root" \( -name go.sum -o -name go.work.sum \) -exec cat {} + | sort -u >"$dir/go.sum"
	(cd "$root" && { ls ./*.go && find internal -name '*.go'; } | grep -v '_test\.go$' |
		tar cf - -T -) | tar xf - -C "$dir"
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
		results+=("$(printf '%-28s DOES NOT APPLY: update fuzz/plant/bugs/%s.patch' "$bug" "$bug")")
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
