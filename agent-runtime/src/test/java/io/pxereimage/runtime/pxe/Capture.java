package io.pxereimage.runtime.pxe;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpMessage;

/**
 * tcpdump on DHCP ports inside a namespace, written to a pcap file that {@link #dhcp()} reads back and decodes with
 * our own {@link DhcpCodec}. {@code -U --immediate-mode} makes tcpdump write each packet at once, so the file can be
 * read while the capture runs (the last record may be cut short; it is skipped).
 */
final class Capture implements AutoCloseable {
    /** A DHCP packet seen on the wire. */
    record Packet(Inet4Address src, int sport, int dport, DhcpMessage message) {
    }

    private final Process process;
    private final Path file;

    Capture(NetLab lab, String ns, String name) throws IOException, InterruptedException {
        file = lab.dir.resolve(name + ".pcap");
        Path log = lab.dir.resolve(name + ".tcpdump.log");
        process = lab.start(ns, log, "tcpdump", "-i", "eth0", "-n", "-U", "--immediate-mode", "-s", "2048",
                "-w", file.toString(), "udp port 67 or udp port 68 or udp port 4011");
        // tcpdump says "listening on" once the socket and filter are in place: start the client only then
        for (int i = 0; i < 100; i++) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains("listening on")) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new IOException("tcpdump did not start: " + Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Every DHCP packet captured so far; undecodable ones are skipped (the codec test covers them). */
    List<Packet> dhcp() throws IOException {
        List<Packet> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (b.remaining() < 24) {
            return out;
        }
        int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        if (b.getInt(20) != 1) {
            throw new IOException("not an Ethernet capture: link type " + b.getInt(20));
        }
        int pos = 24;
        while (pos + 16 <= b.limit()) {
            int caplen = b.getInt(pos + 8);
            if (caplen < 0 || pos + 16 + caplen > b.limit()) {
                break; // record still being written
            }
            Packet p = udp(Arrays.copyOfRange(b.array(), pos + 16, pos + 16 + caplen));
            if (p != null) {
                out.add(p);
            }
            pos += 16 + caplen;
        }
        return out;
    }

    /** Polls the capture until a packet matches, or {@code timeout} passes. */
    List<Packet> await(Predicate<Packet> want, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        List<Packet> all = dhcp();
        while (all.stream().noneMatch(want) && System.nanoTime() < end) {
            Thread.sleep(100);
            all = dhcp();
        }
        return all;
    }

    /** Ethernet II + IPv4 + UDP; null for anything else. */
    private static Packet udp(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        if (f.length < 14 + 20 + 8 || b.getShort(12) != 0x0800 || f[14 + 9] != 17) {
            return null;
        }
        int ihl = (f[14] & 0x0f) * 4;
        int udp = 14 + ihl;
        if (f.length < udp + 8) {
            return null;
        }
        int sport = b.getShort(udp) & 0xffff;
        int dport = b.getShort(udp + 2) & 0xffff;
        int len = (b.getShort(udp + 4) & 0xffff) - 8;
        if (len < 0 || udp + 8 + len > f.length) {
            return null;
        }
        try {
            Inet4Address src = (Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(f, 14 + 12, 14 + 16));
            return new Packet(src, sport, dport, DhcpCodec.decode(Arrays.copyOfRange(f, udp + 8, udp + 8 + len)));
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
