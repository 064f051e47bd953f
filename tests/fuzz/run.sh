#!/bin/sh
# tests/fuzz/run.sh [SECONDS] — build the libFuzzer target and run it for a bounded time.
#
#   build/fuzz/fuzz_loglens      libFuzzer + ASan + UBSan build (objects compiled one by one
#                                from src/*.c and build/rules_embed.c into build/fuzz/obj/)
#   build/fuzz/replay            the same target with -DFUZZ_STANDALONE (no libFuzzer), for
#                                replaying a file; also the AFL++ main() when built with
#                                CC=afl-clang-fast (see below)
#   build/fuzz/corpus/           the working corpus (kept between runs), seeded from testdata/
#   build/fuzz/crashes/          reproducers: crash-*, leak-*, timeout-*, oom-*
#
# Exits 0 when the run ends without a finding, 1 when libFuzzer found a crash, a leak, a
# timeout or an out-of-memory (the reproducer is printed and kept), 2 when it cannot build.
# Run from the top of the tree after `make` (which generates build/rules_embed.c).
# Knobs (environment): FUZZ_CC (clang), FUZZ_MAX_LEN (bytes, 300000: past the 64 KiB line cut
# and the 256 KiB detection window), FUZZ_JOBS (1), FUZZ_TIMEOUT (per input, 10 s),
# FUZZ_RSS_MB (2048), FUZZ_ARGS (more libFuzzer flags).
#
# AFL++ instead:  make && CC=afl-clang-fast sh tests/fuzz/run.sh --build-afl
#                 afl-fuzz -i build/fuzz/corpus -o build/fuzz/afl -- build/fuzz/afl_loglens @@
set -u
SECONDS_TO_RUN=${1:-60}
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
MAX_LEN=${FUZZ_MAX_LEN:-300000}
JOBS=${FUZZ_JOBS:-1}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
PKGS="libpcre2-8 libcjson zlib"

die() { printf 'fuzz: %s\n' "$*" >&2; exit 2; }

[ -f src/analyze.c ] || die "run from the top of the loglens tree"
[ -f build/rules_embed.c ] || die "build/rules_embed.c is missing: run 'make' first"
PKG_CFLAGS=$(pkg-config --cflags $PKGS) || die "pkg-config: $PKGS"
PKG_LIBS=$(pkg-config --libs $PKGS) || die "pkg-config: $PKGS"

LIB_SRCS=
for f in src/*.c; do
	case $f in src/main.c|src/gen_embed.c) ;; *) LIB_SRCS="$LIB_SRCS $f";; esac
done
LIB_SRCS="$LIB_SRCS build/rules_embed.c"

# build DIR FLAVOUR-CFLAGS LINK-CFLAGS OUTPUT [EXTRA-DEFINES]
build() {
	dir=$1 cflags=$2 lflags=$3 exe=$4 defs=${5:-}
	mkdir -p "$dir"
	objs=
	for src in $LIB_SRCS; do
		obj=$dir/$(basename "${src%.c}").o
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find src -name '*.h' -newer "$obj" 2>/dev/null | head -n 1)" ]; then
			# shellcheck disable=SC2086
			$CC -std=c11 -D_DEFAULT_SOURCE -Isrc -Ibuild $PKG_CFLAGS $cflags -c -o "$obj" "$src" ||
				die "compiling $src"
		fi
		objs="$objs $obj"
	done
	# shellcheck disable=SC2086
	$CC -std=c11 -D_DEFAULT_SOURCE -Isrc -Ibuild $PKG_CFLAGS $defs $lflags -o "$exe" \
		tests/fuzz/fuzz_loglens.c $objs $PKG_LIBS || die "linking $exe"
}

SAN="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"

if [ "${1:-}" = --build-afl ]; then
	build "$OUT/afl-obj" "-g -O2" "-g -O2" "$OUT/afl_loglens" -DFUZZ_STANDALONE
	echo "fuzz: built $OUT/afl_loglens"
	exit 0
fi

case $SECONDS_TO_RUN in
''|*[!0-9]*) die "usage: tests/fuzz/run.sh [SECONDS]";;
esac

build "$OUT/obj" "$SAN -fsanitize=fuzzer-no-link" "$SAN -fsanitize=fuzzer" "$OUT/fuzz_loglens"
build "$OUT/replay-obj" "$SAN" "$SAN" "$OUT/replay" -DFUZZ_STANDALONE

# Seeds: every log and data file under testdata/ (golden cases, hostile inputs), once each.
mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/crashes"
for f in testdata/*/*; do
	[ -f "$f" ] || continue
	case $f in *.expect|*.sh|*.py|*/scenarios|*.md) continue;; esac
	sz=$(wc -c < "$f")
	[ "$sz" -le "$MAX_LEN" ] || continue
	cp "$f" "$OUT/seeds/$(printf '%s' "$f" | tr '/' '_')"
done

PAR=
[ "$JOBS" -gt 1 ] && PAR="-jobs=$JOBS -workers=$JOBS"
before=$(ls "$OUT/crashes" | wc -l)
log=$OUT/fuzz.log
echo "fuzz: running $OUT/fuzz_loglens for ${SECONDS_TO_RUN}s ($(ls "$OUT/seeds" | wc -l) seeds, corpus $(ls "$OUT/corpus" | wc -l)); log in $log"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
"$OUT/fuzz_loglens" -max_total_time="$SECONDS_TO_RUN" -max_len="$MAX_LEN" -timeout="$TIMEOUT" \
	-rss_limit_mb="$RSS_MB" -dict=tests/fuzz/loglens.dict -artifact_prefix="$OUT/crashes/" \
	-print_final_stats=1 $PAR ${FUZZ_ARGS:-} \
	"$OUT/corpus" "$OUT/seeds" > "$log" 2>&1
rc=$?
# -jobs writes each worker's log to fuzz-N.log in the current directory: fold them in.
for w in fuzz-[0-9]*.log; do
	[ -f "$w" ] || continue
	cat "$w" >> "$log"
	rm -f "$w"
done
grep -E '^stat::|^#[0-9]+.*DONE|Done [0-9]+ runs' "$log" | tail -n 8
after=$(ls "$OUT/crashes" | wc -l)
if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
	echo "fuzz: FOUND a problem (libFuzzer exit $rc); reproducers:"
	ls -t "$OUT/crashes" | head -n $((after - before > 0 ? after - before : 5)) | sed "s|^|  $OUT/crashes/|"
	grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY' "$log" | head -n 10
	echo "fuzz: replay with: $OUT/replay FILE    (minimise: $OUT/fuzz_loglens -minimize_crash=1 -runs=10000 FILE)"
	exit 1
fi
echo "fuzz: no crash, leak, timeout or OOM in ${SECONDS_TO_RUN}s"
exit 0
