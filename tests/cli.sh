#!/bin/sh
# tests/cli.sh — the command line against hostile input (issue 6). Run by tests/run.sh from the
# top of the tree with LOGLENS (the binary, possibly "valgrind … ./loglens") and TMP (a scratch
# directory). Prints one line per check: "PASS name", "FAIL name: why", "SKIP name: why".
#
# Inputs: small files are committed under testdata/hostile/ (base-*.log are copies of live-lab
# transcripts, so these checks do not move when the golden cases are regenerated; secret-*.log
# and redact-*.log are built for the secret and --redact checks). Big and binary inputs are
# generated here into $TMP. JSON is read with build/jcheck (assertions, as in .expect files)
# and python3 (whole-document comparisons; .ci/deps test installs it).
set -u
LOGLENS=${LOGLENS:-./loglens}
TMP=${TMP:-$(mktemp -d "${TMPDIR:-/tmp}/loglens-cli.XXXXXX")}
JCHECK=${JCHECK:-build/jcheck}
H=testdata/hostile
W=$TMP/cli
rm -rf "$W"
mkdir -p "$W"

pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s: %s\n' "$1" "$2"; }
skip() { printf 'SKIP %s: %s\n' "$1" "$2"; }

# Time limits scale when loglens runs under valgrind (about 30x slower) or a sanitizer.
case $LOGLENS in
*valgrind*) SCALE=${CLI_TIMEOUT_SCALE:-30};;
*asan*|*san*) SCALE=${CLI_TIMEOUT_SCALE:-4};;
*) SCALE=${CLI_TIMEOUT_SCALE:-1};;
esac
HAVE_TIMEOUT=0
command -v timeout >/dev/null 2>&1 && HAVE_TIMEOUT=1
HAVE_PY=0
command -v python3 >/dev/null 2>&1 && HAVE_PY=1
ESC=$(printf '\033')
CR=$(printf '\r')
KANA=$(printf '\343\201')      # first two bytes of U+3040..U+307F (hiragana), as UTF-8

# ll SECONDS OUT ERR ARGS... — run loglens with a time limit; sets RC (124: timed out).
ll() {
	_t=$(($1 * SCALE)) _o=$2 _e=$3
	shift 3
	if [ "$HAVE_TIMEOUT" = 1 ]; then
		# shellcheck disable=SC2086
		timeout -k 5 "$_t" $LOGLENS "$@" > "$_o" 2> "$_e"
	else
		# shellcheck disable=SC2086
		$LOGLENS "$@" > "$_o" 2> "$_e"
	fi
	RC=$?
}

# why_rc — a note for an unexpected exit status.
why_rc() {
	case $RC in
	124|137) printf 'timed out';;
	98|99) printf 'exit %s: the memory checker reported an error' "$RC";;
	*) [ "$RC" -gt 128 ] && printf 'killed by signal %s' $((RC - 128)) || printf 'exit %s' "$RC";;
	esac
}

# jc NAME JSON EXIT ASSERTION... — check .expect-style assertions; prints the failures.
JC_OUT=
jc() {
	_n=$1 _j=$2 _c=$3
	shift 3
	: > "$W/$_n.expect"
	for _a in "$@"; do printf '%s\n' "$_a" >> "$W/$_n.expect"; done
	JC_OUT=$("$JCHECK" "$W/$_n.expect" "$_j" "$_c" 2>&1 | sed "s|$W/||" | tr '\n' ';')
	[ -z "$JC_OUT" ]
}

# The helper for whole-document work: valid / summary / evidence / get.
cat > "$W/j.py" <<'EOF'
import json, os, re, sys

def load(p):
    with open(p, "rb") as f:
        data = f.read()
    return json.loads(data.decode("utf-8"))          # strict: output must be UTF-8 and JSON

def findings(fs):
    out = []
    for f in fs:
        out.append({"id": f["id"], "severity": f["severity"],
                    "evidence": [[e.get("input", 0), e["line"], e["text"], bool(e.get("truncated"))]
                                 for e in f["evidence"]],
                    "explains": findings(f.get("explains", []))})
    return out

def evidence(fs):
    for f in fs:
        for e in f["evidence"]:
            yield e
        yield from evidence(f.get("explains", []))

def utf16_line(raw):
    # a line of UTF-16LE text split at the 0A of "0A 00": the 00 before it, a BOM, "0D 00" go
    raw = raw[1:] if raw.startswith(b"\x00") else raw
    t = raw[:len(raw) // 2 * 2].decode("utf-16-le", "replace")
    return t.lstrip("\ufeff").rstrip("\r")

def utf16_lines(data):
    # a UTF-16LE log (BOM), to where 8-bit text was appended: the first line with no zero byte
    # ends the UTF-16 part (each of its lines has one: ASCII, or the 00 of "0A 00"); the rest
    # is split at LF like any 8-bit log
    lines, i = [], 2
    while i < len(data):
        nl = data.find(b"\n", i)
        end = len(data) if nl < 0 else nl
        if nl != i and b"\x00" not in data[i:end] and (nl < 0 or nl + 1 >= len(data) or data[nl + 1] != 0):
            break
        j = i
        while True:
            j = data.find(b"\n\x00", j)
            if j < 0 or (j - i) % 2 == 0:
                break
            j += 1
        stop = len(data) if j < 0 else j + 2
        lines.append((data[i:stop].decode("utf-16-le", "replace")).rstrip("\n").rstrip("\r").encode())
        i = stop
    rest = data[i:].split(b"\n")
    if rest and rest[-1] == b"":
        rest.pop()
    return lines + rest

cmd, path = sys.argv[1], sys.argv[2]
if cmd != "evfiles":
    try:
        d = load(path)
    except Exception as e:
        print("invalid JSON: %s" % e)
        sys.exit(1)
if cmd == "valid":
    sys.exit(0)
if cmd == "summary":            # what must not change when only the bytes' encoding changes
    s = [{"phase": x["phase"], "outcome": x["outcome"], "target": x["target"],
          "findings": findings(x["findings"])} for x in d["sessions"]]
    print(json.dumps(s, ensure_ascii=False, sort_keys=True, indent=1))
elif cmd == "evfiles":          # a list of "JSON<TAB>LOG": every evidence line against sed -n Np
    import subprocess
    for pair in open(path, encoding="utf-8").read().splitlines():
        jpath, log = pair.split("\t", 1)
        try:
            doc = load(jpath)
        except Exception as e:
            print("FAIL evidence lines: %s: invalid JSON: %s" % (log, e))
            continue
        evs = [e for x in doc["sessions"] for e in evidence(x["findings"])
               if e.get("input", 0) == 0 and not e.get("truncated")]
        nums = sorted(set(e["line"] for e in evs))
        ref = {}
        data = open(log, "rb").read()
        if nums and data.startswith(b"\xff\xfe"):
            ref = dict(enumerate(utf16_lines(data), 1))
        elif nums and b"\x00" not in data and re.search(rb"\r(?!\n)", data):
            # a lone CR ends a line too (pscp's progress line, rewritten in place), as loglens(1)
            # says: sed would count these lines as one
            parts = re.split(rb"\r\n|\r|\n", data)
            if parts and parts[-1] == b"":
                parts.pop()
            ref = {k: parts[k - 1] for k in nums if k <= len(parts)}
        elif nums:
            script = ["-e", ";".join("%dp" % k for k in nums)]
            out = subprocess.run(["sed", "-n"] + script + [log], stdout=subprocess.PIPE, check=True).stdout
            got = out.split(b"\n")[:-1] if out.endswith(b"\n") else out.split(b"\n")
            present = [k for k in nums]
            # sed prints the lines in file order; a number past the end prints nothing
            for k, raw in zip(present, got):
                ref[k] = raw
            if len(got) < len(nums):
                for k in nums[len(got):]:
                    ref.pop(k, None)
        bad = []
        for e in evs:
            raw = ref.get(e["line"])
            if raw is None:
                bad.append("line %d is not in the input" % e["line"])
                continue
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if raw.startswith(b"\xef\xbb\xbf"):    # a BOM starting a line is dropped (input.c)
                raw = raw[3:]
            if b"\x00" in raw:               # UTF-16LE (see utf16_lines), whole or appended
                want = utf16_line(raw)
            else:
              try:                           # as the reader does: UTF-8, else CP932, line by line
                want = raw.decode("utf-8")
              except UnicodeDecodeError:
                try:
                    want = raw.decode("cp932")
                except UnicodeDecodeError:
                    want = raw.decode("utf-8", "replace")
            # a password in the line is shown as ******** (never repeated): that part only
            masked = "^" + ".+?".join(re.escape(p) for p in e["text"].split("********")) + "$"
            if e["text"] != want and ("********" not in e["text"] or not re.match(masked, want)):
                bad.append("line %d: evidence %r, input %r" % (e["line"], e["text"][:100], want[:100]))
        if bad:
            print("FAIL evidence lines: %s: %s" % (log, "; ".join(bad[:4])))
        else:
            print("PASS evidence lines: %s (%d checked)" % (log, len(evs)))
elif cmd == "tally":            # the closing summary agrees with the sessions it sums up
    ss, sm = d["sessions"], d.get("summary")
    rank = {"note": 0, "info": 0, "warning": 1, "error": 2}
    rows, nofind = {}, 0
    for i, x in enumerate(ss):
        if not x["findings"]:
            nofind += 1
            continue
        f = x["findings"][0]
        r = rows.setdefault(f["id"], {"id": f["id"], "severity": f["severity"], "sessions": 0, "first_sessions": []})
        r["sessions"] += 1
        if len(r["first_sessions"]) < 5:
            r["first_sessions"].append(i)
        if rank[f["severity"]] > rank[r["severity"]]:
            r["severity"] = f["severity"]
    order = sorted(rows.values(), key=lambda r: (-r["sessions"], r["first_sessions"][0]))
    want = {"sessions": len(ss), "without_finding": nofind, "diagnoses": order[:128],
            "other_sessions": sum(r["sessions"] for r in order[128:])}
    for o in ("failed", "success", "unknown"):
        want[o] = sum(1 for x in ss if x["outcome"] == o)
    if sm != want:
        print("summary %s, sessions say %s" % (json.dumps(sm, sort_keys=True)[:300], json.dumps(want, sort_keys=True)[:300]))
        sys.exit(1)
elif cmd == "mirror":           # a newest-first copy (N lines) reads as the log does, numbers mirrored
    r, n = load(sys.argv[3]), int(sys.argv[4])
    def sessions(doc, flip):
        fl = lambda x: n + 1 - x if flip and x else x
        out = []
        for x in doc["sessions"]:
            fs = [(f["rule"], sorted(fl(e["line"]) for e in f["evidence"])) for f in x["findings"]]
            auth = sorted((a["method"], a["result"], fl(a["line"])) for a in x["auth_attempts"])
            out.append((sorted([fl(x["lines"]["first"]), fl(x["lines"]["last"])]), x["channel"], x["outcome"],
                        x["phase"], json.dumps(x["facts"], sort_keys=True), fs, auth))
        return sorted(out)
    a, b = sessions(d, False), sessions(r, True)
    if r["inputs"][0]["order"] != "reversed" or a != b:
        diff = [(p, q) for p, q in zip(a, b) if p != q][:1]
        print("order %s, %d vs %d sessions %s" % (r["inputs"][0]["order"], len(a), len(b), str(diff)[:300]))
        sys.exit(1)
elif cmd == "get":              # a dotted path: inputs.0.encoding
    v = d
    for k in sys.argv[3].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v if not isinstance(v, (dict, list)) else json.dumps(v, sort_keys=True))
EOF
jpy() { python3 "$W/j.py" "$@"; }

# json_ok FILE — prints why not, if not.
json_ok() {
	if [ "$HAVE_PY" = 1 ]; then
		jpy valid "$1"
	else
		"$JCHECK" /dev/null "$1" 0 > /dev/null 2>&1 || echo "invalid JSON (jcheck)"
	fi
}

# same_findings NAME BASE.json OTHER.json — sessions, findings, evidence lines and texts equal.
same_findings() {
	for _j in "$2" "$3"; do
		[ -s "$_j.sum" ] && [ "$_j.sum" -nt "$_j" ] || jpy summary "$_j" > "$_j.sum" 2>&1
	done
	if cmp -s "$2.sum" "$3.sum"; then
		return 0
	fi
	DIFF=$(diff "$2.sum" "$3.sum" | head -n 8 | tr '\n' ' ')
	return 1
}

need_py() {
	[ "$HAVE_PY" = 1 ] && return 0
	skip "$1" "python3 is not installed (.ci/deps test installs it)"
	return 1
}

[ -x "$JCHECK" ] || { fail "cli setup" "$JCHECK is missing (make $JCHECK)"; exit 0; }
for f in base-lab-success.ssh-v.log base-lab-key-refused.ssh-v.log base-lab-key-refused.plink-v.log \
	base-lab-key-refused.sshd.log base-lab-hostkey-changed.ssh-vvv.log; do
	[ -f "$H/$f" ] || { fail "cli setup" "$H/$f is missing"; exit 0; }
done
OK_LOG=$H/base-lab-success.ssh-v.log
BAD_LOG=$H/base-lab-key-refused.ssh-v.log
BAD_ID=auth.key-refused

# ---------------------------------------------------------------- exit status 0, 1, 2
ll 30 "$W/o" "$W/e" "$OK_LOG"
[ "$RC" -eq 0 ] && pass "exit 0: a successful session" || fail "exit 0: a successful session" "$(why_rc), expected 0"

ll 30 "$W/o" "$W/e" "$BAD_LOG"
if [ "$RC" -eq 1 ] && grep -q "$BAD_ID" "$W/o"; then
	pass "exit 1: a failed session"
else
	fail "exit 1: a failed session" "$(why_rc), expected 1 and $BAD_ID in the report"
fi

usage_check() {
	_name=$1
	shift
	ll 30 "$W/o" "$W/e" "$@"
	if [ "$RC" -ne 2 ]; then
		fail "$_name" "$(why_rc), expected 2"
	elif [ -s "$W/o" ]; then
		fail "$_name" "printed a report on standard output"
	elif ! [ -s "$W/e" ]; then
		fail "$_name" "no message on standard error"
	else
		pass "$_name"
	fi
}
usage_check "exit 2: unknown option" --no-such-option "$BAD_LOG"
usage_check "exit 2: bad --lang" --lang xx "$BAD_LOG"
usage_check "exit 2: unknown --format" --format telnet "$BAD_LOG"
usage_check "exit 2: bad --color" --color=sometimes "$BAD_LOG"
usage_check "exit 2: standard input named twice" - - < "$BAD_LOG"
ll 30 "$W/o" "$W/e" --red "$BAD_LOG"
[ "$RC" -eq 2 ] && grep -q "ambiguous (--redact, --redact-log)" "$W/e" && pass "exit 2: an ambiguous abbreviation is named as such" ||
	fail "exit 2: an ambiguous abbreviation is named as such" "$(why_rc): $(head -n 1 "$W/e")"
ll 30 "$W/o" "$W/e" -jx "$BAD_LOG"
[ "$RC" -eq 2 ] && grep -q "unknown option '-x' in '-jx'" "$W/e" && pass "exit 2: the unknown letter of an option cluster is named" ||
	fail "exit 2: the unknown letter of an option cluster is named" "$(why_rc): $(head -n 1 "$W/e")"
ll 30 "$W/o" "$W/e" --js --col=never "$BAD_LOG"
[ "$RC" -eq 1 ] && [ -z "$(json_ok "$W/o")" ] && pass "unambiguous abbreviations of long options (--js, --col=never)" ||
	fail "unambiguous abbreviations of long options (--js, --col=never)" "$(why_rc) $(json_ok "$W/o")"
# --redact-log naming an input: the log is not emptied, and nothing is analysed
cp "$BAD_LOG" "$W/victim.log"
ll 30 "$W/o" "$W/e" --redact-log "$W/victim.log" "$W/victim.log"
if [ "$RC" -eq 2 ] && cmp -s "$BAD_LOG" "$W/victim.log" && grep -q 'is also an input' "$W/e"; then
	pass "exit 2: --redact-log naming an input leaves the input whole"
else
	fail "exit 2: --redact-log naming an input leaves the input whole" "$(why_rc); $(wc -c < "$W/victim.log") bytes left of $(wc -c < "$BAD_LOG")"
fi
ll 30 "$W/o" "$W/e" --redact-log "$W/victim.log" < "$W/victim.log"
[ "$RC" -eq 2 ] && cmp -s "$BAD_LOG" "$W/victim.log" && pass "exit 2: --redact-log naming the file on standard input leaves it whole" ||
	fail "exit 2: --redact-log naming the file on standard input leaves it whole" "$(why_rc); $(wc -c < "$W/victim.log") bytes left"
# The JSON document's exit_code is the exit status, also when the redacted copy fails
for _dest in "$W/no-such-dir/copy.log" /dev/full; do
	ll 30 "$W/o" "$W/e" --json --redact-log "$_dest" "$BAD_LOG"
	_doc=$(grep -o '"exit_code":[0-9]*' "$W/o" | cut -d: -f2)
	if [ "$RC" -eq 3 ] && { [ -z "$_doc" ] || [ "$_doc" = 3 ]; }; then
		pass "exit 3: --redact-log $_dest cannot be written; the JSON (if any) says 3 too"
	else
		fail "exit 3: --redact-log $_dest cannot be written; the JSON (if any) says 3 too" "$(why_rc), exit_code ${_doc:-none}"
	fi
