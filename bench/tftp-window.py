#!/usr/bin/env python3
"""A minimal TFTP read client that asks for RFC 7440 windowsize (curl and busybox cannot), for bench/tftp.sh.

    tftp-window.py HOST FILE OUT [BLKSIZE] [WINDOWSIZE]

Asks for blksize and windowsize; uses what the server acknowledges (a server without windowsize support, like
dnsmasq, leaves it out of its OACK, and the transfer runs lock-step). ACKs after every full window, on the last
block, and, on a gap or a 1-s silence, re-ACKs the last block received in order (RFC 7440 section 4).
Prints "blksize=N windowsize=W" on success; exit 1 on a TFTP error or 10 silent seconds.
"""
import socket
import struct
import sys


def main() -> int:
    host, name, out = sys.argv[1], sys.argv[2], sys.argv[3]
    blksize = int(sys.argv[4]) if len(sys.argv) > 4 else 1468
    window = int(sys.argv[5]) if len(sys.argv) > 5 else 16
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.settimeout(1.0)
    opts = b"".join(k + b"\0" + str(v).encode() + b"\0" for k, v in ((b"blksize", blksize), (b"windowsize", window)))
    s.sendto(struct.pack("!H", 1) + name.encode() + b"\0octet\0" + opts, (host, 69))
    size, win = 512, 1                      # RFC 1350 defaults unless the OACK says otherwise
    server = None
    expected = 1                            # next block wanted (absolute; wire numbers wrap at 65536)
    in_window = 0
    silent = 0
    gap_acked = False                       # one re-ACK per gap, not one per out-of-order block
    with open(out, "wb") as f:
        while True:
            try:
                pkt, addr = s.recvfrom(65536)
            except socket.timeout:
                silent += 1
                if silent >= 10 or server is None:
                    print("timeout", file=sys.stderr)
                    return 1
                s.sendto(struct.pack("!HH", 4, (expected - 1) & 0xFFFF), server)
                in_window = 0
                continue
            silent = 0
            if server is None:
                server = addr
            elif addr != server:
                continue
            op = struct.unpack_from("!H", pkt)[0]
            if op == 6:                     # OACK
                fields = pkt[2:].split(b"\0")
                acked = {fields[i].lower(): int(fields[i + 1]) for i in range(0, len(fields) - 1, 2)}
                size = acked.get(b"blksize", 512)
                win = acked.get(b"windowsize", 1)
                s.sendto(struct.pack("!HH", 4, 0), server)
                continue
            if op == 5:
                print("error", struct.unpack_from("!H", pkt, 2)[0], pkt[4:-1].decode(errors="replace"),
                      file=sys.stderr)
                return 1
            if op != 3:
                continue
            block = struct.unpack_from("!H", pkt, 2)[0]
            if block != expected & 0xFFFF:
                # A gap (or a duplicate): ask for everything after the last block we have in order.
                if not gap_acked:
                    s.sendto(struct.pack("!HH", 4, (expected - 1) & 0xFFFF), server)
                    gap_acked = True
                in_window = 0
                continue
            gap_acked = False
            f.write(pkt[4:])
            expected += 1
            in_window += 1
            last = len(pkt) - 4 < size
            if last or in_window >= win:
                s.sendto(struct.pack("!HH", 4, block), server)
                in_window = 0
            if last:
                print(f"blksize={size} windowsize={win}")
                return 0


if __name__ == "__main__":
    sys.exit(main())
