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
    finally:
        conn.close()


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("ftp", "silent", "close", "reset"):
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
