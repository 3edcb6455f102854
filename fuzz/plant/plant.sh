#!/usr/bin/env bash
# plant.sh: proves that FuzzOps can fail.
#
# Each planted bug is a small patch in fuzz/plant/bugs/NAME.patch whose
# first line says what the bug is. For each bug the script copies the files
# the patch touches into a temporary directory, applies the patch there
# with git apply, and builds the fuzz package with the patched files laid
# over the tree (go build -overlay), so the packages a bug leaves alone come
# from the build cache. A bug counts as found when FuzzOps fails. A patch
# that no longer applies fails the run: whoever changes the code updates
# the bug with it (edit the code as the bug describes, then
# `git diff > fuzz/plant/bugs/NAME.patch` and put the description back on
# the first line). The working tree is never touched, and the fuzz cache of
# each run is private to it.
#
# Usage: fuzz/plant/plant.sh [-r | -s] [-t FUZZTIME] [-u] [-k] [-l] [BUG...]
#   (none)       fuzz each bug from an empty corpus for FUZZTIME: what finds
#                the bug is the fuzzer's own search
#   -s           fuzz each bug for FUZZTIME starting from the checked-in
#                seed corpus
#   -r           replay the checked-in seed corpus once, no fuzzing: every
#                bug must fail on an input kept there. Deterministic; what
#                CI runs
#   -t FUZZTIME  fuzzing budget per bug (go test -fuzztime syntax); default 60s
#   -u           also run the other tests of fuzz/ (stress, close, bad-input
#                catalogue; no fuzzing engine) against each bug and report
#                which of them catch it; informational, not required
#   -k           keep the temporary directory (logs, failing inputs) and
#                print its path
#   -l           list the bugs and exit
#   BUG...       bugs to plant (default: all); "control" runs the unmodified
#                code, which must pass
#
# Exit status: 0 when every planted bug was found and the control passed.
set -euo pipefail

mode=fuzz-empty
fuzztime=60s
keep_work=false
unit_tests=false

bugs_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bugs
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
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

while getopts "rt:skul" flag; do
	case $flag in
	r) mode=replay ;;
	s) mode=fuzz-seeds ;;
	t) fuzztime=$OPTARG ;;
	u) unit_tests=true ;;
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

work=$(mktemp -d "${TMPDIR:-/tmp}/routecache-plant.XXXXXX")
if $keep_work; then
	echo "keeping $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# plant BUG DIR: writes DIR/overlay.json, which lays BUG's patched files
# over the tree, or says loudly that the patch does not apply.
plant() {
	local bug=$1 dir=$2 path sep=""
	mkdir -p "$dir/src"
	if [[ $bug != control ]]; then
		# The files the patch touches, copied so that it applies to them.
		while IFS=$'\t' read -r _ _ path; do
			mkdir -p "$dir/src/$(dirname "$path")"
			cp "$root/$path" "$dir/src/$path"
		done < <(git apply --numstat "$bugs_dir/$bug.patch")
		if ! (cd "$dir/src" && git apply "$bugs_dir/$bug.patch") 2>"$dir/apply.log"; then
			echo "plant.sh: bug $bug: fuzz/plant/bugs/$bug.patch does not apply to today's code:" >&2
			cat "$dir/apply.log" >&2
			return 1
		fi
	fi
	{
		printf '{"Replace": {'
		while IFS= read -r path; do
			printf '%s"%s": "%s"' "$sep" "$root/$path" "$dir/src/$path"
			sep=", "
		done < <(cd "$dir/src" && find . -type f | sed 's|^\./||')
		printf '}}\n'
	} >"$dir/overlay.json"
}