done
# Standard input read twice (correlation) without a writable TMPDIR: another place is found.
# (valgrind keeps its own files in TMPDIR: under it, this cannot be run.)
case $LOGLENS in
*valgrind*) skip "standard input spooled for a second reading without a usable TMPDIR" "valgrind needs TMPDIR itself";;
*)
	TMPDIR=$W/no-such-dir $LOGLENS --json - "$OK_LOG" < "$BAD_LOG" > "$W/o" 2> "$W/e"
	RC=$?
	if [ "$RC" -eq 1 ] && jc spool "$W/o" "$RC" "inputs# = 2" "inputs[0].name = <stdin>" "inputs[0].error = null"; then
		pass "standard input spooled for a second reading without a usable TMPDIR"
	else
		fail "standard input spooled for a second reading without a usable TMPDIR" "$(why_rc); $JC_OUT $(head -n 1 "$W/e")"
	fi;;
esac
# Write errors on standard output are exit 5 in every mode
if [ -w /dev/full ]; then
	for _args in --help --version --list-rules --check-rules; do
		$LOGLENS $_args > /dev/full 2> "$W/e"
		_rc=$?
		[ "$_rc" -eq 5 ] && pass "exit 5: $_args with standard output full" || fail "exit 5: $_args with standard output full" "exit $_rc"
	done
fi

# ---------------------------------------------------------------- exit status 3: unreadable input
# The unreadable input comes first; the readable one after it must still be analysed and reported.
gzip -c "$BAD_LOG" > "$W/whole.log.gz"
gzsize=$(wc -c < "$W/whole.log.gz")
head -c $((gzsize / 2)) "$W/whole.log.gz" > "$W/half.log.gz"
head -c 20 "$W/whole.log.gz" > "$W/header-only.log.gz"
# a long gzip cut after the first 4 KiB the reader looks at: the error comes mid-stream
i=0
: > "$W/long.log"
while [ $i -lt 40 ]; do cat "$OK_LOG" >> "$W/long.log"; i=$((i + 1)); done
head -c 2000000 /dev/zero | tr '\0' 'x' >> "$W/long.log"
gzip -c "$W/long.log" > "$W/long.log.gz"
head -c $(($(wc -c < "$W/long.log.gz") - 100)) "$W/long.log.gz" > "$W/long-cut.log.gz"
mkdir -p "$W/a-directory"

unreadable_check() {
	_name=$1 _bad=$2
	ll 60 "$W/u.json" "$W/u.err" --json "$_bad" "$BAD_LOG"
	_why=
	[ "$RC" -eq 3 ] || _why="$(why_rc), expected 3"
	if [ -z "$_why" ]; then
		_j=$(json_ok "$W/u.json")
		[ -z "$_j" ] || _why="JSON: $_j"
	fi
	if [ -z "$_why" ] && ! jc u "$W/u.json" "$RC" "exit_code = 3" "inputs# = 2" "inputs[0].error ~ $_bad" \
		"inputs[1].error = null" "inputs[1].sessions = 1" "sessions[*].input = 1" \
		"sessions[*].findings[*].id = $BAD_ID"; then
		_why="$JC_OUT"
	fi
	if [ -z "$_why" ]; then
		_n=$(grep -c . "$W/u.err")
		grep -qF "$_bad" "$W/u.err" || _why="standard error does not name $_bad"
		[ "$_n" -eq 1 ] || _why="${_why:+$_why; }$_n lines on standard error, expected one"
	fi
	# text mode: the same exit status, and the report of the readable input
	if [ -z "$_why" ]; then
		ll 60 "$W/u.txt" "$W/u.err" "$_bad" "$BAD_LOG"
		[ "$RC" -eq 3 ] || _why="text mode: $(why_rc), expected 3"
		[ -n "$_why" ] || grep -qF "$BAD_ID" "$W/u.txt" || _why="text mode: the readable input was not reported"
	fi
	[ -z "$_why" ] && pass "$_name" || fail "$_name" "$_why"
}
unreadable_check "exit 3: a missing file, other input still analysed" "$W/no-such-file.log"
unreadable_check "exit 3: a directory, other input still analysed" "$W/a-directory"
unreadable_check "exit 3: a truncated .gz, other input still analysed" "$W/half.log.gz"
unreadable_check "exit 3: a .gz cut after its header, other input still analysed" "$W/header-only.log.gz"
unreadable_check "exit 3: a long .gz cut near its end, other input still analysed" "$W/long-cut.log.gz"
if ll 60 "$W/o" "$W/e" --json "$W/long-cut.log.gz" && [ "$RC" -eq 3 ] &&
	jc cut "$W/o" "$RC" "inputs[0].compression = gzip" "inputs[0].sessions = 40"; then
	pass "exit 3: the lines of a cut .gz before the cut are analysed"
else
	fail "exit 3: the lines of a cut .gz before the cut are analysed" "$(why_rc); $JC_OUT"
fi

# ... and for a short one, cut inside the first block the reader looks at
want=$(gzip -dc < "$W/half.log.gz" 2>/dev/null | wc -l)
ll 60 "$W/o" "$W/e" --json "$W/half.log.gz"
why=
[ "$RC" -eq 3 ] || why="$(why_rc), expected 3"
[ -n "$why" ] || jc half "$W/o" "$RC" "inputs[0].compression = gzip" || why="$JC_OUT"
if [ -z "$why" ] && [ "$HAVE_PY" = 1 ]; then
	got=$(jpy get "$W/o" inputs.0.lines)
	[ "$got" -ge "$want" ] || why="$got lines read, gzip -dc recovers $want"
fi
[ -z "$why" ] && pass "exit 3: a short truncated .gz is reported as gzip, its readable lines read" ||
	fail "exit 3: a short truncated .gz is reported as gzip, its readable lines read" "$why"

# A read error mid-way (EIO after 200 000 bytes, injected by an LD_PRELOAD shim on files whose
# name contains READFAIL): exit 3, one line naming the file, the lines before the error and the
# other input still analysed.
cat > "$W/readfail.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);
	if (!real)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	char link[64], target[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t k = fd > 2 && fd < 1024 ? readlink(link, target, sizeof target - 1) : -1;
	if (k > 0) {
		target[k] = '\0';
		if (strstr(target, "READFAIL")) {
			/* by file offset: a second reading through another open fails at the same byte */
			off_t at = lseek(fd, 0, SEEK_CUR);
			if (at < 0 || at >= 200000) {
				errno = EIO;
				return -1;
			}
			if (n > (size_t)(200000 - at))
				n = (size_t)(200000 - at);
			return real(fd, buf, n);
		}
	}
	return real(fd, buf, n);
}
EOF
if ${CC:-cc} -shared -fPIC -o "$W/readfail.so" "$W/readfail.c" -ldl 2>/dev/null; then
	i=0
	: > "$W/READFAIL.log"
	while [ $i -lt 100 ]; do cat "$OK_LOG" >> "$W/READFAIL.log"; i=$((i + 1)); done
	whole=$((200000 / $(wc -c < "$OK_LOG")))       # sessions read completely before the error
	old_asan=${ASAN_OPTIONS-__unset__} old_preload=${LD_PRELOAD-__unset__}
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$W/readfail.so"
	export ASAN_OPTIONS LD_PRELOAD
	ll 60 "$W/rf.json" "$W/rf.err" --json "$W/READFAIL.log" "$BAD_LOG"
	if [ "$old_preload" = __unset__ ]; then unset LD_PRELOAD; else LD_PRELOAD=$old_preload; fi
	if [ "$old_asan" = __unset__ ]; then unset ASAN_OPTIONS; else ASAN_OPTIONS=$old_asan; fi
	why=
	[ "$RC" -eq 3 ] || why="$(why_rc), expected 3"
	[ -n "$why" ] || jc rf "$W/rf.json" "$RC" "inputs[0].error ~ READFAIL.log" "inputs[0].error ~ rror" \
		"inputs[1].error = null" "sessions[*].findings[*].id = $BAD_ID" "inputs[1].sessions = 1" || why="$JC_OUT"
	if [ -z "$why" ] && [ "$HAVE_PY" = 1 ]; then
		got=$(jpy get "$W/rf.json" inputs.0.sessions)
		[ "$got" -ge "$whole" ] || why="$got sessions before the error, expected at least $whole"
	fi
	if [ -z "$why" ]; then
		[ "$(grep -c . "$W/rf.err")" -eq 1 ] && grep -q 'READFAIL.log' "$W/rf.err" ||
			why="stderr: $(head -n 3 "$W/rf.err" | tr '\n' ' ')"
	fi
	[ -z "$why" ] && pass "exit 3: a read error mid-way, lines before it and other input still analysed" ||
		fail "exit 3: a read error mid-way, lines before it and other input still analysed" "$why"
else
	skip "exit 3: a read error mid-way" "no C compiler to build the LD_PRELOAD shim"
fi

# ---------------------------------------------------------------- exit status 4: bad rule files
GOOD_RULE='{"id": "auth.key-refused/cli-test",
   "families": ["openssh"],
   "patterns": ["^zzqq cli test line$"],
   "title": {"en": "t", "ja": "t"}, "diagnosis": {"en": "d", "ja": "d"},
   "remedy": [{"en": "r", "ja": "r"}],
   "examples": {"match": ["zzqq cli test line"], "no_match": ["zzqq"]}}'
printf '{"rules": [\n  %s\n]}\n' "$GOOD_RULE" > "$W/good.json"
ll 30 "$W/o" "$W/e" --rules "$W/good.json" "$BAD_LOG"
if [ "$RC" -eq 1 ]; then
	pass "exit 4 control: a valid extra rule file loads"
else
	fail "exit 4 control: a valid extra rule file loads" "$(why_rc), expected 1: $(head -n 2 "$W/e" | tr '\n' ' ')"
fi

# rule_check NAME FILE GREP-PATTERN... — exit 4, nothing on stdout, stderr names the file and matches
rule_check() {
	_name=$1 _file=$2
	shift 2
	ll 30 "$W/o" "$W/e" --rules "$_file" "$BAD_LOG"
	_why=
	[ "$RC" -eq 4 ] || _why="$(why_rc), expected 4"
	[ -s "$W/o" ] && _why="${_why:+$_why; }printed a report"
	for _p in "$@"; do
		grep -q -e "$_p" "$W/e" || _why="${_why:+$_why; }no '$_p' in: $(grep -v ': note: ' "$W/e" | head -n 2 | tr '\n' ' ')"
	done
	[ -z "$_why" ] && pass "$_name" || fail "$_name" "$_why"
}
# invalid JSON: the stray comma is on line 3, column 27
printf '{"rules": [\n  {"id": "auth.key-refused/cli-test",\n   "families": ["openssh"],,\n   "patterns": ["x"]}\n]}\n' > "$W/invalid.json"
rule_check "exit 4: invalid JSON names file:line:col" "$W/invalid.json" "invalid.json:3:[0-9][0-9]*"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"families": \["openssh"\],//')" > "$W/missing.json"
rule_check "exit 4: a missing field" "$W/missing.json" "missing.json" "cli-test" "families"
printf '{"rules": [\n  %s,\n  %s\n]}\n' "$GOOD_RULE" "$GOOD_RULE" > "$W/dup.json"
rule_check "exit 4: a duplicate id in one file" "$W/dup.json" "dup.json" "auth.key-refused/cli-test" "[Dd]uplicate"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"families"/"familys": ["putty"], "families"/')" > "$W/unknown-key.json"
rule_check "exit 4: an unknown key" "$W/unknown-key.json" "unknown-key.json" "cli-test" "familys"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"families"/"sets": {"server_os": "windows"}, "families"/')" > "$W/sets-os.json"
rule_check "exit 4: a rule that sets server_os (the reader's fact)" "$W/sets-os.json" "sets-os.json" "cli-test" "server_os.*reader"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/\^zzqq cli test line\$/^zzqq (cli[/')" > "$W/bad-regex.json"
# PCRE2's own text for this error, and the offset where it stops (the end of the pattern)
rule_check "exit 4: a regex that does not compile (PCRE2 text, offset)" "$W/bad-regex.json" "bad-regex.json" "cli-test" \
	"missing terminating \] for character class" "offset 11"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/\["openssh"\]/["openssh", "telnet"]/')" > "$W/family.json"
rule_check "exit 4: an unknown family" "$W/family.json" "family.json" "cli-test" "telnet"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/{"en": "r"/{"en": "ssh {port|pp} x"/')" > "$W/filter.json"
rule_check "exit 4: an unknown placeholder filter ({port|pp})" "$W/filter.json" "filter.json:2:" "cli-test" "{port|pp}"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title"/"sets": {"host": "{host|zz}"}, "title"/')" > "$W/setfilter.json"
rule_check "exit 4: an unknown placeholder filter in sets" "$W/setfilter.json" "setfilter.json:2:" "cli-test" "{host|zz}"
# "{name|?words}": the words where the value is not known (they may hold spaces); a known value as it is
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title": {"en": "t"/"title": {"en": "cli {host|?the far server} says {port|?no port} to {protocol}"/')" > "$W/alt.json"
printf 'zzqq cli test line\n' > "$W/alt.log"
ll 30 "$W/o" "$W/e" --json -f openssh --rules "$W/alt.json" "$W/alt.log"
why=
[ "$RC" -eq 1 ] || why="$(why_rc), expected 1: $(head -n 2 "$W/e" | tr '\n' ' ')"
[ -n "$why" ] || grep -q '"title": *"cli the far server says no port to <protocol>"' "$W/o" ||
	why="title: $(grep -o '"title": *"cli[^"]*"' "$W/o")"
[ -z "$why" ] && pass "rule texts: {name|?words} shows the words for an unknown value" ||
	fail "rule texts: {name|?words} shows the words for an unknown value" "$why"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/\^zzqq cli test line\$/^zzqq(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)(x)$/')" > "$W/groups.json"
rule_check "exit 4: a regex with more groups than a match keeps" "$W/groups.json" "groups.json:2:" "33 groups"
printf '{"rules": [\n  %s\n]}\n xyz\n' "$GOOD_RULE" > "$W/trailing.json"
rule_check "exit 4: text after the JSON document" "$W/trailing.json" "trailing.json:9:2: text after the JSON"
BADBYTE=$(printf '\377')
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | LC_ALL=C sed "s/\"d\", \"ja\"/\"d$BADBYTE\", \"ja\"/")" > "$W/utf8.json"
rule_check "exit 4: a rule file that is not UTF-8" "$W/utf8.json" "utf8.json:[0-9]*:[0-9]*: invalid UTF-8"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title"/"locks": ["host", "hots"], "title"/')" > "$W/locks.json"
rule_check "exit 4: a locks entry that is not a fact name" "$W/locks.json" "locks.json:2:" "cli-test" "hots"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title"/"hop": "start", "title"/')" > "$W/hop.json"
rule_check "exit 4: a hop that is not begin, up or end" "$W/hop.json" "hop.json:2:" "cli-test" "hop must be"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title"/"session": "service", "title"/')" > "$W/service.json"
rule_check "exit 4: \"session\": \"service\" on a rule not of the sshd family" "$W/service.json" "service.json:2:" "cli-test" "sshd family only"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title"/"priority": 50.5, "title"/')" > "$W/prio.json"
rule_check "exit 4: a priority that is not a whole number" "$W/prio.json" "prio.json:2:" "priority"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title"/"marks": [], "title"/')" > "$W/marks.json"
rule_check "exit 4: empty marks (the rule could never match)" "$W/marks.json" "marks.json:2:" "marks"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's|auth.key-refused/cli-test|auth.cli-test|')" > "$W/novariant.json"
rule_check "exit 4: a finding id without a variant" "$W/novariant.json" "novariant.json:2:" "diagnosis/variant"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"title"/"explains": ["auth.no-such-thing"], "title"/')" > "$W/explains.json"
rule_check "exit 4: explains naming no diagnosis" "$W/explains.json" "explains.json" "auth.no-such-thing"
rule_check "exit 4: a rule file that does not exist" "$W/no-such-rules.json" "no-such-rules.json"
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"examples": {"match": \["zzqq cli test line"\]/"examples": {"match": ["zzqq cli test line", "zzqq other line"]/')" > "$W/example.json"
ll 30 "$W/o" "$W/e" --check-rules --rules "$W/example.json"
if [ "$RC" -eq 4 ] && grep -q "zzqq other line" "$W/e"; then
	pass "exit 4: --check-rules reports an example that does not match"
else
	fail "exit 4: --check-rules reports an example that does not match" "$(why_rc), expected 4 naming the example"
fi
# a "literal" the example lacks: the regex matches it, but the prefilter would never let it run
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"\^zzqq cli test line\$"/{"regex": "^zzqq cli test line$", "literal": "zzqq cli tset"}/')" > "$W/literal.json"
ll 30 "$W/o" "$W/e" --check-rules --rules "$W/literal.json"
if [ "$RC" -eq 4 ] && grep -q "literal.json: rule 'auth.key-refused/cli-test': the prefilter skips example 1.*zzqq cli tset" "$W/e"; then
	pass "exit 4: --check-rules reports a given literal that the example lacks"
else
	fail "exit 4: --check-rules reports a given literal that the example lacks" "$(why_rc), expected 4 naming rule and literal: $(head -n 2 "$W/e" | tr '\n' ' ')"
fi
# a key of 3 bytes that need not begin the line: a note (not a problem), naming the pattern
printf '{"rules": [\n  %s\n]}\n' "$(printf '%s' "$GOOD_RULE" | sed 's/"\^zzqq cli test line\$"/{"regex": "zzqq cli test line$", "literal": "zzq"}/')" > "$W/shortkey.json"
ll 30 "$W/o" "$W/e" --check-rules --rules "$W/shortkey.json"
if [ "$RC" -eq 0 ] && grep -q "shortkey.json: rule 'auth.key-refused/cli-test': note: pattern 1's prefilter key is shorter than 4 bytes" "$W/e"; then
	pass "--check-rules notes a prefilter key shorter than 4 bytes (exit 0)"
else
	fail "--check-rules notes a prefilter key shorter than 4 bytes (exit 0)" "$(why_rc), expected 0 and the note: $(head -n 2 "$W/e" | tr '\n' ' ')"
fi

# A regex that backtracks catastrophically on a hostile line: the match limit must bound the run.
cat > "$W/backtrack.json" <<'EOF'
{"rules": [{"id": "auth.key-refused/cli-backtrack", "families": ["openssh", "putty", "sshd", "winscp"],
  "patterns": [{"regex": "^x(a|aa|a?a)+(?:b|c)*$", "literal": "xa"}],
  "title": {"en": "t", "ja": "t"}, "diagnosis": {"en": "d", "ja": "d"}, "remedy": [{"en": "r", "ja": "r"}],
  "examples": {"match": ["xaaaa"], "no_match": ["zzqq"]}}]}
EOF
{
	i=0
	while [ $i -lt 200 ]; do
		printf 'debug1: xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad\n'
		i=$((i + 1))
	done
} > "$W/backtrack.log"
ll 60 "$W/o" "$W/e" --rules "$W/backtrack.json" "$W/backtrack.log"
case $RC in
0|1|4) pass "a catastrophically backtracking rule is rejected or bounded (exit $RC)";;
*) fail "a catastrophically backtracking rule is rejected or bounded" "$(why_rc) on 200 hostile lines";;
esac

# threaded_as_sync ERRFILE ARGS...: run loglens ARGS threaded (its stderr kept in ERRFILE) and with
# LOGLENS_SYNC=1; sets $why unless both exit 4 with the same stderr.
threaded_as_sync() {
	_keep=$1
	shift
	ll 60 "$W/o" "$W/e" "$@"
	_rc=$RC
	cp "$W/e" "$_keep"
	LOGLENS_SYNC=1 ll 60 "$W/o" "$W/e" "$@"
	why=
	[ "$_rc" -eq 4 ] && [ "$RC" -eq 4 ] || why="exit $_rc (threaded) and $RC (one thread), expected 4"
	cmp -s "$W/e" "$_keep" || why="${why:+$why; }stderr differs: $(diff "$W/e" "$_keep" | head -n 4 | tr '\n' ' ')"
}

# in_order FILE MSG...: each message (a grep pattern) is in FILE, and in that order; else adds
# to $why.
in_order() {
	_f=$1 _order=
	shift
	for _msg in "$@"; do
		_at=$(grep -n -e "$_msg" "$_f" | head -n 1 | cut -d: -f1)
		[ -n "$_at" ] || { why="${why:+$why; }no \"$_msg\" in stderr"; continue; }
		_order="$_order $_at"
	done
	_sorted=$(printf '%s\n' $_order | sort -n | tr '\n' ' ')
	[ "$(printf '%s\n' $_order | tr '\n' ' ')" = "$_sorted" ] || why="${why:+$why; }messages out of file order (lines$_order)"
}

# A large rule file's patterns are compiled on a second thread while the rules are read
# (rules.c): the errors must come out in file order, the same as on one thread (LOGLENS_SYNC=1).
# 60 rules, some with errors the patterns' thread and the reader each find, some skipped whole.
many_rule() { # N PATTERNS [MORE-KEYS]
	printf '{"id": "auth.key-refused/cli-many-%s", "families": ["openssh"], "patterns": %s,%s
   "title": {"en": "t", "ja": "t"}, "diagnosis": {"en": "d", "ja": "d"}, "remedy": [{"en": "r", "ja": "r"}],
   "examples": {"match": ["zzqq many %s"], "no_match": ["zzqq"]}}' "$1" "$2" "${3:-}" "$1"
}
{
	printf '{"rules": [\n'
	n=1
	while [ $n -le 60 ]; do
		case $n in
		10) many_rule $n '["^zzqq many (1[0"]' ;;                       # bad regex: the thread
		20) printf '42' ;;                                                 # not an object
		25) printf '{"id": "Bad Id", "patterns": ["^zzqq bad id$"]}' ;;     # skipped whole
		30) many_rule $n '["", "^zzqq many 30$"]' ' "colour": "red",' ;;   # empty regex, unknown key
		40) many_rule $n '["^x(a|aa|a?a)+(?:b|c)*$"]' ' "sets": {"nosuchfact": "{x}"},' ;; # probe, then sets
		50) many_rule $n '[{"regex": "^zzqq many 50$", "shade": "blue"}, 7]' ;;  # pattern key, a number
		*) many_rule $n "[\"^zzqq many $n\$\", {\"regex\": \"^zzqq many $n again\$\"}]" ;;
		esac
		[ $n -lt 60 ] && printf ',\n'
		n=$((n + 1))
	done
	printf '\n]}\n'
} > "$W/many.json"
threaded_as_sync "$W/many.threaded.err" --check-rules --rules "$W/many.json"
in_order "$W/many.threaded.err" "cli-many-10': bad regex at offset" "each entry of \"rules\" must be an object" \
	"a rule needs an \"id\"" "cli-many-30': unknown key \"colour\"" "cli-many-30': a pattern must be a non-empty" \
	"cli-many-40': regex backtracks catastrophically" "cli-many-40'.*nosuchfact" \
	"cli-many-50': pattern: unknown key \"shade\"" "cli-many-50': a pattern must be a non-empty"
