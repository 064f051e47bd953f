#!/bin/sh
# bench/run.sh — the loglens benchmark (issue 5). Run from the top of the tree: sh bench/run.sh
#
# Builds the corpus (bench/gen.sh), then measures, alternating the tools run by run and taking
# medians:
#   1. on head.log (the first 100 MB of the mix): wc -l, grep -c -E -f (the default rule table's
#      regexes as ERE), grep -c -F -f (one literal per pattern), loglens --json, and loglens --json
#      with 10x synthetic extra rules — the same file for all of them — and, apart, the time
#      those rule files take to load (empty input);
#   2. on big.log (the ~1 GB mix): wc -l and loglens --json (grep -E too with GREP_BIG=1: at the
#      couple of MB/s GNU grep manages with the whole table, 1 GB takes it about ten minutes a run),
#      each loglens run right after one on head.log: the linearity figure compares those pairs;
#      then big.log split in two by line shape (WinSCP records / the rest), wc -l and loglens on
#      each part: where the time goes (informative, not a target);
#   3. 10 000 small logs in one loglens invocation;  4. start-up on empty input;
#   5. fail2ban-regex with its stock sshd filter beside loglens on an sshd syslog corpus;
#      5b. the other ways to run loglens (the text report, --redact) beside --json, on head.log
#      and sshd.log (informative, not a target: a mode ten times slower would show here);
#      5c. a client's log with the server's (correlation), a lab transcript and 20 MB of the mix
#      each with sshd.log: time and peak RSS (the RSS counts in the target);
#   6. a 10 GB-equivalent pipe (big.log cat'ed 10 times into loglens): time and peak RSS;
#   7. heap allocations per input line (valgrind), when valgrind is there.
# Prints a table and the targets of issue 5, met or not, and keeps it in $BENCH_DIR/results.txt
# (raw figures in $BENCH_DIR/work). Timing lives here, never in a test.
#
# Environment:
#   LOGLENS=./loglens   RUNS=5 (alternating runs; medians)   STARTUP_RUNS=200
#   PIPE_GB=10          PIPE_BUDGET=900 (seconds: fewer copies are piped if 10 would not fit; 0: no cap)
#   TIMEOUT=600         (seconds, any single command; it is killed and reported past that)
#   RUN_BUDGET=2400     (seconds: past it, each remaining section runs its commands once only)
#   GREP_BIG=0          (1: also time grep -c -E -f on big.log, RUNS times)
#   KEEP=0              (1 keeps the corpus for the next run; by default the large files are removed)
#   BENCH_DIR, SIZE_MB, HEAD_MB, SMALL_COUNT, SSHD_MB, COPIES, SEED: see bench/gen.sh
# Needs cc, python3, GNU grep; /usr/bin/time (package "time") and fail2ban-regex (package
# "fail2ban") are installed with apt-get when missing and this runs as root, else done without.
# Duration on the reference 2-core machine: about 8.5 minutes with RUNS=3 PIPE_GB=3 (more with
# the defaults), most of it grep -E on head.log (~110 s a run). Bounds: every
# command is killed after TIMEOUT; past RUN_BUDGET the remaining sections run each command once;
# the pipe gets fewer copies if PIPE_GB would not fit in PIPE_BUDGET.
set -eu

LOGLENS=${LOGLENS:-./loglens}
RUNS=${RUNS:-5}
STARTUP_RUNS=${STARTUP_RUNS:-200}
PIPE_GB=${PIPE_GB:-10}
PIPE_BUDGET=${PIPE_BUDGET:-900}
TIMEOUT=${TIMEOUT:-600}
RUN_BUDGET=${RUN_BUDGET:-2400}
GREP_BIG=${GREP_BIG:-0}
KEEP=${KEEP:-0}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/loglens-bench}
export BENCH_DIR LOGLENS
export LC_ALL=C

[ -f bench/run.sh ] || { echo "run.sh: run me from the top of the loglens tree" >&2; exit 2; }
[ -x "$LOGLENS" ] || { echo "run.sh: $LOGLENS not found: run make first" >&2; exit 2; }
mkdir -p "$BENCH_DIR"
# one binary throughout, even if the tree is rebuilt meanwhile
cp "$LOGLENS" "$BENCH_DIR/loglens"
LOGLENS=$BENCH_DIR/loglens
T_START=$(date +%s)

