#!/usr/bin/env python3
"""bench/rules.py - rule-table helpers for the loglens benchmark.

  rules.py ere   RULES_DIR OUT_PATTERNS      the default table's regexes as POSIX ERE for grep -E -f
  rules.py literals RULES_DIR OUT           one required literal per pattern, for grep -F -f
  rules.py synth RULES_DIR OUT_DIR COPIES    COPIES synthetic rules per default rule, in OUT_DIR/*.json

ere: each PCRE2 pattern is translated to ERE where that keeps its meaning (named and non-capturing
groups become plain groups, \\d \\s \\w and their negations become bracket expressions, lazy quantifiers
become greedy ones, which changes what a group captures but not whether a line matches). Patterns
using look-around, back-references, inline flags, possessive quantifiers, \\x/\\t escapes or a negated
class escape inside brackets are skipped. Every translated rule is then checked with grep itself
against the rule's own examples (all "match" lines must match, no "no_match" line may); a rule that
fails loses its patterns. The patterns written out drop the leading "^" (loglens matches a line's
body, after the timestamp/mark/"debugN: " prefix that grep sees) and accept a CR before "$".
A summary line goes to stderr.

synth: for every rule of the default table, COPIES rules with the same kind and families, each with
one to three patterns shaped like the real ones whose required literal carries a token that occurs
in no log (listed in OUT_DIR.tokens; gen.sh checks the corpus with grep -F). Each carries examples, so loglens --check-rules
validates the files.
"""
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

CR = "\r"


class Unsupported(Exception):
    pass


CLASS_ESC = {"d": "0-9", "s": "[:space:]", "w": "[:alnum:]_"}
ESC = {
    "d": "[0-9]", "D": "[^0-9]", "s": "[[:space:]]", "S": "[^[:space:]]",
    "w": "[[:alnum:]_]", "W": "[^[:alnum:]_]",
}
ERE_META = set(".[]()*+?{}|^$\\")


def bracket(p, i):
    """p[i] == '['; returns (ere_bracket, next_index)."""
    i += 1
    neg = False
    if i < len(p) and p[i] == "^":
        neg = True
        i += 1
    items = []
    lit = set()
    first = True
    while i < len(p):
        c = p[i]
        if c == "]" and not first:
            break
        first = False
        if c == "\\":
            if i + 1 >= len(p):
                raise Unsupported("trailing backslash")
            e = p[i + 1]
            if e in CLASS_ESC:
                items.append(CLASS_ESC[e])
            elif e.isalnum():
                raise Unsupported("class escape \\" + e)
            else:
                lit.add(e)
            i += 2
            continue
        if c == "[" and i + 1 < len(p) and p[i + 1] == ":":
            j = p.find(":]", i + 2)
            if j < 0:
                raise Unsupported("bad POSIX class")
            items.append(p[i:j + 2])
            i = j + 2
            continue
        if i + 2 < len(p) and p[i + 1] == "-" and p[i + 2] != "]":
            lo, hi = c, p[i + 2]
            if hi == "\\":
                raise Unsupported("escaped range end")
            items.append(lo + "-" + hi)
            i += 3
            continue
        lit.add(c)
        i += 1
    else:
        raise Unsupported("unterminated class")
    body = ""
    if "]" in lit:
        body += "]"
    body += "".join(items)
    body += "".join(sorted(ch for ch in lit if ch not in "]-^"))
    if "^" in lit:
        body += "^" if body else "\\^"  # never first
    if "-" in lit:
        body += "-"
    if body == "^":
        body = "\\^"
    return "[" + ("^" if neg else "") + body + "]", i + 1


