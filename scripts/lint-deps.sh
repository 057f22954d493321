#!/bin/sh
# lint-deps.sh OBJDIR - the architecture, checked (README "Architecture").
#
# 1. Includes follow the layers: a folder may include its own headers and
#    those of the folders listed for it below, never one above it. The
#    engine (smtp/, tls/) never includes probe/; tls/ never includes smtp/.
# 2. What the objects call, read from the compiled code with nm -u (so a
#    macro, a fortified variant or a misspelt grep cannot hide a call):
#    nothing in smtp/ or tls/ prints, exits or aborts, and no object
#    anywhere calls a banned function.
# Prints one line per violation and exits 1 when there is any.
set -u

objdir=${1:?usage: lint-deps.sh OBJDIR}
cd "$(dirname "$0")/.." || exit 3

# folder: the folders it may include besides itself (smtp and tls are
# below every probe folder).
allowed() {
	case $1 in
	probe/util)	echo "smtp" ;;
	probe/config)	echo "probe/util smtp" ;;
	probe/dns)	echo "probe/util smtp" ;;
	probe/auth)	echo "probe/dns probe/util smtp" ;;
	probe/verdict)	echo "probe/auth probe/dns probe/util smtp tls" ;;
	probe/run)	echo "probe/verdict probe/auth probe/dns probe/config probe/util smtp tls" ;;
	probe/history)	echo "probe/verdict probe/util smtp" ;;
	probe/catalog)	echo "probe/run probe/verdict probe/config probe/util smtp" ;;
	probe/report)	echo "probe/catalog probe/run probe/verdict probe/auth probe/dns probe/config probe/util smtp tls" ;;
	probe)		echo "ANY" ;;
	smtp)		echo "tls" ;;
	tls)		echo "" ;;
	*)		echo "UNKNOWN" ;;
	esac
}

bad=0
for f in probe/*.[ch] probe/*/*.[ch] smtp/*.[ch] tls/*.[ch]; do
	dir=${f%/*}
	ok=$(allowed "$dir")
	if [ "$ok" = UNKNOWN ]; then
		echo "lint-deps: $f: folder $dir has no place in the layers" \
		    "(add it to scripts/lint-deps.sh and the README)"
		bad=1
		continue
	fi
	[ "$ok" = ANY ] && continue
	grep -n '^#include "' "$f" | while IFS= read -r line; do
		inc=${line#*\"}
		inc=${inc%\"*}
		to=${inc%/*}
		[ "$to" = "$dir" ] && continue
		case " $ok " in *" $to "*) continue ;; esac
		echo "lint-deps: ${f}:${line%%:*}: $dir may not include $inc"
	done
done >"${TMPDIR:-/tmp}/lint-deps.$$"
if [ -s "${TMPDIR:-/tmp}/lint-deps.$$" ]; then
	cat "${TMPDIR:-/tmp}/lint-deps.$$"
	bad=1
fi
rm -f "${TMPDIR:-/tmp}/lint-deps.$$"

# The calls, from the objects. The printf family writing to a stream,
# their fortified (__*_chk) forms, exit and abort: not in the engine.
engine_banned='^(printf|fprintf|vprintf|vfprintf|dprintf|puts|fputs|putc|fputc|putchar|fwrite|perror|exit|_exit|_Exit|abort|longjmp|siglongjmp|__printf_chk|__fprintf_chk|__vfprintf_chk|__vprintf_chk|__dprintf_chk|fputs_unlocked|putc_unlocked|fwrite_unlocked)$'
everywhere_banned='^(sprintf|vsprintf|__sprintf_chk|__vsprintf_chk|strcpy|__strcpy_chk|strcat|__strcat_chk|atoi|sscanf|__isoc99_sscanf|__isoc23_sscanf|gets|strtok|system|popen)$'
command -v nm >/dev/null 2>&1 || { echo "lint-deps: nm not found (binutils)"; exit 3; }
objs=$(find "$objdir/smtp" "$objdir/tls" "$objdir/probe" -name '*.o' 2>/dev/null)
[ -n "$objs" ] || { echo "lint-deps: no objects under $objdir: build first"; exit 3; }
for o in $objs; do
	case $o in
	"$objdir"/smtp/*|"$objdir"/tls/*) pat="$engine_banned|$everywhere_banned" ;;
	*) pat=$everywhere_banned ;;
	esac
	for sym in $(nm -u "$o" | awk '{print $2}' | sed 's/@.*//' | grep -E "$pat"); do
		echo "lint-deps: ${o#"$objdir"/}: calls $sym"
		bad=1
	done
done
exit $bad
