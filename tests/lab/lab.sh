#!/usr/bin/env bash
# tests/lab/lab.sh — build a hermetic SSH lab on loopback and record real transcripts.
#
# usage: tests/lab/lab.sh OUTDIR [SCENARIO...]
# exit: 0 done (see OUTDIR), 77 this machine cannot run the lab (not root, a tool missing),
#       2 anything else went wrong.
#
# For every "scenario client expected-id" line of tests/lab/scenarios (only the named
# scenarios if any are given) this runs the real client against a real sshd (or a small
# non-SSH listener, or nothing) and writes
#     OUTDIR/<scenario>.<client>.log   the client's stdout+stderr, bytes untouched
#     OUTDIR/<scenario>.sshd.log       sshd's log lines of the scenario's first client run
#     OUTDIR/<scenario>.<client>.skip  instead of the .log, when this machine cannot run it
#     OUTDIR/meta/<scenario>.<client>.{cmd,rc}   the command line and its exit status
#
# Needs: root, bash, openssh-server, openssh-client (ssh, sftp, ssh-keygen), putty-tools
# (plink, psftp, puttygen), python3 (the non-SSH listeners), util-linux (setsid, setpriv, prlimit,
# unshare, flock), iproute2 (ip, ss), iptables (net-timeout, net-stopped, kex-stalled), passwd (useradd, chpasswd).
#
# Environment:
#   LAB_DIR        lab directory (default /tmp/loglens-lab; paths show up in transcripts)
#   LAB_PORT_BASE  first TCP port on 127.0.0.1 (default 47300; moved up by 100 if taken)
#   LAB_JOBS       scenarios run in parallel (default 4)
#   LAB_KEEP=1     leave LAB_DIR in place after the run (servers are always stopped)
#   LAB_SYSLOG=1   sshd logs through syslog instead of -E: each sshd runs in a private mount
#                  namespace whose /dev/log is a socket of tests/lab/syslogsink.py, and the
#                  server side of a scenario is written as <scenario>.sshd-syslog.log
#                  (rsyslog's traditional format) and <scenario>.sshd-rfc3339.log (Debian 12's
#                  default) instead of <scenario>.sshd.log
#
# Everything listens on 127.0.0.1 only; DNS and timeout cases run inside private network
# namespaces (unshare -n). Test users are named llt* (see LAB_USERS; they stay between runs,
# `lab.sh --remove-users` deletes them and their homes); the sshd instances only admit llt*.
# Clients run as the unprivileged lab user lltclient with per-run known_hosts / PuTTY dirs.

set -u -o pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MANIFEST=${LAB_MANIFEST:-$HERE/scenarios}
LAB=${LAB_DIR:-/tmp/loglens-lab}
PORT_BASE=${LAB_PORT_BASE:-47300}
JOBS=${LAB_JOBS:-4}
SYSLOG=${LAB_SYSLOG:-0}
SYSLOG_HOST=loglens-lab

CLIENT=lltclient
CH=/home/$CLIENT                 # the client user's home (its ~/.ssh holds the keys)
PASSWORD='Lab-pass-2024'         # every lab user's real password
WRONG_PASSWORD='Wrong-pass-2024'
PASSPHRASE='lab key passphrase'  # passphrase of id_enc / id_enc.ppk
WRONG_PASSPHRASE='not the passphrase'
SSHD=/usr/sbin/sshd
PY=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 || true)

die() { echo "lab.sh: $*" >&2; exit 2; }
cannot() { echo "lab.sh: $*" >&2; exit 77; }   # this machine cannot run the lab
note() { echo "lab.sh: $*" >&2; }

LAB_USERS="lltclient lltuser lltperm lltakperm lltdeny lltnologin lltnohome lltchroot lltbashrc lltexpired lltlocked lltwait"

