#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [TARGET] — build a libFuzzer target and run it for a bounded time.
#
# TARGET  loglens (default): tests/fuzz/fuzz_loglens.c, one log through reader + detector +
#                  tokenizers + engine + reporters (seeds: every log under testdata/)
#         rules:   tests/fuzz/fuzz_rules.c, one rule file through the loader and --check-rules
#                  (seeds: rules/*.json)
#
#   build/fuzz/fuzz_TARGET        libFuzzer + ASan + UBSan (objects compiled one by one from
#                                 src/*.c and build/rules_embed.c into build/fuzz/obj/)
#   build/fuzz/replay_TARGET      the same target with -DFUZZ_STANDALONE (no libFuzzer), ASan +
#                                 UBSan, to replay a file: build/fuzz/replay_loglens FILE
#   build/fuzz/corpus-TARGET/     the working corpus (kept between runs)
#   build/fuzz/crashes/           reproducers: crash-*, leak-*, timeout-*, oom-*, slow-unit-*
#   build/fuzz/fuzz-TARGET.log    libFuzzer's output
#
# Exit status: 0 when the run ends without a finding, 1 when libFuzzer found a crash, a leak, a
# timeout or an out-of-memory (the reproducer is named and kept), 2 when this machine cannot build
# a fuzzer (no clang, no pkg-config data, no libFuzzer runtime to link), 3 when the sources or a
# harness do not compile: a fault of the tree, which CI must not take for a missing tool.
# Run from the top of the tree after `make` (which generates build/rules_embed.c).
# Knobs (environment): FUZZ_CC (clang), FUZZ_MAX_LEN (bytes; 300000 for loglens: past the 64 KiB
# line cut and the 256 KiB detection window), FUZZ_JOBS (1), FUZZ_TIMEOUT (seconds per input,
# 10), FUZZ_RSS_MB (2048), FUZZ_ARGS (more libFuzzer flags).
#
# A find becomes a test case: minimise it (the command is printed), copy it to
# testdata/hostile/crash-<what-it-is>.log (.json for a rule file), and tests/cli.sh runs every
# crash-* file through loglens with each reporter from then on.
#
# AFL++ instead:  make && CC=afl-clang-fast sh tests/fuzz/run.sh --build-afl
#                 afl-fuzz -i build/fuzz/corpus-loglens -o build/fuzz/afl -- build/fuzz/afl_loglens @@
set -u
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
JOBS=${FUZZ_JOBS:-1}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
PKGS="libpcre2-8 libcjson zlib"

die() { printf 'fuzz: %s\n' "$*" >&2; exit 2; }
broken() { printf 'fuzz: %s\n' "$*" >&2; exit 3; }

[ -f src/analyze.c ] || die "run from the top of the loglens tree"
[ -f build/rules_embed.c ] || die "build/rules_embed.c is missing: run 'make' first"
command -v "$CC" >/dev/null 2>&1 || die "$CC is not installed (.ci/deps test installs clang)"
PKG_CFLAGS=$(pkg-config --cflags $PKGS) || die "pkg-config: $PKGS"
PKG_LIBS="$(pkg-config --libs $PKGS) -pthread" || die "pkg-config: $PKGS"

