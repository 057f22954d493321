#!/bin/sh
# bench-diagnosis.sh [BUILD] - how well `smtpprobe explain` diagnoses
# replies it has never seen: runs the corpus scorer (tests/corpus/score.c,
# built as BUILD/corpus-score by `make B=BUILD BUILD/corpus-score`; BUILD
# defaults to build/rel) over tests/corpus/dev (tuning allowed) and
# tests/corpus/heldout6 when present (scored only, never tuned on; the
# next collection, tests/corpus/README.md) and prints, per
# provider group, the replies, the share with the right cause (the label
# or one of its accept list) and with the right verdict. Builds nothing;
# judges nothing (the goals are in README "Diagnosis").
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-build/rel}
case $b in /*) ;; *) b=$top/$b ;; esac
if [ ! -x "$b/corpus-score" ]; then
	echo "bench-diagnosis: $b/corpus-score missing; run" \
	    "make B=${1:-build/rel} ${1:-build/rel}/corpus-score" >&2
	exit 3
fi
export SMTPPROBE_DATADIR="$top"
for part in dev heldout6; do
	[ -d "$top/tests/corpus/$part" ] || continue
	echo "== $part (tests/corpus/$part)"
	"$b/corpus-score" "$top/tests/corpus/$part"
	echo
done
