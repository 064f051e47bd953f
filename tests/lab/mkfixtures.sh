#!/usr/bin/env bash
# tests/lab/mkfixtures.sh — turn a lab run into committed golden fixtures.
#
# usage: tests/lab/mkfixtures.sh LABOUT [REPO]
#
# LABOUT is the OUTDIR of a tests/lab/lab.sh run (made with the default LAB_DIR
# /tmp/loglens-lab, so the paths inside the transcripts are stable). For every transcript
# named in tests/lab/scenarios (ssh -vvv only for the scenarios in VVV below) it copies
#     LABOUT/<scenario>.<client>.log -> REPO/testdata/<family>/lab-<scenario>.<client>.log
# byte for byte and writes the .expect beside it: format, session count, top finding id,
# outcome, and the target host / port / user where the transcript shows them.
# family: ssh-v ssh-vvv sftp-v -> openssh; plink-v psftp-v -> putty; sshd -> sshd.

set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: mkfixtures.sh LABOUT [REPO]" >&2; exit 2; }
LABOUT=$1
REPO=${2:-$(cd "$HERE/../.." && pwd)}
MANIFEST=$HERE/scenarios
VVV=" success key-refused passphrase-wrong hostkey-changed too-many-failures "

family() { case $1 in ssh-v|ssh-vvv|sftp-v) echo openssh ;; plink-v|psftp-v) echo putty ;; sshd) echo sshd ;; esac; }

# ids whose session never got a working session: outcome must be "failed"
outcome_failed() { case $1 in network.*|protocol.*|hostkey.*|keyfile.*|auth.*|account.*) return 0 ;; esac; return 1; }

fact() { sed -n "s/^$1=//p" "$2" 2>/dev/null; }

n=0
while read -r scen client id _rest; do
    case $scen in ''|'#'*) continue ;; esac
    [ "$client" = ssh-vvv ] && case $VVV in *" $scen "*) ;; *) continue ;; esac
    src=$LABOUT/$scen.$client.log
    [ -f "$src" ] || { echo "mkfixtures: no $src (skipped)" >&2; continue; }
    fam=$(family "$client")
    dst=$REPO/testdata/$fam/lab-$scen.$client
    cp "$src" "$dst.log"
    facts=$LABOUT/meta/$scen.$client.facts
    host=$(fact host "$facts"); port=$(fact port "$facts"); user=$(fact user "$facts")
    if [ "$client" = sshd ]; then
        how="sshd 9.2p1 -E log (LogLevel $(grep -q '^debug1:' "$src" && echo DEBUG1 || echo VERBOSE)) of the $(cat "$LABOUT/meta/$scen.sshd.client") attempt"
    else
        how="$(cat "$LABOUT/meta/$scen.$client.cmd")"
    fi
    {
        echo "# Real output, loglens live lab (tests/lab/lab.sh), scenario $scen, client $client:"
        echo "#   $how"
        echo "# OpenSSH_9.2p1 Debian-2+deb12u10 / PuTTY 0.78 on Debian 12; bytes untouched."
        if [ "$id" = none ]; then
            echo "exit = 0"
        else
            echo "exit = 1"
        fi
        echo "inputs[0].format = $fam"
        [ "$client" != sshd ] && echo "sessions# = 1"
        if [ "$id" = none ]; then
            echo "sessions[0].outcome = success"
            echo "sessions[*].findings[*].severity != error"
        else
            echo "sessions[0].findings[0].id = $id"
            outcome_failed "$id" && echo "sessions[0].outcome = failed"
        fi
        if [ "$client" = sshd ]; then
            grep -qE "(for|user|User) (invalid user )?$user( |$)" "$src" && echo "sessions[0].target.user = $user"
        else
            [ -n "$host" ] && grep -qF "$host" "$src" && echo "sessions[0].target.host = $host"
            [ -n "$port" ] && grep -qE "(port |:)$port([^0-9]|$)" "$src" && echo "sessions[0].target.port = $port"
            [ -n "$user" ] && grep -qE "('$user'|\"$user\"|$user@)" "$src" && echo "sessions[0].target.user = $user"
        fi
    } > "$dst.expect"
    n=$((n + 1))
done < "$MANIFEST"
echo "mkfixtures: wrote $n fixtures" >&2