def to_ere(p):
    out = []
    i = 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            if i + 1 >= len(p):
                raise Unsupported("trailing backslash")
            e = p[i + 1]
            if e in ESC:
                out.append(ESC[e])
            elif e == "b":
                out.append("\\b")  # a GNU grep extension, as in PCRE
            elif e.isdigit() or e.isalpha():
                raise Unsupported("escape \\" + e)
            elif e in ERE_META:
                out.append("\\" + e)
            else:
                out.append(e)  # \" \/ \- \: … are plain characters
            i += 2
            continue
        if c == "[":
            b, i = bracket(p, i)
            out.append(b)
            continue
        if c == "(":
            if p.startswith("(?:", i):
                out.append("(")
                i += 3
            elif p.startswith("(?<", i) and i + 3 < len(p) and p[i + 3] not in "=!":
                j = p.index(">", i)
                out.append("(")
                i = j + 1
            elif p.startswith("(?P<", i):
                j = p.index(">", i)
                out.append("(")
                i = j + 1
            elif p.startswith("(?", i):
                raise Unsupported("group " + p[i:i + 4])
            else:
                out.append("(")
                i += 1
            continue
        if c in "*+?}":
            out.append(c)
            i += 1
            if i < len(p) and p[i] == "?":
                i += 1  # lazy: same set of matching lines
            elif i < len(p) and p[i] == "+":
                raise Unsupported("possessive quantifier")
            continue
        out.append(c)
        i += 1
    return "".join(out)


def load_rules(rules_dir):
    rules = []
    for f in sorted(glob.glob(os.path.join(rules_dir, "*.json"))):
        with open(f, encoding="utf-8") as fh:
            for r in json.load(fh)["rules"]:
                rules.append(r)
    # a later rule with the same id replaces the earlier one
    byid = {}
    for r in rules:
        byid[r["id"]] = r
    return list(byid.values())


