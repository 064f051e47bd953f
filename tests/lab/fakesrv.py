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
    finally:
        conn.close()


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("ftp", "silent", "close", "reset", "http-proxy", "http-proxy-auth"):
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
