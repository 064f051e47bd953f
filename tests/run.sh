#!/bin/sh
# tests/run.sh — the whole suite (make check). Every part prints PASS/FAIL/SKIP lines; the last
# line is the summary "N passed, N failed, N skipped". Run from the top of the tree.
LOGLENS=${LOGLENS:-./loglens}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/loglens-check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
RESULTS="$TMP/results"
: > "$RESULTS"

record() { printf '%s\n' "$1" >> "$RESULTS"; printf '%s\n' "$1"; }

# 1. every rule's own examples and near-misses
echo "# rule examples"
$LOGLENS --check-rules --verbose 2>"$TMP/rules.err" | grep -E '^(PASS|FAIL) ' | while IFS= read -r l; do
	case $l in PASS*) printf '%s\n' "$l" >> "$RESULTS";; *) record "$l";; esac
done
if [ -s "$TMP/rules.err" ] && grep -qv ': note: ' "$TMP/rules.err"; then
	grep -v ': note: ' "$TMP/rules.err" | sed 's/^/# /'
	grep -q 'problem(s) in the rules\|invalid JSON\|bad regex\|missing\|unknown' "$TMP/rules.err" && record "FAIL rule files load"
fi
echo "# rule examples: $(grep -c '^PASS' "$RESULTS") passed"

# 2. unit tests (reader, tokenizers, prefilter, templates)
echo "# unit tests"
UNIT_TESTS=${UNIT_TESTS:-build/unit_tests}
if [ -x "$UNIT_TESTS" ]; then
	"$UNIT_TESTS" | while IFS= read -r l; do
		case $l in PASS*) printf '%s\n' "$l" >> "$RESULTS";; FAIL*) record "$l";; *) printf '%s\n' "$l";; esac
	done
else
	record "FAIL unit tests: build/unit_tests missing"
fi

# 3. golden cases: testdata/<family>/<case>.<ext> beside <case>.expect
echo "# golden cases"
for exp in testdata/*/*.expect; do
	[ -e "$exp" ] || continue
	base=${exp%.expect}
	data=
	inputs=$(sed -n 's/^inputs:[ ]*//p' "$exp" | head -n 1)
	if [ -n "$inputs" ]; then
		dir=$(dirname "$exp")
		for f in $inputs; do data="$data $dir/$f"; done
	else
		for f in "$base".*; do
			[ "$f" = "$exp" ] && continue
			data=$f
			break
		done
	fi
	if [ -z "$data" ]; then
		record "FAIL $exp: no data file beside it"
		continue
	fi
	args=$(sed -n 's/^args:[ ]*//p' "$exp" | head -n 1)
	# shellcheck disable=SC2086
	$LOGLENS --json $args $data > "$TMP/out.json" 2> "$TMP/err.txt"
	code=$?
	if [ "$code" -ge 90 ]; then
		record "FAIL $exp: loglens crashed or a checker found a memory error (exit $code)"
		sed 's/^/#   /' "$TMP/err.txt" | head -n 30
		continue
	fi
	if build/jcheck "$exp" "$TMP/out.json" "$code" > "$TMP/check.txt"; then
		printf 'PASS %s\n' "$exp" >> "$RESULTS"
	else
		record "FAIL $exp"
		sed 's/^/#   /' "$TMP/check.txt"
		[ -s "$TMP/err.txt" ] && sed 's/^/#   stderr: /' "$TMP/err.txt"
	fi
done
echo "# golden cases: done"

# 4. the command line: exit codes, errors, languages, streaming
if [ -f tests/cli.sh ]; then
	echo "# command line"
	LOGLENS=$LOGLENS TMP=$TMP sh tests/cli.sh | while IFS= read -r l; do
		case $l in PASS*) printf '%s\n' "$l" >> "$RESULTS";; FAIL*|SKIP*) record "$l";; *) printf '%s\n' "$l";; esac
	done
fi

# 4b. the Japanese texts against the English: same placeholders, commands and numbers
if command -v python3 >/dev/null 2>&1; then
	echo "# Japanese texts"
	if python3 tests/ja_check.py > "$TMP/ja.txt" 2>&1; then
		record "PASS ja_check: $(tail -n 1 "$TMP/ja.txt" | sed 's/^# ja_check: //')"
	else
		record "FAIL ja_check"
		grep -v '^WARN' "$TMP/ja.txt" | sed 's/^/#   /' | head -n 40
	fi
else
	record "SKIP ja_check: python3 not found"
fi

# 5. the live lab: real sshd, ssh, sftp, plink, psftp on loopback
if [ "${LOGLENS_SKIP_LAB:-}" = 1 ]; then
	record "SKIP live lab: LOGLENS_SKIP_LAB=1"
elif [ -f tests/lab/run.sh ]; then
	echo "# live lab"
	bash tests/lab/run.sh "$LOGLENS" | while IFS= read -r l; do
		case $l in PASS*) printf '%s\n' "$l" >> "$RESULTS";; FAIL*|SKIP*) record "$l";; *) printf '%s\n' "$l";; esac
	done
fi

passed=$(grep -c '^PASS' "$RESULTS")
failed=$(grep -c '^FAIL' "$RESULTS")
skipped=$(grep -c '^SKIP' "$RESULTS")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