[ -z "$why" ] && pass "exit 4: a large rule file compiled on a second thread reports its errors in file order, as on one thread" ||
	fail "exit 4: a large rule file compiled on a second thread reports its errors in file order, as on one thread" "$why"

# Each rule file is read, parsed and compiled on a thread of its own while the rules of the file
# before are read (rules.c): across files, directories and a missing path, every message must
# still come in file order, the same as on one thread.
mkdir -p "$W/multi"
cp "$W/many.json" "$W/multi/a.json"
printf '{"rules": [ {"id": "x.y/z",, } ]}\n' > "$W/multi/b.json"
printf '{"rules": []} trailing\n' > "$W/multi/c.json"
sed 's/cli-many-/cli-more-/g' "$W/many.json" > "$W/multi/d.json"
printf '[1, 2]\n' > "$W/multi/e.json"
threaded_as_sync "$W/multi.threaded.err" --check-rules --rules "$W/multi" --rules "$W/no-such-rules.json" \
	--rules "$W/multi/b.json"
in_order "$W/multi.threaded.err" "a.json:.*cli-many-10': bad regex" "a.json:.*cli-many-50': a pattern must be" \
	"b.json:1:29: invalid JSON" "c.json:1:15: text after the JSON document" "d.json:.*cli-more-10': bad regex" \
	"d.json:.*cli-more-50': a pattern must be" "e.json:1:1: a rule file is an object" \
	"no-such-rules.json: cannot open rule file"
[ "$(grep -c 'b.json:1:29: invalid JSON' "$W/multi.threaded.err")" -eq 2 ] || why="${why:+$why; }b.json, given twice, not reported twice"
[ -z "$why" ] && pass "exit 4: rule files loaded on threads of their own report their errors in file order, as on one thread" ||
	fail "exit 4: rule files loaded on threads of their own report their errors in file order, as on one thread" "$why"

# ---------------------------------------------------------------- standard input
ll 30 "$W/file.json" "$W/e" --json "$BAD_LOG"
for how in dash none; do
	if [ $how = dash ]; then
		# shellcheck disable=SC2086
		$LOGLENS --json - < "$BAD_LOG" > "$W/stdin.json" 2> "$W/e"
	else
		# shellcheck disable=SC2086
		$LOGLENS --json < "$BAD_LOG" > "$W/stdin.json" 2> "$W/e"
	fi
	RC=$?
	sed 's|"name":"<stdin>"|"name":"'"$BAD_LOG"'"|' "$W/stdin.json" > "$W/stdin-named.json"
	name="stdin ($([ $how = dash ] && echo "'-'" || echo "no FILE")) gives the same JSON as the file"
	if [ "$RC" -eq 1 ] && cmp -s "$W/file.json" "$W/stdin-named.json" && grep -q '"name":"<stdin>"' "$W/stdin.json"; then
		pass "$name"
	else
		fail "$name" "$(why_rc); $(cmp "$W/file.json" "$W/stdin-named.json" 2>&1)"
	fi
done

# ---------------------------------------------------------------- languages
ll 30 "$W/en.txt" "$W/e" --lang en "$BAD_LOG"
ll 30 "$W/ja.txt" "$W/e" --lang ja "$BAD_LOG"
if grep -q "$KANA" "$W/en.txt"; then
	fail "--lang ja gives Japanese" "the English report already contains kana"
elif ! grep -q "$KANA" "$W/ja.txt"; then
	fail "--lang ja gives Japanese" "no hiragana in the --lang ja report"
else
	pass "--lang ja gives Japanese"
fi
ll 30 "$W/ja.json" "$W/e" --json --lang ja "$BAD_LOG"
if [ -z "$(json_ok "$W/ja.json")" ] && jc ja "$W/ja.json" "$RC" 'language = ja' && grep -q "$KANA" "$W/ja.json"; then
	pass "--json --lang ja: language ja, Japanese texts"
else
	fail "--json --lang ja: language ja, Japanese texts" "$JC_OUT $(json_ok "$W/ja.json")"
fi
# lang_env NAME WANT ENV-ASSIGNMENTS [OPTIONS] — with LC_ALL, LC_MESSAGES, LANGUAGE unset first
lang_env() {
	_name=$1 _want=$2 _envs=$3 _opts=${4:-}
	(
		unset LC_ALL LC_MESSAGES LANGUAGE
		for _a in $_envs; do export "${_a?}"; done
		# shellcheck disable=SC2086
		$LOGLENS $_opts "$BAD_LOG"
	) > "$W/env.txt" 2> /dev/null
	if ! grep -q "$BAD_ID" "$W/env.txt"; then
		fail "$_name" "no report"
		return
	fi
	if grep -q "$KANA" "$W/env.txt"; then _got=ja; else _got=en; fi
	[ "$_got" = "$_want" ] && pass "$_name" || fail "$_name" "got $_got, expected $_want"
}
lang_env "LANG=ja_JP.UTF-8 picks Japanese" ja "LANG=ja_JP.UTF-8"
lang_env "LANG=C picks English" en "LANG=C"
lang_env "LC_MESSAGES=ja_JP.UTF-8 over LANG=C picks Japanese" ja "LANG=C LC_MESSAGES=ja_JP.UTF-8"
lang_env "LC_ALL=C over LANG=ja_JP.UTF-8 picks English" en "LANG=ja_JP.UTF-8 LC_ALL=C"
lang_env "--lang en over LANG=ja_JP.UTF-8 picks English" en "LANG=ja_JP.UTF-8" "--lang en"
# The text report names the phase after the login by the session's protocol: an FTP session that
# got past the login did not reach "SFTP" (the JSON keeps its one value, "sftp").
FTP_LOG=testdata/winscp/ftp-upload-550-second-folder.log
for _l in en ja; do
	case $_l in en) _want='reached: FTP session;' ;; *) _want='到達段階: FTP セッション開始;' ;; esac
	ll 30 "$W/ftp.txt" "$W/e" --lang $_l "$FTP_LOG"
	if grep -q "$_want" "$W/ftp.txt" && ! grep -q 'SFTP' "$W/ftp.txt"; then
		pass "text report ($_l): an FTP session's phase is named FTP, not SFTP"
	else
		fail "text report ($_l): an FTP session's phase is named FTP, not SFTP" "$(grep -m1 -e '^Session' -e '^セッション' "$W/ftp.txt")"
	fi
done
ll 30 "$W/ftps.txt" "$W/e" testdata/winscp/ftps-self-signed-certificate.log
if grep -q 'reached: TLS certificate check;' "$W/ftps.txt"; then
	pass "text report: an FTPS session stopped at the certificate reached the TLS certificate check"
else
	fail "text report: an FTPS session stopped at the certificate reached the TLS certificate check" "$(grep -m1 '^Session' "$W/ftps.txt")"
fi

# ---------------------------------------------------------------- colour
ll 30 "$W/o" "$W/e" "$BAD_LOG"
grep -q "$ESC" "$W/o" && fail "no ESC bytes when stdout is not a terminal" "found ESC" ||
	pass "no ESC bytes when stdout is not a terminal"
ll 30 "$W/o" "$W/e" --color=always "$BAD_LOG"
grep -q "$ESC" "$W/o" && pass "--color=always gives ESC sequences" || fail "--color=always gives ESC sequences" "no ESC byte"
ll 30 "$W/o" "$W/e" --color=never "$BAD_LOG"
grep -q "$ESC" "$W/o" && fail "--color=never: no ESC bytes" "found ESC" || pass "--color=never: no ESC bytes"
ll 30 "$W/o" "$W/e" --json --color=always "$BAD_LOG"
if grep -q "$ESC" "$W/o" || [ -n "$(json_ok "$W/o")" ]; then
	fail "--json --color=always: plain JSON" "ESC bytes or invalid JSON"
else
	pass "--json --color=always: plain JSON"
fi
# On a terminal (script(1) gives one): colour by default, none with NO_COLOR=1.
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	env -u NO_COLOR script -qec "$LOGLENS $BAD_LOG" /dev/null > "$W/tty.txt" 2>&1 < /dev/null
	env NO_COLOR=1 script -qec "$LOGLENS $BAD_LOG" /dev/null > "$W/tty-nc.txt" 2>&1 < /dev/null
	if ! grep -q "$BAD_ID" "$W/tty.txt"; then
		fail "NO_COLOR=1 on a terminal: no ESC bytes" "script(1) run did not produce the report"
	elif ! grep -q "$ESC" "$W/tty.txt"; then
		fail "colour by default on a terminal" "no ESC byte on a terminal"
	elif grep -q "$ESC" "$W/tty-nc.txt"; then
		pass "colour by default on a terminal"
		fail "NO_COLOR=1 on a terminal: no ESC bytes" "found ESC"
	else
		pass "colour by default on a terminal"
		pass "NO_COLOR=1 on a terminal: no ESC bytes"
	fi
else
	skip "NO_COLOR=1 on a terminal: no ESC bytes" "script(1) from util-linux is not available to make a terminal"
fi

# ---------------------------------------------------------------- determinism
det_check() {
	_name=$1
	shift
	ll 60 "$W/d1" "$W/e" "$@"
	_rc1=$RC
	ll 60 "$W/d2" "$W/e" "$@"
	if [ "$_rc1" -ne "$RC" ] || [ "$RC" -ge 2 ]; then
		fail "$_name" "exit $_rc1 then $(why_rc)"
	elif cmp -s "$W/d1" "$W/d2"; then
		pass "$_name"
	else
		fail "$_name" "$(cmp "$W/d1" "$W/d2" 2>&1)"
	fi
}
det_check "the same input twice: byte-identical JSON" --json "$BAD_LOG"
det_check "the same input twice: byte-identical text" "$BAD_LOG"
det_check "the same inputs twice: byte-identical JSON (several inputs, --lang ja)" --json --lang ja \
	"$H/base-lab-key-refused.sshd.log" "$BAD_LOG" "$H/base-lab-key-refused.plink-v.log"
det_check "the same inputs twice: byte-identical --redact JSON" --json --redact "$H/redact-openssh.log" "$H/redact-sshd.log"

# The embedded rule table is generated at build time (src/gen/gen_table.c); the same rules read
# from rules/*.json at run time must give the same report, every rule key included ("locks":
# the ProxyJump fixture's target port comes out as the jump host's without it; "hop": its phase
# comes out as the jump host's "session").
ll 60 "$W/d1" "$W/e" --json testdata/openssh/proxyjump-target-refused.ssh-v.log
_rc1=$RC
ll 60 "$W/d2" "$W/e" --json --no-default-rules --rules rules testdata/openssh/proxyjump-target-refused.ssh-v.log
if [ "$_rc1" -eq 1 ] && [ "$RC" -eq 1 ] && cmp -s "$W/d1" "$W/d2" && grep -q '"port":47709' "$W/d2" &&
	grep -q '"phase":"connect"' "$W/d2"; then
	pass "rules/*.json read at run time = the embedded table (ProxyJump target locked, hop)"
else
	fail "rules/*.json read at run time = the embedded table (ProxyJump target locked, hop)" "exit $_rc1 and $RC; $(cmp "$W/d1" "$W/d2" 2>&1)"
fi

