#!/usr/bin/env python3
"""Raw DHCP test client for the proxy-mode integration test (runs inside the client namespace).

Sends a PXE DISCOVER over an AF_PACKET socket (the interface has no address yet), prints every reply, takes the
offer that carries an address (the plain DHCP server's), REQUESTs it, configures it, then sends the PXE boot server
REQUEST to port 4011 and prints that reply with its source port. One JSON object per line on stdout.
usage: dhcp_probe.py IFACE MAC bios|uefi PROXY_IP
"""
import json, os, random, socket, struct, subprocess, sys, time

IFACE, MAC, POSE, PROXY = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), sys.argv[3], sys.argv[4]
ARCH = 7 if POSE == 'uefi' else 0
VCI = b'PXEClient:Arch:%05d:UNDI:003000' % ARCH
UUID = bytes(range(16))
aton = socket.inet_aton


def out(**kw):
    print(json.dumps(kw), flush=True)


def options(mtype, extra=()):
    opts = [(53, bytes([mtype])), (57, struct.pack('!H', 1472)), (93, struct.pack('!H', ARCH)),
            (94, b'\x01\x03\x00'), (60, VCI), (97, b'\x00' + UUID), (55, bytes([1, 3, 43, 60, 66, 67, 97]))]
    opts += list(extra)
    return b''.join(bytes([c, len(v)]) + v for c, v in opts) + b'\xff'


def dhcp(xid, mtype, extra=(), ciaddr='0.0.0.0', flags=0x8000):
    hdr = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, xid, 0, flags, aton(ciaddr), aton('0.0.0.0'),
                      aton('0.0.0.0'), aton('0.0.0.0'), MAC, b'', b'')
    return (hdr + b'\x63\x82\x53\x63' + options(mtype, extra)).ljust(300, b'\0')


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(payload):
    udp = struct.pack('!HHHH', 68, 67, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, aton('0.0.0.0'),
                     aton('255.255.255.255'))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\xff' * 6 + MAC + b'\x08\x00' + ip + udp


def collect(raw, xid, seconds, want_one=False):
    got, end = [], time.time() + seconds
    while time.time() < end:
        raw.settimeout(max(0.01, end - time.time()))
        try:
            f = raw.recv(4096)
        except socket.timeout:
            break
        if len(f) < 42 or f[12:14] != b'\x08\x00' or f[23] != 17:
            continue
        ihl = (f[14] & 0x0f) * 4
        sport, dport = struct.unpack('!HH', f[14 + ihl:18 + ihl])
        p = f[22 + ihl:]
        if dport != 68 or len(p) < 240 or p[0] != 2 or struct.unpack('!I', p[4:8])[0] != xid:
            continue
        got.append({'src': socket.inet_ntoa(f[26:30]), 'sport': sport, 'hex': p.hex()})
        if want_one:
            break
    return got


def yiaddr(p):
    return socket.inet_ntoa(bytes.fromhex(p['hex'])[16:20])


def option(p, code):
    b = bytes.fromhex(p['hex'])
    i = 240
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        if b[i] == code:
            return b[i + 2:i + 2 + b[i + 1]]
        i += 2 + b[i + 1]
    return None


raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
raw.bind((IFACE, 0))
xid = random.getrandbits(32)
raw.send(frame(dhcp(xid, 1)))
offers = collect(raw, xid, 3.0)
for o in offers:
    out(step='offer', **o)
leased = [o for o in offers if yiaddr(o) != '0.0.0.0']
if not leased:
    out(step='error', message='no offer with an address')
    sys.exit(2)
addr, server = yiaddr(leased[0]), option(leased[0], 54)
raw.send(frame(dhcp(xid, 3, [(50, aton(addr)), (54, server)])))
acks = collect(raw, xid, 3.0, want_one=True)
for a in acks:
    out(step='ack', **a)
if not acks:
    out(step='error', message='no ACK for ' + addr)
    sys.exit(2)
subprocess.run(['ip', 'addr', 'add', addr + '/24', 'dev', IFACE], check=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 68))
s.settimeout(3.0)
xid2 = random.getrandbits(32)
s.sendto(dhcp(xid2, 3, ciaddr=addr, flags=0), (PROXY, 4011))
try:
    data, (src, sport) = s.recvfrom(4096)
    out(step='pxe-ack', src=src, sport=sport, hex=data.hex(), xid=xid2)
except socket.timeout:
    out(step='error', message='no reply from %s:4011' % PROXY)
    sys.exit(3)
