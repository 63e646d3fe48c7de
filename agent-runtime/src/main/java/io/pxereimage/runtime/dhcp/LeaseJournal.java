package io.pxereimage.runtime.dhcp;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/**
 * Lease persistence as an append-only text journal, {@code leases.journal} in the data directory, one line per
 * change: {@code bind <mac> <ip> <expires-epoch-ms>} or {@code free <mac> <ip>}.
 *
 * <p>At start the journal is replayed, then compacted: the live leases are written to a temporary file, forced to
 * disk and renamed over the journal (atomic on POSIX file systems), so a crash during compaction leaves either the
 * old or the new file. Changes are queued by the pool (never blocking it) and written by one background thread,
 * which forces the file to disk at most once per {@link #FORCE_INTERVAL_MS}.
 *
 * <p><b>Crash window:</b> a process crash loses the changes still queued (normally under a millisecond's worth);
 * a power loss or kernel crash also loses what was written in the last {@link #FORCE_INTERVAL_MS} and not yet
 * forced. A lost "bind" is harmless in practice: the client renews, and an INIT-REBOOT request for a free address
 * is acknowledged again. A torn last line is skipped on replay.
 */
public final class LeaseJournal implements LeaseStore {
    public static final String FILE_NAME = "leases.journal";
    public static final long FORCE_INTERVAL_MS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(LeaseJournal.class);
    private static final String STOP = "";

    private final Path file;
    private final Clock clock;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final List<Lease> loaded;
    private final Thread writer;
    private volatile boolean closed;

    public LeaseJournal(Path dataDir, Clock clock) {
        this(dataDir, FILE_NAME, clock);
    }

    /** A journal under another name: one per address scope (a relayed subnet has its own, see RelayScope). */
    public LeaseJournal(Path dataDir, String fileName, Clock clock) {
        this.file = dataDir.resolve(fileName);
        this.clock = clock;
        try {
            Files.createDirectories(dataDir);
            this.loaded = replay();
            compact(loaded);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open lease journal " + file, e);
        }
        writer = new Thread(this::writeLoop, "dhcp-lease-journal");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public List<Lease> load() {
        return loaded;
    }

    @Override
    public void bound(Lease lease) {
        offer("bind " + lease.mac() + " " + lease.address().getHostAddress() + " " + lease.expires().toEpochMilli());
    }

    @Override
    public void freed(MacAddress mac, Inet4Address address) {
        offer("free " + mac + " " + address.getHostAddress());
    }

    private void offer(String line) {
        if (!closed) {
            queue.add(line);
        }
    }

    /** Stops the writer after it has written everything queued so far. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Lease> replay() throws IOException {
        Map<MacAddress, Lease> live = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return List.of();
        }
        long now = clock.millis();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String[] f = line.trim().split(" ");
            try {
                if (f.length == 4 && f[0].equals("bind")) {
                    MacAddress mac = MacAddress.parse(f[1]);
                    live.put(mac, new Lease(mac, Ip4.parse(f[2]), Lease.State.BOUND,
                            Instant.ofEpochMilli(Long.parseLong(f[3]))));
                } else if (f.length == 3 && f[0].equals("free")) {
                    MacAddress mac = MacAddress.parse(f[1]);
                    Lease l = live.get(mac);
                    if (l != null && l.address().equals(Ip4.parse(f[2]))) {
                        live.remove(mac);
                    }
                } else if (!line.isBlank()) {
                    LOG.warn("{}:{}: skipping unreadable line", file, lineNo);
                }
            } catch (IllegalArgumentException e) {
                LOG.warn("{}:{}: skipping unreadable line ({})", file, lineNo, e.getMessage());
            }
        }
        live.values().removeIf(l -> l.expires().toEpochMilli() <= now);
        return List.copyOf(live.values());
    }

    private void compact(List<Lease> leases) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            StringBuilder s = new StringBuilder();
            for (Lease l : leases) {
                s.append("bind ").append(l.mac()).append(' ').append(l.address().getHostAddress()).append(' ')
                        .append(l.expires().toEpochMilli()).append('\n');
            }
            ch.write(java.nio.ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void writeLoop() {
        long lastForce = 0;
        boolean dirty = false;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
             BufferedWriter out = new BufferedWriter(java.nio.channels.Channels.newWriter(ch, StandardCharsets.UTF_8))) {
            while (true) {
                List<String> batch = new ArrayList<>();
                String first = queue.poll(FORCE_INTERVAL_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch);
                }
                boolean stop = false;
                for (String line : batch) {
                    if (line == STOP) {
                        stop = true;
                    } else {
                        out.write(line);
                        out.write('\n');
                        dirty = true;
                    }
                }
                out.flush();
                long now = System.currentTimeMillis();
                if (dirty && (stop || now - lastForce >= FORCE_INTERVAL_MS)) {
                    ch.force(false);
                    lastForce = now;
                    dirty = false;
                }
                if (stop) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.error("lease journal {} stopped: {}", file, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
