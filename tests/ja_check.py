#!/usr/bin/env python3
"""tests/ja_check.py — mechanical checks of the Japanese texts of rules/*.json against the English.

Every bilingual text (an object with "en" and "ja": title, diagnosis, remedy steps, candidates'
cause and check) must carry the same placeholders, the same backquoted commands and the same
numbers in both languages, because a user who reads only the Japanese runs only what it says.

Errors (exit status 1):
  placeholder  the sets of placeholders ({name}, {name|sh}, {port|-p}) differ; only a capture that
               every pattern of the rule fixes to one literal (`(?<algtype>cipher)`) may be said
               in Japanese instead
  code         the backquoted spans differ (a command, path or value is missing, added or changed);
               a metavariable may be said in Japanese (`-i KEY.ppk` / `-i 鍵.ppk`, `<port>` / `<ポート>`)
  backquote    an odd number of backquotes (a span is not closed, so the rest prints as code)
  fullwidth    a backquoted span in ja holds full-width punctuation, a full-width letter or digit or
               an ideographic space (「」、。：　) that the English span has not: pasted, it breaks
               the command
  english      the ja text has no Japanese at all (an untranslated text)
  number       a number of the English text is missing from the Japanese (port, mode, count)
  zenkaku      full-width letters or digits (Ａ, ２) or an ideographic space in the ja text: the
               texts write them half-width, and a user copies them (full-width punctuation such as
               （）： is ordinary Japanese and allowed outside backquotes)

Warnings (printed with -v, never fatal):
  plain        a ja sentence ends in the plain form (…する。…ある。) instead of です/ます (not
               checked in candidates' "cause", a list item that Japanese writes in the plain form)

Usage: python3 tests/ja_check.py [-v] [FILE.json...]   (default: every rules/*.json)
"""
import glob
import json
import os
import re
import sys

CODE = re.compile(r"`([^`]*)`")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)*(?![\w])")
ZENKAKU = re.compile(r"[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\u3000]")
JAPANESE = re.compile(r"[\u3040-\u30FF\u3400-\u9FFF\uFF66-\uFF9F]")
SENTENCE = re.compile(r"([\u3040-\u309F]{1,6})[)）」\"]*。")
POLITE = ("ます", "ました", "ません", "ませんでした", "です", "でした", "ください", "でしょう", "ましょう")


def placeholders(s):
    """The placeholders of a text, as src/template.c placeholder_at reads them; the words of a
    "{name|?words}" are the language's own, so it counts as "{name|?}"."""
    out, i = [], 0
    while True:
        i = s.find("{", i)
        if i < 0:
            return sorted(out)
        j, bar = i + 1, 0
        while j < len(s) and s[j] != "}":
            words = bar and s[bar + 1] == "?"
            if s[j] == "{" or (not words and (s[j] == " " or j - i > 64)) or j - i > 200:
                break
            if s[j] == "|" and not bar:
                bar = j
            j += 1
        if j < len(s) and s[j] == "}" and j > i + 1 and bar != i + 1:
            out.append(s[i:bar + 2] + "}" if bar and s[bar + 1] == "?" else s[i:j + 1])
            i = j + 1
        else:
            i += 1


def outside_code(s):
    return CODE.sub(" ", s)