LIB_SRCS=
for f in src/*.c; do
	case $f in src/main.c|src/gen_embed.c) ;; *) LIB_SRCS="$LIB_SRCS $f";; esac
done
LIB_SRCS="$LIB_SRCS build/rules_embed.c"

# build OBJDIR COMPILE-FLAGS LINK-FLAGS OUTPUT HARNESS [DEFINES]
build() {
	dir=$1 cflags=$2 lflags=$3 exe=$4 harness=$5 defs=${6:-}
	mkdir -p "$dir"
	objs=
	newest_h=$(ls -t src/*.h | head -n 1)
	for src in $LIB_SRCS; do
		obj=$dir/$(basename "${src%.c}").o
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_h" -nt "$obj" ]; then
			# shellcheck disable=SC2086
			$CC -std=c11 -D_DEFAULT_SOURCE -Isrc -Ibuild $PKG_CFLAGS $cflags -c -o "$obj" "$src" ||
				broken "compiling $src"
		fi
		objs="$objs $obj"
	done
	# the harness alone first: a compile error there is the tree's, a link error the machine's
	hobj=$dir/harness-$(basename "$exe").o
	# shellcheck disable=SC2086
	$CC -std=c11 -D_DEFAULT_SOURCE -Isrc -Ibuild $PKG_CFLAGS $defs $cflags -c -o "$hobj" "$harness" ||
		broken "compiling $harness"
	# shellcheck disable=SC2086
	$CC $lflags -o "$exe" "$hobj" $objs $PKG_LIBS || die "linking $exe"
}

SAN="-Wno-comment -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"

if [ "${1:-}" = --build-afl ]; then
	build "$OUT/afl-obj" "-Wno-comment -g -O2" "-g -O2" "$OUT/afl_loglens" tests/fuzz/fuzz_loglens.c -DFUZZ_STANDALONE
	build "$OUT/afl-obj" "-Wno-comment -g -O2" "-g -O2" "$OUT/afl_rules" tests/fuzz/fuzz_rules.c -DFUZZ_STANDALONE
	echo "fuzz: built $OUT/afl_loglens and $OUT/afl_rules"
	exit 0
fi

SECONDS_TO_RUN=${1:-60}
TARGET=${2:-loglens}
case $SECONDS_TO_RUN in
''|*[!0-9]*) die "usage: tests/fuzz/run.sh [SECONDS] [loglens|rules]";;
esac
case $TARGET in
loglens) MAX_LEN=${FUZZ_MAX_LEN:-300000} DICT=tests/fuzz/loglens.dict EXTRA=;;
rules) MAX_LEN=${FUZZ_MAX_LEN:-200000} DICT=tests/fuzz/rules.dict EXTRA=-close_fd_mask=2;;
*) die "unknown target '$TARGET' (loglens or rules)";;
esac

build "$OUT/obj" "$SAN -fsanitize=fuzzer-no-link" "$SAN -fsanitize=fuzzer" "$OUT/fuzz_$TARGET" tests/fuzz/fuzz_$TARGET.c
build "$OUT/replay-obj" "$SAN" "$SAN" "$OUT/replay_$TARGET" tests/fuzz/fuzz_$TARGET.c -DFUZZ_STANDALONE

# Seeds, refreshed on every run: a copy of each input file, flat.
SEEDS=$OUT/seeds-$TARGET
CORPUS=$OUT/corpus-$TARGET
rm -rf "$SEEDS"
mkdir -p "$SEEDS" "$CORPUS" "$OUT/crashes"
if [ "$TARGET" = loglens ]; then
	set -- testdata/*/*
else
	set -- rules/*.json
fi
for f in "$@"; do
	[ -f "$f" ] || continue
	case $f in *.expect|*.sh|*.py|*/scenarios|*.md) continue;; esac
	[ "$(wc -c < "$f")" -le "$MAX_LEN" ] || continue
	cp "$f" "$SEEDS/$(printf '%s' "$f" | tr '/' '_')"
done

PAR=
[ "$JOBS" -gt 1 ] && PAR="-jobs=$JOBS -workers=$JOBS"
before=$(ls "$OUT/crashes" | wc -l)
log=$OUT/fuzz-$TARGET.log
echo "fuzz: running $OUT/fuzz_$TARGET for ${SECONDS_TO_RUN}s ($(ls "$SEEDS" | wc -l) seeds, corpus $(ls "$CORPUS" | wc -l)); log in $log"
# shellcheck disable=SC2086
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
"$OUT/fuzz_$TARGET" -max_total_time="$SECONDS_TO_RUN" -max_len="$MAX_LEN" -timeout="$TIMEOUT" \
	-rss_limit_mb="$RSS_MB" -dict="$DICT" -artifact_prefix="$OUT/crashes/" -print_final_stats=1 \
	$EXTRA $PAR ${FUZZ_ARGS:-} "$CORPUS" "$SEEDS" > "$log" 2>&1
rc=$?
# -jobs leaves each worker's output in fuzz-N.log in the current directory: fold them in.
for w in fuzz-[0-9]*.log; do
	[ -f "$w" ] || continue
	cat "$w" >> "$log"
	rm -f "$w"
done
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|Done [0-9]+ runs' "$log" | tail -n 5
after=$(ls "$OUT/crashes" | wc -l)
if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
	echo "fuzz: FOUND a problem (libFuzzer exit $rc); new reproducers:"
	ls -t "$OUT/crashes" | head -n $((after > before ? after - before : 1)) | sed "s|^|  $OUT/crashes/|"
	grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY|^    #[0-5] ' "$log" | head -n 12
	echo "fuzz: replay: $OUT/replay_$TARGET FILE; minimise: $OUT/fuzz_$TARGET -minimize_crash=1 -runs=20000 FILE"
	exit 1
fi
echo "fuzz: $TARGET: no crash, leak, timeout or OOM in ${SECONDS_TO_RUN}s"
exit 0
