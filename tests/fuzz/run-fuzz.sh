#!/bin/sh
# run-fuzz.sh NAME BIN CORPUS WORK SECONDS MAX_LEN - run one libFuzzer
# target for SECONDS, starting from the committed CORPUS, and say how it
# went in one line. Called by `make fuzz` (mk/fuzz.mk) once per target.
#
# The committed corpus is only read: libFuzzer writes the inputs it finds
# interesting into the first directory it is given, which is WORK/new, and
# crash, leak and timeout inputs go to WORK/ (their names are printed).
# To keep a finding, copy its file into tests/fuzz/corpus/NAME/ with a
# name that says what it is.
#
# Exit: 0 when the target ran its time without a finding, 1 otherwise.
set -u

[ "$#" -eq 6 ] || {
	echo "usage: run-fuzz.sh NAME BIN CORPUS WORK SECONDS MAX_LEN" >&2
	exit 1
}
name=$1 bin=$2 corpus=$3 work=$4 seconds=$5 max_len=$6
top=$(cd "$(dirname "$0")/../.." && pwd)
dict="$top/tests/fuzz/$name.dict"
# One input that runs this long (seconds) is a hang: a finding.
input_timeout=10

[ -d "$corpus" ] || { echo "fuzz: $name: no corpus $corpus" >&2; exit 1; }
mkdir -p "$work/new" || exit 1

# -len_control=0: long inputs from the start, so the 8 KiB line and the
# 500-line limits are tried early, not after hours of growing inputs.
set -- -max_total_time="$seconds" -max_len="$max_len" -len_control=0 \
    -timeout="$input_timeout" -print_final_stats=1 -artifact_prefix="$work/"
[ -f "$dict" ] && set -- "$@" -dict="$dict"

UBSAN_OPTIONS=print_stacktrace=1 \
    "$bin" "$@" "$work/new" "$corpus" >"$work/log" 2>&1
status=$?

stat_of() {
	sed -n "s/^stat::$1: *//p" "$work/log" | tail -n 1
}
execs=$(stat_of number_of_executed_units)
rate=$(stat_of average_exec_per_sec)
new=$(stat_of new_units_added)
rss=$(stat_of peak_rss_mb)
printf 'fuzz: %-8s %s s, %s execs, %s execs/s, %s new inputs, peak %s MB' \
    "$name" "$seconds" "${execs:-?}" "${rate:-?}" "${new:-?}" "${rss:-?}"
if [ "$status" -eq 0 ]; then
	echo ": no finding"
	exit 0
fi
echo ": FINDING (exit $status), log in $work/log"
tail -n 40 "$work/log" >&2
sed -n 's/.*Test unit written to \(.*\)$/fuzz: input: \1/p' "$work/log" >&2
exit 1
