#!/usr/bin/env python3
"""Tiny TCP listeners that are NOT sshd, for the loglens live lab.

usage: fakesrv.py MODE PORT        (binds 127.0.0.1 only)

MODE
  ftp     behaves like vsftpd at the greeting stage: sends "220 (vsFTPd 3.0.3)",
          answers every line with "530 Please login with USER and PASS.", and after
          IDLE seconds without input sends "421 Timeout." and closes (vsftpd's
          idle_session_timeout, shortened so clients do not wait minutes).
  silent  accepts and never sends a byte (banner timeout); closes when the peer does.
  close   accepts, reads what the client sends first (its version string) for at
          most 0.5 s, then closes (FIN): what a TCP-wrapper / firewall drop looks like.
  reset   accepts and resets the connection at once (SO_LINGER 0 -> RST).
  http-proxy       an HTTP CONNECT proxy: opens the connection to the host:port asked for
                   and relays both ways; "502 Bad Gateway" when that connection fails.
  http-proxy-auth  an HTTP proxy that wants a user name and password: answers every request
                   "407 Proxy Authentication Required" (Basic), keeping the connection open.
  kex-mismatch     an SSH server whose key exchange negotiation is broken, as old embedded
                   SSH libraries' was: it offers group exchange first, then takes its own first
                   method instead of the client's (RFC 4253 7.1 says the client's), and when the
                   client's first key exchange message is not the one that method starts with, it
                   sends SSH_MSG_DISCONNECT (key exchange failed) with Apache MINA SSHD's words
                   "Protocol error: expected packet 34, got 30".
Error answers carry a short body, as real proxies' do (PuTTY reads one byte past a header's end).
"""
import socket
import struct
import sys
import threading

IDLE = 2.0


def ftp(conn):
    conn.sendall(b"220 (vsFTPd 3.0.3)\r\n")
    conn.settimeout(IDLE)
    buf = b""
    try:
        while True:
            try:
                data = conn.recv(4096)
            except socket.timeout:
                conn.sendall(b"421 Timeout.\r\n")
                return
            if not data:
                return
            buf += data
            while b"\n" in buf:
                _, buf = buf.split(b"\n", 1)
                conn.sendall(b"530 Please login with USER and PASS.\r\n")
    except OSError:
        return


def silent(conn):
    conn.settimeout(120)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def http_request(conn, buf):
    """Read one request head; returns (head, rest) or (None, b"") at EOF."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(4096)
        if not data:
            return None, b""
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def relay(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def http_proxy(conn, auth):
    conn.settimeout(60)
    buf = b""
    while True:
        head, buf = http_request(conn, buf)
        if head is None:
            return
        if not auth:
            break
        conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                     b"Proxy-Authenticate: Basic realm=\"lab\"\r\n"
                     b"Content-Type: text/plain\r\nContent-Length: 14\r\n\r\nAccess denied\n")
    host, port = head.split("\r\n")[0].split()[1].rsplit(":", 1)
    try:
        up = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
    except OSError:
        conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 19\r\n\r\nConnection refused\n")
        http_request(conn, buf)  # the client closes
        return
    conn.settimeout(None)
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    if buf:
        up.sendall(buf)
    threading.Thread(target=relay, args=(conn, up), daemon=True).start()
    relay(up, conn)
    up.close()


def ssh_string(b):
    return struct.pack(">I", len(b)) + b


def ssh_packet(payload):
    """Unencrypted binary packet (RFC 4253 6): what every packet before NEWKEYS is."""
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + bytes(pad)


def read_packet(conn):
    head = b""
    while len(head) < 5:
        part = conn.recv(5 - len(head))
        if not part:
            return None
        head += part
    length, pad = struct.unpack(">IB", head)
    rest = b""
    while len(rest) < length - 1:
        part = conn.recv(length - 1 - len(rest))
        if not part:
            return None
        rest += part
    return rest[:length - 1 - pad]


def kex_mismatch(conn):
    conn.sendall(b"SSH-2.0-SSHD-CORE-0.11.0\r\n")
    conn.settimeout(5)
    line = b""
    while not line.endswith(b"\n"):
        part = conn.recv(1)
        if not part:
            return
        line += part
    names = [b"diffie-hellman-group-exchange-sha256,curve25519-sha256,ecdh-sha2-nistp256",
             b"ssh-ed25519,rsa-sha2-256", b"aes128-ctr", b"aes128-ctr",
             b"hmac-sha2-256", b"hmac-sha2-256", b"none", b"none", b"", b""]
    kexinit = bytes([20]) + bytes(range(16)) + b"".join(ssh_string(n) for n in names) + b"\0" + bytes(4)
    conn.sendall(ssh_packet(kexinit))
    expected = 34  # SSH_MSG_KEX_DH_GEX_REQUEST: what its own first method starts with
    while True:
        p = read_packet(conn)
        if p is None:
            return
        if p and p[0] not in (2, 4, 20):  # past IGNORE, DEBUG and the client's KEXINIT
            break
    if p[0] != expected:
        desc = "Protocol error: expected packet %d, got %d" % (expected, p[0])
        conn.sendall(ssh_packet(bytes([1]) + struct.pack(">I", 3) + ssh_string(desc.encode()) + ssh_string(b"")))


def handle(mode, conn):
    try:
        if mode == "ftp":
            ftp(conn)
        elif mode == "silent":
            silent(conn)
        elif mode == "close":
            conn.settimeout(0.5)
            try:
                conn.recv(4096)
            except OSError:
                pass
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode in ("http-proxy", "http-proxy-auth"):
            http_proxy(conn, mode == "http-proxy-auth")
        elif mode == "kex-mismatch":
            kex_mismatch(conn)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("ftp", "silent", "close", "reset", "http-proxy", "http-proxy-auth",
                                                 "kex-mismatch"):
        sys.stderr.write(__doc__)
        return 2
    mode, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(mode, conn), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