# ---------------------------------------------------------------- line ends, encodings, compression
# Each base log is normalised to LF, then re-encoded; the findings (ids, severities, evidence line
# numbers and texts) must not change.
if need_py "line ends and encodings"; then
	HAVE_ICONV=0
	command -v iconv >/dev/null 2>&1 && HAVE_ICONV=1
	for base in base-lab-key-refused.ssh-v base-lab-key-refused.plink-v base-lab-key-refused.sshd base-lab-hostkey-changed.ssh-vvv redact-winscp; do
		tr -d '\r' < "$H/$base.log" > "$W/$base.lf.log"
		sed "s/\$/$CR/" "$W/$base.lf.log" > "$W/$base.crlf.log"
		tr '\n' '\r' < "$W/$base.lf.log" > "$W/$base.cr.log"
		# mixed: CRLF on odd lines, LF on even lines, a lone CR on every fifth
		awk '{ if (NR % 5 == 0) printf "%s\r", $0; else if (NR % 2) printf "%s\r\n", $0; else printf "%s\n", $0 }' \
			"$W/$base.lf.log" > "$W/$base.mixed.log"
		ll 30 "$W/$base.lf.json" "$W/e" --json "$W/$base.lf.log"
		[ "$RC" -eq 1 ] || fail "$base: LF copy" "$(why_rc), expected 1"
		for v in crlf cr mixed; do
			ll 30 "$W/$base.$v.json" "$W/e" --json "$W/$base.$v.log"
			if [ "$RC" -ne 1 ]; then
				fail "$base: $v line ends give the same findings as LF" "$(why_rc)"
			elif same_findings "$base.$v" "$W/$base.lf.json" "$W/$base.$v.json"; then
				pass "$base: $v line ends give the same findings as LF"
			else
				fail "$base: $v line ends give the same findings as LF" "$DIFF"
			fi
		done
		# enc_check VARIANT FILE ASSERTIONS...
		enc_check() {
			_v=$1 _f=$2
			shift 2
			ll 30 "$W/$base.$_v.json" "$W/e" --json "$_f"
			if [ "$RC" -ne 1 ]; then
				fail "$base: $_v" "$(why_rc), expected 1"
			elif ! same_findings "$base.$_v" "$W/$base.crlf.json" "$W/$base.$_v.json"; then
				fail "$base: $_v" "findings differ: $DIFF"
			elif ! jc "$base.$_v" "$W/$base.$_v.json" "$RC" "$@"; then
				fail "$base: $_v" "$JC_OUT"
			else
				pass "$base: $_v"
			fi
		}
		{ printf '\357\273\277'; cat "$W/$base.crlf.log"; } > "$W/$base.u8bom.log"
		enc_check "UTF-8 with BOM: same findings, encoding utf-8-bom" "$W/$base.u8bom.log" "inputs[0].encoding = utf-8-bom"
		gzip -c "$W/$base.crlf.log" > "$W/$base.crlf.log.gz"
		enc_check "gzip: same findings, compression gzip" "$W/$base.crlf.log.gz" "inputs[0].compression = gzip" "inputs[0].encoding = utf-8"
		# two gzip members back to back (what `cat a.gz b.gz` and log rotation leave)
		n=$(wc -l < "$W/$base.crlf.log")
		{ head -n $((n / 2)) "$W/$base.crlf.log" | gzip -c; tail -n +$((n / 2 + 1)) "$W/$base.crlf.log" | gzip -c; } > "$W/$base.2gz.log.gz"
		enc_check "two concatenated gzip members: same findings" "$W/$base.2gz.log.gz" "inputs[0].compression = gzip"
		if [ "$HAVE_ICONV" = 1 ]; then
			iconv -f UTF-8 -t UTF-16LE "$W/$base.crlf.log" > "$W/$base.u16le.log"
			{ printf '\377\376'; cat "$W/$base.u16le.log"; } > "$W/$base.u16le-bom.log"
			iconv -f UTF-8 -t UTF-16BE "$W/$base.crlf.log" > "$W/$base.u16be.log"
			{ printf '\376\377'; cat "$W/$base.u16be.log"; } > "$W/$base.u16be-bom.log"
			enc_check "UTF-16LE with BOM: same findings, encoding utf-16le" "$W/$base.u16le-bom.log" "inputs[0].encoding = utf-16le"
			enc_check "UTF-16LE without BOM: same findings, encoding utf-16le" "$W/$base.u16le.log" "inputs[0].encoding = utf-16le"
			enc_check "UTF-16BE with BOM: same findings, encoding utf-16be" "$W/$base.u16be-bom.log" "inputs[0].encoding = utf-16be"
			enc_check "UTF-16BE without BOM: same findings, encoding utf-16be" "$W/$base.u16be.log" "inputs[0].encoding = utf-16be"
			gzip -c "$W/$base.u16le-bom.log" > "$W/$base.u16le-bom.log.gz"
			enc_check "gzip of UTF-16LE: same findings" "$W/$base.u16le-bom.log.gz" "inputs[0].encoding = utf-16le" "inputs[0].compression = gzip"
		else
			skip "$base: UTF-16" "iconv is not installed"
		fi
	done
	# Shift_JIS (CP932) text from a Japanese Windows console does not stop the analysis.
	if [ "$HAVE_ICONV" = 1 ] && printf '\345\244\252\351\203\216\n' | iconv -f UTF-8 -t CP932 >/dev/null 2>&1; then
		base=base-lab-key-refused.ssh-v
		{ printf 'C:\\Users\\taro>ssh -v -i id_other lltuser@127.0.0.1\n'; cat "$W/$base.lf.log"; } > "$W/sjis-control.log"
		{ printf 'C:\\Users\\\345\244\252\351\203\216>ssh -v -i id_other lltuser@127.0.0.1 \343\200\200# \346\216\245\347\266\232\343\201\247\343\201\215\343\201\276\343\201\233\343\202\223\n' |
			iconv -f UTF-8 -t CP932; cat "$W/$base.lf.log"; } > "$W/sjis.log"
		ll 30 "$W/sjis-control.json" "$W/e" --json "$W/sjis-control.log"
		ll 30 "$W/sjis.json" "$W/e" --json "$W/sjis.log"
		if [ "$RC" -ne 1 ]; then
			fail "Shift_JIS text does not stop the analysis" "$(why_rc), expected 1"
		elif ! same_findings sjis "$W/sjis-control.json" "$W/sjis.json"; then
			fail "Shift_JIS text does not stop the analysis" "$DIFF"
		elif ! jc sjis "$W/sjis.json" "$RC" "inputs[0].encoding != utf-8" "inputs[0].invalid_utf8 != 0"; then
			fail "Shift_JIS text does not stop the analysis" "$JC_OUT"
		else
			pass "Shift_JIS text does not stop the analysis, and is reported"
		fi
	else
		skip "Shift_JIS text does not stop the analysis" "iconv cannot write CP932 here"
	fi
fi

# A CP932 user name and key path (Japanese Windows' cmd.exe "2>") are pseudonymised like UTF-8 ones:
# neither the --redact report nor the --redact-log copy may hold 田中, in either encoding, and the
# copy keeps every line.
JA=$H/win-ja-user.cp932.ssh-v.log
JA_SJIS=$(printf '\223\143\222\206') JA_UTF8=$(printf '\347\224\260\344\270\255')
rm -f "$W/ja-copy.log"
ll 30 "$W/ja-red.txt" "$W/e" --redact --redact-log "$W/ja-copy.log" "$JA"
why=
[ "$RC" -eq 1 ] || why="$(why_rc), expected 1"
for f in ja-red.txt ja-copy.log; do
	[ -n "$why" ] || ! LC_ALL=C grep -q -e "$JA_SJIS" -e "$JA_UTF8" "$W/$f" || why="$f holds the user name: $(LC_ALL=C grep -m1 -e "$JA_SJIS" -e "$JA_UTF8" "$W/$f" | head -c 120)"
done
[ -n "$why" ] || [ "$(grep -c '' "$W/ja-copy.log")" -eq "$(grep -c '' "$JA")" ] || why="the copy has $(grep -c '' "$W/ja-copy.log") lines, the log $(grep -c '' "$JA")"
[ -n "$why" ] || grep -q "^debug1: Offering public key: /path-[0-9]* ED25519 " "$W/ja-copy.log" || why="the key path is not pseudonymised in the copy"
[ -z "$why" ] && pass "--redact, --redact-log: a CP932 user name and path are pseudonymised" ||
	fail "--redact, --redact-log: a CP932 user name and path are pseudonymised" "$why"

# A user name sshd logged as octal escapes (\347\224\260…, and twice escaped in its "[preauth]"
# line) is the user 田中 in the facts, and in --redact output neither form nor the name is left:
# in the text report, the JSON and the --redact-log copy.
OCT=testdata/sshd/invalid-user-kanji.sshd.log
rm -f "$W/oct-copy.log"
ll 30 "$W/oct-red.txt" "$W/e" --redact --redact-log "$W/oct-copy.log" "$OCT"
ll 30 "$W/oct-red.json" "$W/e" --redact --json "$OCT"
why=
for f in oct-red.txt oct-red.json oct-copy.log; do
	[ -n "$why" ] || ! LC_ALL=C grep -q -e '347' -e "$JA_UTF8" "$W/$f" || why="$f holds the user name: $(LC_ALL=C grep -m1 -e '347' -e "$JA_UTF8" "$W/$f" | head -c 120)"
done
[ -n "$why" ] || grep -q 'Invalid user user-1 from' "$W/oct-copy.log" || why="the copy does not give the user its pseudonym"
[ -z "$why" ] && pass "--redact: a user name in OpenSSH's octal escapes (once and twice) is pseudonymised" ||
	fail "--redact: a user name in OpenSSH's octal escapes (once and twice) is pseudonymised" "$why"

# The account a Git host greets (its login user is "git") gets a pseudonym, in the text and the JSON
printf '%s\n' "debug1: Authenticating to github.com:22 as 'git'" \
	"Hi octocat! You've successfully authenticated, but GitHub does not provide shell access." > "$W/gh.log"
why=
for fmt in "" "--json"; do
	ll 30 "$W/gh-red.out" "$W/e" --redact $fmt "$W/gh.log"
	[ -n "$why" ] || [ "$RC" -eq 0 ] || why="--redact $fmt: $(why_rc)"
	[ -n "$why" ] || ! grep -q octocat "$W/gh-red.out" || why="--redact $fmt: $(grep -m1 -o '.\{0,30\}octocat.\{0,10\}' "$W/gh-red.out")"
	[ -n "$why" ] || grep -q 'session.git-host' "$W/gh-red.out" || why="--redact $fmt: no session.git-host"
done
[ -z "$why" ] && pass "--redact: the account a Git host's greeting names is pseudonymised" ||
	fail "--redact: the account a Git host's greeting names is pseudonymised" "$why"

# A console's copy cut at 80 or 120 columns (fold -w) reads as the lines it was cut from: the same first
# findings as the original, for real transcripts whose decisive lines are long
why=
for f in openssh/lab-no-common-cipher.ssh-v openssh/lab-no-common-mac.ssh-v openssh/lab-keyfile-perms.ssh-v \
	openssh/lab-hostkey-changed.ssh-v putty/lab-hostkey-changed.plink-v putty/lab-key-refused.plink-v; do
	ll 30 "$W/fold-o.json" "$W/e" --json "testdata/$f.log"
	want=$(grep -o '"findings": *\[ *{ *"id": *"[^"]*"' "$W/fold-o.json" | head -n 1 | sed 's/.*"id": *//')
	for wd in 80 120; do
		tr -d '\r' < "testdata/$f.log" | fold -w "$wd" > "$W/fold.log"
		ll 30 "$W/fold-n.json" "$W/e" --json "$W/fold.log"
		got=$(grep -o '"findings": *\[ *{ *"id": *"[^"]*"' "$W/fold-n.json" | head -n 1 | sed 's/.*"id": *//')
		if [ -z "$why" ] && { [ -z "$want" ] || [ "$got" != "$want" ]; }; then
			why="$f at $wd columns: '$got', not '$want'"
		fi
	done
done
[ -z "$why" ] && pass "a console's copy cut at 80 or 120 columns gives the original's first findings" ||
	fail "a console's copy cut at 80 or 120 columns gives the original's first findings" "$why"

# Every diagnosis id of the default rules is described in loglens(1)'s DIAGNOSIS IDS
ll 30 "$W/ids.txt" "$W/e" --list-rules
why=
for id in $(sed -n 's|^\([a-z][a-z-]*\.[a-z-]*\)/.*|\1|p' "$W/ids.txt" | sort -u); do
	sed -n '/^\.SH DIAGNOSIS IDS/,/^\.SH /p' man/loglens.1 | sed 's/\\-/-/g' | grep -qx "\.B $id" || why="$why $id"
done
[ "$RC" -eq 0 ] && [ -s "$W/ids.txt" ] && [ -z "$why" ] && pass "man page: every diagnosis id is described" ||
	fail "man page: every diagnosis id is described" "$(why_rc); missing:$why"

# A jump host's user, address and host key (proxy_user, proxy_host, proxy_hostkey_fingerprint) get
# pseudonyms like the target's, "user@address" included (the text header's "via nobody@127.0.0.1")
why=
for f in testdata/openssh/proxyjump-jump-denied.ssh-v.log testdata/putty/lab-proxy-ssh-ok.plink-v.log \
	testdata/putty/proxy-ssh-interactive.plink-v.log; do
	ll 30 "$W/px-red.txt" "$W/e" --redact "$f"
	ll 30 "$W/px-red.json" "$W/e" --redact --json "$f"
	for o in px-red.txt px-red.json; do
		[ -n "$why" ] || ! grep -q -e 'nobody' -e 'lltuser' -e '127\.0\.0\.1' -e 'email-' -e 'SHA256:[A-Za-z0-9+/]\{20\}' "$W/$o" ||
			why="$f, $o: $(grep -m1 -o -e '.\{0,30\}nobody.\{0,10\}' -e '.\{0,30\}lltuser.\{0,10\}' -e '.\{0,30\}127\.0\.0\.1.\{0,10\}' -e '.\{0,30\}email-.\{0,10\}' -e 'SHA256:[A-Za-z0-9+/]\{20\}' "$W/$o" | head -n 1)"
	done
	[ -n "$why" ] || grep -q '(via [a-z0-9-]*@192\.0\.2\.[0-9]*:[0-9]*)' "$W/px-red.txt" || why="$f: no '(via user@192.0.2.N:port)' in the header"
done
[ -z "$why" ] && pass "--redact: the jump host's user, address and host key get pseudonyms" ||
	fail "--redact: the jump host's user, address and host key get pseudonyms" "$why"

# ---------------------------------------------------------------- hostile bytes
# hostile NAME FILE SECONDS — no crash, bounded time, exit 0/1, JSON parses, text mode too.
hostile() {
	_name=$1 _f=$2 _s=$3
	ll "$_s" "$W/h.json" "$W/h.err" --json "$_f"
	_why=
	case $RC in 0|1) ;; *) _why="$(why_rc)"; [ -s "$W/h.err" ] && _why="$_why: $(head -c 200 "$W/h.err" | tr '\n' ' ')";; esac
	if [ -z "$_why" ]; then
		_j=$(json_ok "$W/h.json")
		[ -z "$_j" ] || _why="$_j"
	fi
	if [ -z "$_why" ]; then
		ll "$_s" "$W/h.txt" "$W/h.err" "$_f"
		case $RC in 0|1) ;; *) _why="text mode: $(why_rc)";; esac
	fi
	[ -z "$_why" ] && pass "$_name" || fail "$_name" "$_why"
	[ -z "$_why" ]
}

# a 100 MB single line (no line end at all)
{ printf 'debug1: '; head -c 100000000 /dev/zero | tr '\0' 'A'; } > "$W/line100m.log"
if hostile "a 100 MB single line" "$W/line100m.log" 120; then
	jc l100 "$W/h.json" 0 "inputs[0].lines = 1" "inputs[0].truncated_lines = 1" "inputs[0].bytes = 100000008" &&
		pass "a 100 MB single line: counted as one truncated line" ||
		fail "a 100 MB single line: counted as one truncated line" "$JC_OUT"
fi
rm -f "$W/line100m.log"