case $mode in
replay) how="replaying the checked-in seed corpus" ;;
fuzz-seeds) how="$fuzztime of fuzzing each, from the seed corpus" ;;
fuzz-empty) how="$fuzztime of fuzzing each, from an empty corpus" ;;
esac
printf 'planting %d bug(s), %s\n' "${#bugs[@]}" "$how"
# run_bug BUG: plants BUG, builds and runs it, and writes one line of
# results to $work/BUG/result and "ok" or "failed" to $work/BUG/status.
run_bug() {
	local bug=$1 dir=$work/$1 result status=0 caught="" found first rundir
	local build run
	mkdir -p "$dir"
	if ! plant "$bug" "$dir"; then
		finish "$bug" failed "DOES NOT APPLY: update fuzz/plant/bugs/$bug.patch"
		return
	fi
	build=(go test -c -overlay "$dir/overlay.json" -o "$dir/ops.test")
	[[ $mode == replay ]] || build+=(-fuzz '^FuzzOps$')
	if ! (cd "$root" && "${build[@]}" ./fuzz) >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		finish "$bug" failed "BUILD FAILED"
		return
	fi
	# The test binary reads testdata/ from its working directory: the
	# package's own for the seed corpus, an empty one otherwise.
	rundir=$root/fuzz
	if [[ $mode == fuzz-empty ]]; then
		rundir=$dir/run
		mkdir -p "$rundir"
	fi
	run=("$dir/ops.test" -test.run '^FuzzOps$')
	if [[ $mode != replay ]]; then
		run=("$dir/ops.test" -test.run '^$' -test.fuzz '^FuzzOps$' -test.fuzztime "$fuzztime" -test.fuzzcachedir "$dir/fuzzcache")
	fi
	(cd "$rundir" && "${run[@]}") >"$dir/fuzz.log" 2>&1 || status=$?
	if $unit_tests; then
		if (cd "$root" && go test -overlay "$dir/overlay.json" -count=1 -run "$unit_test_pattern" ./fuzz) >"$dir/unit.log" 2>&1; then
			caught="; other tests: none failed"
		else
			caught="; other tests failing: $(grep -aoE -- '^--- FAIL: Test[A-Za-z]+' "$dir/unit.log" | sed 's/--- FAIL: //' | sort -u | tr '\n' ' ')"
		fi
	fi
	if [[ $bug == control ]]; then
		if ((status == 0)) && [[ $caught != *failing* ]]; then
			finish "$bug" ok "passed, as it must$caught"
		else
			sed -n '1,40p' "$dir/fuzz.log" >&2
			finish "$bug" failed "FAILED: the unmodified code must pass$caught"
		fi
		return
	fi
	# A replay names the seed that failed; a fuzzing run, the time it took.
	found=$(grep -a -m1 -oE -- '--- FAIL: FuzzOps/[^ ]+' "$dir/fuzz.log" | sed 's|.*FuzzOps/||' || true)
	[[ -n $found ]] || found=$(grep -a -m1 -oE -- '--- FAIL: FuzzOps \([0-9.]+s\)' "$dir/fuzz.log" | grep -oE '[0-9.]+s' || true)
	if ((status != 0)) && [[ -n $found ]]; then
		first=$(tr -d '\000' <"$dir/fuzz.log" | grep -a -m1 -E 'config .*, (op [0-9]+|after all)' | sed -E 's/^[[:space:]]*[a-z_]+\.go:[0-9]+: //' || true)
		finish "$bug" ok "$(printf 'found by %-24s %s%s' "$found" "${first:0:90}" "$caught")"
	else
		finish "$bug" failed "NOT FOUND ($how)$caught"
	fi
}

# finish BUG STATUS LINE records BUG's outcome for the summary.
finish() {
	printf '%-28s %s\n' "$1" "$3" >"$work/$1/result"
	echo "$2" >"$work/$1/status"
}

# A replay is mostly building, one compiler at a time: one bug per core.
# Fuzzing uses every core by itself: one bug at a time.
jobs_max=1
[[ $mode == replay ]] && jobs_max=$(nproc)
for bug in "${bugs[@]}"; do
	run_bug "$bug" &
	while (($(jobs -rp | wc -l) >= jobs_max)); do
		wait -n || true
	done
done
wait

failures=0
results=()
for bug in "${bugs[@]}"; do
	results+=("$(cat "$work/$bug/result")")
	[[ $(cat "$work/$bug/status") == ok ]] || failures=$((failures + 1))
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