[ $# -ge 1 ] || die "usage: lab.sh OUTDIR [SCENARIO...] | lab.sh --remove-users"
if [ "$1" = --remove-users ]; then
    [ "$(id -u)" = 0 ] || cannot "must run as root"
    exec 9>/run/loglens-lab.lock; flock -w 900 9 || die "a lab run holds /run/loglens-lab.lock"
    for u in $LAB_USERS; do
        id -u "$u" >/dev/null 2>&1 && { userdel "$u" || die "userdel $u"; }
        getent group "$u" >/dev/null && groupdel "$u" 2>/dev/null
        rm -rf "/home/$u"
    done
    exit 0
fi
OUT=$1; shift
ONLY=" $* "

[ "$(id -u)" = 0 ] || cannot "must run as root (creates users, starts sshd)"
for c in ssh sftp ssh-keygen plink psftp puttygen setsid setpriv unshare flock ss ip \
         useradd usermod chpasswd chage timeout; do
    command -v "$c" >/dev/null 2>&1 || cannot "missing command: $c"
done
[ -x "$SSHD" ] || cannot "missing $SSHD (openssh-server)"
[ -n "$PY" ] || cannot "missing python3 (needed for the non-SSH listeners)"
[ -r "$MANIFEST" ] || die "no manifest $MANIFEST"
case $LAB in /*) ;; *) die "LAB_DIR must be absolute" ;; esac

mkdir -p "$OUT/meta" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

# One lab at a time on a machine: users and their homes are shared.
exec 9>/run/loglens-lab.lock
flock -w 900 9 || die "another lab run holds /run/loglens-lab.lock"

# ---------------------------------------------------------------------------------------
# Scenario table: name and port offset (stable, so transcripts keep their ports).
SCENARIOS=(
    success success-password password-wrong key-refused server-perms-dir server-perms-file
    keyfile-perms passphrase-wrong hostkey-changed hostkey-unverified refused dns not-ssh
    banner-timeout closed-early deny-users no-common-alg legacy-hostkey pubkey-disabled
    too-many-failures nologin no-sftp home-missing chroot ppk-to-ssh openssh-to-plink
    pub-as-private unknown-user bashrc net-timeout net-unreachable maxstartups reset-early
    sha1-refused password-expired account-locked pub-as-private-600 chroot-info
    proxy-ok proxy-dead proxy-auth proxy-bad-gateway proxy-closed proxy-ssh-hostkey proxy-ssh-auth
    proxy-ssh-ok proxy-ssh-target-hostkey hostkey-declined bad-host bad-user
    password-missing password-prompt-eof sftp-only second-factor second-factor-wrong
    second-factor-ok overlap sshd-bad-config upload-not-owner rsa-short-client rsa-short-server
    rsa-short-hostkey max-sessions-0 sftp-server-missing cmdline-putty-pw cmdline-ssh-option-to-putty askpass-missing
    askpass-missing-hostkey cert-expired cert-principal no-common-cipher no-common-mac hostkey-perms
    sshd-no-address disk-full http-server passphrase-batch known-hosts-readonly
    jump-hostkey jump-denied jump-loop kex-mismatch net-stopped banner-stopped kex-stalled
    fork-limit bashrc-wait
)
declare -A PORT
i=0
for s in "${SCENARIOS[@]}"; do PORT[$s]=$i; i=$((i + 1)); done
NPORTS=$i

# Manifest: which clients each scenario needs, in order.
declare -A CLIENTS
ORDER=()
while read -r scen client _id _rest; do
    case $scen in ''|'#'*) continue ;; esac
    [ -n "${PORT[$scen]+x}" ] || die "manifest: unknown scenario '$scen'"
    [ "$ONLY" = "  " ] || case $ONLY in *" $scen "*) ;; *) continue ;; esac
    [ "$client" = sshd ] && continue
    case $client in ssh|sftp|ssh-v|ssh-vvv|sftp-v|plink|psftp|plink-v|psftp-v) ;; *) die "manifest: bad client '$client'" ;; esac
    if [ -z "${CLIENTS[$scen]+x}" ]; then ORDER+=("$scen"); CLIENTS[$scen]=""; fi
    CLIENTS[$scen]="${CLIENTS[$scen]} $client"
done < "$MANIFEST"
[ ${#ORDER[@]} -gt 0 ] || die "no scenario selected"

# ---------------------------------------------------------------------------------------
# Cleanup: stop every process we started, by PID.
PIDS=(); JOBPIDS=()
cleanup() {
    local p
    for p in "${JOBPIDS[@]}" "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ "${LAB_KEEP:-0}" = 1 ] || { [ -f "$LAB/.loglens-lab" ] && rm -rf "$LAB"; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------------------------------
# Ports: a block of NPORTS free ports on 127.0.0.1.
port_busy() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
for try in 0 1 2 3 4 5 6 7 8 9; do
    base=$((PORT_BASE + try * 100)); ok=1
    for ((p = base; p < base + NPORTS; p++)); do port_busy "$p" && { ok=0; break; }; done
    [ $ok = 1 ] && break
done
[ $ok = 1 ] || die "no free block of $NPORTS ports from $PORT_BASE"
for s in "${SCENARIOS[@]}"; do PORT[$s]=$((base + PORT[$s])); done

# Private network namespaces (dns, net-timeout, net-stopped, net-unreachable, kex-stalled): can this machine do them?
NS_ERR=""; NS_DROP_ERR=""
unshare -m -n true 2>/dev/null || NS_ERR="unshare -m -n is not permitted here"
if [ -z "$NS_ERR" ]; then
    unshare -n sh -c 'iptables -I INPUT -p tcp --dport 9 -j DROP' >/dev/null 2>&1 ||
        NS_DROP_ERR="iptables does not work inside a private network namespace"
fi

# ---------------------------------------------------------------------------------------
# Lab directory.
if [ -e "$LAB" ]; then
    [ -f "$LAB/.loglens-lab" ] || die "$LAB exists and is not a lab directory; refusing to touch it"
    rm -rf "$LAB"
fi
mkdir -p "$LAB" && touch "$LAB/.loglens-lab" || die "cannot create $LAB"
mkdir -p "$LAB"/{hostkeys,hostkeys-new,sshd,run,putty} /run/sshd
chmod 755 "$LAB"

for t in ed25519 ecdsa rsa; do
    ssh-keygen -q -t $t -N '' -C "loglens-lab-host" -f "$LAB/hostkeys/ssh_host_${t}_key" || die "ssh-keygen"
    ssh-keygen -q -t $t -N '' -C "loglens-lab-host-new" -f "$LAB/hostkeys-new/ssh_host_${t}_key" || die "ssh-keygen"
done
# hostkey-perms: the same keys, the ed25519 one readable by everyone (sshd skips it, serves the rest)
mkdir -p "$LAB/hostkeys-open"
cp -p "$LAB"/hostkeys/ssh_host_* "$LAB/hostkeys-open/"
chmod 644 "$LAB/hostkeys-open/ssh_host_ed25519_key"

# ---------------------------------------------------------------------------------------
# Users. Homes under /home, reset on every run. Only names starting with llt are touched.
ensure_user() { # NAME SHELL HOME
    local name=$1 shell=$2 home=$3
    case $name in llt*) ;; *) die "refusing to manage user $name" ;; esac
    if id -u "$name" >/dev/null 2>&1; then
        usermod -d "$home" -s "$shell" "$name" >/dev/null 2>&1; [ "$(getent passwd "$name" | cut -d: -f6,7)" = "$home:$shell" ] || die "usermod $name"
    else
        useradd -M -U -d "$home" -s "$shell" -c "loglens lab" "$name" || die "useradd $name"
    fi
    echo "$name:$PASSWORD" | chpasswd || die "chpasswd $name"
    rm -rf "/home/$name"
}
make_home() { # NAME [with-keys]
    local name=$1 h=/home/$1
    mkdir -p "$h/.ssh"
    if [ "${2:-}" = keys ]; then
        cat "$CH/.ssh/id_ed25519.pub" "$CH/.ssh/id_enc.pub" "$CH/.ssh/id_rsa_legacy.pub" > "$h/.ssh/authorized_keys"
    fi
    chown -R "$name:$name" "$h"
    chmod 755 "$h"; chmod 700 "$h/.ssh"
    [ -f "$h/.ssh/authorized_keys" ] && chmod 600 "$h/.ssh/authorized_keys"
    return 0
}

ensure_user $CLIENT /bin/bash $CH
mkdir -p "$CH/.ssh"
# puttygen keeps a random seed in $PUTTYDIR: keep it in the lab, not in root's ~/.putty
mkdir -p "$LAB/putty/.putty"
export HOME=$LAB/putty PUTTYDIR=$LAB/putty/.putty
(
    cd "$CH/.ssh" || exit 1
    ssh-keygen -q -t ed25519 -N '' -C "$CLIENT@lab" -f id_ed25519
    ssh-keygen -q -t ed25519 -N '' -C "other@lab" -f id_other
    ssh-keygen -q -t ed25519 -N '' -C "other2@lab" -f id_other2
    ssh-keygen -q -t ed25519 -N '' -C "other3@lab" -f id_other3
    ssh-keygen -q -t ed25519 -N "$PASSPHRASE" -C "enc@lab" -f id_enc
    ssh-keygen -q -t rsa -b 3072 -N '' -C "legacy-rsa@lab" -f id_rsa_legacy
    # user certificates (cert-*): a CA the cert scenarios' sshd trusts, one certificate that has
    # expired, one issued for another principal
    ssh-keygen -q -t ed25519 -N '' -C "lab-user-ca" -f "$LAB/user_ca"
    ssh-keygen -q -t ed25519 -N '' -C "cert-old@lab" -f id_cert_old
    ssh-keygen -q -s "$LAB/user_ca" -I lab-cert-old -n lltuser -V 20240101:20240102 id_cert_old.pub
    ssh-keygen -q -t ed25519 -N '' -C "cert-other@lab" -f id_cert_other
    ssh-keygen -q -s "$LAB/user_ca" -I lab-cert-other -n lltsomeone -V -1h:+1d id_cert_other.pub
    cp id_ed25519 id_open; cp id_ed25519.pub id_open.pub
    cp id_ed25519.pub id_tight.pub
    printf '%s\n' "$PASSPHRASE" > "$LAB/passphrase"
    puttygen id_ed25519 -O private -o id_ed25519.ppk
    puttygen id_other -O private -o id_other.ppk
    puttygen id_enc -O private -o id_enc.ppk \
        --old-passphrase "$LAB/passphrase" --new-passphrase "$LAB/passphrase"
) || die "client keys"
rm -f "$LAB/passphrase"
chown -R $CLIENT:$CLIENT "$CH"
chmod 755 "$CH"; chmod 700 "$CH/.ssh"; chmod 600 "$CH"/.ssh/id_*; chmod 644 "$CH"/.ssh/*.pub
chmod 644 "$CH/.ssh/id_open"      # keyfile-perms: private key readable by everyone
chmod 600 "$CH/.ssh/id_tight.pub" # pub-as-private-600: a public key with a private key's mode

ensure_user lltuser    /bin/bash         /home/lltuser;    make_home lltuser keys
ensure_user lltperm    /bin/bash         /home/lltperm;    make_home lltperm keys
chmod 777 /home/lltperm/.ssh                               # server-perms-dir
ensure_user lltakperm  /bin/bash         /home/lltakperm;  make_home lltakperm keys
chmod 666 /home/lltakperm/.ssh/authorized_keys             # server-perms-file
ensure_user lltdeny    /bin/bash         /home/lltdeny;    make_home lltdeny keys
ensure_user lltnologin /usr/sbin/nologin /home/lltnologin; make_home lltnologin keys
ensure_user lltnohome  /bin/bash         /home/lltnohome   # home directory never created
ensure_user lltchroot  /bin/bash         /home/lltchroot;  make_home lltchroot keys
ensure_user lltbashrc  /bin/bash         /home/lltbashrc;  make_home lltbashrc keys
printf 'echo "Welcome to the lab server, $USER!"\n' > /home/lltbashrc/.bashrc
chown lltbashrc:lltbashrc /home/lltbashrc/.bashrc
ensure_user lltwait    /bin/bash         /home/lltwait;    make_home lltwait keys
printf 'sleep 30\n' > /home/lltwait/.bashrc   # a login script that holds every shell up
chown lltwait:lltwait /home/lltwait/.bashrc
ensure_user lltexpired /bin/bash         /home/lltexpired; make_home lltexpired keys
chage -d 0 lltexpired || die "chage lltexpired"              # password-expired
ensure_user lltlocked  /bin/bash         /home/lltlocked;  make_home lltlocked keys
usermod -L lltlocked || die "usermod -L lltlocked"           # account-locked
id -u lltnosuch >/dev/null 2>&1 && die "user lltnosuch must not exist (unknown-user scenario)"

# Client-side helpers.
cat > "$LAB/askpass" <<'EOF'
#!/bin/sh
# SSH_ASKPASS helper: answers every prompt with $LLT_ASKPASS_REPLY.
printf '%s\n' "$LLT_ASKPASS_REPLY"
EOF
chmod 755 "$LAB/askpass"
printf '%s\n' "$PASSWORD" > "$LAB/password-right"
printf '%s\n' "$WRONG_PASSWORD" > "$LAB/password-wrong"
printf 'pwd\n' > "$LAB/sftp-batch"
# upload-not-owner: a file anyone may write but root owns (only root may set its time or mode)
install -d -m 755 "$LAB/upload" && printf 'old\n' > "$LAB/upload/shared.txt" &&
    chmod 666 "$LAB/upload/shared.txt" && printf 'new\n' > "$LAB/upload.txt" &&
    chmod 644 "$LAB/upload.txt" || die "cannot create $LAB/upload"
printf 'put -p %s %s\n' "$LAB/upload.txt" "$LAB/upload/shared.txt" > "$LAB/sftp-batch-put-p"
# disk-full: a 64 KiB file system (mounted in that sshd's own mount namespace) and 256 KiB to put
install -d -m 1777 "$LAB/full" && head -c 262144 /dev/zero > "$LAB/big.bin" && chmod 644 "$LAB/big.bin" ||
    die "cannot create $LAB/full"
printf 'put %s %s\n' "$LAB/big.bin" "$LAB/full/big.bin" > "$LAB/sftp-batch-full"
cat > "$LAB/ssh_config" <<EOF
# loglens lab client configuration (the lab never reads ~/.ssh/config or /etc/ssh/ssh_config)
Host *
    GlobalKnownHostsFile /dev/null
    HashKnownHosts no
EOF
cp "$HERE/fakesrv.py" "$HERE/syslogsink.py" "$LAB/"
setpriv --reuid=$CLIENT --regid=$CLIENT --init-groups test -r "$LAB/ssh_config" ||
    die "user $CLIENT cannot read $LAB/ssh_config (is a parent of LAB_DIR private?)"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' > "$LAB/nsswitch.conf"
chown $CLIENT:$CLIENT "$LAB/password-right" "$LAB/password-wrong"
chmod 600 "$LAB/password-right" "$LAB/password-wrong"

# Known host entries, as the clients would have stored them on an earlier visit.
HOSTPUB=$(cut -d' ' -f1-2 "$LAB/hostkeys/ssh_host_ed25519_key.pub")
# jump-denied: the jump host's ssh (-J), which gets -F but no -o, finds its key here
printf '[127.0.0.1]:%s %s\n' "${PORT[jump-denied]}" "$HOSTPUB" > "$LAB/jump_known_hosts"
cat >> "$LAB/ssh_config" <<EOF
Host lab-jump
    HostName 127.0.0.1
    UserKnownHostsFile $LAB/jump_known_hosts
    BatchMode yes
EOF
read -r PX PY_ < <(puttygen "$LAB/hostkeys/ssh_host_ed25519_key.pub" -O text 2>/dev/null |
    sed -n 's/^public_affine_x=//p; s/^public_affine_y=//p' | tr '\n' ' ')
[ -n "$PX" ] && [ -n "$PY_" ] || die "puttygen could not dump the host key"
PUTTY_HOSTKEY="$PX,$PY_"

# ---------------------------------------------------------------------------------------
# Servers.
sshd_config() { # SCENARIO -> prints the config
    local s=$1 p=${PORT[$1]} keys=$LAB/hostkeys level=VERBOSE subsystem="Subsystem sftp /usr/lib/openssh/sftp-server"
    local listen=127.0.0.1
    local extra="" match=""
    case $s in
        hostkey-changed)   keys=$LAB/hostkeys-new ;;
        passphrase-wrong|passphrase-batch) extra="PasswordAuthentication no" ;;
        deny-users)        extra="DenyUsers lltdeny" ;;
        no-common-alg)     extra=$'KexAlgorithms diffie-hellman-group14-sha1\nHostKeyAlgorithms ssh-rsa\nCiphers aes128-ctr\nMACs umac-128-etm@openssh.com' ;;
        legacy-hostkey)    extra="HostKeyAlgorithms ssh-rsa" ;;
        pubkey-disabled)   extra="PubkeyAuthentication no" ;;
        too-many-failures) extra="MaxAuthTries 2"; level=DEBUG1 ;;
        no-sftp)           subsystem="" ;;
        sftp-server-missing) subsystem="Subsystem sftp /usr/libexec/openssh/sftp-server" ;;
        chroot)            match=$'Match User lltchroot\n    ChrootDirectory %h\n    ForceCommand internal-sftp' ;;
        chroot-info)       match=$'Match User lltchroot\n    ChrootDirectory %h\n    ForceCommand internal-sftp'; level=INFO ;;
        overlap)           level=INFO ;;
        maxstartups)       extra="MaxStartups 1" ;;
        sftp-only)         extra="ForceCommand internal-sftp" ;;
        second-factor*)    extra="AuthenticationMethods publickey,password" ;;
        rsa-short-server)  extra="RequiredRSASize 4096" ;;
        max-sessions-0)    extra="MaxSessions 0" ;;
        cert-*)            extra="TrustedUserCAKeys $LAB/user_ca.pub" ;;
        no-common-cipher)  extra="Ciphers aes128-ctr" ;;
        no-common-mac)     extra=$'Ciphers aes128-ctr\nMACs hmac-sha2-512' ;;
        hostkey-perms)     keys=$LAB/hostkeys-open ;;
        disk-full)         subsystem="Subsystem sftp /usr/lib/openssh/sftp-server -l VERBOSE" ;;
        sshd-no-address)   listen=192.0.2.1 ;; # TEST-NET-1: not this host's
    esac
    cat <<EOF
# loglens lab sshd: scenario $s
# (sshd keeps the first value of a keyword: scenario settings come first)
$extra
Port $p
ListenAddress $listen
HostKey $keys/ssh_host_ed25519_key
HostKey $keys/ssh_host_ecdsa_key
HostKey $keys/ssh_host_rsa_key
PidFile $LAB/sshd/$s.pid
LogLevel $level
SyslogFacility AUTH
StrictModes yes
UsePAM no
PermitRootLogin no
AllowUsers llt*
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
X11Forwarding no
PrintMotd no
AcceptEnv LANG LC_*
$subsystem
$match
EOF
}

server_kind() { # SCENARIO -> sshd|sshd-ns|ftp|silent|close|reset|kex-mismatch|none
    case $1 in
        refused|dns|net-timeout|net-unreachable|net-stopped) echo none ;;
        not-ssh) echo ftp ;;
        banner-timeout|banner-stopped) echo silent ;;
        closed-early) echo close ;;
        reset-early) echo reset ;;
        proxy-ok|proxy-bad-gateway) echo http-proxy ;;
        proxy-auth) echo http-proxy-auth ;;
        proxy-dead|proxy-ssh-hostkey|proxy-ssh-auth|bad-host|bad-user) echo none ;;
        cmdline-putty-pw|cmdline-ssh-option-to-putty) echo none ;;
        proxy-closed) echo close ;;
        sshd-bad-config) echo sshd-broken ;;
        sshd-no-address) echo sshd-fails ;;
        http-server) echo http ;;
        kex-mismatch) echo kex-mismatch ;;
        kex-stalled) echo sshd-ns ;;
        *) echo sshd ;;
    esac
}

wait_listen() { # PORT PID
    local n
    for n in $(seq 100); do
        port_busy "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# LAB_SYSLOG=1: one syslog sink for all sshd instances, one socket per scenario.
MKDEV='mount -t tmpfs -o mode=755 labdev /dev && mknod -m 666 /dev/null c 1 3 &&
    mknod -m 666 /dev/zero c 1 5 && mknod -m 666 /dev/random c 1 8 &&
    mknod -m 666 /dev/urandom c 1 9 && mknod -m 666 /dev/tty c 5 0 && ln -s "$0" /dev/log'
if [ "$SYSLOG" = 1 ]; then
    unshare -m sh -c "$MKDEV" /nonexistent || cannot "LAB_SYSLOG=1 needs unshare -m, tmpfs and mknod"
    pairs=()
    for s in "${ORDER[@]}"; do
        [ "$(server_kind "$s")" = sshd ] || continue
        : > "$LAB/sshd/$s.raw"
        pairs+=("$LAB/sshd/$s.sock=$LAB/sshd/$s.raw")
    done
    if [ ${#pairs[@]} -gt 0 ]; then
        "$PY" "$LAB/syslogsink.py" "${pairs[@]}" </dev/null >"$LAB/sshd/syslogsink.err" 2>&1 &
        PIDS+=($!)
        for n in $(seq 50); do [ -S "${pairs[-1]%%=*}" ] && break; sleep 0.1; done
        [ -S "${pairs[-1]%%=*}" ] || die "syslog sink did not start: $(cat "$LAB/sshd/syslogsink.err")"
    fi
fi

declare -A SERVER_ERR
for s in "${ORDER[@]}"; do
    kind=$(server_kind "$s"); p=${PORT[$s]}
    case $kind in
        sshd)
            conf=$LAB/sshd/$s.conf
            sshd_config "$s" > "$conf"
            if ! err=$("$SSHD" -t -f "$conf" 2>&1); then SERVER_ERR[$s]="sshd -t: $err"; continue; fi
            mnt=true wrap=()
            # the logged-in user's processes may not fork (root's, sshd's own, are exempt)
            if [ $s = fork-limit ]; then
                wrap=(prlimit --nproc=1:1 --)
                # root is exempt only in the first user namespace: elsewhere sshd itself could not fork
                "${wrap[@]}" sh -c 'true & wait' 2>/dev/null ||
                    { SERVER_ERR[$s]="root is held to the process limit here (a user namespace)"; continue; }
            fi
            if [ $s = disk-full ]; then
                mnt="mount -t tmpfs -o size=64k,mode=1777 lltfull $LAB/full"
                unshare -m sh -c "$mnt" 2>/dev/null ||
                    { SERVER_ERR[$s]="cannot mount a small tmpfs in a mount namespace (unshare -m)"; continue; }
            fi
            if [ "$SYSLOG" = 1 ]; then
                unshare -m sh -c "$MKDEV && $mnt && exec \"\$@\"" "$LAB/sshd/$s.sock" \
                    "${wrap[@]}" "$SSHD" -D -f "$conf" </dev/null >"$LAB/sshd/$s.err" 2>&1 &
            else
                : > "$LAB/sshd/$s.log"
                unshare -m sh -c "$mnt && exec \"\$@\"" lab-sshd \
                    "${wrap[@]}" "$SSHD" -D -f "$conf" -E "$LAB/sshd/$s.log" </dev/null >/dev/null 2>&1 &
            fi
            PIDS+=($!)
            ;;
        sshd-broken)
            # sshd_config with a misspelt keyword: what systemd's ExecStartPre (sshd -t) prints
            # is the server's log; nothing listens, so the clients are refused.
            mkdir -p "$LAB/sshd/$s"
            conf=$LAB/sshd/$s/sshd_config
            { sshd_config "$s"; echo "PermitRootLogn no"; } > "$conf"
            if "$SSHD" -t -f "$conf" > "$LAB/sshd/$s.start.log" 2>&1; then
                SERVER_ERR[$s]="sshd -t accepted a misspelt keyword"
            fi
            continue
            ;;
        sshd-ns)
            # sshd runs in the client's network namespace (ns_script starts it there)
            conf=$LAB/sshd/$s.conf
            sshd_config "$s" > "$conf"
            if ! err=$("$SSHD" -t -f "$conf" 2>&1); then SERVER_ERR[$s]="sshd -t: $err"; fi
            continue
            ;;
        sshd-fails)
            # sshd starts and exits (it cannot listen): its own log is the server's log
            conf=$LAB/sshd/$s.conf
            sshd_config "$s" > "$conf"
            timeout 10 "$SSHD" -D -f "$conf" -E "$LAB/sshd/$s.start.log" </dev/null >/dev/null 2>&1 &&
                SERVER_ERR[$s]="sshd started with ListenAddress 192.0.2.1"
            continue
            ;;
        http)
            # a web server on the port ssh is pointed at: Python's own http.server
            mkdir -p "$LAB/www"
            "$PY" -m http.server "$p" --bind 127.0.0.1 --directory "$LAB/www" </dev/null >"$LAB/sshd/$s.http.log" 2>&1 &
            PIDS+=($!)
            ;;
        ftp|silent|close|reset|http-proxy|http-proxy-auth|kex-mismatch)
            "$PY" "$LAB/fakesrv.py" "$kind" "$p" </dev/null >"$LAB/sshd/$s.fake.log" 2>&1 &
            PIDS+=($!)
            ;;
        none) continue ;;
    esac
    wait_listen "$p" "${PIDS[-1]}" || SERVER_ERR[$s]="$kind server did not start on port $p"
done

# ---------------------------------------------------------------------------------------
# Clients.

# What each scenario does: target user and host, auth, known hosts, namespace, options.
scenario() { # SCENARIO -> sets TUSER THOST TPORT AUTH KEYS PPK KH NS BATCH SFTP_BATCH SSH_EXTRA PUTTY_EXTRA CMD TMO
    TUSER=lltuser; THOST=127.0.0.1; TPORT=${PORT[$1]}
    AUTH=key; KEYS=""; PPK=$CH/.ssh/id_ed25519.ppk
    REPLY_=""; NO_TTY_DISPLAY=no; KH=known; NS=""; BATCH=yes; SSH_EXTRA=(); PUTTY_EXTRA=(); CMD="id -un"; TMO=20; PLINK_PW=""; PROXY_PORT=""
    PROXY_METHOD=3; PROXY_USER=""; PROXY_KH=no; PROXY_JUMP=no; PLINK_BATCH=yes; SFTP_BATCH=$LAB/sftp-batch
    PSFTP_BATCH=$LAB/sftp-batch
    case $1 in
        success) ;;
        success-password)  AUTH=password; REPLY_=$PASSWORD ;;
        password-wrong)    AUTH=password; REPLY_=$WRONG_PASSWORD ;;
        key-refused)       KEYS=$CH/.ssh/id_other; PPK=$CH/.ssh/id_other.ppk ;;
        server-perms-dir)  TUSER=lltperm ;;
        server-perms-file) TUSER=lltakperm ;;
        keyfile-perms)     KEYS=$CH/.ssh/id_open ;;
        passphrase-wrong)  KEYS=$CH/.ssh/id_enc; PPK=$CH/.ssh/id_enc.ppk; BATCH=no; REPLY_=$WRONG_PASSPHRASE ;;
        hostkey-changed)   ;;
        hostkey-unverified) KH=empty ;;
        refused|sshd-bad-config) ;;
        dns)               THOST=nosuchhost.invalid; TPORT=22; NS=dns ;;
        not-ssh)           ;;
        banner-timeout)    SSH_EXTRA=(-o ConnectTimeout=5); TMO=8 ;;
        banner-stopped)    TMO=2 ;; # stopped while it waits for the greeting
        closed-early|reset-early) ;;
        deny-users)        TUSER=lltdeny ;;
        no-common-alg|legacy-hostkey) ;;
        pubkey-disabled)   ;;
        too-many-failures) KEYS="$CH/.ssh/id_other $CH/.ssh/id_other2 $CH/.ssh/id_other3"
                           PPK=$CH/.ssh/id_other.ppk; PLINK_PW=$LAB/password-wrong ;;
        nologin)           TUSER=lltnologin ;;
        no-sftp)           ;;
        home-missing)      TUSER=lltnohome; AUTH=password; REPLY_=$PASSWORD ;;
        chroot|chroot-info) TUSER=lltchroot ;;
        ppk-to-ssh)        KEYS=$CH/.ssh/id_ed25519.ppk ;;
        openssh-to-plink)  PPK=$CH/.ssh/id_ed25519 ;;
        pub-as-private)    KEYS=$CH/.ssh/id_ed25519.pub; PPK=$CH/.ssh/id_ed25519.pub ;;
        unknown-user)      TUSER=lltnosuch; AUTH=password; REPLY_=$PASSWORD ;;
        bashrc)            TUSER=lltbashrc ;;
        bashrc-wait)       TUSER=lltwait; TMO=4 ;;
        net-timeout)       NS=drop; SSH_EXTRA=(-o ConnectTimeout=5) ;;
        net-stopped)       NS=drop; TMO=2 ;; # stopped before the SYN retries end (about 3 s)
        kex-stalled)       NS=mtu; TMO=4 ;;
        net-unreachable)   NS=unreach; THOST=192.0.2.10; TPORT=22 ;;
        maxstartups)       ;;
        sha1-refused)      KEYS=$CH/.ssh/id_rsa_legacy; SSH_EXTRA=(-o PubkeyAcceptedAlgorithms=ssh-rsa) ;;
        # RequiredRSASize (OpenSSH 9.1+) above the 3072 bits of the lab's RSA keys: the client's
        # own key, the server's limit on keys, the client's limit on the host key
        rsa-short-client)  KEYS=$CH/.ssh/id_rsa_legacy; SSH_EXTRA=(-o RequiredRSASize=4096) ;;
        rsa-short-server)  KEYS=$CH/.ssh/id_rsa_legacy ;;
        rsa-short-hostkey) SSH_EXTRA=(-o HostKeyAlgorithms=rsa-sha2-512 -o RequiredRSASize=4096) ;;
        password-expired)  TUSER=lltexpired; AUTH=password; REPLY_=$PASSWORD ;;
        account-locked)    TUSER=lltlocked ;;
        pub-as-private-600) KEYS=$CH/.ssh/id_tight.pub ;;
        # through an HTTP proxy on this scenario's port (plink/psftp: a saved session, -load);
        # the target is hostkey-unverified's sshd (an ordinary one whose log no check reads,
        # so another scenario's connections in it disturb nothing), or a port where nothing
        # listens
        proxy-ok|proxy-auth|proxy-dead|proxy-closed)
                           PROXY_PORT=$TPORT; TPORT=${PORT[hostkey-unverified]} ;;
        proxy-bad-gateway) PROXY_PORT=$TPORT; TPORT=${PORT[refused]} ;;
        # PuTTY's SSH proxy type (a jump host): hostkey-unverified's sshd as the jump host,
        # its host key not cached, or cached and no password for lltuser there
        proxy-ssh-hostkey) PROXY_METHOD=6; PROXY_PORT=${PORT[hostkey-unverified]}; PROXY_USER=lltuser
                           TPORT=${PORT[refused]} ;;
        proxy-ssh-auth)    PROXY_METHOD=6; PROXY_PORT=${PORT[hostkey-unverified]}; PROXY_USER=lltuser
                           PROXY_KH=yes; TPORT=${PORT[refused]} ;;
        # the jump host logs in (its key cached, a saved session with the key names it) and
        # connects on to this scenario's own sshd, whose key is cached or not
        proxy-ssh-ok)      PROXY_METHOD=6; PROXY_PORT=${PORT[hostkey-unverified]}; PROXY_KH=yes; PROXY_JUMP=yes ;;
        proxy-ssh-target-hostkey)
                           PROXY_METHOD=6; PROXY_PORT=${PORT[hostkey-unverified]}; PROXY_KH=yes; PROXY_JUMP=yes
                           KH=empty ;;
        # no -batch: plink asks 'Store key in cache?' and reads the answer from /dev/null
        hostkey-declined)  KH=empty; PLINK_BATCH=no ;;
        # what a script saved with Windows line ends passes: the host with a CR at its end;
        # a user name with the quotes kept (a quoted value inside a quoted command)
        bad-host)          THOST=$'127.0.0.1\r' ;;
        bad-user)          TUSER="'lltuser'" ;;
        # plink/psftp with neither a key nor a password: the password prompt cannot be asked
        # (-batch), or reads its answer from /dev/null
        password-missing)  AUTH=none ;;
        password-prompt-eof) AUTH=none; PLINK_BATCH=no ;;
        # an SFTP-only account (ForceCommand internal-sftp): the key logs in, the command is refused
        sftp-only)         ;;
        # the server wants the key and then the password (AuthenticationMethods publickey,password):
        # batch mode cannot give the second step; a wrong or the right password follows the key
        second-factor)     ;;
        second-factor-wrong) BATCH=no; REPLY_=$WRONG_PASSWORD; PLINK_PW=$LAB/password-wrong ;;
        second-factor-ok)  BATCH=no; REPLY_=$PASSWORD; PLINK_PW=$LAB/password-right ;;
        # the client's key is refused while other connections overlap it (start_overlap)
        overlap)           KEYS=$CH/.ssh/id_other; PPK=$CH/.ssh/id_other.ppk ;;
        upload-not-owner)  SFTP_BATCH=$LAB/sftp-batch-put-p ;;
        max-sessions-0)    ;;
        sftp-server-missing) ;;
        # a command line written for the other family: PuTTY's -pw to sftp, OpenSSH's -o to psftp
        cmdline-putty-pw)  SSH_EXTRA=(-pw "$WRONG_PASSWORD") ;;
        cmdline-ssh-option-to-putty) PUTTY_EXTRA=(-o StrictHostKeyChecking=no) ;;
        # ssh run from a desktop program (an IDE, a file manager): no terminal, DISPLAY set, no
        # SSH_ASKPASS, and the default askpass program not installed
        askpass-missing)   AUTH=password; NO_TTY_DISPLAY=yes ;;
        askpass-missing-hostkey) KH=empty; BATCH=no; NO_TTY_DISPLAY=yes ;;
        cert-expired)      KEYS=$CH/.ssh/id_cert_old ;;
        cert-principal)    KEYS=$CH/.ssh/id_cert_other ;;
        no-common-cipher)  SSH_EXTRA=(-c aes256-gcm@openssh.com) ;;
        no-common-mac)     SSH_EXTRA=(-c aes128-ctr -m hmac-sha2-256) ;;
        hostkey-perms|sshd-no-address|http-server|kex-mismatch|fork-limit) ;;
        passphrase-batch)  KEYS=$CH/.ssh/id_enc ;;
        known-hosts-readonly) KH=readonly; SSH_EXTRA=(-o StrictHostKeyChecking=accept-new) ;;
        # OpenSSH's ProxyJump (-J) with this scenario's sshd as the jump host, to a port where
        # nothing listens (never reached). The jump host's ssh gets -F but not the -o options:
        # it checks ~/.ssh/known_hosts, which lacks the key, and cannot ask; with the key known
        # (Host lab-jump in the lab's config), it logs in as a user that does not exist; with
        # the jump host, port and user of the target itself, ssh stops at once
        jump-hostkey)      SSH_EXTRA=(-J "lltuser@127.0.0.1:$TPORT"); TPORT=${PORT[refused]} ;;
        jump-denied)       SSH_EXTRA=(-J "lltnosuch@lab-jump:$TPORT"); TPORT=${PORT[refused]} ;;
        jump-loop)         SSH_EXTRA=(-J "lltuser@127.0.0.1:$TPORT") ;;
        disk-full)         SFTP_BATCH=$LAB/sftp-batch-full; PSFTP_BATCH=$LAB/sftp-batch-full
                           CMD="head -c 262144 /dev/zero > $LAB/full/cmd.bin" ;;
        *) return 1 ;;
    esac
    [ "$AUTH" = password ] && BATCH=no
    return 0
}

# The askpass-missing scenarios need the default askpass program absent.
askpass_note() {
    if command -v ssh-askpass >/dev/null 2>&1; then echo "ssh-askpass INSTALLED (not the scenario)"
    else echo "no ssh-askpass installed"; fi
}

# One line on what each scenario sets up (goes into meta/*.facts and the fixtures' headers).
scenario_note() {
    case $1 in
        success)            echo "key login that works (lltuser, ~/.ssh/id_ed25519 registered)" ;;
        success-password)   echo "password login that works" ;;
        password-wrong)     echo "wrong password (SSH_ASKPASS / -pwfile answer a wrong one)" ;;
        key-refused)        echo "the offered key (id_other) is not in ~lltuser/.ssh/authorized_keys" ;;
        server-perms-dir)   echo "server: ~lltperm/.ssh is mode 0777, StrictModes yes" ;;
        server-perms-file)  echo "server: ~lltakperm/.ssh/authorized_keys is mode 0666, StrictModes yes" ;;
        keyfile-perms)      echo "client: private key ~/.ssh/id_open is mode 0644" ;;
        passphrase-wrong)   echo "encrypted key; ssh gets a wrong passphrase from SSH_ASKPASS, plink/psftp -batch cannot ask; server: PasswordAuthentication no" ;;
        hostkey-changed)    echo "server host keys replaced since the client stored the old ed25519 key" ;;
        hostkey-unverified) echo "host key not known to the client, batch mode" ;;
        refused)            echo "nothing listens on the port" ;;
        no-common-cipher)   echo "server: Ciphers aes128-ctr; client: -c aes256-gcm@openssh.com" ;;
        no-common-mac)      echo "server: Ciphers aes128-ctr, MACs hmac-sha2-512; client: -c aes128-ctr -m hmac-sha2-256" ;;
        hostkey-perms)      echo "server: its ed25519 host key file is mode 0644: sshd ignores it and serves the ecdsa and rsa keys" ;;
        disk-full)          echo "server: the upload directory $LAB/full is a 64 KiB file system (tmpfs in sshd's mount namespace); a 256 KiB file is put there (ssh: written by a remote command)" ;;
        passphrase-batch)   echo "encrypted key (id_enc, registered), ssh in batch mode cannot ask for its passphrase; server: PasswordAuthentication no" ;;
        jump-hostkey)       echo "ssh -J lltuser@127.0.0.1:PORT (this scenario's sshd as the jump host) to a port where nothing listens; the jump host's key is in no known_hosts its ssh reads (-o options do not reach it)" ;;
        jump-denied)        echo "ssh -J lltnosuch@lab-jump:PORT (Host lab-jump in the -F config: the key known, BatchMode) to a port where nothing listens; the jump host has no user lltnosuch" ;;
        jump-loop)          echo "ssh -J lltuser@127.0.0.1:PORT to lltuser@127.0.0.1 -p PORT: the jump host is the target itself" ;;
        known-hosts-readonly) echo "host key not known; StrictHostKeyChecking=accept-new, but the known_hosts file belongs to root: ssh cannot save the key, and logs in" ;;
        http-server)        echo "a web server (Python's http.server) listens on the port the client is pointed at" ;;
        kex-mismatch)       echo "an SSH server that negotiates the key exchange by its own order (fakesrv.py kex-mismatch) and disconnects with Apache MINA SSHD's 'Protocol error: expected packet 34, got 30'" ;;
        sshd-no-address)    echo "sshd_config: ListenAddress 192.0.2.1, an address this host does not have: sshd cannot bind and exits, nothing listens" ;;
        cert-expired)       echo "server: TrustedUserCAKeys; the client's key id_cert_old has a certificate of that CA for lltuser that expired in 2024 (not in authorized_keys)" ;;
        cert-principal)     echo "server: TrustedUserCAKeys; the client's key id_cert_other has a valid certificate of that CA, issued for the principal lltsomeone, not lltuser" ;;
        askpass-missing-hostkey) echo "host key not known to the client, ssh without a terminal and not in batch mode: DISPLAY=:0, no SSH_ASKPASS, $(askpass_note)" ;;
        askpass-missing)    echo "password login from a program without a terminal: DISPLAY=:0, no SSH_ASKPASS, $(askpass_note)" ;;
        sshd-bad-config)    echo "sshd_config has a misspelt keyword (PermitRootLogn): sshd -t refuses it, sshd does not start, nothing listens" ;;
        upload-not-owner)   echo "sftp 'put -p' over $LAB/upload/shared.txt, which root owns and anyone may write (mode 0666): the content is written, the time and mode are not" ;;
        dns)                echo "host name does not resolve (private namespace, nsswitch hosts: files, .invalid name)" ;;
        not-ssh)            echo "an FTP-like listener on the port (220 greeting, 530 to every line, 421 after 2 s)" ;;
        banner-timeout)     echo "a listener that accepts and never speaks; ssh -o ConnectTimeout=5, plink/psftp killed after 5 s" ;;
        closed-early)       echo "a listener that reads the client's version string and closes" ;;
        reset-early)        echo "a listener that resets every connection at once (SO_LINGER 0)" ;;
        maxstartups)        echo "server: MaxStartups 1, the only slot held by an idle unauthenticated connection" ;;
        deny-users)         echo "server: DenyUsers lltdeny; key login" ;;
        unknown-user)       echo "user lltnosuch does not exist on the server; password login" ;;
        no-common-alg)      echo "server: KexAlgorithms diffie-hellman-group14-sha1, HostKeyAlgorithms ssh-rsa, Ciphers aes128-ctr, MACs umac-128-etm@openssh.com" ;;
        legacy-hostkey)     echo "server: HostKeyAlgorithms ssh-rsa (SHA-1 only)" ;;
        pubkey-disabled)    echo "server: PubkeyAuthentication no; client offers only a key (batch mode)" ;;
        too-many-failures)  echo "server: MaxAuthTries 2, LogLevel DEBUG1; ssh offers 3 unregistered keys, plink/psftp one key and a wrong password" ;;
        nologin)            echo "user lltnologin has shell /usr/sbin/nologin" ;;
        no-sftp)            echo "server: no Subsystem sftp line" ;;
        home-missing)       echo "home directory of lltnohome (/home/lltnohome) does not exist; password login" ;;
        chroot)             echo "server: Match User lltchroot, ChrootDirectory %h, ForceCommand internal-sftp; /home/lltchroot is owned by the user" ;;
        chroot-info)        echo "as chroot, at sshd's default LogLevel INFO: no 'User child is on pid' line ties the child's fatal line to the login" ;;
        bashrc)             echo "~lltbashrc/.bashrc prints a welcome line for every shell" ;;
        bashrc-wait)        echo "~lltwait/.bashrc runs sleep 30 for every shell; the client is stopped after 4 s" ;;
        ppk-to-ssh)         echo "ssh -i given a PuTTY .ppk key" ;;
        openssh-to-plink)   echo "plink/psftp -i given an OpenSSH private key" ;;
        pub-as-private)     echo "-i given the public key file id_ed25519.pub" ;;
        net-timeout)        echo "private network namespace, iptables DROP on the port; ssh -o ConnectTimeout=5, tcp_syn_retries 1" ;;
        banner-stopped)     echo "as banner-timeout, without ConnectTimeout: the client is stopped after 2 s, while it still waits for the server's greeting" ;;
        fork-limit)         echo "sshd started with a process limit of 1 (ulimit -u 1): after the login it cannot fork the user's command" ;;
        kex-stalled)        echo "the client and an sshd in a private network namespace whose firewall drops the server port's packets of 1,000 bytes or more (an MTU black hole); the client is stopped after 4 s" ;;
        net-stopped)        echo "as net-timeout, without ConnectTimeout: the client is stopped after 2 s, while it still waits for the connection" ;;
        net-unreachable)    echo "private network namespace with no route to 192.0.2.10" ;;
        sha1-refused)       echo "ssh -o PubkeyAcceptedAlgorithms=ssh-rsa with a registered RSA key; sshd 9.2 refuses SHA-1 signatures" ;;
        rsa-short-client)   echo "ssh -o RequiredRSASize=4096 -i the registered 3072-bit RSA key: ssh skips its own key" ;;
        rsa-short-server)   echo "server: RequiredRSASize 4096; ssh -i the registered 3072-bit RSA key: sshd refuses it" ;;
        sftp-server-missing) echo "server: Subsystem sftp /usr/libexec/openssh/sftp-server (RHEL's path, absent on Debian): the subsystem exits 127" ;;
        max-sessions-0)     echo "server: MaxSessions 0 (forwarding only): the key login works, the session channel is refused" ;;
        rsa-short-hostkey)  echo "ssh -o HostKeyAlgorithms=rsa-sha2-512 -o RequiredRSASize=4096: the server's 3072-bit RSA host key is too short for it" ;;
        password-expired)   echo "password of lltexpired expired (chage -d 0); password login" ;;
        account-locked)     echo "account lltlocked locked (usermod -L); key login" ;;
        pub-as-private-600) echo "ssh -i given a public key file (id_tight.pub, a copy of id_ed25519.pub) of mode 0600" ;;
        proxy-ok)           echo "plink/psftp through an HTTP CONNECT proxy (fakesrv.py http-proxy) to an ordinary sshd" ;;
        proxy-dead)         echo "the saved session's HTTP proxy port has nothing listening" ;;
        proxy-auth)         echo "the HTTP proxy answers 407 (Basic); the session holds no proxy password and -batch cannot ask" ;;
        proxy-bad-gateway)  echo "the HTTP proxy cannot reach the target port (nothing listens there) and answers 502" ;;
        proxy-closed)       echo "the proxy port is a listener that reads the CONNECT request and closes" ;;
        proxy-ssh-hostkey)  echo "PuTTY's SSH proxy type (jump host lltuser@ an ordinary sshd): the jump host's key is not cached, -batch cannot confirm it" ;;
        proxy-ssh-auth)     echo "PuTTY's SSH proxy type: the jump host's key is cached; no password or key for lltuser there, -batch cannot ask" ;;
        proxy-ssh-ok)       echo "PuTTY's SSH proxy type: the jump host (key cached) logs lltuser in with the key of the saved session its name loads, then the target logs in" ;;
        proxy-ssh-target-hostkey) echo "PuTTY's SSH proxy type: the jump host logs in; the target's own host key is not cached, -batch cannot confirm it" ;;
        hostkey-declined)   echo "host key not known to the client, no -batch: the 'Store key in cache?' question reads its answer from /dev/null" ;;
        bad-host)           echo "the host name given ends in a carriage return (a script saved with Windows line ends)" ;;
        bad-user)           echo "the user name given is 'lltuser' with its single quotes" ;;
        cmdline-putty-pw)   echo "no server: sftp is given PuTTY's -pw PASSWORD (it reads -p and -w)" ;;
        cmdline-ssh-option-to-putty) echo "no server: psftp is given OpenSSH's -o StrictHostKeyChecking=no" ;;
        password-missing)   echo "no key and no password given; the server wants a password, -batch cannot ask" ;;
        password-prompt-eof) echo "no key and no password given, no -batch: the password prompt reads /dev/null" ;;
        sftp-only)          echo "server: ForceCommand internal-sftp (an SFTP-only account); key login, then a command" ;;
        second-factor)      echo "server: AuthenticationMethods publickey,password; the key is accepted, batch mode cannot give the password" ;;
        second-factor-wrong) echo "server: AuthenticationMethods publickey,password; the key is accepted, then a wrong password (SSH_ASKPASS, plink/psftp -pwfile)" ;;
        second-factor-ok)   echo "server: AuthenticationMethods publickey,password; the key, then the right password" ;;
        overlap)            echo "server: LogLevel INFO; the offered key (id_other) is refused while a key login of lltuser (running sleep 2) is open, after a login of lltperm whose ~/.ssh is mode 0777" ;;
    esac
}

# Build the command line of CLIENT for the current scenario into the array CMDLINE.
client_cmd() { # CLIENT RUNDIR
    local c=$1 d=$2 k
    CMDLINE=()
    case $c in
        ssh|sftp|ssh-v|ssh-vvv|sftp-v) # ssh and sftp: without -v, what most users have
            case $c in
                sftp) CMDLINE=(sftp -P "$TPORT") ;;
                sftp-v) CMDLINE=(sftp -v -P "$TPORT") ;;
                ssh) CMDLINE=(ssh -p "$TPORT") ;;
                *) CMDLINE=(ssh -${c#ssh-} -p "$TPORT") ;;
            esac
            CMDLINE+=(-F "$LAB/ssh_config" -o "UserKnownHostsFile=$d/known_hosts")
            [ $BATCH = yes ] && CMDLINE+=(-o BatchMode=yes)
            [ $AUTH = password ] && CMDLINE+=(-o PubkeyAuthentication=no)
            for k in $KEYS; do CMDLINE+=(-i "$k"); done
            CMDLINE+=("${SSH_EXTRA[@]}")
            if [ $c = sftp-v ] || [ $c = sftp ]; then
                [ $BATCH = yes ] && CMDLINE+=(-b "$SFTP_BATCH")
                CMDLINE+=("$TUSER@$THOST")
            else
                CMDLINE+=("$TUSER@$THOST" "$CMD")
            fi
            ;;
        plink|psftp|plink-v|psftp-v) # without -v: what a script's log holds
            CMDLINE=("${c%-v}")
            [ "$c" != "${c%-v}" ] && CMDLINE+=(-v)
            [ $PLINK_BATCH = yes ] && CMDLINE+=(-batch)
            CMDLINE+=(-P "$TPORT" -l "$TUSER")
            if [ $AUTH = password ]; then
                if [ "$REPLY_" = "$PASSWORD" ]; then CMDLINE+=(-pwfile "$LAB/password-right")
                else CMDLINE+=(-pwfile "$LAB/password-wrong"); fi
            elif [ $AUTH = key ]; then
                CMDLINE+=(-i "$PPK")
                [ -n "$PLINK_PW" ] && CMDLINE+=(-pwfile "$PLINK_PW")
            fi
            [ -n "$PROXY_PORT" ] && CMDLINE+=(-load lab-proxy)
            CMDLINE+=("${PUTTY_EXTRA[@]}")
            if [ "${c%-v}" = plink ]; then CMDLINE+=("$THOST" "$CMD")
            else CMDLINE+=(-b "$PSFTP_BATCH" "$THOST"); fi
            ;;
    esac
}

# Namespace set-up scripts (run as root inside unshare -m -n before the client starts).
ns_script() {
    case $NS in
        dns)     echo "mount --bind '$LAB/nsswitch.conf' /etc/nsswitch.conf" ;;
        drop)    echo "ip link set lo up && iptables -I INPUT -p tcp --dport $TPORT -j DROP && echo 1 > /proc/sys/net/ipv4/tcp_syn_retries" ;;
        unreach) echo "ip link set lo up" ;;
        # the server's port loses packets of 1,000 bytes or more (an MTU black hole); its sshd
        # runs in this namespace for 8 s, long enough for the client's 4
        mtu)     echo "ip link set lo up && iptables -I INPUT -p tcp --dport $TPORT -m length --length 1000:65535 -j DROP &&" \
                      "{ timeout 8 $SSHD -D -o LoginGraceTime=6 -f '$LAB/sshd/$s.conf' -E '$LAB/sshd/$s.log' </dev/null >/dev/null 2>&1 & } &&" \
                      "for i in \$(seq 50); do ss -Hltn 'sport = :$TPORT' | grep -q . && break; sleep 0.1; done" ;;
    esac
}

run_client() { # SCENARIO CLIENT
    local s=$1 c=$2 d=$LAB/run/$1.$2 log=$OUT/$1.$2.log rc tmo=$TMO
    rm -f "$log" "$OUT/$s.$c.skip"
    if [ -n "$NS" ] && [ -n "$NS_ERR" ]; then echo "$NS_ERR" > "$OUT/$s.$c.skip"; return; fi
    if { [ "$NS" = drop ] || [ "$NS" = mtu ]; } && [ -n "$NS_DROP_ERR" ]; then echo "$NS_DROP_ERR" > "$OUT/$s.$c.skip"; return; fi
    mkdir -p "$d/home/.putty"
    if [ $KH = known ]; then
        printf '[%s]:%s %s\n' "$THOST" "$TPORT" "$HOSTPUB" > "$d/known_hosts"
        printf 'ssh-ed25519@%s:%s %s\n' "$TPORT" "$THOST" "$PUTTY_HOSTKEY" > "$d/home/.putty/sshhostkeys"
    else
        : > "$d/known_hosts"
    fi
    if [ -n "$PROXY_PORT" ]; then # PuTTY's proxy settings live in a saved session
        mkdir -p "$d/home/.putty/sessions"
        local phost=127.0.0.1
        if [ $PROXY_JUMP = yes ]; then # the proxy host name names a saved session: its key logs in
            phost=lab-jump
            printf 'HostName=127.0.0.1\nPortNumber=%s\nUserName=lltuser\nPublicKeyFile=%s\nProtocol=ssh\n' \
                "$PROXY_PORT" "$CH/.ssh/id_ed25519.ppk" > "$d/home/.putty/sessions/lab-jump"
        fi
        printf 'ProxyMethod=%s\nProxyHost=%s\nProxyPort=%s\nProxyUsername=%s\nProxyLocalhost=1\n' \
            "$PROXY_METHOD" "$phost" "$PROXY_PORT" "$PROXY_USER" > "$d/home/.putty/sessions/lab-proxy"
        [ $PROXY_KH = yes ] &&
            printf 'ssh-ed25519@%s:%s %s\n' "$PROXY_PORT" 127.0.0.1 "$PUTTY_HOSTKEY" >> "$d/home/.putty/sshhostkeys"
    fi
    chown -R $CLIENT:$CLIENT "$d"
    [ $KH = readonly ] && chown root:root "$d/known_hosts" # empty, and the client may not write it
    client_cmd "$c" "$d"
    # plink has no connect/banner timeout: bound it by the scenario's own timeout.
    case $s.$c in banner-timeout.plink*|banner-timeout.psftp*) tmo=5 ;; esac
    local envv=(env -i PATH=/usr/local/bin:/usr/bin:/bin USER=$CLIENT LOGNAME=$CLIENT LANG=C.UTF-8)
    case $c in
        plink|psftp|plink-v|psftp-v) envv+=(HOME=$d/home PUTTYDIR=$d/home/.putty) ;;
        *) envv+=(HOME=$CH)
           [ -n "$REPLY_" ] && envv+=(SSH_ASKPASS=$LAB/askpass SSH_ASKPASS_REQUIRE=force "LLT_ASKPASS_REPLY=$REPLY_")
           [ $NO_TTY_DISPLAY = yes ] && envv+=(DISPLAY=:0) ;;
    esac
    local drop=(setpriv --reuid=$CLIENT --regid=$CLIENT --init-groups)
    printf '%q ' "${CMDLINE[@]}" > "$OUT/meta/$s.$c.cmd"; echo >> "$OUT/meta/$s.$c.cmd"
    printf 'host=%s\nport=%s\nuser=%s\nsetup=%s\n' "$THOST" "$TPORT" "$TUSER" "$(scenario_note "$s")" > "$OUT/meta/$s.$c.facts"
    if [ -n "$NS" ]; then
        (cd "$d" && setsid -w unshare -m -n bash -c "$(ns_script) || exit 97; exec \"\$@\"" lab-ns \
            "${drop[@]}" "${envv[@]}" timeout -k 2 "$tmo" "${CMDLINE[@]}" </dev/null >"$log" 2>&1)
        rc=$?
        if [ $rc = 97 ]; then
            rm -f "$log"; echo "cannot set up the $NS network namespace (unshare/iptables)" > "$OUT/$s.$c.skip"
        fi
    else
        (cd "$d" && setsid -w "${drop[@]}" "${envv[@]}" timeout -k 2 "$tmo" "${CMDLINE[@]}" </dev/null >"$log" 2>&1)
        rc=$?
    fi
    echo $rc > "$OUT/meta/$s.$c.rc"
}

settle() { # FILE: wait until it has not grown for 0.6 s (at most 5 s)
    local last=-1 now n=0 quiet=0
    while [ $n -lt 50 ] && [ $quiet -lt 6 ]; do
        now=$(stat -c %s "$1")
        if [ "$now" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; last=$now; fi
        sleep 0.1; n=$((n + 1))
    done
}

# overlap: two more connections to the scenario's sshd around the client's run, in an order
# that does not race: a key login that stays open (sleep 2) and, while it is, lltperm's whole
# attempt (its key ignored: ~/.ssh is mode 0777); then the client runs, the first still open.
start_overlap() {
    local o=(-F "$LAB/ssh_config" -p "$TPORT" -o BatchMode=yes -o StrictHostKeyChecking=no
             -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$CH/.ssh/id_ed25519")
    local as=(setpriv --reuid=$CLIENT --regid=$CLIENT --init-groups env -i PATH=/usr/bin:/bin HOME=$CH)
    "${as[@]}" ssh "${o[@]}" lltuser@127.0.0.1 'sleep 2' </dev/null >/dev/null 2>&1 &
    OVERLAP_PID=$!
    sleep 0.5
    "${as[@]}" timeout 10 ssh "${o[@]}" lltperm@127.0.0.1 true </dev/null >/dev/null 2>&1
}

run_scenario() { # SCENARIO
    local s=$1 c first=1 slog off
    if [ -n "${SERVER_ERR[$s]+x}" ]; then
        for c in ${CLIENTS[$s]}; do echo "${SERVER_ERR[$s]}" > "$OUT/$s.$c.skip"; done
        return
    fi
    scenario "$s" || { note "no definition for scenario $s"; return; }
    if [ $s = maxstartups ]; then
        # Hold the only MaxStartups slot with an unauthenticated connection.
        "$PY" -c 'import socket,sys,time
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])));s.recv(256);time.sleep(60)' \
            "$TPORT" </dev/null >/dev/null 2>&1 &
        local holder=$!
        sleep 0.5
    fi
    slog=$LAB/sshd/$s.log
    [ "$SYSLOG" = 1 ] && slog=$LAB/sshd/$s.raw
    for c in ${CLIENTS[$s]}; do
        off=0; [ -f "$slog" ] && off=$(stat -c %s "$slog")
        [ $first = 1 ] && [ $s = overlap ] && start_overlap
        run_client "$s" "$c"
        if [ $first = 1 ] && [ -f "$slog" ]; then
            [ $s = overlap ] && wait "$OVERLAP_PID"
            settle "$slog"
            if [ "$SYSLOG" = 1 ]; then
                tail -c +$((off + 1)) "$slog" | "$PY" "$LAB/syslogsink.py" format TRADITIONAL "$SYSLOG_HOST" > "$OUT/$s.sshd-syslog.log"
                tail -c +$((off + 1)) "$slog" | "$PY" "$LAB/syslogsink.py" format RFC3339 "$SYSLOG_HOST" > "$OUT/$s.sshd-rfc3339.log"
                for v in sshd-syslog sshd-rfc3339; do
                    cp "$OUT/meta/$s.$c.facts" "$OUT/meta/$s.$v.facts"; echo "$c" > "$OUT/meta/$s.$v.client"
                done
            else
                tail -c +$((off + 1)) "$slog" > "$OUT/$s.sshd.log"
                cp "$OUT/meta/$s.$c.facts" "$OUT/meta/$s.sshd.facts"
                echo "$c" > "$OUT/meta/$s.sshd.client"
            fi
        fi
        if [ $first = 1 ] && { [ $s = sshd-bad-config ] || [ $s = sshd-no-address ]; }; then
            cp "$LAB/sshd/$s.start.log" "$OUT/$s.sshd.log"
            cp "$OUT/meta/$s.$c.facts" "$OUT/meta/$s.sshd.facts"
            echo "$c" > "$OUT/meta/$s.sshd.client"
        fi
        first=0
    done
    [ $s = maxstartups ] && { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }
    return 0
}

# Start the slow scenarios (timeouts) first so they overlap with the rest.
SLOW=" banner-timeout net-timeout not-ssh passphrase-wrong password-wrong unknown-user "
sorted=()
for s in "${ORDER[@]}"; do case $SLOW in *" $s "*) sorted+=("$s") ;; esac; done
for s in "${ORDER[@]}"; do case $SLOW in *" $s "*) ;; *) sorted+=("$s") ;; esac; done
ORDER=("${sorted[@]}")

nrunning() { local n=0 p; for p in "${JOBPIDS[@]}"; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; echo $n; }
for s in "${ORDER[@]}"; do
    while [ "$(nrunning)" -ge "$JOBS" ]; do sleep 0.2; done
    run_scenario "$s" &
    JOBPIDS+=($!)
done
for p in "${JOBPIDS[@]}"; do wait "$p"; done
exit 0