# a 10 MB line inside a real log: the lines after it keep their numbers and findings
if need_py "a 10 MB line inside a log"; then
	base=$W/base-lab-key-refused.ssh-v.lf.log
	[ -f "$base" ] || tr -d '\r' < "$BAD_LOG" > "$base"
	{ head -n 3 "$base"; printf 'debug1: short line instead\n'; tail -n +4 "$base"; } > "$W/line10m-control.log"
	{ head -n 3 "$base"; printf 'debug1: '; head -c 10000000 /dev/zero | tr '\0' 'B'; printf '\n'; tail -n +4 "$base"; } > "$W/line10m.log"
	ll 30 "$W/line10m-control.json" "$W/e" --json "$W/line10m-control.log"
	if hostile "a 10 MB line inside a log" "$W/line10m.log" 60; then
		if ! same_findings l10 "$W/line10m-control.json" "$W/h.json"; then
			fail "a 10 MB line inside a log: same findings and line numbers" "$DIFF"
		elif ! jc l10 "$W/h.json" 1 "inputs[0].truncated_lines = 1"; then
			fail "a 10 MB line inside a log: same findings and line numbers" "$JC_OUT"
		else
			pass "a 10 MB line inside a log: same findings and line numbers"
		fi
	fi
	# many lines just over the cut, a line exactly at it, and a CRLF split across the reader's buffer
	{
		head -n 3 "$base"
		i=0
		while [ $i -lt 40 ]; do head -c 70000 /dev/zero | tr '\0' 'C'; printf '\r\n'; i=$((i + 1)); done
		head -c 65536 /dev/zero | tr '\0' 'D'; printf '\n'
		head -c 65535 /dev/zero | tr '\0' 'E'; printf '\r\n'
		tail -n +4 "$base"
	} > "$W/cutlines.log"
	{ head -n 3 "$base"; i=0; while [ $i -lt 42 ]; do printf 'x\n'; i=$((i + 1)); done; tail -n +4 "$base"; } > "$W/cutlines-control.log"
	ll 30 "$W/cutlines-control.json" "$W/e" --json "$W/cutlines-control.log"
	if hostile "42 lines around the 64 KiB cut" "$W/cutlines.log" 60; then
		if ! same_findings cut "$W/cutlines-control.json" "$W/h.json"; then
			fail "42 lines around the 64 KiB cut: same findings and line numbers" "$DIFF"
		elif ! jc cutl "$W/h.json" 1 "inputs[0].truncated_lines = 40"; then
			fail "42 lines around the 64 KiB cut: same findings and line numbers" "$JC_OUT"
		else
			pass "42 lines around the 64 KiB cut: same findings and line numbers"
		fi
	fi
fi

# NUL bytes inside lines that are not evidence, and a line of NULs
if need_py "NUL bytes"; then
	base=$W/base-lab-key-refused.ssh-v.lf.log
	{
		sed -n '1,5p' "$base"; printf '\000\000\000\000\000\000\000\000\n'; sed -n '6,11p' "$base"
		printf '%s\000\000tail\n' "$(sed -n 12p "$base")" "$(sed -n 13p "$base")"; sed -n '14,$p' "$base"
	} > "$W/nul.log"
	{
		sed -n '1,5p' "$base"; printf '        \n'; sed -n '6,11p' "$base"
		printf '%s  tail\n' "$(sed -n 12p "$base")" "$(sed -n 13p "$base")"; sed -n '14,$p' "$base"
	} > "$W/nul-control.log"
	ll 30 "$W/nul-control.json" "$W/e" --json "$W/nul-control.log"
	if hostile "NUL bytes" "$W/nul.log" 30; then
		if [ "$(tr -cd '\000' < "$W/nul.log" | wc -c)" -ne 12 ]; then
			fail "NUL bytes: same findings" "awk did not write the NUL bytes"
		elif same_findings nul "$W/nul-control.json" "$W/h.json"; then
			pass "NUL bytes: same findings"
		else
			fail "NUL bytes: same findings" "$DIFF"
		fi
	fi
fi
# a NUL inside an evidence line: the JSON must carry it escaped
printf 'Permission denied (publickey).\000\n' > "$W/nul-evidence.log"
hostile "a NUL byte inside an evidence line" "$W/nul-evidence.log" 30

# binary garbage: 4 MB of AES-CTR keystream (fixed key: the same bytes on every machine)
if command -v openssl >/dev/null 2>&1; then
	head -c 4000000 /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
		-iv 00000000000000000000000000000000 2>/dev/null > "$W/garbage.bin"
elif [ "$HAVE_PY" = 1 ]; then
	python3 -c 'import random,sys; r=random.Random(6); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(4000000)))' > "$W/garbage.bin"
fi
if [ -s "$W/garbage.bin" ]; then
	hostile "4 MB of binary garbage" "$W/garbage.bin" 60
	gzip -c "$W/garbage.bin" > "$W/garbage.bin.gz"
	hostile "4 MB of binary garbage, gzipped" "$W/garbage.bin.gz" 60
	{ printf '\377\376'; head -c 1000000 "$W/garbage.bin"; } > "$W/garbage-u16.bin"
	hostile "1 MB of binary garbage behind a UTF-16LE BOM" "$W/garbage-u16.bin" 60
	{ head -c 100000 "$W/garbage.bin"; printf '\n'; tr -d '\r' < "$BAD_LOG"; } > "$W/garbage-then-log.log"
	hostile "100 KB of garbage before a real log" "$W/garbage-then-log.log" 60
else
	skip "binary garbage" "neither openssl nor python3 to make deterministic bytes"
fi

# an empty file; a file that ends mid-line; a FIFO
: > "$W/empty.log"
if hostile "an empty file" "$W/empty.log" 30; then
	jc empty "$W/h.json" 0 "exit = 0" "inputs[0].lines = 0" "sessions# = 0" "inputs[0].error = null" &&
		pass "an empty file: exit 0, no lines, no session" || fail "an empty file: exit 0, no lines, no session" "$JC_OUT"
fi
if need_py "a file ending mid-line"; then
	base=$W/base-lab-key-refused.ssh-v.lf.log
	# the last line (the one that says "Permission denied") loses its line end
	head -c $(($(wc -c < "$base") - 1)) "$base" > "$W/midline.log"
	ll 30 "$W/lf.json" "$W/e" --json "$base"
	if hostile "a file ending mid-line" "$W/midline.log" 30; then
		if ! same_findings mid "$W/lf.json" "$W/h.json"; then
			fail "a file ending mid-line: same findings" "$DIFF"
		elif ! jc mid "$W/h.json" 1 "inputs[0].lines = $(wc -l < "$base")"; then
			fail "a file ending mid-line: same findings" "$JC_OUT"
		else
			pass "a file ending mid-line: same findings, last line counted"
		fi
	fi
	# ... and mid-way through a UTF-8 sequence and a UTF-16 code unit
	{ cat "$base"; printf 'debug1: \343\201'; } > "$W/mid-utf8.log"
	hostile "a file ending inside a UTF-8 sequence" "$W/mid-utf8.log" 30
	if command -v iconv >/dev/null 2>&1; then
		{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE "$base"; printf 'x'; } > "$W/mid-utf16.log"
		if hostile "a UTF-16LE file with an odd byte count" "$W/mid-utf16.log" 30; then
			same_findings mid16 "$W/lf.json" "$W/h.json" && pass "a UTF-16LE file with an odd byte count: same findings" ||
				fail "a UTF-16LE file with an odd byte count: same findings" "$DIFF"
		fi
	fi
fi
if command -v mkfifo >/dev/null 2>&1 && mkfifo "$W/fifo"; then
	cat "$BAD_LOG" > "$W/fifo" &
	writer=$!
	ll 30 "$W/fifo.json" "$W/e" --json "$W/fifo"
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	sed 's|"name":"'"$W"'/fifo"|"name":"'"$BAD_LOG"'"|' "$W/fifo.json" > "$W/fifo-named.json"
	if [ "$RC" -eq 1 ] && cmp -s "$W/file.json" "$W/fifo-named.json"; then
		pass "a FIFO as input: the same JSON as the file"
	else
		fail "a FIFO as input: the same JSON as the file" "$(why_rc); $(cmp "$W/file.json" "$W/fifo-named.json" 2>&1)"
	fi
	# a FIFO that delivers its data slowly, gzipped, in pieces
	gzip -c "$BAD_LOG" > "$W/slow.gz"
	( head -c 100 "$W/slow.gz"; sleep 1; tail -c +101 "$W/slow.gz" ) > "$W/fifo" &
	writer=$!
	ll 30 "$W/fifo.json" "$W/e" --json "$W/fifo"
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	if [ "$RC" -eq 1 ] && jc fifo "$W/fifo.json" "$RC" "inputs[0].compression = gzip" "sessions[*].findings[*].id = $BAD_ID"; then
		pass "a slow gzipped FIFO"
	else
		fail "a slow gzipped FIFO" "$(why_rc); $JC_OUT"
	fi
else
	skip "a FIFO as input" "mkfifo failed in $W"
fi

# Correlation may read each input twice (src/correlate.c; LOGLENS_HOLD=0 makes it, as past 2 MiB
# of sessions: held, these small logs would be read once and the check could not fail): the
# server's log through a FIFO or standard input is copied first, keeps its own name, and is
# matched as the file is.
CLIENT_LOG=testdata/openssh/lab-unknown-user.ssh-v.log SERVER_LOG=testdata/sshd/lab-unknown-user.sshd.log
for how in stdin fifo; do
	case $how in
	stdin) LOGLENS_HOLD=0 ll 30 "$W/corr.json" "$W/corr.err" --json "$CLIENT_LOG" - < "$SERVER_LOG"; shown='<stdin>';;
	fifo)
		rm -f "$W/srv.fifo"
		if ! command -v mkfifo >/dev/null 2>&1 || ! mkfifo "$W/srv.fifo"; then
			skip "correlation: the server's log through a FIFO" "mkfifo failed in $W"
			continue
		fi
		cat "$SERVER_LOG" > "$W/srv.fifo" &
		writer=$!
		LOGLENS_HOLD=0 ll 30 "$W/corr.json" "$W/corr.err" --json "$CLIENT_LOG" "$W/srv.fifo"
		kill "$writer" 2>/dev/null
		wait "$writer" 2>/dev/null
		shown="$W/srv.fifo";;
	esac
	if [ "$RC" -eq 1 ] && jc corr "$W/corr.json" "$RC" "sessions# = 1" "sessions[0].input[1] = 1" \
		"sessions[0].findings[0].id = auth.user-not-allowed" "inputs[1].name = $shown" "inputs[1].lines = $(grep -c '' "$SERVER_LOG")" &&
		! grep -q 'proc/self' "$W/corr.json" "$W/corr.err"; then
		pass "correlation: the server's log through $how, matched and named as given"
	else
		fail "correlation: the server's log through $how, matched and named as given" "$(why_rc); $JC_OUT $(head -c 200 "$W/corr.err")"
	fi
done

# The text report says where a client's log and a server's given together had nothing for each
# other (another attempt, server or time), and where the server's matched connections went: with
# the client sessions, below when the server's log comes first.
ll 30 "$W/pair.txt" "$W/e" testdata/openssh/lab-password-wrong.ssh-v.log testdata/sshd/lab-chroot.sshd.log
if grep -q "^  No connection in the server's log could be tied to this attempt" "$W/pair.txt" &&
	grep -q '^  This connection could be tied to none of the client sessions given' "$W/pair.txt"; then
	pass "correlation: the text report names the sessions that found no partner in the other log"
else
	fail "correlation: the text report names the sessions that found no partner in the other log" "$(grep -c '' "$W/pair.txt") lines, no such note"
fi
ll 30 "$W/pair.txt" "$W/e" testdata/sshd/lab-unknown-user.sshd.log testdata/openssh/lab-unknown-user.ssh-v.log
if grep -q 'reported with the client sessions they were matched to' "$W/pair.txt" && ! grep -q 'above' "$W/pair.txt" &&
	! grep -q 'tied to none\|No connection in the server' "$W/pair.txt"; then
	pass "correlation: server log first, matched: no 'above', no unmatched note"
else
	fail "correlation: server log first, matched: no 'above', no unmatched note" "$(grep -e above -e 'matched' "$W/pair.txt" | head -n 2)"
fi
ll 30 "$W/pair.txt" "$W/e" testdata/mixed/server-not-started.ssh-v.log testdata/mixed/server-not-started.sshd.log
if grep -q '^Session 1: the sshd server itself, not a connection; outcome: FAILED' "$W/pair.txt" &&
	! grep -q 'This connection could be tied to none' "$W/pair.txt"; then
	pass "correlation: sshd's own session (it did not start) is no connection left unpaired"
else
	fail "correlation: sshd's own session (it did not start) is no connection left unpaired" "$(grep -e '^Session' -e 'tied to none' "$W/pair.txt" | head -n 3)"
fi
ll 30 "$W/pair.txt" "$W/e" testdata/openssh/lab-password-wrong.ssh-v.log testdata/openssh/lab-unknown-user.ssh-v.log
if grep -q 'Session 1' "$W/pair.txt" && ! grep -q 'matched' "$W/pair.txt"; then
	pass "correlation: two client logs, no server log: no note about partners"
else
	fail "correlation: two client logs, no server log: no note about partners" "$(grep -m1 matched "$W/pair.txt")"
fi

# --redact-log reads its input twice too: from a FIFO it used to wait for a second writer forever.
rm -f "$W/rl.fifo"
if command -v mkfifo >/dev/null 2>&1 && mkfifo "$W/rl.fifo"; then
	cat "$CLIENT_LOG" > "$W/rl.fifo" &
	writer=$!
	rm -f "$W/rl.copy"
	ll 30 "$W/rl.out" "$W/rl.err" --redact-log "$W/rl.copy" "$W/rl.fifo"
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	if [ "$RC" -eq 1 ] && [ -s "$W/rl.copy" ] && [ "$(grep -c '' "$W/rl.copy")" -eq "$(grep -c '' "$CLIENT_LOG")" ]; then
		pass "--redact-log from a FIFO: the copy is whole"
	else
		fail "--redact-log from a FIFO: the copy is whole" "$(why_rc); $(grep -c '' "$W/rl.copy" 2>&1) lines"
	fi
else
	skip "--redact-log from a FIFO" "mkfifo failed in $W"
fi

# more inputs than a 32-bit mask has bits
set --
i=0
while [ $i -lt 40 ]; do set -- "$@" "$BAD_LOG"; i=$((i + 1)); done
ll 60 "$W/many.json" "$W/e" --json "$@"
if [ "$RC" -ne 1 ]; then
	fail "40 inputs: each reported under its own index" "$(why_rc)"
elif jc many "$W/many.json" "$RC" "sessions# = 40" "inputs# = 40" "sessions[39].input = 39" "sessions[33].input = 33" \
	"sessions[39].findings[0].id = $BAD_ID" "inputs[39].sessions = 1"; then
	pass "40 inputs: each reported under its own index"
else
	fail "40 inputs: each reported under its own index" "$JC_OUT"
fi

# ---------------------------------------------------------------- the fuzzer's finds
# testdata/hostile/crash-*: inputs tests/fuzz found crashing loglens (minimised); each must now
# give exit 0 or 1 with every reporter.
# crash-*.json are rule files: they must be accepted or rejected (exit 0, 1 or 4), never crash.
for f in "$H"/crash-*.json; do
	[ -f "$f" ] || continue
	why=
	ll 60 "$W/c.out" "$W/c.err" --check-rules --rules "$f"
	case $RC in 0|4) ;; *) why="$why (--check-rules) $(why_rc);";; esac
	ll 60 "$W/c.out" "$W/c.err" --json --rules "$f" "$BAD_LOG"
	case $RC in 0|1|4) ;; *) why="$why (--rules) $(why_rc);";; esac
	[ -z "$why" ] && pass "fuzz find ${f#"$H"/}: no crash" || fail "fuzz find ${f#"$H"/}: no crash" "$why"
done
for f in "$H"/crash-*; do
	[ -f "$f" ] || continue
	case $f in *.json) continue;; esac
	why=
	for opts in "--json" "" "--json --redact --lang ja" "--redact --color=always"; do
		# shellcheck disable=SC2086
		ll 30 "$W/c.out" "$W/c.err" $opts "$f"
		case $RC in
		0|1) case $opts in --json*) j=$(json_ok "$W/c.out"); [ -z "$j" ] || why="$why ($opts) $j;";; esac;;
		*) why="$why ($opts) $(why_rc);";;
		esac
	done
	[ -z "$why" ] && pass "fuzz find ${f#"$H"/}: no crash" || fail "fuzz find ${f#"$H"/}: no crash" "$why"
done

# ---------------------------------------------------------------- JSON always parses
# every committed hostile input and every generated file, one loglens run each, all options mixed
if need_py "JSON parses for every hostile input"; then
	bad=
	n=0
	for f in "$H"/* "$W"/*.log "$W"/*.gz "$W"/*.bin; do
		[ -f "$f" ] || continue
		case $f in *.expect) continue;; esac
		n=$((n + 1))
		case $((n % 4)) in
		0) set -- --json;;
		1) set -- --json --lang ja;;
		2) set -- --json --redact;;
		3) set -- --json --lang ja --redact;;
		esac
		ll 60 "$W/p.json" "$W/p.err" "$@" "$f"
		case $RC in
		0|1|3) j=$(json_ok "$W/p.json"); [ -z "$j" ] || bad="$bad ${f#"$W"/} ($*): $j;";;
		*) bad="$bad ${f#"$W"/} ($*): $(why_rc);";;
		esac
	done
	[ -z "$bad" ] && pass "JSON parses for all $n hostile inputs" || fail "JSON parses for every hostile input" "$bad"
fi

# ---------------------------------------------------------------- property: evidence lines
# For every log under testdata/ (and a few generated ones): every evidence line number exists in
# the input and its text equals that line (sed -n Np, a trailing CR removed; where a lone CR ends
# lines, split as the reader does).
if need_py "evidence lines"; then
	: > "$W/ev.list"
	n=0
	# Under valgrind (about 5 s a run) the golden logs are left to make check / make sanitize:
	# the golden step of tests/run.sh has already run each of them under valgrind.
	EV_LOGS=testdata/*/*.log
	case $LOGLENS in
	*valgrind*) EV_LOGS="$H/*.log"; echo "# evidence lines: under valgrind only $H and generated inputs";;
	esac
	# shellcheck disable=SC2086
	for f in $EV_LOGS "$W/line10m.log" "$W/cutlines.log" "$W/nul.log" "$W/midline.log"; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		ll 60 "$W/ev$n.json" "$W/ev.err" --json "$f"
		case $RC in
		0|1) printf '%s\t%s\n' "$W/ev$n.json" "$f" >> "$W/ev.list";;
		*) fail "evidence lines: $f" "$(why_rc): $(head -n 1 "$W/ev.err")";;
		esac
	done
	python3 "$W/j.py" evfiles "$W/ev.list" | sed "s|$W/||"
