#!/bin/sh
# bench/gen.sh — build the benchmark corpus (deterministic, no network) in $BENCH_DIR.
#
#   big.log        ~SIZE_MB MB: WinSCP Debug 2 sessions (hex dumps, socket lines; testdata/winscp
#                  fixtures mixed in verbatim when there are any) with the lab's ssh -v/-vvv,
#                  sftp -v, plink -v and psftp -v transcripts, failures sprinkled in
#   head.log       the first HEAD_MB MB of big.log (cut at a line end), for the linearity check
#   small/         SMALL_COUNT small logs, a few KB each
#   sshd.log       ~SSHD_MB MB of classic syslog sshd lines built from testdata/sshd/lab-*
#   rules10/       COPIES synthetic rules per default rule (loglens --rules DIR)
#
# Environment: BENCH_DIR (default ${TMPDIR:-/tmp}/loglens-bench), SIZE_MB (1000), HEAD_MB (100),
# SMALL_COUNT (10000), SSHD_MB (32), COPIES (10), SEED (20240101), CC (cc), LOGLENS (./loglens).
# Run from the top of the source tree. Files already built with the same parameters and inputs
# are kept (a stamp file records them).
set -eu

BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/loglens-bench}
SIZE_MB=${SIZE_MB:-1000}
HEAD_MB=${HEAD_MB:-100}
SMALL_COUNT=${SMALL_COUNT:-10000}
SSHD_MB=${SSHD_MB:-32}
COPIES=${COPIES:-10}
SEED=${SEED:-20240101}
CC=${CC:-cc}
LOGLENS=${LOGLENS:-./loglens}

[ -f bench/gen.c ] || { echo "gen.sh: run me from the top of the loglens tree" >&2; exit 2; }
command -v python3 >/dev/null || { echo "gen.sh: python3 is needed (bench/rules.py)" >&2; exit 2; }
mkdir -p "$BENCH_DIR"

# the inputs, in a fixed order
list=$BENCH_DIR/inputs.list
: >"$list.new"
for k in openssh putty winscp sshd; do
	case $k in
	winscp) pat='testdata/winscp/*.log' ;;
	*) pat="testdata/$k/lab-*.log" ;;
	esac
	for f in $pat; do
		[ -f "$f" ] && printf '%s %s\n' "$k" "$f" >>"$list.new"
	done
done
for k in openssh putty sshd; do
	grep -q "^$k " "$list.new" || { echo "gen.sh: no testdata/$k/lab-*.log transcripts" >&2; exit 1; }
done
mv "$list.new" "$list"

stamp_now=$( {
	echo "SIZE_MB=$SIZE_MB HEAD_MB=$HEAD_MB SMALL_COUNT=$SMALL_COUNT SSHD_MB=$SSHD_MB COPIES=$COPIES SEED=$SEED"
	cksum bench/gen.c bench/rules.py
	cut -d' ' -f2- "$list" | xargs cksum
	cat rules/*.json | cksum
} | cksum )
if [ -f "$BENCH_DIR/stamp" ] && [ "$(cat "$BENCH_DIR/stamp")" = "$stamp_now" ] &&
	[ -f "$BENCH_DIR/big.log" ] && [ -f "$BENCH_DIR/head.log" ] && [ -f "$BENCH_DIR/sshd.log" ] &&
	[ -d "$BENCH_DIR/small" ] && [ -d "$BENCH_DIR/rules10" ]; then
	echo "gen.sh: corpus in $BENCH_DIR is up to date"
	exit 0
fi
rm -f "$BENCH_DIR/stamp"

echo "gen.sh: building the corpus in $BENCH_DIR ($(wc -l <"$list") transcripts: $(cut -d' ' -f1 "$list" | sort | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}'))"
$CC -O2 -std=c11 -o "$BENCH_DIR/gen" bench/gen.c -lm

t0=$(date +%s)
"$BENCH_DIR/gen" big "$BENCH_DIR/big.log" "$BENCH_DIR/head.log" $((HEAD_MB * 1000000)) $((SIZE_MB * 1000000)) "$SEED" "$list"
rm -rf "$BENCH_DIR/small"
"$BENCH_DIR/gen" small "$BENCH_DIR/small" "$SMALL_COUNT" "$SEED" "$list"
"$BENCH_DIR/gen" sshd "$BENCH_DIR/sshd.log" $((SSHD_MB * 1000000)) "$SEED" "$list"
rm -rf "$BENCH_DIR/rules10" "$BENCH_DIR/rules10.tokens"
python3 bench/rules.py synth rules "$BENCH_DIR/rules10" "$COPIES"

# the synthetic rules' tokens must occur nowhere in the corpus, or they are not "extra rules that never match"
hits=$(LC_ALL=C grep -F -o -h -f "$BENCH_DIR/rules10.tokens" "$BENCH_DIR/big.log" "$BENCH_DIR/sshd.log" \
	"$BENCH_DIR/small"/* 2>/dev/null | head -5 || true)
if [ -n "$hits" ]; then
	echo "gen.sh: synthetic rule tokens occur in the corpus: $hits" >&2
	exit 1
fi
if [ -x "$LOGLENS" ]; then
	if ! "$LOGLENS" --check-rules --rules "$BENCH_DIR/rules10" >"$BENCH_DIR/check-rules.out" 2>&1; then
		tail -5 "$BENCH_DIR/check-rules.out" >&2
		echo "gen.sh: the synthetic rules do not pass loglens --check-rules" >&2
		exit 1
	fi
fi
echo "$stamp_now" >"$BENCH_DIR/stamp"
echo "gen.sh: done in $(( $(date +%s) - t0 )) s"