# ---- tools ----
apt_install() { # PACKAGE: install it if we may
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "run.sh: installing $1 (apt-get)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$1" >/dev/null 2>&1 ||
			echo "run.sh: could not install $1" >&2
	fi
}
[ -x /usr/bin/time ] || apt_install time
command -v fail2ban-regex >/dev/null || apt_install fail2ban
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1
F2B=$(command -v fail2ban-regex || true)
F2B_FILTER=/etc/fail2ban/filter.d/sshd.conf
[ -f "$F2B_FILTER" ] || F2B=

cleanup() {
	if [ "$KEEP" != 1 ]; then
		rm -rf "$BENCH_DIR/big.log" "$BENCH_DIR/head.log" "$BENCH_DIR/sshd.log" "$BENCH_DIR/small" \
			"$BENCH_DIR/rules10" "$BENCH_DIR/rules10.tokens" "$BENCH_DIR/stamp" \
			"$BENCH_DIR/slice1.log" "$BENCH_DIR/slice2.log" "$BENCH_DIR/work/big.json" "$BENCH_DIR/work/sshd.json" \
			"$BENCH_DIR/part-winscp.log" "$BENCH_DIR/part-rest.log" "$BENCH_DIR/client20.log"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh bench/gen.sh
${CC:-cc} -O2 -o "$BENCH_DIR/tmx" bench/tmx.c
TMX=$BENCH_DIR/tmx
W=$BENCH_DIR/work
rm -rf "$W"
mkdir -p "$W"
BIG=$BENCH_DIR/big.log
HEAD=$BENCH_DIR/head.log
SSHD=$BENCH_DIR/sshd.log
SMALL=$BENCH_DIR/small
R10=$BENCH_DIR/rules10
PAT=$W/patterns.ere
LIT=$W/literals.txt
npat=$(python3 bench/rules.py ere rules "$PAT" 2>"$W/ere.txt")
PAT_USED=${npat% *}
NLIT=$(python3 bench/rules.py literals rules "$LIT" 2>"$W/literals.info")

bytes() { wc -c <"$1" | tr -d ' '; }
lines() { wc -l <"$1" | tr -d ' '; }
BIG_B=$(bytes "$BIG")
BIG_L=$(lines "$BIG")
HEAD_B=$(bytes "$HEAD")
HEAD_L=$(lines "$HEAD")
SSHD_B=$(bytes "$SSHD")
SSHD_L=$(lines "$SSHD")
SMALL_N=$(ls "$SMALL" | wc -l | tr -d ' ')
SMALL_B=$(cat "$SMALL"/* | wc -c | tr -d ' ')
NRULES=$("$LOGLENS" --list-rules | wc -l | tr -d ' ')
NRULES10=$("$LOGLENS" --list-rules --rules "$R10" | wc -l | tr -d ' ')

# ---- measuring ----
# run NAME CMD...: one timed run (through /usr/bin/time -v for the peak RSS when available);
# appends "wall user sys rss_kb status" to $W/NAME. Standard output goes to /dev/null for
# loglens (ll_* names), as a user would run it, and to the file $W/NAME.stdout for the other
# tools: GNU grep stops at the first match when its output is /dev/null.
run() {
	name=$1
	shift
	case $name in ll_*) sink=/dev/null ;; *) sink=$W/$name.stdout ;; esac
	if [ "$HAVE_TIME" = 1 ]; then
		rm -f "$W/$name.tv"
		"$TMX" -t "$TIMEOUT" -o "$sink" -- /usr/bin/time -v -o "$W/$name.tv" "$@" >"$W/$name.one"
		rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/$name.tv" 2>/dev/null || true)
		awk -v rss="${rss:-0}" '{ $4 = rss; print }' "$W/$name.one" >>"$W/$name"
	else
		"$TMX" -t "$TIMEOUT" -o "$sink" -- "$@" >>"$W/$name"
	fi
	st=$(tail -n 1 "$W/$name" | awk '{print $5}')
	case $st in 0|1) ;; *) echo "run.sh: $name: $* ended with status $st" >&2 ;; esac
	printf '.' >&2
}
# statistics of $W/NAME: med NAME COL (median), max NAME COL, cpu NAME (median user+sys), bad NAME
med() { sort -g -k"$2","$2" "$W/$1" | awk -v c="$2" '{v[NR]=$c} END {if (NR==0) {print "nan"; exit} if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
max() { awk -v c="$2" 'BEGIN{m=0} $c>m {m=$c} END{print m}' "$W/$1"; }
cpu() { awk '{print $2+$3}' "$W/$1" | sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
bad() { awk '$5 != "0" && $5 != "1" {n++} END {print n+0}' "$W/$1"; }
calc() { awk "BEGIN { printf \"%s\", $* }"; }
# more I: true while run I (0-based) of a section should happen: all RUNS, or only the first one
# once RUN_BUDGET is spent
CUT=""
more() {
	[ "$1" -lt "$RUNS" ] || return 1
	[ "$1" = 0 ] && return 0
	if [ $(($(date +%s) - T_START)) -gt "$RUN_BUDGET" ]; then
		CUT="$CUT $2"
		return 1
	fi
	return 0
}

cat "$BIG" "$HEAD" "$SSHD" >/dev/null # into the page cache
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "run.sh: measuring ($RUNS alternating runs; raw figures in $W)" >&2

# 1. head.log: every tool on the same file, alternating
i=0
while more $i head; do
	run h_wc wc -l "$HEAD"
	run h_grep grep -c -E -f "$PAT" "$HEAD"
	run h_grepf grep -c -F -f "$LIT" "$HEAD"
	run ll_head "$LOGLENS" --json "$HEAD"
	run ll_head10 "$LOGLENS" --json --rules "$R10" "$HEAD"
	run ll_load10 "$LOGLENS" --json --rules "$R10" /dev/null
	i=$((i + 1))
done

# 2. big.log: wc -l and loglens, alternating (grep -E on request); loglens on head.log right
#    before each big.log run, for the linearity figure: this VM's speed drifts within minutes,
#    and the two runs of a pair see the same machine
i=0
while more $i big; do
	run wc wc -l "$BIG"
	[ "$GREP_BIG" = 1 ] && run grep grep -c -E -f "$PAT" "$BIG"
	run ll_pairhead "$LOGLENS" --json "$HEAD"
	run ll_big "$LOGLENS" --json "$BIG"
	i=$((i + 1))
done

# 2b. where big.log's time goes: its lines split by shape into WinSCP records ("<mark>
#     yyyy-mm-dd hh:mm:ss.zzz ...": the Debug 2 sessions, dump rows and all) and the rest (the lab
#     transcripts, a few WinSCP continuation lines); wc -l and loglens on each, alternating
PART_W=$BENCH_DIR/part-winscp.log
PART_O=$BENCH_DIR/part-rest.log
WREC='^[.<>!*] [0-9]{4}-[0-9]{2}-[0-9]{2} '
grep -E "$WREC" "$BIG" >"$PART_W" || true
grep -v -E "$WREC" "$BIG" >"$PART_O" || true
i=0
while more $i parts; do
	run pw_wc wc -l "$PART_W"
	run ll_pw "$LOGLENS" --json "$PART_W"
	run po_wc wc -l "$PART_O"
	run ll_po "$LOGLENS" --json "$PART_O"
	i=$((i + 1))
done
PW_B=$(bytes "$PART_W"); PW_L=$(lines "$PART_W")
PO_B=$(bytes "$PART_O"); PO_L=$(lines "$PART_O")
PW_J=$("$LOGLENS" --json "$PART_W" 2>/dev/null | wc -c | tr -d ' ')
PO_J=$("$LOGLENS" --json "$PART_O" 2>/dev/null | wc -c | tr -d ' ')
rm -f "$PART_W" "$PART_O"

# 3. 10 000 small files in one invocation (paths relative to the directory keep argv short)
i=0
while more $i small; do
	run ll_small sh -c 'cd "$1" && exec "$2" --json ./*' sh "$SMALL" "$LOGLENS"
	i=$((i + 1))
done

# 4. start-up: empty input, many runs; and the cost of spawning any process
"$TMX" -n "$STARTUP_RUNS" -- "$LOGLENS" --json >"$W/startup"
"$TMX" -n "$STARTUP_RUNS" -- /bin/true >"$W/spawn"

# 5. sshd syslog: fail2ban-regex with its stock sshd filter vs loglens, alternating
i=0
while more $i sshd; do
	[ -n "$F2B" ] && run f2b "$F2B" "$SSHD" "$F2B_FILTER"
	run ll_sshd "$LOGLENS" --json "$SSHD"
	i=$((i + 1))
done

# 5b. the text report and --redact beside --json, alternating; sshd.log's thousands of
#     sessions are what --redact's pseudonym table grows with
i=0
while more $i modes; do
	for f in head sshd; do
		case $f in head) in=$HEAD ;; *) in=$SSHD ;; esac
		run "ll_m_${f}_json" "$LOGLENS" --json "$in"
		run "ll_m_${f}_text" "$LOGLENS" "$in"
		run "ll_m_${f}_jred" "$LOGLENS" --json --redact "$in"
		run "ll_m_${f}_tred" "$LOGLENS" --redact "$in"
	done
	i=$((i + 1))
done

# 5c. a client's log with the server's (correlation: each input read twice): one lab transcript
#     with sshd.log, as a support desk pairs them; and the first 20 MB of big.log (thousands of
#     client sessions) with sshd.log, the heavy case
CLIENT_ONE=testdata/openssh/lab-key-refused.ssh-v.log
CLIENT_MANY=$BENCH_DIR/client20.log
head -c 20000000 "$HEAD" >"$CLIENT_MANY"
i=0
while more $i correlation; do
	run ll_c_one "$LOGLENS" --json "$CLIENT_ONE" "$SSHD"
	run ll_c_many "$LOGLENS" --json "$CLIENT_MANY" "$SSHD"
	i=$((i + 1))
done

# 6. the 10 GB-equivalent pipe: big.log cat'ed PIPE_GB times into loglens, one run
big_wall=$(med ll_big 1)
pipe_n=$PIPE_GB
pipe_note=""
if [ "$PIPE_BUDGET" != 0 ]; then
	fit=$(calc "int($PIPE_BUDGET / ($big_wall + 0.001))")
	if [ "$fit" -lt "$pipe_n" ]; then
		pipe_n=$((fit < 1 ? 1 : fit))
		pipe_note=" — cut from $PIPE_GB copies to stay within PIPE_BUDGET=${PIPE_BUDGET}s"
	fi
fi
pipe_cmd="i=0; while [ \$i -lt $pipe_n ]; do cat '$BIG' || exit 3; i=\$((i+1)); done |"
if [ "$HAVE_TIME" = 1 ]; then
	"$TMX" -t "$TIMEOUT" -- sh -c "$pipe_cmd /usr/bin/time -v -o '$W/pipe.tv' '$LOGLENS' --json >/dev/null" >"$W/pipe"
	pipe_rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/pipe.tv" 2>/dev/null || true)
else
	"$TMX" -t "$TIMEOUT" -- sh -c "$pipe_cmd '$LOGLENS' --json >/dev/null" >"$W/pipe"
	pipe_rss=$(max pipe 4)
fi
pipe_rss=${pipe_rss:-0}
printf '.' >&2

# what loglens made of the files (one more run each, output kept)
"$LOGLENS" --json "$BIG" >"$W/big.json" 2>/dev/null || true
"$LOGLENS" --json "$SSHD" >"$W/sshd.json" 2>/dev/null || true
summary() { # JSON report: format, sessions, findings, size
	python3 - "$1" <<'PY' 2>/dev/null || echo "unreadable report"
import json, sys, os
d = json.load(open(sys.argv[1], encoding="utf-8"))
ins = d.get("inputs", [{}])[0]
ss = d.get("sessions", [])
nf = sum(len(s.get("findings", [])) for s in ss)
print("format %s, %d sessions, %d findings, %.1f MB of JSON" % (ins.get("format"), len(ss), nf,
      os.path.getsize(sys.argv[1]) / 1e6))
PY
}

# 7. heap allocations per input line: valgrind's count on 20 000 and 40 000 lines of big.log
alloc_note="valgrind not installed: not measured"
if command -v valgrind >/dev/null; then
	head -n 20000 "$BIG" >"$BENCH_DIR/slice1.log"
	head -n 40000 "$BIG" >"$BENCH_DIR/slice2.log"
	a1=$(timeout "$TIMEOUT" valgrind "$LOGLENS" --json "$BENCH_DIR/slice1.log" 2>&1 >/dev/null | awk '/total heap usage/ {gsub(",", "", $5); print $5}')
	a2=$(timeout "$TIMEOUT" valgrind "$LOGLENS" --json "$BENCH_DIR/slice2.log" 2>&1 >/dev/null | awk '/total heap usage/ {gsub(",", "", $5); print $5}')
	if [ -n "$a1" ] && [ -n "$a2" ]; then
		alloc_note="$a1 for the first 20 000 lines of big.log, $a2 for 40 000: $(calc "sprintf(\"%.3f\", ($a2 - $a1) / 20000)") per added line"
	fi
fi
printf '\n' >&2

# ---- report ----
MB() { calc "sprintf(\"%.1f\", $1 / 1e6)"; }
mbs() { calc "sprintf(\"%.0f\", $1 / 1e6 / $2)"; }
lps() { calc "sprintf(\"%.2f\", $1 / 1e6 / $2)"; }
hdr() { printf '  %-44s %9s %8s %9s %8s %8s\n' "" "wall s" "MB/s" "Mlines/s" "CPU s" "RSS MB"; }
row() { # LABEL NAME BYTES LINES
	w=$(med "$2" 1)
	n_bad=$(bad "$2")
	printf '  %-44s %9.3f %8s %9s %8.2f %8s%s\n' "$1" "$w" "$(mbs "$3" "$w")" "$(lps "$4" "$w")" \
		"$(cpu "$2")" "$(calc "sprintf(\"%.1f\", $(max "$2" 4) / 1024)")" \
		"$([ "$n_bad" = 0 ] || echo "  ($n_bad of $RUNS runs failed or timed out)")"
}
verdict() { if [ "$(calc "($1) ? 1 : 0")" = 1 ]; then echo "MET    "; else echo "NOT MET"; fi; }
ratio() { calc "sprintf(\"%.$3f\", $1 / ($2 + 1e-12))"; } # A/B with N decimals

w_hwc=$(med h_wc 1); w_hgrep=$(med h_grep 1); w_hgrepf=$(med h_grepf 1)
w_head=$(med ll_head 1); w_head10=$(med ll_head10 1)
w_wc=$(med wc 1); w_ll=$(med ll_big 1); w_small=$(med ll_small 1); w_sshd=$(med ll_sshd 1)
r_wc=$(ratio "$w_wc" "$w_ll" 3)              # loglens speed / wc speed, big.log
rc_wc=$(ratio "$(cpu wc)" "$(cpu ll_big)" 3)
r_hwc=$(ratio "$w_hwc" "$w_head" 3)           # the same on head.log
r_grep=$(ratio "$w_hgrep" "$w_head" 2)        # loglens speed / grep -E speed, head.log
rc_grep=$(ratio "$(cpu h_grep)" "$(cpu ll_head)" 2)
r_grepf=$(ratio "$w_hgrepf" "$w_head" 2)
# linearity: per pair (head.log run, then big.log run), time per byte big / head; the median
pairs() { # COLS: "wall" or "cpu"
	paste -d' ' "$W/ll_pairhead" "$W/ll_big" | awk -v hb="$HEAD_B" -v bb="$BIG_B" -v how="$1" '
		{ h = how == "cpu" ? $2 + $3 : $1; b = how == "cpu" ? $7 + $8 : $6; print (b / bb) / (h / hb + 1e-15) }' |
		sort -g | awk '{v[NR]=$1} END {if (NR%2) printf "%.3f", v[(NR+1)/2]; else printf "%.3f", (v[NR/2]+v[NR/2+1])/2}'
}
lin=$(pairs wall)
linc=$(pairs cpu)
r10=$(ratio "$w_head10" "$w_head" 3)
r10c=$(ratio "$(cpu ll_head10)" "$(cpu ll_head)" 3)
w_load10=$(med ll_load10 1)                   # reading the rule files alone (empty input)
r10l=$(calc "sprintf(\"%.3f\", ($w_head10 - $w_load10) / ($w_head - $(med startup 1) + 1e-12))")
files_s=$(calc "sprintf(\"%.0f\", $SMALL_N / $w_small)")
st_ms=$(calc "sprintf(\"%.2f\", $(med startup 1) * 1000)")
st_cpu=$(calc "sprintf(\"%.2f\", $(cpu startup) * 1000)")
st_p90=$(sort -g "$W/startup" | awk '{v[NR]=$1} END {printf "%.2f", v[int(NR*0.9)]*1000}')
sp_ms=$(calc "sprintf(\"%.2f\", $(med spawn 1) * 1000)")
rss_ll=$(cat "$W/ll_big" "$W/ll_head" "$W/ll_pairhead" "$W/ll_small" "$W/ll_sshd" "$W/ll_pw" "$W/ll_po" "$W"/ll_m_*_json "$W"/ll_m_*_text "$W"/ll_m_*_jred "$W"/ll_m_*_tred "$W/ll_c_one" "$W/ll_c_many" | awk 'BEGIN{m=0} $4>m {m=$4} END{print m}')
rss_all=$(calc "($rss_ll > $pipe_rss) ? $rss_ll : $pipe_rss")
pipe_wall=$(awk '{print $1}' "$W/pipe")
pipe_st=$(awk '{print $5}' "$W/pipe")
case $pipe_st in 0|1) pipe_ok=1 ;; *) pipe_ok=0 ;; esac

{
	echo "loglens benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(uname -srm), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) CPUs," \
		"$(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo); load average before: $load_before"
	if [ "$(calc "(${load_before%% *} >= $(nproc)) ? 1 : 0")" = 1 ]; then
		echo "WARNING: the machine was busy (load average ${load_before%% *} on $(nproc) CPUs): wall-clock figures are inflated;"
		echo "         the CPU-time figures (user + system) are steadier"
	fi
	echo "loglens: $("$LOGLENS" --version 2>&1 | head -n 1), $NRULES rules by default, $NRULES10 with rules10/"
	echo "tools: $(wc --version | head -n 1); $(grep --version | head -n 1); ${F2B:+$("$F2B" --version 2>&1 | head -n 1); }LC_ALL=C"
	echo "method: $RUNS runs per command, alternating, medians; wall clock from CLOCK_MONOTONIC (bench/tmx.c);"
	[ -z "$CUT" ] || echo "        RUN_BUDGET=${RUN_BUDGET}s was spent: one run only in section(s)$CUT"
	echo "        RSS = peak resident set from /usr/bin/time -v; MB = 10^6 bytes; loglens output to /dev/null"
	echo
	echo "corpus (deterministic, SEED=${SEED:-20240101}, bench/gen.sh):"
	printf '  big.log   %7s MB %10s lines  WinSCP Debug 2 sessions + ssh -v/-vvv, sftp -v + plink/psftp -v lab transcripts\n' "$(MB "$BIG_B")" "$BIG_L"
	printf '  head.log  %7s MB %10s lines  the first %s MB of big.log\n' "$(MB "$HEAD_B")" "$HEAD_L" "$(calc "sprintf(\"%.0f\", $HEAD_B / 1e6)")"
	printf '  small/    %7s MB %10s files  %.1f KB on average\n' "$(MB "$SMALL_B")" "$SMALL_N" "$(calc "$SMALL_B / $SMALL_N / 1000")"
	printf '  sshd.log  %7s MB %10s lines  "Mon DD HH:MM:SS host sshd[PID]: ..." from testdata/sshd/lab-*\n' "$(MB "$SSHD_B")" "$SSHD_L"
	echo "  grep -E: $(sed 's/^ere: //' "$W/ere.txt")"
	echo "  grep -F: $(sed 's/^literals: //' "$W/literals.info")"
	echo
	echo "head.log — every tool on the same file"
	hdr
	row "wc -l" h_wc "$HEAD_B" "$HEAD_L"
	row "grep -c -E -f ($PAT_USED regexes)" h_grep "$HEAD_B" "$HEAD_L"
	row "grep -c -F -f ($NLIT literals)" h_grepf "$HEAD_B" "$HEAD_L"
	row "loglens --json" ll_head "$HEAD_B" "$HEAD_L"
	row "loglens --json --rules rules10/" ll_head10 "$HEAD_B" "$HEAD_L"
	echo "  matching lines: grep -E $(cat "$W/h_grep.stdout"), grep -F $(cat "$W/h_grepf.stdout") (of $HEAD_L)"
	echo "  loglens speed / wc -l = $r_hwc; / grep -E = $r_grep (CPU time: $rc_grep); / grep -F = $r_grepf"
	echo
	echo "big.log"
	hdr
	row "wc -l" wc "$BIG_B" "$BIG_L"
	[ "$GREP_BIG" = 1 ] && row "grep -c -E -f ($PAT_USED regexes)" grep "$BIG_B" "$BIG_L"
	row "loglens --json" ll_big "$BIG_B" "$BIG_L"
	echo "  loglens speed / wc -l = $r_wc (CPU time: $rc_wc)"
	echo "  loglens saw: $(summary "$W/big.json")"
	echo "  linearity: loglens time per byte on big.log / on head.log = $lin (CPU: $linc; 1.000 = linear;"
	echo "             median over $(wc -l <"$W/ll_big" | tr -d ' ') pairs of runs, head.log right before big.log)"
	echo "  prefilter: $NRULES10 rules / $NRULES rules on head.log = $r10 x the time (CPU: $r10c); loading the rule"
	echo "             files alone (empty input) takes $(calc "sprintf(\"%.3f\", $w_load10)") s: with that and the default start-up taken off, $r10l x"
	echo
	echo "where big.log's time goes — its lines split by shape, each part on its own (not a target)"
	hdr
	row "WinSCP records: wc -l" pw_wc "$PW_B" "$PW_L"
	row "WinSCP records: loglens --json" ll_pw "$PW_B" "$PW_L"
	row "the rest (lab transcripts): wc -l" po_wc "$PO_B" "$PO_L"
	row "the rest (lab transcripts): loglens --json" ll_po "$PO_B" "$PO_L"
	echo "  WinSCP records ($(calc "sprintf(\"%.0f\", 100 * $PW_B / $BIG_B)") % of the bytes): loglens speed / wc -l = $(ratio "$(med pw_wc 1)" "$(med ll_pw 1)" 3)," \
		"$(MB "$PW_J") MB of JSON"
	echo "  the rest ($(calc "sprintf(\"%.0f\", 100 * $PO_B / $BIG_B)") % of the bytes): loglens speed / wc -l = $(ratio "$(med po_wc 1)" "$(med ll_po 1)" 3)," \
		"$(MB "$PO_J") MB of JSON; its share of loglens's time: $(calc "sprintf(\"%.0f\", 100 * $(med ll_po 1) / ($(med ll_po 1) + $(med ll_pw 1)))") %"
	echo
	printf '%s small files, one invocation: loglens --json small/*: %.3f s, %s files/s, %s MB/s, CPU %.2f s, RSS %.1f MB\n' \
		"$SMALL_N" "$w_small" "$files_s" "$(mbs "$SMALL_B" "$w_small")" "$(cpu ll_small)" "$(calc "$(max ll_small 4) / 1024")"
	echo
	echo "start-up, empty input ($STARTUP_RUNS runs): loglens --json </dev/null: median $st_ms ms, 90th percentile $st_p90 ms," \
		"CPU $st_cpu ms; spawning /bin/true: $sp_ms ms"
	echo
	printf 'pipe: big.log cat'"'"'ed %s times (%.1f GB) into loglens --json: %.1f s, %s MB/s, RSS %.1f MB, status %s%s\n' \
		"$pipe_n" "$(calc "$pipe_n * $BIG_B / 1e9")" "$pipe_wall" "$(mbs "$(calc "$pipe_n * $BIG_B")" "$pipe_wall")" \
		"$(calc "$pipe_rss / 1024")" "$pipe_st" "$pipe_note"
	echo
	echo "sshd.log"
	hdr
	if [ -n "$F2B" ]; then
		row "fail2ban-regex sshd.log filter.d/sshd.conf" f2b "$SSHD_B" "$SSHD_L"
	fi
	row "loglens --json" ll_sshd "$SSHD_B" "$SSHD_L"
	echo "  loglens saw: $(summary "$W/sshd.json")"
	if [ -n "$F2B" ]; then
		w_f2b=$(med f2b 1)
		r_f2b=$(ratio "$w_f2b" "$w_sshd" 1)
		echo "  fail2ban-regex says: $(grep -m1 '^Lines:' "$W/f2b.stdout" || echo '?')"
		echo "  lines/s: fail2ban-regex $(calc "sprintf(\"%.0f\", $SSHD_L / $w_f2b)"), loglens $(calc "sprintf(\"%.0f\", $SSHD_L / $w_sshd)");" \
			"loglens / fail2ban-regex = $r_f2b (CPU time: $(ratio "$(cpu f2b)" "$(cpu ll_sshd)" 1))"
	else
		r_f2b=
		echo "  fail2ban-regex not available: not compared"
	fi
	echo
	echo "other ways to run loglens, beside --json on the same file (not a target)"
	hdr
	for f in head sshd; do
		case $f in head) fb=$HEAD_B fl=$HEAD_L ;; *) fb=$SSHD_B fl=$SSHD_L ;; esac
		row "$f.log: loglens --json" "ll_m_${f}_json" "$fb" "$fl"
		row "$f.log: loglens (text report)" "ll_m_${f}_text" "$fb" "$fl"
		row "$f.log: loglens --json --redact" "ll_m_${f}_jred" "$fb" "$fl"
		row "$f.log: loglens --redact (text)" "ll_m_${f}_tred" "$fb" "$fl"
		j=$(med "ll_m_${f}_json" 1)
		echo "  $f.log, time / --json: text $(ratio "$(med "ll_m_${f}_text" 1)" "$j" 2), --json --redact $(ratio "$(med "ll_m_${f}_jred" 1)" "$j" 2), --redact $(ratio "$(med "ll_m_${f}_tred" 1)" "$j" 2)"
	done
	echo
	echo "a client's log with the server's (correlation; past 2 MiB of sessions, every input is read twice; RSS counts in the target)"
	hdr
	CO_B=$(($(bytes "$CLIENT_ONE") + SSHD_B)) CO_L=$(($(lines "$CLIENT_ONE") + SSHD_L))
	CM_B=$(($(bytes "$CLIENT_MANY") + SSHD_B)) CM_L=$(($(lines "$CLIENT_MANY") + SSHD_L))
	row "$(basename "$CLIENT_ONE") + sshd.log" ll_c_one "$CO_B" "$CO_L"
	row "20 MB of big.log + sshd.log" ll_c_many "$CM_B" "$CM_L"
	echo
	echo "heap allocations (valgrind): $alloc_note"
	echo
	echo "targets (issue 5; verdicts from wall-clock medians)"
	printf '  %s loglens >= 1/3 of wc -l speed, big.log        : %s (CPU time: %s)\n' "$(verdict "$r_wc >= 1/3")" "$r_wc" "$rc_wc"
	printf '  %s loglens >= 4x grep -c -E -f speed, head.log   : %s (CPU time: %s)\n' "$(verdict "$r_grep >= 4")" "$r_grep" "$rc_grep"
	if [ -n "$r_f2b" ]; then
		printf '  %s sshd.log: loglens >= 100x fail2ban-regex      : %s\n' "$(verdict "$r_f2b >= 100")" "$r_f2b"
	else
		printf '  SKIPPED sshd.log: loglens >= 100x fail2ban-regex      : fail2ban-regex missing\n'
	fi
	printf '  %s peak RSS <= 16 MB, default rules, any input   : %.1f MB (pipe of %.1f GB: %.1f MB)%s\n' \
		"$(verdict "$rss_all <= 16384 && $pipe_ok")" "$(calc "$rss_all / 1024")" "$(calc "$pipe_n * $BIG_B / 1e9")" \
		"$(calc "$pipe_rss / 1024")" "$([ $pipe_ok = 1 ] || echo "; the pipe run ended with status $pipe_st")"
	printf '  %s start-up <= 5 ms (median, spawn included)     : %s ms\n' "$(verdict "$st_ms <= 5")" "$st_ms"
	printf '  %s small files >= 5 000 files/s                  : %s files/s\n' "$(verdict "$files_s >= 5000")" "$files_s"
	printf '  %s linear: time/byte big.log within 20%% of head : %s\n' "$(verdict "$lin <= 1.2")" "$lin"
	printf '  %s 10x extra rules cost <= 1.5x                  : %s\n' "$(verdict "$r10 <= 1.5")" "$r10"
	echo
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); the benchmark took $(($(date +%s) - T_START)) s"
} | tee "$W/results.txt"
cp "$W/results.txt" "$BENCH_DIR/results.txt"
