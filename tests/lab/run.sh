#!/usr/bin/env bash
# tests/lab/run.sh LOGLENS_BIN — the live lab check.
#
# Builds the lab in a temporary directory (tests/lab/lab.sh), runs `LOGLENS_BIN --json` on
# every transcript named in tests/lab/scenarios and checks the top finding of the session
# that failed (the first session whose outcome is "failed", else the only session) against
# the expected diagnosis id; for "none": outcome success and no finding of severity error.
# Each check is a temporary .expect file (format: tests/README.md) given to tests/jcheck.
#
# stdout: one line per check, "PASS lab/<scenario>.<client>", "FAIL lab/…: why" or
# "SKIP lab/…: why" (only where this machine cannot run it), and "# " diagnostics.
# Always exits 0 (the aggregator counts the lines); 2 only on a usage error.
#
# Environment: LAB_RUN_KEEP=1 keeps the temporary directory (its path is printed);
# JCHECK=path overrides the checker (default tests/jcheck, then build/jcheck).
# Needs root and what lab.sh needs (openssh-server, openssh-client, putty-tools, python3,
# iproute2, iptables); python3 also picks the session to check in loglens's JSON.

set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MANIFEST=$HERE/scenarios
# the checker: $JCHECK if set, else tests/jcheck, else build/jcheck (what `make` builds)
if [ -z "${JCHECK:-}" ]; then
    JCHECK=$ROOT/tests/jcheck
    [ -x "$JCHECK" ] || JCHECK=$ROOT/build/jcheck
fi

[ $# -eq 1 ] || { echo "usage: tests/lab/run.sh LOGLENS_BIN" >&2; exit 2; }
BIN=$1
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac

# The checks, in manifest order: "scenario client expected-id".
CHECKS=()
while read -r scen client id rest; do
    case $scen in ''|'#'*) continue ;; esac
    CHECKS+=("$scen $client $id $rest")
done < "$MANIFEST"
set -f # the checks' words hold [*]: never file names

all() { # VERB REASON: one line per check
    local verb=$1 reason=$2 c
    for c in "${CHECKS[@]}"; do
        set -- $c
        echo "$verb lab/$1.$2: $reason"
    done
}

if [ ! -x "$BIN" ]; then
    all FAIL "loglens binary '$1' is not executable"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    all SKIP "not root (the lab creates users and starts sshd)"
    exit 0
fi
PY=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 || true)
if [ -z "$PY" ]; then
    all SKIP "python3 is not installed (needed by the lab's listeners and this checker)"
    exit 0
fi

TMP=$(mktemp -d /tmp/loglens-labrun.XXXXXX) || { all FAIL "mktemp failed"; exit 0; }
chmod 755 "$TMP"   # the lab's client user must reach the lab directory inside it
if [ "${LAB_RUN_KEEP:-0}" = 1 ]; then
    echo "# keeping $TMP"
else
    trap 'rm -rf "$TMP"' EXIT
fi
OUT=$TMP/out

start=$(date +%s)
LAB_DIR=$TMP/lab bash "$HERE/lab.sh" "$OUT" 2> "$TMP/lab.err"
rc=$?
echo "# lab.sh finished in $(( $(date +%s) - start )) s (exit $rc)"
if [ $rc != 0 ]; then
    sed 's/^/# /' "$TMP/lab.err"
    if [ $rc = 77 ]; then
        all SKIP "$(tail -n 1 "$TMP/lab.err" | sed 's/^lab.sh: //')"
    else
        all FAIL "lab.sh failed (exit $rc): $(tail -n 1 "$TMP/lab.err")"
    fi
    exit 0
fi
[ -s "$TMP/lab.err" ] && sed 's/^/# lab.sh: /' "$TMP/lab.err"

if [ -x "$JCHECK" ]; then
    HAVE_JCHECK=1
else
    HAVE_JCHECK=0
    echo "# no jcheck (tests/jcheck, build/jcheck): checking the .expect files with run.sh's own evaluator"
fi

# pick.py JSONFILE -> index of the session to check, or an error on stderr
cat > "$TMP/pick.py" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    sys.exit("output is not JSON: %s" % e)
sessions = doc.get("sessions") if isinstance(doc, dict) else None
if not isinstance(sessions, list) or not sessions:
    sys.exit("no sessions in the JSON output")
for i, s in enumerate(sessions):
    if isinstance(s, dict) and s.get("outcome") == "failed":
        print(i)
        break
else:
    print(0)
EOF

# expect.py EXPECTFILE JSONFILE EXITCODE: fallback evaluator (tests/README.md semantics)
cat > "$TMP/expect.py" <<'EOF'
import json, re, sys

def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else json.dumps(v)

def walk(node, steps):
    """The values at the end of the path; [*] fans out over an array."""
    if not steps:
        return [node]
    step, rest = steps[0], steps[1:]
    if step == "*":
        return [v for e in (node if isinstance(node, list) else []) for v in walk(e, rest)]
    if isinstance(step, int):
        ok = isinstance(node, list) and -len(node) <= step < len(node)
        return walk(node[step], rest) if ok else []
    return walk(node[step], rest) if isinstance(node, dict) and step in node else []

