#!/usr/bin/env python3
"""dhcp-dump.py FILE.bin...: print the BOOTP header and options of raw DHCPv4 payloads
(and the message type/options of DHCPv6). Used to document the capture fixtures."""
import sys


def v4(b):
    op, htype, hlen = b[0], b[1], b[2]
    xid, secs, flags = b[4:8].hex(), int.from_bytes(b[8:10], "big"), int.from_bytes(b[10:12], "big")
    ip = lambda o: ".".join(str(x) for x in b[o:o + 4])
    out = [f"op={op} htype={htype} hlen={hlen} xid={xid} secs={secs} flags=0x{flags:04x} "
           f"ciaddr={ip(12)} yiaddr={ip(16)} siaddr={ip(20)} giaddr={ip(24)} chaddr={b[28:28 + hlen].hex(':')}"]
    sname, file = b[44:108].rstrip(b"\0"), b[108:236].rstrip(b"\0")
    if sname or file:
        out.append(f"sname={sname!r} file={file!r}")
    assert b[236:240] == bytes([99, 130, 83, 99]), "no magic cookie"
    i = 240
    while i < len(b):
        code = b[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            out.append(f"  255 end at {i}, trailing pad {len(b) - i - 1}")
            break
        ln = b[i + 1]
        val = b[i + 2:i + 2 + ln]
        txt = val.decode("ascii") if val and all(32 <= c < 127 for c in val) else val.hex()
        if code == 55:
            txt = ",".join(str(c) for c in val)
        out.append(f"  {code:3d} len={ln:3d} {txt}")
        i += 2 + ln
    return out


def v6(b):
    out = [f"DHCPv6 msg-type={b[0]} xid={b[1:4].hex()}"]
    i = 4
    while i + 4 <= len(b):
        code, ln = int.from_bytes(b[i:i + 2], "big"), int.from_bytes(b[i + 2:i + 4], "big")
        out.append(f"  opt {code:3d} len={ln:3d} {b[i + 4:i + 4 + ln].hex()}")
        i += 4 + ln
    return out


for name in sys.argv[1:]:
    data = open(name, "rb").read()
    print(f"== {name} ({len(data)} bytes)")
    print("\n".join(v4(data) if len(data) >= 240 else v6(data)))
