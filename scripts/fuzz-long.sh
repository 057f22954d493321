#!/bin/sh
# fuzz-long.sh RUNS TARGET... - run each libFuzzer target in turn, on one
# core, until it has done RUNS executions (or FUZZ_LONG_SECONDS, when
# set, have passed), from its committed corpus, and print one table:
# target, executions, coverage (libFuzzer's final cov: and ft:), and
# findings. Called by `make fuzz-long` (mk/fuzz.mk), which builds the
# targets in build/fuzz first.
#
# Like run-fuzz.sh it only reads the committed corpus: new inputs go to
# build/fuzz/long/NAME/new/, crashes, leaks and timeouts to
# build/fuzz/long/NAME/ (their names are printed), the log to
# build/fuzz/long/NAME/log.
#
# A timeout (one input running past 10 s of wall-clock time) is re-run
# alone before it counts: on a machine busy with other work the fuzzer
# can be starved that long by an input that takes milliseconds.
#
# Exit: 0 when no target found anything, 1 otherwise.
set -u

[ "$#" -ge 2 ] || { echo "usage: fuzz-long.sh RUNS TARGET..." >&2; exit 1; }
runs=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
bindir="$top/build/fuzz"
workdir="$top/build/fuzz/long"
seconds=${FUZZ_LONG_SECONDS:-0}
# One input that runs this long (seconds) is a hang: a finding.
input_timeout=10
# As mk/fuzz.mk's FUZZ_MAX_LEN and FUZZ_MAX_LEN_reply.
max_len_of() {
	case $1 in
	reply)	echo 20000 ;;
	*)	echo 8192 ;;
	esac
}

stat_of() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

# The last "cov: N ft: M" libFuzzer printed (its DONE line).
cov_of() {
	sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$1" | tail -n 1
}

status=0
printf '| target | executions | coverage (cov / ft) | seconds | findings |\n'
printf '| --- | ---: | ---: | ---: | --- |\n'
for name in "$@"; do
	bin="$bindir/fuzz-$name"
	work="$workdir/$name"
	dict="$top/tests/fuzz/$name.dict"
	[ -x "$bin" ] || { echo "fuzz-long: no $bin (make fuzz-long builds it)" >&2
		status=1; continue; }
	mkdir -p "$work/new" || exit 1
	set -- -runs="$runs" -max_len="$(max_len_of "$name")" -len_control=0 \
	    -timeout="$input_timeout" -print_final_stats=1 \
	    -artifact_prefix="$work/"
	[ "$seconds" -gt 0 ] && set -- "$@" -max_total_time="$seconds"
	[ -f "$dict" ] && set -- "$@" -dict="$dict"
	start=$(date +%s)
	UBSAN_OPTIONS=print_stacktrace=1 "$bin" "$@" "$work/new" \
	    "$top/tests/fuzz/corpus/$name" >"$work/log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	execs=$(stat_of number_of_executed_units "$work/log")
	set -- $(cov_of "$work/log")
	cov=${1:-?} ft=${2:-?}
	# A "timeout" on a loaded machine may be the fuzzer starved of CPU,
	# not a hang: run the input alone; if it finishes within the limit
	# it is no finding, and the table says so.
	unit=$(sed -n 's/.*Test unit written to \(.*timeout-.*\)$/\1/p' \
	    "$work/log")
	if [ "$rc" -ne 0 ] && [ -n "$unit" ] && [ -f "$unit" ] &&
	    "$bin" -timeout="$input_timeout" "$unit" >"$work/recheck" 2>&1; then
		found="none (stopped: a timeout that the input alone does not repeat, machine load)"
	elif [ "$rc" -eq 0 ]; then
		found=none
	else
		status=1
		found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' \
		    "$work/log" | tr '\n' ' ')
		found="exit $rc: ${found:-see $work/log}"
	fi
	printf '| %s | %s | %s / %s | %s | %s |\n' "$name" "${execs:-?}" \
	    "$cov" "$ft" "$took" "$found"
done
exit $status
