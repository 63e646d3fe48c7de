package io.pxereimage.runtime.multicast;

import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import io.pxereimage.protocol.multicast.Header;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.protocol.multicast.Packet;
import io.pxereimage.protocol.multicast.PacketType;

/**
 * {@link MulticastSender} as a child JVM in a namespace (for {@link MulticastDistributionIT}); prints one
 * {@code REPORT ...} line; {@code --window} etc. set {@link MulticastSender.Tuning}. {@code --rogue true} also floods the data group with DATA of another session (same image
 * hash prefix, wrong content) for the whole transfer.
 */
public final class SenderMain {
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        NetworkInterface nif = NetworkInterface.getByName(o.get("--iface"));
        Map<Long, byte[]> tokens = new LinkedHashMap<>();
        for (String r : o.get("--receivers").split(",")) {
            String[] idFile = r.split(":");
            tokens.put(Long.parseLong(idFile[0]), Files.readAllBytes(Path.of(idFile[1])));
        }
        byte[] sha = HexFormat.of().parseHex(o.get("--sha256"));
        InetSocketAddress data = new InetSocketAddress(InetAddress.getByName(o.get("--data-group")),
                Integer.parseInt(o.get("--data-port")));
        MulticastSender.Config c = new MulticastSender.Config(Path.of(o.get("--image")), sha,
                new InetSocketAddress(InetAddress.getByName(o.get("--group")), Integer.parseInt(o.get("--port"))),
                data, nif, MulticastCodec.ETHERNET_BLOCK, 1024, Long.parseLong(o.getOrDefault("--rate", "0")),
                tokens, Integer.parseInt(o.getOrDefault("--min-receivers", Integer.toString(tokens.size()))),
                Duration.ofSeconds(Long.parseLong(o.getOrDefault("--max-wait", "30"))), Duration.ofSeconds(5),
                tuning(o));
        Thread rogue = null;
        if (Boolean.parseBoolean(o.getOrDefault("--rogue", "false"))) {
            rogue = new Thread(() -> flood(nif, data, Header.hashPrefix(sha)), "rogue");
            rogue.setDaemon(true);
            rogue.start();
        }
        MulticastSender.Report r = new MulticastSender(c).run();
        long verified = r.receivers().stream().filter(MulticastSender.ReceiverOutcome::verified).count();
        System.out.printf("REPORT mibps=%.1f seconds=%.3f data=%d repair=%d verified=%d receivers=%d malformed=%d"
                + " rejected=%d lowest_rate=%d decreases=%d late=%d evicted=%d left=%d%nOUTCOMES %s%n",
                r.mibPerSecond(), r.nanos() / 1e9, r.dataPackets(), r.repairPackets(), verified,
                r.receivers().size(), r.malformed(), r.rejected(), r.lowestRate(), r.rateDecreases(),
                r.lateJoiners(), r.evicted(), r.left(), r.receivers());
        System.out.flush();
        System.exit(0);
    }

    /** {@code --window N --min-rate B/s --congestion-loss F --evict-loss F --evict-lag-ms MS}, else the defaults. */
    private static MulticastSender.Tuning tuning(Map<String, String> o) {
        MulticastSender.Tuning d = MulticastSender.Tuning.DEFAULT;
        return new MulticastSender.Tuning(Integer.parseInt(o.getOrDefault("--window", Integer.toString(d.window()))),
                Long.parseLong(o.getOrDefault("--min-rate", Long.toString(d.minRateBytesPerSecond()))),
                Double.parseDouble(o.getOrDefault("--congestion-loss", Double.toString(d.congestionLoss()))),
                Double.parseDouble(o.getOrDefault("--evict-loss", Double.toString(d.evictLoss()))),
                o.containsKey("--evict-lag-ms") ? Duration.ofMillis(Long.parseLong(o.get("--evict-lag-ms")))
                        : d.evictLag());
    }

    /** Another session's DATA for every early block position, 0xEE bytes: written anywhere, it breaks the hash. */
    private static void flood(NetworkInterface nif, InetSocketAddress data, long hashPrefix) {
        try (MulticastSocket s = new MulticastSocket()) {
            s.setNetworkInterface(nif);
            s.setTimeToLive(1);
            long session = new SecureRandom().nextLong();
            byte[] payload = new byte[MulticastCodec.ETHERNET_BLOCK];
            java.util.Arrays.fill(payload, (byte) 0xEE);
            for (int n = 0; ; n++) {
                Header h = new Header(PacketType.DATA, session, hashPrefix, (n / 1024) % 4, 0);
                ByteBuffer b = MulticastCodec.encode(new Packet.Data(h, n % 1024, payload));
                s.send(new DatagramPacket(b.array(), b.remaining(), data));
                if (n % 64 == 0) {
                    Thread.sleep(1);
                }
            }
        } catch (Exception e) {
            System.err.println("rogue stopped: " + e);
        }
    }
}