def texts(node, where):
    """Yield (where, en, ja) for every bilingual text under node."""
    if isinstance(node, dict):
        if "en" in node and "ja" in node:
            yield where, node["en"], node["ja"]
            return
        for k, v in node.items():
            yield from texts(v, where + "." + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from texts(v, "%s[%d]" % (where, i))


def pinned_names(rule):
    """The captures that every pattern of the rule fixes to one literal ("(?<algtype>cipher)"):
    the Japanese may say that value in Japanese instead of inserting the English capture."""
    names = None
    for p in rule.get("patterns", []):
        regex = p["regex"] if isinstance(p, dict) else p
        here = {m.group(1) for m in re.finditer(r"\(\?<(\w+)>([^()\[\]|*+?.\\{}^$]+)\)", regex)}
        names = here if names is None else names & here
    return {"{%s}" % n for n in names or ()}


def same_code(en_span, ja_span):
    """True if the Japanese span is the English one, or the English one with its metavariables
    (KEY, DIR, <target host>) said in Japanese: every Japanese run of ja_span stands for a run of
    English words, and everything else (the command, options, paths, values) is the same bytes."""
    if en_span == ja_span:
        return True
    pieces = re.split("(%s+)" % JAPANESE.pattern, ja_span)
    regex = "".join(re.escape(x) if i % 2 == 0 else "[A-Za-z][A-Za-z0-9_ ]*?"
                    for i, x in enumerate(pieces))
    return len(pieces) > 1 and re.fullmatch(regex, en_span) is not None


def code_pairs(en_code, ja_code):
    """The ja spans that match no English span, and the English spans left unmatched."""
    left, unmatched = list(en_code), []
    for j in ja_code:
        hit = next((e for e in left if e == j), None) or next((e for e in left if same_code(e, j)), None)
        if hit is None:
            unmatched.append(j)
        else:
            left.remove(hit)
    return unmatched, left


def check_text(en, ja, pinned=frozenset(), plain_ok=False):
    """The problems of one pair: a list of (kind, message, is_error)."""
    out = []
    ph_en, ph_ja = placeholders(en), placeholders(ja)
    if [p for p in ph_en if p not in pinned] != [p for p in ph_ja if p not in pinned] or \
            not set(ph_ja) <= set(ph_en):
        out.append(("placeholder", "en %s, ja %s" % (ph_en, ph_ja), True))
    if ja.count("`") % 2:
        out.append(("backquote", "odd number of backquotes in ja", True))
    en_code, ja_code = CODE.findall(en), CODE.findall(ja)
    extra, miss = code_pairs(en_code, ja_code)
    if extra or miss:
        out.append(("code", "only in en %r, only in ja %r" % (miss, extra), True))
    for c in ja_code:
        bad = [ch for ch in c if ZENKAKU.match(ch) or "\u3000" <= ch <= "\u303f" or
               "\uff01" <= ch <= "\uff5e"]
        if bad and c not in en_code:
            out.append(("fullwidth", "full-width %r in ja code %r" % ("".join(bad), c), True))
    if not JAPANESE.search(ja) and en.strip():
        out.append(("english", "ja has no Japanese", True))
    ja_numbers = NUMBER.findall(outside_code(ja)) + NUMBER.findall(" ".join(ja_code))
    for n in set(NUMBER.findall(outside_code(en))):
        if n not in ja_numbers:
            out.append(("number", "%s is in en but not in ja" % n, True))
    z = ZENKAKU.findall(ja)
    if z:
        out.append(("zenkaku", "full-width %r" % "".join(z), True))
    if not plain_ok:
        prose = outside_code(ja)
        for m in SENTENCE.finditer(prose):
            if not m.group(1).endswith(POLITE):
                out.append(("plain", "plain-form ending %r" % prose[max(0, m.start() - 12):m.end()],
                            False))
    return out


def main(argv):
    verbose = "-v" in argv
    files = [a for a in argv if a != "-v"]
    if not files:
        top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
        files = sorted(glob.glob(os.path.join(top, "rules", "*.json")))
    errors = warnings = pairs = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for rule in doc.get("rules", []):
            pinned = pinned_names(rule)
            for where, en, ja in texts(rule, ""):
                pairs += 1
                for kind, msg, is_error in check_text(en, ja, pinned, where.endswith(".cause")):
                    if is_error:
                        errors += 1
                    else:
                        warnings += 1
                        if not verbose:
                            continue
                    print("%s %s: %s%s: %s: %s" % ("FAIL" if is_error else "warn",
                          os.path.basename(path), rule.get("id"), where, kind, msg))
    print("# ja_check: %d texts, %d errors, %d warnings" % (pairs, errors, warnings))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
