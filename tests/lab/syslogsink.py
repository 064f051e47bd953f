#!/usr/bin/env python3
"""A stand-in for syslogd's /dev/log, for the loglens live lab (LAB_SYSLOG=1).

usage: syslogsink.py SOCKET=RAWFILE [SOCKET=RAWFILE ...]

Binds each SOCKET as a Unix datagram socket (what /dev/log is) and appends every datagram
sshd sends to it to RAWFILE as one line: "<reception time, RFC 3339 with microseconds>\t<datagram>".

    format TRADITIONAL|RFC3339 HOST < RAWFILE-slice      (second form of the command)

turns such lines into the two file formats rsyslog writes: RSYSLOG_TraditionalFileFormat
("Nov 22 04:53:39 HOST sshd[123]: msg") and RSYSLOG_FileFormat, Debian 12's default
("2026-11-22T04:53:39.123456+00:00 HOST sshd[123]: msg"). The datagram's own text is kept
byte for byte; only the <PRI> is dropped and the host name inserted, as rsyslog does.
"""
import datetime
import os
import re
import selectors
import socket
import sys


def serve(pairs):
    sel = selectors.DefaultSelector()
    for pair in pairs:
        path, raw = pair.split("=", 1)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        os.chmod(path, 0o666)
        sel.register(s, selectors.EVENT_READ, open(raw, "ab", buffering=0))
    while True:
        for key, _ in sel.select():
            data = key.fileobj.recv(65536).rstrip(b"\0").rstrip(b"\n")
            now = datetime.datetime.now(datetime.timezone.utc).astimezone()
            key.data.write(now.isoformat(timespec="microseconds").encode() + b"\t" + data + b"\n")


PRI_TS = re.compile(rb"^<\d{1,3}>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (.*)$", re.S)


def fmt(style, host):
    for line in sys.stdin.buffer:
        line = line.rstrip(b"\n")
        if b"\t" not in line:
            continue
        when, dgram = line.split(b"\t", 1)
        m = PRI_TS.match(dgram)
        if not m:
            continue
        ts, rest = m.groups()
        if style == "TRADITIONAL":
            out = ts + b" " + host + b" " + rest
        else:
            out = when + b" " + host + b" " + rest
        sys.stdout.buffer.write(out + b"\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "format" and sys.argv[2] in ("TRADITIONAL", "RFC3339"):
        fmt(sys.argv[2], sys.argv[3].encode())
        return 0
    if len(sys.argv) < 2 or not all("=" in a for a in sys.argv[1:]):
        sys.stderr.write(__doc__)
        return 2
    serve(sys.argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
