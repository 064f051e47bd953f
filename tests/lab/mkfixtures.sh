#!/usr/bin/env bash
# tests/lab/mkfixtures.sh — turn lab runs into committed golden fixtures.
#
# usage: tests/lab/mkfixtures.sh LABOUT [LABOUT...]
#
# Each LABOUT is the OUTDIR of a tests/lab/lab.sh run made with the default LAB_DIR
# (/tmp/loglens-lab, so the paths inside the transcripts are stable); a file is taken from
# the first LABOUT that has it. Typically: one normal run, then one LAB_SYSLOG=1 run for the
# syslog forms of the server logs. For every transcript named in tests/lab/scenarios
# (ssh -vvv only for the scenarios in VVV below; for a "sshd" line also the
# <scenario>.sshd-syslog.log and <scenario>.sshd-rfc3339.log forms) it copies
#     <scenario>.<client>.log -> testdata/<family>/lab-<scenario>.<client>.log
# byte for byte and writes the .expect beside it: format, session count, top finding id,
# outcome, and the target host / port / user where the transcript shows them.
# family: ssh sftp ssh-v ssh-vvv sftp-v -> openssh; plink psftp plink-v psftp-v -> putty; sshd* -> sshd.

set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: mkfixtures.sh LABOUT [LABOUT...]" >&2; exit 2; }
DIRS=("$@")
REPO=$(cd "$HERE/../.." && pwd)
MANIFEST=$HERE/scenarios
VVV=" success key-refused passphrase-wrong hostkey-changed too-many-failures "

family() { case $1 in ssh|sftp|ssh-v|ssh-vvv|sftp-v) echo openssh ;; plink|psftp|plink-v|psftp-v) echo putty ;; sshd*) echo sshd ;; esac; }

find_in() { # FILE-NAME -> the directory of DIRS that has it
    local d
    for d in "${DIRS[@]}"; do [ -f "$d/$1" ] && { echo "$d"; return 0; }; done
    return 1
}

# ids whose session never got a working session: outcome must be "failed"
# (account.password-expired is reported after authentication: left to loglens)
outcome_failed() {
    case $1 in account.password-expired) return 1 ;; network.*|protocol.*|hostkey.*|keyfile.*|auth.*|account.*) return 0 ;; esac
    return 1
}

fact() { sed -n "s/^$1=//p" "$2" 2>/dev/null; }

# "a|b" (the real programs race, either transcript is printed): the one this transcript gives,
# which must be one of them
one_of() { # LOG IDS
    local top
    top=$("$REPO/loglens" --json "$1" 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin); print(next((s["findings"][0]["id"] for s in d["sessions"] if s["findings"]), "none"))')
    case "|$2|" in *"|$top|"*) echo "$top" ;; *) echo "mkfixtures: $1 gives $top, not one of $2" >&2; return 1 ;; esac
}