fi

# ---------------------------------------------------------------- secrets
# A password in the log never reaches the report, the JSON, or the --redact-log copy.
# Does file $1 hold text $2? A file with a UTF-16LE byte order mark (what PowerShell 5.1's 2>
# writes) is decoded first, or grep would never find the text in it.
holds_text() {
	if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' ')" = fffe ]; then
		iconv -f UTF-16LE -t UTF-8 "$1" 2>/dev/null | grep -qF "$2"
	else
		grep -qF "$2" "$1"
	fi
}
secret_check() {
	_name=$1 _f=$2 _secret=$3
	_why=
	holds_text "$_f" "$_secret" || { fail "$_name" "$_f does not contain $_secret"; return; }
	for _opts in "" "--json" "--lang ja" "--json --lang ja" "--redact" "--json --redact"; do
		# shellcheck disable=SC2086
		ll 30 "$W/s.out" "$W/s.err" $_opts "$_f"
		case $RC in 0|1) ;; *) _why="$_why ${_opts:-text}: $(why_rc);";; esac
		grep -qF "$_secret" "$W/s.out" && _why="$_why printed with '${_opts:-no option}';"
		grep -qF "$_secret" "$W/s.err" && _why="$_why on stderr with '${_opts:-no option}';"
	done
	for _opts in "" "--redact"; do
		rm -f "$W/s.redacted"
		# shellcheck disable=SC2086
		ll 30 "$W/s.out" "$W/s.err" $_opts --redact-log "$W/s.redacted" "$_f"
		if [ ! -s "$W/s.redacted" ]; then
			_why="$_why --redact-log wrote nothing ($(why_rc));"
		elif holds_text "$W/s.redacted" "$_secret"; then
			_why="$_why in the --redact-log copy ($_opts): $(grep -F "$_secret" "$W/s.redacted" | head -n 1 | cut -c 1-100);"
		fi
	done
	[ -z "$_why" ] && pass "$_name" || fail "$_name" "$_why"
}
secret_check "secret never shown: plink -pw" "$H/secret-plink-pw.log" S3cretPass1
secret_check "secret never shown: a password typed as the user name (sshd's Invalid user)" testdata/sshd/password-as-user.sshd-syslog.log 'Summer2024!'
# the live lab's unknown-user transcripts with a password where the user name was
secret_check "secret never shown: a password typed as the user name (ssh -v)" "$H/secret-password-as-user.ssh-v.log" 'Summer2024!'
secret_check "secret never shown: a password typed as the user name (plink -v)" "$H/secret-password-as-user.plink-v.log" 'Summer2024!'

secret_check "secret never shown: sshpass -p" "$H/secret-sshpass.log" S3cretPass2
# a private key read as ssh_config (ssh -F KEY): ssh quotes its lines, lower-cased
secret_check "secret never shown: a key's lines quoted by ssh -F KEY" testdata/openssh/key-as-config.ssh.log b3blbnnzac1rzxktdjeaaaaabg5vbmu
secret_check "secret never shown: a key's lines quoted by ssh -v -F KEY" testdata/openssh/key-as-config.ssh-v.log aaaecvhhdynwomlhoncex
# PuTTY's -pw given to ssh after a -p: the password is the host name ssh could not resolve,
# lowercased; learned from the trace line, or from PowerShell's position block no rule reads
secret_check "secret never shown: -pw as ssh's host (set -x trace)" testdata/openssh/putty-pw-as-host.trace.log S3cretPass7
secret_check "secret never shown: -pw as ssh's host, lowercased (set -x trace)" testdata/openssh/putty-pw-as-host.trace.log s3cretpass7
secret_check "secret never shown: -pw as ssh's host (PowerShell block)" "$H/secret-pw-as-host.ps1.log" S3cretPass8
secret_check "secret never shown: -pw as ssh's host, lowercased (PowerShell block)" "$H/secret-pw-as-host.ps1.log" s3cretpass8
secret_check "secret never shown: sftp://user:password@host/" "$H/secret-winscp-sftp-url.log" S3cretPass3
secret_check "secret never shown: WinSCP 'Logging passwords' FTP PASS" "$H/secret-winscp-ftp-pass.log" S3cretPass4
secret_check "secret never shown: WinSCP 'Logging passwords' session Password:" "$H/secret-winscp-ftp-pass.log" S3cretPass5
# quoted values (-pw "a b", sshpass -p 'a b', WinSCP's /command "… -password=""a b"""), a value
# that begins with '*' (not WinSCP's own "PASS ****"), --password, and a TAB after -pw
for sec in S3cretB6 S3cretD7 S3cretF8 S3cretG9 S3cretH10 S3cretI11; do
	secret_check "secret never shown: $(grep -F "$sec" "$H/redact-forms.log" | sed 's/^Command line: //' | cut -c1-40)" "$H/redact-forms.log" "$sec"
done

# ---------------------------------------------------------------- --redact and --redact-log
# Hosts, IPv4/IPv6 addresses, user names, /home and C:\Users paths, SHA256 fingerprints and
# e-mail addresses of three logs; none may survive in the report, the JSON or the redacted copy.
R1=$H/redact-openssh.log R2=$H/redact-sshd.log R3=$H/redact-winscp.log
SENSITIVE="corp-example.com bastion-01 203.0.113.77 198.51.100.5 198.51.100.201 2001:db8:4c1 deploy7 mbrown
jdoe42 kwatanabe k.watanabe ops-oncall SEiuCagLWMtWmKl xZBHz9FCGXVNqfpZB2aa"
# survivors FILE — the sensitive values found in FILE
survivors() {
	for _v in $SENSITIVE; do grep -qF "$_v" "$1" && printf '%s ' "$_v"; done
}
# none_survive NAME FILE — pass if FILE was written and holds none of the sensitive values
none_survive() {
	if [ ! -s "$2" ]; then
		fail "$1" "nothing written"
		return
	fi
	_s=$(survivors "$2")
	[ -z "$_s" ] && pass "$1" || fail "$1" "still there: $_s"
}
missing=$(for v in $SENSITIVE; do cat "$R1" "$R2" "$R3" | grep -qF "$v" || printf '%s ' "$v"; done)
[ -z "$missing" ] || fail "redact setup" "the inputs lack: $missing"
ll 30 "$W/plain.txt" "$W/e" "$R1" "$R2" "$R3"
s=$(survivors "$W/plain.txt")
[ -n "$s" ] && pass "redact control: without --redact the values are shown" ||
	fail "redact control: without --redact the values are shown" "none shown, the checks below prove nothing"
rm -f "$W/redacted.log"
ll 60 "$W/r.json" "$W/r.err" --json --redact --redact-log "$W/redacted.log" "$R1" "$R2" "$R3"
rc_json=$RC
ll 60 "$W/r.txt" "$W/r.err" --redact "$R1" "$R2" "$R3"
rc_txt=$RC
for pair in "JSON:$W/r.json:$rc_json" "text:$W/r.txt:$rc_txt"; do
	what=${pair%%:*} rest=${pair#*:}
	file=${rest%:*} rc=${rest##*:}
	if [ "$rc" -ne 1 ]; then
		fail "--redact: nothing survives in the $what report" "exit $rc, expected 1"
	else
		none_survive "--redact: nothing survives in the $what report" "$file"
	fi
done
none_survive "--redact-log: nothing survives in the copy" "$W/redacted.log"
# A PowerShell prompt's folder is a path, and ends at its '>': the command typed after it stays
# (the Windows profile path, which may hold spaces, took the rest of the line).
printf '%s\n' 'PS C:\Users\taro.yamada> sftp -P 2222 -i C:\Users\taro.yamada\.ssh\id_work taro@sv1.example.jp' \
	'taro@sv1.example.jp: Permission denied (publickey).' > "$W/ps.log"
rm -f "$W/ps.copy"
ll 30 "$W/o" "$W/e" --redact-log "$W/ps.copy" "$W/ps.log"
if grep -q '^PS /path-[0-9]*> sftp -P 2222 -i /path-[0-9]* user-[0-9]*@host-[0-9]*.example$' "$W/ps.copy" 2>/dev/null &&
	! grep -q 'taro' "$W/ps.copy"; then
	pass "--redact-log: a PowerShell prompt's folder ends at its '>', the command stays"
else
	fail "--redact-log: a PowerShell prompt's folder ends at its '>', the command stays" "$(head -n 1 "$W/ps.copy" 2>&1)"
fi
# A host that is an address gets an address's pseudonym (192.0.2.N), as the pattern gives it; a
# key file's bare name (not OpenSSH's default names) goes with the key file.
ll 30 "$W/kp.json" "$W/e" --json --redact testdata/openssh/lab-keyfile-perms.ssh-v.log
if jc kp "$W/kp.json" "$RC" "sessions[0].target.host ~ 192.0.2." && ! grep -q 'id_open' "$W/kp.json"; then
	pass "--redact: an IP host is an address pseudonym; the key's bare name is redacted"
else
	fail "--redact: an IP host is an address pseudonym; the key's bare name is redacted" "$JC_OUT $(grep -o '.\{20\}id_open.\{10\}' "$W/kp.json" | head -n 1)"
fi
if [ -s "$W/redacted.log" ]; then
	want=$(cat "$R1" "$R2" "$R3" | wc -l)
	got=$(wc -l < "$W/redacted.log")
	[ "$want" -eq "$got" ] && pass "--redact-log: one line out per line in" ||
		fail "--redact-log: one line out per line in" "$got lines for $want"
fi
# Forms a pattern must know (redact-forms.log): an IPv6 address followed by ':', an IPv4-mapped
# one, a full stop after an address, FTP's PASV (h1,h2,h3,h4), bare fingerprints (PuTTY/WinSCP
# base64, hex pairs of MD5, SHA-1 and a certificate's SHA-256, WinSCP's raw "0x…" host key), a
# Windows profile with a space, PuTTY's key comment, journald's _HOSTNAME, a host in the server's
# banner (the JSON "server" field); paths: a macOS volume (with a space), "~user/…", Win32-OpenSSH's
# "C:/Users/x/…" and "C:\\Users\\x/…" and the account it names (DOMAIN\name), a share
# "\\server\share\…".
SENSITIVE="acme-corp.com 2a01:4f8:c0c 203.0.113.77 203.0.113.80 203.0.113.81 wWCJ7aEitWGUULwjNeNMCpYX f0:76:32:90
f6:f4:49:02 63:28:d6:11 0xbd97c0c39def5cf3 96110a74ff090b4f 192,168,20,15 TARO-PC Taro tyamada bastion-77 10.20.30.44
db7 ACME-CORP.COM acme.company Kobayashi KOBAYASHI-USB yoshida 7QK2P kobayashi fs01 fs02"
F=$H/redact-forms.log
missing=$(for v in $SENSITIVE; do grep -qF "$v" "$F" || printf '%s ' "$v"; done)
[ -z "$missing" ] || fail "redact forms setup" "the input lacks: $missing"
rm -f "$W/forms.copy"
ll 30 "$W/forms.json" "$W/e" --json --redact --redact-log "$W/forms.copy" "$F"
# (the JSON document: its "server" field; the copy: every line. The text report quotes none of
# these lines; the loop below checks reports that do.)
for out in forms.json forms.copy; do
	none_survive "--redact: the forms of redact-forms.log ($out)" "$W/$out"
done
# … and where the reports themselves quote them (evidence, fields, remedy commands)
for pair in "testdata/winscp/seed-hostkey-changed.log:wWCJ7aEitWGUULwjNeNMCpYX" \
	"testdata/winscp/ftps-self-signed-certificate.log:f0:76:32:90" \
	"testdata/putty/net-unreachable-name6.plink-v.log:2001:db8::10" \
	"testdata/winscp/ftp-passive-private-address.log:192,168,20,15"; do
	f=${pair%%:*} v=${pair#*:}
	why=
	grep -qF "$v" "$f" || why="$f lacks $v"
	for opts in "--redact" "--redact -l ja" "--json --redact"; do
		# shellcheck disable=SC2086
		ll 30 "$W/q.out" "$W/e" $opts "$f"
		grep -qF "$v" "$W/q.out" && why="$why shown with $opts;"
	done
	[ -z "$why" ] && pass "--redact: $v hidden in the reports of ${f#testdata/}" ||
		fail "--redact: $v hidden in the reports of ${f#testdata/}" "$why"
done
grep -qF 'chacha20-poly1305@openssh.com' "$W/forms.copy" &&
	pass "--redact: an algorithm's name (chacha20-poly1305@openssh.com) is not an e-mail address" ||
	fail "--redact: an algorithm's name (chacha20-poly1305@openssh.com) is not an e-mail address" "$(grep -F 'kex: algorithm' "$W/forms.copy")"
# "~/.ssh/id_ed25519" names no one (whoever runs ssh) and is OpenSSH's own default name: it stays
grep -qF 'Identity file ~/.ssh/id_ed25519 not' "$W/forms.copy" &&
	pass "--redact: ~/.ssh/id_ed25519 (no one's name) stays" ||
	fail "--redact: ~/.ssh/id_ed25519 (no one's name) stays" "$(grep -F 'Identity file' "$W/forms.copy" | tr '\n' ' ')"
# A value of one session inside a path of a later one (redact-nested.log: ssh -v transcripts; the
# user taro of the first; the second's key file /opt/keys/taro/id_work, the third's a path with a
# space): the whole path takes one pseudonym, nothing of it is left.
SENSITIVE="taro hanako keys/taro /id_work team/id_deploy /id_deploy SEiuCagLWMtWmKl"
N=$H/redact-nested.log
missing=$(for v in $SENSITIVE; do grep -qF "$v" "$N" || printf '%s ' "$v"; done)
[ -z "$missing" ] || fail "redact nested setup" "the input lacks: $missing"
rm -f "$W/nested.copy"
ll 30 "$W/nested.json" "$W/e" --json --redact --redact-log "$W/nested.copy" "$N"
ll 30 "$W/nested.txt" "$W/e" --redact "$N"
for out in nested.json nested.txt nested.copy; do
	none_survive "--redact: a path holding another session's user ($out)" "$W/$out"
done
# … one pseudonym for it, the same on every line
l=$(sed -n 's/^Load key "\(.*\)": Permission denied$/\1/p' "$W/nested.copy" | sort -u)
t=$(sed -n 's/^debug1: Trying private key: //p' "$W/nested.copy" | sort -u)
[ "$l" = "$t" ] && [ "$(printf '%s\n' "$l" | grep -c '^/path-[0-9]*$')" -eq 2 ] &&
	pass "--redact: a nested path has one pseudonym" ||
	fail "--redact: a nested path has one pseudonym" "$(grep -E '^(Load key|debug1: Trying private key)' "$W/nested.copy" | tr '\n' ' ')"
# WinSCP's own form: the user (report) inside the key file's path C:\jobs\keys\report.ppk
rm -f "$W/ws.copy"
ll 30 "$W/o" "$W/e" --redact-log "$W/ws.copy" testdata/winscp/two-sessions-append.log
v=$(sed -n 's/.*Reading key file "\(.*\)"$/\1/p' "$W/ws.copy")
case $v in
/path-[0-9]*) grep -qF -- "-privatekey=\"$v\"" "$W/ws.copy" && v=;;
esac
[ -z "$v" ] && pass "--redact: WinSCP's key file C:\\jobs\\keys\\<user>.ppk has one pseudonym" ||
	fail "--redact: WinSCP's key file C:\\jobs\\keys\\<user>.ppk has one pseudonym" "$(grep -F 'key' "$W/ws.copy" | grep -F -e privatekey -e 'key file' | head -n 2 | tr '\n' ' ')"
ll 30 "$W/forms.plain" "$W/e" --json "$F"
grep -qF acme-corp.com "$W/forms.plain" && grep -qF 'sftp9.acme-corp.com' "$W/forms.plain" &&
	pass "redact forms control: without --redact the host and the banner are shown" ||
	fail "redact forms control: without --redact the host and the banner are shown" "not shown: the check above proves nothing"

# The same value always gets the same pseudonym, and different values different ones. The copy
# holds R1 (43 lines), then R2 (10), then R3; pick the values back out of known lines.
if [ -s "$W/redacted.log" ]; then
	o1=$(wc -l < "$R1")
	pick() { sed -n "$1{s/$2/\\1/p;q;}" "$W/redacted.log"; }
	h_a=$(pick 6 '^debug1: Connecting to \([^ ]*\) \[.*')
	h_b=$(pick 13 "^debug1: Authenticating to \\([^:]*\\):22 as .*")
	h_c=$(pick 43 '^[^@]*@\([^:]*\): Permission denied.*')
	u_a=$(pick 13 ".* as '\\([^']*\\)'\$")
	u_b=$(pick 43 '^\([^@]*\)@.*')
	u_c=$(pick $((o1 + 2)) '.*Failed publickey for \([^ ]*\) from .*')
	u_d=$(pick $((o1 + 3)) '.*authenticating user \([^ ]*\) .*')
	a_a=$(pick 6 '.* \[\([^]]*\)\] port 22\.')
	a_b=$(pick $((o1 + 1)) '.*Connection from \([^ ]*\) port.*')
	a_c=$(pick $((o1 + 3)) '.*authenticating user [^ ]* \([^ ]*\) port.*')
	a_other=$(pick $((o1 + 1)) '.* on \([^ ]*\) port 22.*')
	v6_a=$(pick 4 '.* \[\([^]]*\)\] port 22\.')
	v6_b=$(pick 5 '.*connect to address \([^ ]*\) port.*')
	v6_c=$(pick $((o1 + 5)) '.*Invalid user [^ ]* from \([^ ]*\) port.*')
	why=
	[ -n "$h_a" ] && [ "$h_a" = "$h_b" ] && [ "$h_a" = "$h_c" ] || why="$why host: '$h_a' '$h_b' '$h_c';"
	[ -n "$u_a" ] && [ "$u_a" = "$u_b" ] && [ "$u_a" = "$u_c" ] && [ "$u_a" = "$u_d" ] || why="$why user: '$u_a' '$u_b' '$u_c' '$u_d';"
	[ -n "$a_a" ] && [ "$a_a" = "$a_b" ] && [ "$a_a" = "$a_c" ] || why="$why IPv4: '$a_a' '$a_b' '$a_c';"
	[ -n "$a_other" ] && [ "$a_other" != "$a_a" ] || why="$why two IPv4 addresses, one pseudonym: '$a_a' '$a_other';"
	[ -n "$v6_a" ] && [ "$v6_a" = "$v6_b" ] && [ "$v6_a" = "$v6_c" ] && [ "$v6_a" != "$a_a" ] || why="$why IPv6: '$v6_a' '$v6_b' '$v6_c';"
	[ -z "$why" ] && pass "--redact: the same value always the same pseudonym" || fail "--redact: the same value always the same pseudonym" "$why"
	if [ -n "$h_a" ] && jc pseud "$W/r.json" 1 "sessions[0].target.host = $h_a" "sessions[0].target.user = $u_a"; then
		pass "--redact: the report and the copy use the same pseudonyms"
	else
		fail "--redact: the report and the copy use the same pseudonyms" "$JC_OUT"
	fi
fi
# The redacted copy still tells the story: re-read, it gives the same formats and findings.
if need_py "--redact-log keeps the story"; then
	for f in "$R1" "$R2" "$R3"; do
		rm -f "$W/one.log"
		ll 30 "$W/one-orig.json" "$W/e" --json "$f"
		ll 30 "$W/o" "$W/e" --redact-log "$W/one.log" "$f"
		ll 30 "$W/one-red.json" "$W/e" --json "$W/one.log"
		a=$(jpy get "$W/one-orig.json" inputs.0.format)/$(python3 -c 'import json,sys; print(sorted(f["id"] for s in json.load(open(sys.argv[1]))["sessions"] for f in s["findings"]))' "$W/one-orig.json")
		b=$(jpy get "$W/one-red.json" inputs.0.format)/$(python3 -c 'import json,sys; print(sorted(f["id"] for s in json.load(open(sys.argv[1]))["sessions"] for f in s["findings"]))' "$W/one-red.json")
		[ "$a" = "$b" ] && pass "--redact-log keeps the story: ${f#"$H"/}" ||
			fail "--redact-log keeps the story: ${f#"$H"/}" "original $a, redacted copy $b"
	done
fi
# --redact-log reads standard input too: the copy is the same as for the file
rm -f "$W/red-file.log" "$W/red-stdin.log"
ll 30 "$W/o" "$W/e" --redact --redact-log "$W/red-file.log" "$R1"
# shellcheck disable=SC2086
$LOGLENS --redact --redact-log "$W/red-stdin.log" - < "$R1" > "$W/o" 2> "$W/e"
RC=$?
if [ "$RC" -eq 1 ] && [ -s "$W/red-stdin.log" ] && cmp -s "$W/red-file.log" "$W/red-stdin.log"; then
	pass "--redact-log with standard input: the same copy as from the file"
else
	fail "--redact-log with standard input: the same copy as from the file" "$(why_rc); $(cmp "$W/red-file.log" "$W/red-stdin.log" 2>&1)"
fi

# A log of thousands of sessions: every value stays hidden and keeps a pseudonym of its own,
# however many there are (values past the 4 096th were once forgotten, and their user names
# shown), and an address that begins like another (10.1.0.2, 10.1.0.25) is not taken for it.
awk 'BEGIN { for (i = 1; i <= 5000; i++) {
	a = sprintf("10.1.%d.%d", int(i / 250), i % 250); u = sprintf("zq%05dk", i)
	printf "Jan  4 06:%02d:%02d gate sshd[%d]: Invalid user %s from %s port %d\n", int(i / 60) % 60, i % 60, 20000 + i, u, a, 40000 + i
	printf "Jan  4 06:%02d:%02d gate sshd[%d]: Connection closed by invalid user %s %s port %d [preauth]\n", int(i / 60) % 60, i % 60, 20000 + i, u, a, 40000 + i
} }' > "$W/crowd.log"
rm -f "$W/crowd-red.log"
ll 120 "$W/crowd.json" "$W/e" --json --redact --redact-log "$W/crowd-red.log" "$W/crowd.log"
rc_json=$RC
ll 120 "$W/crowd.txt" "$W/e" --redact "$W/crowd.log"
why=
[ "$rc_json" -eq 1 ] && [ "$RC" -eq 1 ] || why="exit $rc_json (JSON), $RC (text), expected 1;"
for f in crowd.json crowd.txt crowd-red.log; do
	n=$(grep -o 'zq[0-9]*k' "$W/$f" | sort -u | wc -l)
	[ "$n" -eq 0 ] || why="$why $n user names shown in $f;"
	n=$(grep -oE '10\.1\.[0-9]+\.[0-9]+' "$W/$f" | sort -u | wc -l)
	[ "$n" -eq 0 ] || why="$why $n addresses shown in $f;"
