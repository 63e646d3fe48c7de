#!/usr/bin/env python3
"""Sends malformed DHCP traffic at a server: truncated, garbage, bad cookie, overrunning options, oversized.
usage: flood.py SERVER_IP COUNT PORT... ; prints 'SENT <n>' at the end."""
import random, socket, struct, sys, time

server, count, ports = sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3:]]
rnd = random.Random(42)


def valid():
    hdr = struct.pack('!BBBBIHH', 1, 1, 6, 0, rnd.getrandbits(32), 0, 0x8000) + bytes(16) + \
        bytes([0x52, 0x54, 0, rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)]) + bytes(10 + 192)
    return bytearray(hdr + b'\x63\x82\x53\x63' + bytes([53, 1, 1, 255]))


def bad():
    k = rnd.randrange(6)
    if k == 0:
        return bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 400)))  # garbage
    p = valid()
    if k == 1:
        return bytes(p[:rnd.randrange(0, 240)])  # truncated header or cookie
    if k == 2:
        p[236] ^= 0xff  # bad magic cookie
        return bytes(p)
    if k == 3:
        return bytes(p[:240] + bytes([60, 200, 1, 2, 3]))  # option overruns the packet
    if k == 4:
        return bytes(p[:240] + bytes([12, 3, 65, 66, 67, 255]))  # no message type
    return bytes(p[:240] + bytes([43, 255]) + bytes(rnd.getrandbits(8) for _ in range(3000)))  # oversized + overrun


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
sent = 0
for i in range(count):
    for port in ports:
        dst = '255.255.255.255' if i % 5 == 0 and port == 67 else server
        try:
            s.sendto(bad(), (dst, port))
            sent += 1
        except OSError:
            pass
    if i % 50 == 0:
        time.sleep(0.005)  # stay below the socket buffer: we test the decoder, not the kernel's queue
print('SENT %d' % sent, flush=True)