fixture() { # SCENARIO CLIENT ID
    local scen=$1 client=$2 id=$3 dir src fam dst facts host port user how lvl
    dir=$(find_in "$scen.$client.log") || { echo "mkfixtures: no $scen.$client.log (skipped)" >&2; return; }
    src=$dir/$scen.$client.log
    case $id in *'|'*) id=$(one_of "$src" "$id") || return ;; esac
    fam=$(family "$client")
    dst=$REPO/testdata/$fam/lab-$scen.$client
    cp "$src" "$dst.log"
    facts=$dir/meta/$scen.$client.facts
    host=$(fact host "$facts"); port=$(fact port "$facts"); user=$(fact user "$facts")
    lvl=VERBOSE; grep -q 'debug1: ' "$src" && lvl=DEBUG1
    case $scen.$client in
        sshd-bad-config.sshd) how="what \`sshd -t -f …/sshd_config\` printed when the lab started the scenario's server (sshd 9.2p1)" ;;
        *.sshd) how="sshd 9.2p1 -E file (LogLevel $lvl), server side of the $(cat "$dir/meta/$scen.$client.client") attempt" ;;
        *.sshd-syslog) how="sshd 9.2p1 syslog datagrams (LogLevel $lvl, server side of the $(cat "$dir/meta/$scen.$client.client") attempt) received on a /dev/log socket and written as rsyslog's RSYSLOG_TraditionalFileFormat does (host name loglens-lab inserted)" ;;
        *.sshd-rfc3339) how="sshd 9.2p1 syslog datagrams (LogLevel $lvl, server side of the $(cat "$dir/meta/$scen.$client.client") attempt) received on a /dev/log socket and written as rsyslog's RSYSLOG_FileFormat (Debian 12 default) does: reception time, host name loglens-lab" ;;
        *) how="$(cat "$dir/meta/$scen.$client.cmd")" ;;
    esac
    {
        echo "# Real output, loglens live lab (tests/lab/lab.sh), scenario $scen, $client:"
        echo "#   $how"
        echo "# Set-up: $(fact setup "$facts")"
        case $fam in
            openssh) echo "# OpenSSH_9.2p1 Debian-2+deb12u10 client on Debian 12; bytes untouched." ;;
            putty)   echo "# PuTTY 0.78 (Debian 0.78-2+deb12u2) on Debian 12; bytes untouched." ;;
            sshd)    echo "# OpenSSH 9.2p1 Debian-2+deb12u10 sshd on Debian 12; message bytes untouched." ;;
        esac
        # A client killed by the lab's timeout (exit 124) left a log that just stops: its
        # outcome and loglens's exit status are not asserted.
        killed=0; [ "$(cat "$dir/meta/$scen.$client.rc" 2>/dev/null)" = 124 ] && killed=1
        [ $killed = 1 ] && echo "# the client was killed by the lab's timeout: the log just stops"
        # the manifest says the login worked after all (a warning: accept-new could not save the key)
        ok=0; case " $rest " in *" sessions[0].outcome=success "*) ok=1 ;; esac
        if [ "$id" = none ] || [ $ok = 1 ]; then echo "exit = 0"
        elif [ $killed = 0 ] && outcome_failed "$id"; then echo "exit = 1"; fi
        case $client in
            sshd-syslog|sshd-rfc3339) echo "inputs[0].format ~ sshd" ;;
            *) case " $rest " in
                   *" inputs[0].format="*) fmt=${rest#*"inputs[0].format="}; echo "inputs[0].format = ${fmt%% *}" ;;
                   *) echo "inputs[0].format = $fam" ;;
               esac ;;
        esac
        case $client in sshd*) ;; *) echo "sessions# = 1" ;; esac
        if [ "$id" = none ]; then
            echo "sessions[0].outcome = success"
            echo "sessions[*].findings[*].severity != error"
        else
            echo "sessions[0].findings[0].id = $id"
            if [ $ok = 1 ]; then echo "sessions[0].outcome = success"
            elif [ $killed = 0 ] && outcome_failed "$id"; then echo "sessions[0].outcome = failed"; fi
        fi
        case $client in
            sshd*)
                grep -qE "(for|user|User) (invalid user )?$user( |$)" "$src" && echo "sessions[0].target.user = $user" ;;
            *)
                [ -n "$host" ] && grep -qF "$host" "$src" && echo "sessions[0].target.host = $host"
                [ -n "$port" ] && grep -qE "(port |:)$port([^0-9]|$)" "$src" && echo "sessions[0].target.port = $port"
                [ -n "$user" ] && grep -qE "('$user'|\"$user\"|$user@)" "$src" && echo "sessions[0].target.user = $user" ;;
        esac
    } > "$dst.expect"
    n=$((n + 1))
}

n=0
while read -r scen client id _rest; do
    case $scen in ''|'#'*) continue ;; esac
    [ "$client" = ssh-vvv ] && case $VVV in *" $scen "*) ;; *) continue ;; esac
    rest=$_rest
    fixture "$scen" "$client" "$id"
    if [ "$client" = sshd ]; then
        fixture "$scen" sshd-syslog "$id"
        fixture "$scen" sshd-rfc3339 "$id"
    fi
done < "$MANIFEST"
echo "mkfixtures: wrote $n fixtures" >&2