def parse(path):
    steps = []
    for m in re.finditer(r"\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\*|-?\d+)\]", path):
        if m.group(1) is not None:
            steps.append(m.group(1))
        else:
            steps.append("*" if m.group(2) == "*" else int(m.group(2)))
    return steps

expect, jsonfile, code = sys.argv[1], sys.argv[2], sys.argv[3]
doc = json.load(open(jsonfile, encoding="utf-8"))
bad = []
for line in open(expect, encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#") or line.startswith("args:"):
        continue
    m = re.match(r"^(\S+)\s*(!=|!~|=|~)\s*(.*)$", line)
    if not m:
        bad.append("bad assertion: " + line); continue
    path, op, want = m.groups()
    if path == "exit":
        got = [code]
    else:
        if path.endswith("#"):
            got = [str(len(v)) for v in walk(doc, parse(path[:-1])) if isinstance(v, list)]
        else:
            got = [text(v) for v in walk(doc, parse(path))]
    if op == "=":
        ok = want in got
    elif op == "~":
        ok = any(want in g for g in got)
    elif op == "!=":
        ok = all(g != want for g in got)
    else:
        ok = all(want not in g for g in got)
    if not ok:
        bad.append("%s (got %s)" % (line, ", ".join(got[:3]) if got else "nothing"))
if bad:
    print("; ".join(bad))
    sys.exit(1)
EOF

family() { case $1 in ssh|sftp|ssh-v|ssh-vvv|sftp-v) echo openssh ;; plink|psftp|plink-v|psftp-v) echo putty ;; sshd) echo sshd ;; esac; }

npass=0; nfail=0; nskip=0
for c in "${CHECKS[@]}"; do
    set -- $c
    scen=$1 client=$2 id=$3
    shift 3
    name=lab/$scen.$client
    log=$OUT/$scen.$client.log
    if [ -f "$OUT/$scen.$client.skip" ]; then
        echo "SKIP $name: $(head -n 1 "$OUT/$scen.$client.skip")"; nskip=$((nskip + 1)); continue
    fi
    if [ ! -f "$log" ]; then
        echo "FAIL $name: lab.sh produced no transcript"; nfail=$((nfail + 1)); continue
    fi
    json=$TMP/$scen.$client.json
    "$BIN" --json "$log" > "$json" 2> "$TMP/$scen.$client.err"
    lrc=$?
    if [ $lrc != 0 ] && [ $lrc != 1 ]; then
        echo "FAIL $name: loglens exited $lrc: $(head -n 1 "$TMP/$scen.$client.err")"; nfail=$((nfail + 1)); continue
    fi
    if ! idx=$("$PY" "$TMP/pick.py" "$json" 2>&1); then
        echo "FAIL $name: $idx"; nfail=$((nfail + 1)); continue
    fi
    exp=$TMP/$scen.$client.expect
    {
        echo "# live lab: $scen / $client, expected $id"
        # the client's family, unless the manifest names the format (a line with nothing of
        # the client's own, such as the server's nologin message, is rightly "unknown")
        case " $* " in *" inputs[0].format="*) ;; *) echo "inputs[0].format = $(family "$client")" ;; esac
        if [ "$id" = none ]; then
            echo "sessions[0].outcome = success"
            echo "sessions[*].outcome != failed"
            echo "sessions[*].findings[*].severity != error"
        fi
        for a in "$@"; do # "path=value", "path!=value": the manifest's further assertions
            case $a in *'!='*) echo "${a%%!=*} != ${a#*!=}" ;; *) echo "${a%%=*} = ${a#*=}" ;; esac
        done
    } > "$exp"
    # "a|b": the real programs race, and either transcript is printed; either id is right
    ok=1
    for want in ${id//|/ }; do
        cp "$exp" "$exp.one"
        [ "$want" = none ] || echo "sessions[$idx].findings[0].id = $want" >> "$exp.one"
        if [ $HAVE_JCHECK = 1 ]; then
            why=$("$JCHECK" "$exp.one" "$json" "$lrc" 2>&1)
        else
            why=$("$PY" "$TMP/expect.py" "$exp.one" "$json" "$lrc" 2>&1)
        fi
        ok=$?
        [ $ok = 0 ] && break
    done
    if [ $ok = 0 ]; then
        echo "PASS $name"; npass=$((npass + 1))
    else
        got=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); i=int(sys.argv[2]); s=d["sessions"][i]
f=s.get("findings") or [{}]
fmt=(d.get("inputs") or [{}])[0].get("format")
print("got %s (session %d of %d, outcome %s, format %s)" % (f[0].get("id"), i, len(d["sessions"]), s.get("outcome"), fmt))' "$json" "$idx" 2>/dev/null)
        why=$(echo "$why" | sed 's/^FAIL [^ ]*\.expect:[0-9]*: //' | tr '\n' ';' | cut -c1-240)
        echo "FAIL $name: expected $id, $got; $why"
        nfail=$((nfail + 1))
    fi
done
echo "# live lab: $npass passed, $nfail failed, $nskip skipped in $(( $(date +%s) - start )) s"
exit 0