done
# in the copy: one pseudonym per address, each a well-formed documentation address, the same on
# both lines of a session
if [ -s "$W/crowd-red.log" ]; then
	n=$(sed -n 's/.*Invalid user [^ ]* from \([^ ]*\) port.*/\1/p' "$W/crowd-red.log" | sort -u | wc -l)
	[ "$n" -eq 5000 ] || why="$why $n pseudonyms for 5000 addresses;"
	bad=$(sed -n 's/.*Invalid user [^ ]* from \([^ ]*\) port.*/\1/p' "$W/crowd-red.log" |
		grep -cvE '^(192\.0\.2\.([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])|2001:db8::[0-9a-f]+)$')
	[ "$bad" -eq 0 ] || why="$why $bad malformed pseudonyms;"
	bad=$(awk '/Invalid user/ { split($0, w, " "); u = w[8]; a = w[10]; next }
		/Connection closed/ { split($0, w, " "); if (w[11] != u || w[12] != a) n++ }
		END { print n + 0 }' "$W/crowd-red.log")
	[ "$bad" -eq 0 ] || why="$why $bad sessions whose two lines disagree;"
else
	why="$why no copy written;"
fi
[ -z "$why" ] && pass "--redact: 5000 sessions, every value hidden and its own pseudonym" ||
	fail "--redact: 5000 sessions, every value hidden and its own pseudonym" "$why"

# The writer thread (default) and the synchronous writer (LOGLENS_SYNC=1) give the same bytes and
# exit status: many sessions streaming through the queue, a correlation run, an unreadable input
# among readable ones (its error after the report so far), text and JSON. many.log holds several
# times the queue's 128 calls in sessions (the lab's sshd logs, each copy under other PIDs), so
# the ring wraps and is drained with sessions still in it.
for i in $(seq 10 49); do
	sed "s/sshd\[\([0-9]*\)\]/sshd[$i\1]/" testdata/sshd/*-syslog.log
done > "$W/many.log"
for args in "--json testdata/sshd/*-syslog.log testdata/winscp/*.log" \
	"--json $W/many.log $W/no-such-input.log $W/many.log" \
	"--color=never $W/many.log $W/no-such-input.log testdata/putty/lab-key-refused.plink-v.log" \
	"--json testdata/openssh/lab-deny-users.ssh-v.log testdata/sshd/lab-deny-users.sshd.log" \
	"--json testdata/openssh/lab-key-refused.ssh-v.log $W/no-such-input.log testdata/putty/lab-key-refused.plink-v.log" \
	"--color=never testdata/sshd/*-syslog.log $W/no-such-input.log testdata/putty/*.log" \
	"--color=never -l ja testdata/winscp/connection-lost-reconnect.log testdata/openssh/lab-hostkey-changed.ssh-v.log"; do
	# shellcheck disable=SC2086
	ll 30 "$W/async.out" "$W/async.err" $args
	rc_async=$RC
	# shellcheck disable=SC2086
	LOGLENS_SYNC=1 ll 30 "$W/sync.out" "$W/sync.err" $args
	if [ "$rc_async" -eq "$RC" ] && [ -s "$W/sync.out" ] && cmp -s "$W/async.out" "$W/sync.out" && cmp -s "$W/async.err" "$W/sync.err"; then
		pass "writer thread = synchronous writer: $(printf '%s' "$args" | cut -c1-60)"
	else
		fail "writer thread = synchronous writer: $(printf '%s' "$args" | cut -c1-60)" "exit $rc_async vs $RC; $(cmp "$W/async.out" "$W/sync.out" 2>&1)"
	fi
done
# Held sessions (LOGLENS_HOLD, in bytes, raised past the default 2 MiB), a second reading
# (LOGLENS_HOLD=0), and the switch from one to the other a few sessions in (LOGLENS_HOLD=9000)
# give the same bytes and exit status: client first and server first, two servers, an unreadable
# input among them, stdin, the text report, --redact, and many.log's thousands of sessions.
for args in "--json testdata/openssh/lab-server-perms-dir.ssh-v.log testdata/sshd/lab-server-perms-dir.sshd.log" \
	"--json testdata/sshd/lab-key-refused.sshd-syslog.log testdata/putty/lab-key-refused.plink-v.log testdata/openssh/lab-unknown-user.ssh-v.log testdata/sshd/lab-unknown-user.sshd.log" \
	"--json testdata/mixed/lab-unknown-user.ssh-then-sftp.log $W/no-such-input.log testdata/sshd/lab-unknown-user.sshd.log" \
	"--color=never testdata/openssh/lab-deny-users.ssh-v.log -" \
	"--json --redact $W/many.log testdata/openssh/lab-too-many-failures.ssh-v.log" \
	"--color=never testdata/openssh/lab-too-many-failures.ssh-v.log $W/many.log testdata/openssh/lab-deny-users.ssh-v.log"; do
	# shellcheck disable=SC2086
	LOGLENS_HOLD=1000000000 ll 30 "$W/held.out" "$W/held.err" $args < testdata/sshd/lab-deny-users.sshd.log
	rc_held=$RC
	# shellcheck disable=SC2086
	LOGLENS_HOLD=0 ll 30 "$W/read2.out" "$W/read2.err" $args < testdata/sshd/lab-deny-users.sshd.log
	rc_read2=$RC
	# shellcheck disable=SC2086
	LOGLENS_HOLD=9000 ll 30 "$W/part.out" "$W/part.err" $args < testdata/sshd/lab-deny-users.sshd.log
	if [ "$rc_held" -eq "$rc_read2" ] && [ "$RC" -eq "$rc_read2" ] && [ -s "$W/held.out" ] &&
		cmp -s "$W/held.out" "$W/read2.out" && cmp -s "$W/held.err" "$W/read2.err" &&
		cmp -s "$W/part.out" "$W/read2.out" && cmp -s "$W/part.err" "$W/read2.err"; then
		pass "correlation: held sessions = a second reading: $(printf '%s' "$args" | sed "s|$W/||g" | cut -c1-60)"
	else
		fail "correlation: held sessions = a second reading: $(printf '%s' "$args" | sed "s|$W/||g" | cut -c1-60)" "exit $rc_held, $rc_read2, $RC; $(cmp "$W/held.out" "$W/read2.out" 2>&1) $(cmp "$W/part.out" "$W/read2.out" 2>&1)"
	fi
done

# A log written to between the two readings (an LD_PRELOAD shim appends $GROW_WITH to a file whose
# name contains GROWS when it is opened the second time): the second reading stops where the first
# one did, so the report is the one of the log as it was, byte for byte, counts included. The
# appended sessions would otherwise be reported, unmatched by the first reading's survey.
cat > "$W/grows.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int (*real_open)(const char *, int, ...);
static void grow(const char *path)
{
	static int opens, busy;
	const char *with = getenv("GROW_WITH");
	if (busy || !with || !strstr(path, "GROWS") || ++opens != 2)
		return;
	busy = 1;
	int from = real_open(with, O_RDONLY), to = real_open(path, O_WRONLY | O_APPEND);
	char buf[4096];
	ssize_t k;
	while (from >= 0 && to >= 0 && (k = read(from, buf, sizeof buf)) > 0)
		if (write(to, buf, (size_t)k) != k)
			break;
	if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
	busy = 0;
}
static int open_as(const char *name, const char *path, int flags, va_list ap)
{
	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	grow(path);
	return real_open(path, flags, flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, int) : 0);
}
int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int fd = open_as("open", path, flags, ap);
	va_end(ap);
	return fd;
}
int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int fd = open_as("open64", path, flags, ap);
	va_end(ap);
	return fd;
}
EOF
if ${CC:-cc} -shared -fPIC -o "$W/grows.so" "$W/grows.c" -ldl 2>/dev/null; then
	for order in client-first server-first; do
		cp testdata/sshd/lab-deny-users.sshd.log "$W/GROWS.log"
		case $order in
		client-first) set -- --json testdata/openssh/lab-unknown-user.ssh-v.log "$W/GROWS.log";;
		server-first) set -- --json "$W/GROWS.log" testdata/openssh/lab-unknown-user.ssh-v.log;;
		esac
		LOGLENS_HOLD=0 ll 30 "$W/asis.json" "$W/asis.err" "$@"
		rc_asis=$RC
		before=$(wc -c < "$W/GROWS.log")
		old_asan=${ASAN_OPTIONS-__unset__} old_preload=${LD_PRELOAD-__unset__}
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$W/grows.so"
		export ASAN_OPTIONS LD_PRELOAD
		GROW_WITH=testdata/sshd/lab-unknown-user.sshd.log LOGLENS_HOLD=0 ll 30 "$W/grown.json" "$W/grown.err" "$@"
		if [ "$old_preload" = __unset__ ]; then unset LD_PRELOAD; else LD_PRELOAD=$old_preload; fi
		if [ "$old_asan" = __unset__ ]; then unset ASAN_OPTIONS; else ASAN_OPTIONS=$old_asan; fi
		why=
		[ "$(wc -c < "$W/GROWS.log")" -gt "$before" ] || why="the shim did not append to the log"
		[ -n "$why" ] || [ "$RC" -eq "$rc_asis" ] || why="$(why_rc), expected $rc_asis as before the log grew"
		[ -n "$why" ] || cmp -s "$W/asis.json" "$W/grown.json" || why="the report differs: $(cmp "$W/asis.json" "$W/grown.json" 2>&1)"
		[ -n "$why" ] || cmp -s "$W/asis.err" "$W/grown.err" || why="stderr differs: $(head -c 200 "$W/grown.err")"
		[ -z "$why" ] && pass "correlation: a log that grows between the two readings ($order) is reported as it was" ||
			fail "correlation: a log that grows between the two readings ($order) is reported as it was" "$why"
	done
	set --
else
	skip "correlation: a log that grows between the two readings" "no C compiler to build the LD_PRELOAD shim"
fi

# Both streams into one file, 17 inputs (more than are held for correlation, so the report
# streams): the unreadable input's error comes after the whole report of the eight inputs before
# it (the queue is drained first), and the order is the synchronous writer's.
eight="$W/many.log $W/many.log $W/many.log $W/many.log $W/many.log $W/many.log $W/many.log $W/many.log"
# shellcheck disable=SC2086
$LOGLENS --color=never $eight "$W/no-such-input.log" $eight > "$W/both.async" 2>&1
# shellcheck disable=SC2086
LOGLENS_SYNC=1 $LOGLENS --color=never $eight "$W/no-such-input.log" $eight > "$W/both.sync" 2>&1
# shellcheck disable=SC2086
$LOGLENS --color=never $eight > "$W/first.only" 2>&1
at=$(grep -n "no-such-input.log: cannot open" "$W/both.async" | cut -d: -f1)
first=$(sed '/^Summary: /,$d' "$W/first.only" | grep -c "") # the report of the eight, without the closing summary
if [ -n "$at" ] && [ "$at" -gt "$first" ] && cmp -s "$W/both.async" "$W/both.sync"; then
	pass "writer thread: an unreadable input's error follows the report so far"
else
	fail "writer thread: an unreadable input's error follows the report so far" "error at line ${at:-none}, first report $first lines; $(cmp "$W/both.async" "$W/both.sync" 2>&1)"
fi
# The read-ahead thread (src/readahead.c) against one thread reading: the same bytes out, with
# line ends of every kind (LF, CRLF, lone CR) and lines around the 64 KiB cut falling across its
# chunks, invalid UTF-8 and NUL bytes in the first 4 MB (counted), from a file (read from the
# start on the thread: LOGLENS_READAHEAD=0), through a pipe fed 997 bytes at a time, and past
# the default 4 MB threshold; and one thread reading the 997-byte pipe (the counts must not
# depend on where reads end). Line and invalid UTF-8 counts are checked against python's own.
if need_py "read-ahead thread"; then
	python3 - testdata/sshd/*-syslog.log > "$W/ra.log" 2> "$W/ra.counts" <<'PYEOF'
import random, re, sys
r = random.Random(20261122)
base = []
for p in sys.argv[1:]:
    with open(p, "rb") as f:
        base += f.read().splitlines()
# no blank lines: a lone CR before an empty line's LF would be one CRLF, one line, not two
base = [l for l in base if l]
out, lines, cut = [], 0, 0
size, copy = 0, 0
while size < 6_000_000:
    copy += 1
    for l in base:
        l = re.sub(rb"sshd\[(\d+)\]", lambda m: b"sshd[%d%s]" % (copy, m.group(1)), l)
        k = r.random()
        if k < 0.01:
            n = r.choice([65535, 65536, 65537, 70000, 200000])
            l = b"debug1: " + b"L" * (n - 8)
        elif k < 0.012:
            l += b" \xff\xfe bad \xc3"
        elif k < 0.014:
            l += b" \x00\x00 nul"
        end = r.choices([b"\n", b"\r\n", b"\r"], [70, 20, 10])[0]
        out.append(l + end)
        lines += 1
        cut += len(l) > 65536
        size += len(l) + len(end)
data = b"".join(out)
sys.stdout.buffer.write(data)
# invalid UTF-8 is counted in the first 4 MiB: three per "bad" line (\xff, \xfe, a cut \xc3)
sys.stderr.write("%d %d %d\n" % (lines, cut, data[:4 << 20].count(b" \xff\xfe bad \xc3") * 3))
PYEOF
	read -r ra_lines ra_cut ra_bad < "$W/ra.counts"
	LOGLENS_SYNC=1 $LOGLENS --json - < "$W/ra.log" > "$W/ra.sync" 2> "$W/ra.err"
	rc_sync=$?
	if ! jc ra "$W/ra.sync" "$rc_sync" "inputs[0].lines = $ra_lines" "inputs[0].truncated_lines = $ra_cut" "inputs[0].invalid_utf8 = $ra_bad"; then
		fail "read-ahead thread: the one-thread reference counts every line" "$JC_OUT"
	else
		pass "read-ahead thread: the one-thread reference counts every line"
	fi
	for how in file pipe997 threshold one-thread-pipe997; do
		case $how in
		one-thread-pipe997) dd if="$W/ra.log" bs=997 2> /dev/null | LOGLENS_SYNC=1 $LOGLENS --json - > "$W/ra.out" 2> "$W/ra.err";;
		file) LOGLENS_READAHEAD=0 $LOGLENS --json - < "$W/ra.log" > "$W/ra.out" 2> "$W/ra.err";;
		pipe997) dd if="$W/ra.log" bs=997 2> /dev/null | LOGLENS_READAHEAD=0 $LOGLENS --json - > "$W/ra.out" 2> "$W/ra.err";;
		threshold) cat "$W/ra.log" | $LOGLENS --json - > "$W/ra.out" 2> "$W/ra.err";;
		esac
		RC=$?
		if [ "$RC" -eq "$rc_sync" ] && cmp -s "$W/ra.sync" "$W/ra.out" && [ ! -s "$W/ra.err" ]; then
			pass "read-ahead thread = one thread: $how"
		else
			fail "read-ahead thread = one thread: $how" "exit $RC vs $rc_sync; $(cmp "$W/ra.sync" "$W/ra.out" 2>&1) $(head -c 200 "$W/ra.err")"
		fi
	done
	rm -f "$W/ra.log" "$W/ra.out" "$W/ra.sync"
fi
# A value with a quote, a backslash, a control byte and DEL filled into a rule's text: the JSON
# writer escapes the text's own words once and the value each time (report_json.c), and must
# give the value as the "fields" object (escaped whole) gives it.
if need_py "escaped values in rule texts"; then
	printf 'Jan  4 06:00:02 bastion sshd[3585584]: Connection from 203.0.113.51 port 52831 on 10.20.0.5 port 22 rdomain ""\n' > "$W/esc.log"
	printf 'Jan  4 06:00:10 bastion sshd[3585584]: Unable to negotiate with 203.0.113.51 port 52831: no matching key exchange method found. Their offer: a"b\\c,x\001y,\177z [preauth]\n' >> "$W/esc.log"
	for lang in en ja; do
		ll 30 "$W/esc.json" "$W/e" --json -l $lang "$W/esc.log"
		why=$(python3 - "$W/esc.json" <<'PYEOF'
import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print("not valid JSON: %s" % e)
    sys.exit(0)
fs = [f for s in d["sessions"] for f in s["findings"] if f["fields"].get("offer")]
if not fs:
    print("no finding with an offer")
elif fs[0]["fields"]["offer"] != 'a"b\\c,x\x01y,\x7fz':
    print("fields.offer is %r" % fs[0]["fields"]["offer"])
elif fs[0]["fields"]["offer"] not in fs[0]["diagnosis"]:
    print("the diagnosis does not hold the offer: %r" % fs[0]["diagnosis"][:200])
PYEOF
)
		if [ -z "$why" ]; then
			pass "escaped values in rule texts ($lang): as in fields"
		else
			fail "escaped values in rule texts ($lang): as in fields" "$why"
		fi
	done
fi
# A ProxyJump session's header names the jump host it went through, in either language, and
# not the jump host's login as the target's (the target was never reached here).
ll 30 "$W/via.txt" "$W/e" --color=never -l en testdata/openssh/proxyjump-jump-denied.ssh-v.log
ll 30 "$W/via-ja.txt" "$W/e" --color=never -l ja testdata/openssh/proxyjump-jump-denied.ssh-v.log
if grep -q '^Session 1: .* → 127\.0\.0\.1:47702 (ssh) (via nobody@127\.0\.0\.1:47701); reached: TCP connect;' "$W/via.txt" &&
	grep -q ' → 127\.0\.0\.1:47702 (ssh) (経由 nobody@127\.0\.0\.1:47701);' "$W/via-ja.txt"; then
	pass "text: a session through a jump host names it (via / 経由)"
else
	fail "text: a session through a jump host names it (via / 経由)" "$(grep -h '^Session 1\|^セッション 1' "$W/via.txt" "$W/via-ja.txt" | tr '\n' ' ')"
fi
# The closing summary. JSON: it agrees with the sessions, whatever the log (one session, many,
# several inputs, a client's log with the server's); text: it closes a report of two sessions or
# more, after the last input, and no other.
if need_py "summary: the JSON's agrees with its sessions"; then
	why=
	for args in "testdata/putty/lab-key-refused.plink-v.log" "testdata/sshd/info-accounts.sshd.log" \
		"testdata/sshd/interleaved-verbose.sshd.log" "testdata/winscp/ftp-upload-550-second-folder.log" \
		"testdata/sshd/info-accounts.sshd.log testdata/sshd/chroot-info-twice.sshd.log $H/base-lab-key-refused.ssh-v.log" \
		"$H/base-lab-key-refused.ssh-v.log $H/base-lab-key-refused.sshd.log" "--lang ja --redact testdata/sshd/probes.sshd-syslog.log"; do
		# shellcheck disable=SC2086
		ll 60 "$W/tally.json" "$W/e" --json $args
		out=$(jpy tally "$W/tally.json") || why="$why $args: $out;"
	done
	[ -z "$why" ] && pass "summary: the JSON's agrees with its sessions" || fail "summary: the JSON's agrees with its sessions" "$why"
fi
ll 30 "$W/sum1.txt" "$W/e" --color=never testdata/putty/lab-key-refused.plink-v.log
ll 30 "$W/sum2.txt" "$W/e" --color=never testdata/sshd/info-accounts.sshd.log
ll 30 "$W/sum3.txt" "$W/e" --color=never -l ja testdata/sshd/info-accounts.sshd.log testdata/sshd/chroot-info-twice.sshd.log
if ! grep -q '^Summary:' "$W/sum1.txt" &&
	[ "$(sed -n '/^Summary:/,$p' "$W/sum2.txt")" = "Summary: 11 sessions: 7 failed, 4 succeeded, 0 unclear
  2 × auth.server-permissions  ERROR  sessions 1, 2
  2 × auth.user-not-allowed    ERROR  sessions 3, 11
  1 × auth.key-refused         ERROR  session 5
  1 × account.locked           ERROR  session 8
  1 × session.chroot           ERROR  session 9
  4 without a finding" ] &&
	grep -q '^まとめ: セッション 14 件(失敗 9、成功 5、不明 0)$' "$W/sum3.txt" &&
	grep -q '^  3 × session.chroot  *エラー  セッション testdata/sshd/info-accounts.sshd.log:9, testdata/sshd/chroot-info-twice.sshd.log:1, 2$' "$W/sum3.txt" &&
	[ "$(tail -n 1 "$W/sum3.txt")" = "  問題の見つからないもの 5 件" ]; then
	pass "summary: the text report's closes a report of several sessions"
else
	fail "summary: the text report's closes a report of several sessions" "$(grep -h -A3 '^Summary\|^まとめ' "$W/sum1.txt" "$W/sum2.txt" "$W/sum3.txt" | tr '\n' ' ' | head -c 400)"
fi
# Bounded: past 128 diagnoses the sessions are counted, not listed (130 rules of a file of
# our own, one session each).
: > "$W/ids.log"
printf '{"rules": [' > "$W/ids.json"
i=1
while [ $i -le 130 ]; do
	[ $i -gt 1 ] && printf ',' >> "$W/ids.json"
	printf '{"id": "t.id%s/x", "families": ["openssh"], "patterns": ["^tally case %s failed$"], "session": "start", "phase": "auth", "outcome": "failed", "severity": "error", "confidence": "high", "priority": 50, "title": {"en": "t", "ja": "t"}, "diagnosis": {"en": "d", "ja": "d"}, "remedy": [{"en": "r", "ja": "r"}], "examples": {"match": ["tally case %s failed"], "no_match": ["tally case %s0 failed"]}}' $i $i $i $i >> "$W/ids.json"
	printf 'tally case %s failed\n' $i >> "$W/ids.log"
	i=$((i + 1))
done
printf ']}\n' >> "$W/ids.json"
ll 60 "$W/ids.out" "$W/e" --json --no-default-rules --rules "$W/ids.json" -f openssh "$W/ids.log"
if jc ids "$W/ids.out" 1 "sessions# = 130" "summary.diagnoses# = 128" "summary.other_sessions = 2" \
	"summary.diagnoses[0].id = t.id1" "summary.diagnoses[127].first_sessions[0] = 127"; then
	pass "summary: at most 128 diagnoses, the rest counted"
else
	fail "summary: at most 128 diagnoses, the rest counted" "$JC_OUT $(head -c 200 "$W/e")"
fi
# OpenSSH for Windows' event lists run newest first: read from the last line up, and said so at
# the head of the input's report; one too long to hold (4 MB, 65 536 lines) is read as written,
# and says that instead.
ll 30 "$W/ev.txt" "$W/e" --color=never testdata/sshd/win-events-messages.sshd.log
ll 30 "$W/ev-ja.txt" "$W/e" --color=never -l ja testdata/sshd/win-events-messages.sshd.log
ll 30 "$W/ev-fwd.txt" "$W/e" --color=never testdata/sshd/win-events-messages-in-order.sshd.log
if [ "$(sed -n 2p "$W/ev.txt")" = "   (newest event first: read from the last line up)" ] &&
	[ "$(sed -n 2p "$W/ev-ja.txt")" = "   (新しいイベントが先頭の一覧のため、最後の行から読みました)" ] &&
	[ -z "$(sed -n 2p "$W/ev-fwd.txt")" ]; then
	pass "event list: a newest-first one is said to be read from its end"
else
	fail "event list: a newest-first one is said to be read from its end" "$(sed -n 1,2p "$W/ev.txt" "$W/ev-ja.txt" "$W/ev-fwd.txt" | tr '\n' ' ')"
fi
# A PuTTY log file's packet rows are indented by PuTTY: they stay packet rows (skipped before any
# rule), also when the whole log is pasted indented.
sed 's/^/    /' testdata/putty/lab-key-refused.putty-sshlog.log > "$W/ind-sshlog.log"
export LOGLENS_STATS=1
ll 30 "$W/sshlog.json" "$W/sshlog.err" --json testdata/putty/lab-key-refused.putty-sshlog.log
ll 30 "$W/ind-sshlog.json" "$W/ind-sshlog.err" --json "$W/ind-sshlog.log"
unset LOGLENS_STATS
if grep -q ' 355 noise,' "$W/sshlog.err" && grep -q ' 355 noise,' "$W/ind-sshlog.err" &&
	jc sshlog "$W/ind-sshlog.json" 1 "sessions[0].findings[0].rule = auth.key-refused/putty" "sessions[0].findings[0].evidence[0].line = 384"; then
	pass "paste framing: a PuTTY log's packet rows keep their own indent"
else
	fail "paste framing: a PuTTY log's packet rows keep their own indent" "$(cat "$W/sshlog.err" "$W/ind-sshlog.err" | tr '\n' ' ') $JC_OUT"
fi
# journalctl -r prints a syslog newest first: the same logs turned round (tac) give the same
# sessions, findings and auth attempts, at the same lines of the file.
if need_py "journalctl -r: a syslog newest first reads as in time order"; then
	why=
	for f in openssh10-penalty.sshd-syslog server-whole-journal.sshd-syslog server-history.sshd-syslog \
		sftp-log-info.sshd-syslog info-default.sshd-syslog info-child-two-logins.sshd-syslog \
		lab-overlap.sshd-rfc3339 lab-hostkey-perms.sshd-syslog faillock.sshd-syslog; do
		awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' "testdata/sshd/$f.log" > "$W/tac.log"
		ll 30 "$W/fwd.json" "$W/e" --json "testdata/sshd/$f.log"
		ll 30 "$W/tac.json" "$W/e" --json "$W/tac.log"
		out=$(jpy mirror "$W/fwd.json" "$W/tac.json" "$(wc -l < "testdata/sshd/$f.log")") || why="$why $f: $out;"
	done
	[ -z "$why" ] && pass "journalctl -r: a syslog newest first reads as in time order" ||
		fail "journalctl -r: a syslog newest first reads as in time order" "$why"
fi
i=40000
: > "$W/ev-long.log"
while [ $i -gt 0 ]; do
	printf 'sshd: Connection closed by authenticating user u%s 10.0.0.1 port %s [preauth]\r\n' $i $((i + 20000))
	printf 'sshd: Connection from 10.0.0.1 port %s on 10.0.0.2 port 22\r\n' $((i + 20000))
	i=$((i - 1))
done > "$W/ev-long.log"
ll 120 "$W/ev-long.json" "$W/e" --json "$W/ev-long.log"
ll 120 "$W/ev-long.txt" "$W/e" --color=never "$W/ev-long.log"
head -n 4000 "$W/ev-long.log" > "$W/ev-short.log"
ll 30 "$W/ev-short.json" "$W/e" --json "$W/ev-short.log"
if jc ev-long "$W/ev-long.json" 1 "inputs[0].order = newest-first" "inputs[0].lines = 80000" &&
	jc ev-short "$W/ev-short.json" 1 "inputs[0].order = reversed" "sessions# = 2000" \
		"sessions[0].channel = 10.0.0.1 port 58001" "sessions[0].lines.first = 3999" "sessions[0].lines.last = 4000" &&
	grep -q '^   (newest event first, too long to turn round (4 MB): read as written' "$W/ev-long.txt"; then
	pass "event list: one too long to hold is read as written"
else
	fail "event list: one too long to hold is read as written" "$JC_OUT $(sed -n 2p "$W/ev-long.txt")"
fi
# The README's "Real output" example is this program's output, byte for byte: a changed rule text
# must change the README too.
sed -n '/^\$ \.\/loglens testdata\/openssh\/lab-too-many-failures\.ssh-v\.log$/,/^```$/p' README.md |
	sed '1d;$d' > "$W/readme.want"
ll 30 "$W/readme.full" "$W/e" --color=never -l en testdata/openssh/lab-too-many-failures.ssh-v.log
sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$W/readme.full" > "$W/readme.got" # the report's last blank line
if [ -s "$W/readme.want" ] && cmp -s "$W/readme.want" "$W/readme.got"; then
	pass "README: the example report is the real output"
else
	fail "README: the example report is the real output" "$(diff "$W/readme.want" "$W/readme.got" 2>&1 | head -n 6 | tr '\n' ' ')"
fi
exit 0