def grep_count(patterns, lines):
    with tempfile.TemporaryDirectory() as d:
        pf, lf = os.path.join(d, "p"), os.path.join(d, "l")
        with open(pf, "w", encoding="utf-8") as fh:
            fh.write("\n".join(patterns) + "\n")
        with open(lf, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        r = subprocess.run(["grep", "-c", "-E", "-f", pf, lf], capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C"))
        if r.returncode > 1 or r.stderr.strip():
            raise Unsupported("grep: " + r.stderr.strip())
        return int(r.stdout.strip() or 0)


def cmd_ere(rules_dir, out):
    rules = load_rules(rules_dir)
    total = used = skipped = failed = 0
    reasons = {}
    lines = []
    for r in rules:
        pats = [p["regex"] if isinstance(p, dict) else p for p in r["patterns"]]
        total += len(pats)
        conv = []
        for p in pats:
            try:
                conv.append(to_ere(p))
            except (Unsupported, ValueError) as e:
                skipped += 1
                reasons[str(e).split(" ")[0]] = reasons.get(str(e).split(" ")[0], 0) + 1
        if not conv:
            continue
        ex = r.get("examples", {})
        match, near = ex.get("match", []), ex.get("no_match", [])
        try:
            if len(conv) == len(pats):
                ok = grep_count(conv, match) == len(match)
            else:  # some patterns left out: each translated one must still match an example
                ok = all(grep_count([e], match) > 0 for e in conv)
            ok = ok and grep_count(conv, near) == 0
        except Unsupported:
            ok = False
        if not ok:
            failed += len(conv)
            continue
        for e in conv:
            if e.startswith("^"):
                e = e[1:]
            if e.endswith("$") and not e.endswith("\\$"):
                e = e[:-1] + "(" + CR + ")?$"
            lines.append(e)
        used += len(conv)
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    why = ", ".join("%s %d" % kv for kv in sorted(reasons.items()))
    print("ere: %d of %d patterns of %d rules used (%d not expressible in ERE%s; %d dropped: "
          "their rule's examples disagreed under grep)" % (used, total, len(rules), skipped,
                                                           " [" + why + "]" if why else "", failed),
          file=sys.stderr)
    print("%d %d" % (used, total))


# ---- literals: one per pattern, for grep -F ----

def longest_literal(p):
    """The longest run of plain characters outside groups and classes, a character followed by
    ? * or {0 not counted; None if the pattern has a top-level | or an inline flag."""
    if "(?i" in p or "(?x" in p:
        return None
    best, cur, depth, i = "", "", 0, 0
    top_alt = False

    def flush():
        nonlocal best, cur
        if len(cur) > len(best):
            best = cur
        cur = ""
    while i < len(p):
        c = p[i]
        if c == "[":
            j = i + 1
            if j < len(p) and p[j] == "^":
                j += 1
            if j < len(p) and p[j] == "]":
                j += 1
            while j < len(p) and p[j] != "]":
                j += 2 if p[j] == "\\" else 1
            flush()
            i = j + 1
            continue
        if depth:
            if c == "\\":
                i += 2
                continue
            depth += c == "("
            depth -= c == ")"
            i += 1
            continue
        lit = None
        step = 1
        if c == "\\" and i + 1 < len(p):
            e = p[i + 1]
            step = 2
            if not e.isalnum():
                lit = e
        elif c not in "^$.|()?*+{}":
            lit = c
        nxt = p[i + step] if i + step < len(p) else ""
        if lit is not None and (nxt in ("?", "*") or p.startswith("{0", i + step)):
            lit = None
        if lit is not None:
            cur += lit
            if nxt == "+":
                flush()
        else:
            flush()
            if c == "|":
                top_alt = True
            elif c == "(":
                depth = 1
        i += step
    flush()
    return None if top_alt or len(best) < 3 else best


def cmd_literals(rules_dir, out):
    rules = load_rules(rules_dir)
    lits, total = [], 0
    for r in rules:
        for p in r["patterns"]:
            total += 1
            lit = p.get("literal") if isinstance(p, dict) else None
            lit = lit or longest_literal(p["regex"] if isinstance(p, dict) else p)
            if lit:
                lits.append(lit)
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(sorted(set(lits))) + "\n")
    print("literals: %d distinct literals for %d of %d patterns (the others have none)"
          % (len(set(lits)), len(lits), total), file=sys.stderr)
    print(len(set(lits)))


# ---- synthetic rules ----

CONS = "bcdfghjklmnprstvz"
VOW = "aeiou"


def token(rng, seen):
    while True:
        t = "".join(rng.choice(CONS) + rng.choice(VOW) for _ in range(3)) + "q" + rng.choice(CONS)
        if t not in seen:
            seen.add(t)
            return t


# (regex, a matching body, a near miss with another token); {T} is the token
TEMPLATES = [
    (r"^Relay {T} refused channel (?<chan>\d+): (?<reason>.+)$",
     "Relay {T} refused channel 3: administratively prohibited",
     "Relay {U} refused channel 3: administratively prohibited"),
    (r"^(?:FATAL ERROR: )?Proxy {T} dropped the session after (?<secs>\d+) seconds$",
     "FATAL ERROR: Proxy {T} dropped the session after 30 seconds",
     "FATAL ERROR: Proxy {U} dropped the session after 30 seconds"),
    (r"^Agent {T} could not sign with key (?<key>\S+)$",
     "Agent {T} could not sign with key /home/u/.ssh/id_ed25519",
     "Agent {U} could not sign with key /home/u/.ssh/id_ed25519"),
    (r"^(?<prog>[\w.-]+): gateway {T} said: (?<msg>.*)$",
     "ssh: gateway {T} said: quota exceeded",
     "ssh: gateway {U} said: quota exceeded"),
    (r"^Tunnel {T} to (?<host>\S+) port (?<port>\d+) failed$",
     "Tunnel {T} to db.example.com port 5432 failed",
     "Tunnel {U} to db.example.com port 5432 failed"),
    (r"^Connection {T} reset by (?<who>\S+) after (?<n>\d+) bytes\.?$",
     "Connection {T} reset by 192.0.2.1 after 4096 bytes.",
     "Connection {U} reset by 192.0.2.1 after 4096 bytes."),
    (r"^Server {T} rejected (?<what>[a-z-]+) request for (?<user>\S+)$",
     "Server {T} rejected pty-req request for bob",
     "Server {U} rejected pty-req request for bob"),
    (r"^Host key {T} for (?<host>\S+) expired on (?<date>[0-9-]+)$",
     "Host key {T} for sftp.example.com expired on 2024-01-01",
     "Host key {U} for sftp.example.com expired on 2024-01-01"),
    (r"^Status code: (?<code>\d+), Message: \d+, Server: {T} quota, Language: \w+ ?$",
     "Status code: 4, Message: 12, Server: {T} quota, Language: en ",
     "Status code: 4, Message: 12, Server: {U} quota, Language: en "),
    (r"^\(ESshFatal\) Policy {T} denied access to \"(?<path>[^\"]+)\"\.$",
     "(ESshFatal) Policy {T} denied access to \"/srv/x\".",
     "(ESshFatal) Policy {U} denied access to \"/srv/x\"."),
    (r"^pam_{T}\((?<svc>[^)]+)\): authentication failure; user=(?<user>\S+)$",
     "pam_{T}(sshd:auth): authentication failure; user=bob",
     "pam_{U}(sshd:auth): authentication failure; user=bob"),
    (r"^Received {T} message of type (?<type>\d+) on channel (?<chan>\d+)$",
     "Received {T} message of type 98 on channel 0",
     "Received {U} message of type 98 on channel 0"),
]


def cmd_synth(rules_dir, out_dir, copies):
    rules = load_rules(rules_dir)
    rng = random.Random(20240101)
    seen = set()
    os.makedirs(out_dir, exist_ok=True)
    literals = []
    n = 0
    for c in range(copies):
        out = []
        for r in rules:
            n += 1
            fams = r["families"]
            signal = r.get("kind") == "signal"
            k = rng.randint(1, 3)
            pats, match, nomatch = [], [], []
            for t in rng.sample(TEMPLATES, k):
                tok = token(rng, seen)
                other = token(rng, seen)
                pats.append(t[0].replace("{T}", tok))
                match.append(t[1].replace("{T}", tok))
                nomatch.append(t[2].replace("{U}", other))
                literals.append(tok)
            rule = {"families": fams, "patterns": pats,
                    "examples": {"match": match, "no_match": nomatch}}
            if signal:
                rule = dict({"id": "sig.%s.bench-%05d" % (fams[0], n), "kind": "signal"}, **rule)
                rule["sets"] = {"proxy": "bench-%05d" % n}
            else:
                diag = r["id"].split("/")[0]
                rule = dict({"id": "%s/bench-%05d" % (diag, n)}, **rule)
                rule.update({
                    "severity": "error", "confidence": "low", "priority": 10,
                    "title": {"en": "Synthetic benchmark rule %d" % n,
                              "ja": "ベンチマーク用の合成ルール %d" % n},
                    "diagnosis": {"en": "This rule exists only to measure the prefilter.",
                                  "ja": "このルールはプレフィルタの計測専用です。"},
                    "remedy": [{"en": "Nothing to do.", "ja": "対処は不要です。"}],
                })
            out.append(rule)
        with open(os.path.join(out_dir, "bench-%02d.json" % c), "w", encoding="utf-8") as fh:
            json.dump({"rules": out}, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    with open(out_dir.rstrip("/") + ".tokens", "w", encoding="utf-8") as fh:
        fh.write("\n".join(sorted(seen)) + "\n")
    print("synth: %d rules (%d x %d default rules), %d patterns" % (n, copies, len(rules), len(literals)),
          file=sys.stderr)


def main(argv):
    if len(argv) == 4 and argv[1] == "ere":
        cmd_ere(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "literals":
        cmd_literals(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "synth":
        cmd_synth(argv[2], argv[3], int(argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
