package io.pxereimage.runtime.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.net.MacAddress;

/**
 * One-time boot tokens: minted when a machine whose plan is {@code deploy} fetches its iPXE script, put on the
 * deploy environment's kernel command line, and redeemed once by the agent's registration.
 *
 * <p>Rules (docs/agent-protocol.md): bound to one MAC, valid {@link #DEFAULT_TTL}, usable once; a new mint for a
 * MAC revokes the previous token. Only SHA-256 digests are kept (in memory and in {@code boot-tokens.json}), so
 * neither a heap dump nor the data directory holds a usable token; look-up is by digest and the final check a
 * constant-time comparison.
 */
public final class BootTokens {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
    private static final Logger LOG = LoggerFactory.getLogger(BootTokens.class);

    /** Why a token was refused, or {@link #OK}. */
    public enum Outcome {
        OK(""), UNKNOWN("token unknown"), EXPIRED("token expired"), USED("token already used"),
        OTHER_MAC("token bound to another MAC");

        private final String reason;

        Outcome(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** What is kept of a token: its digest, never the token. Public for the JSON file only. */
    public static final class Entry {
        public String digest;
        public MacAddress mac;
        public Instant expires;
        public boolean used;

        public Entry() {
        }

        Entry(String digest, MacAddress mac, Instant expires) {
            this.digest = digest;
            this.mac = mac;
            this.expires = expires;
        }
    }

    private final Clock clock;
    private final Duration ttl;
    private final Path file;
    private final Map<String, Entry> byDigest = new HashMap<>();
    private final Map<MacAddress, String> current = new HashMap<>();

    /** In memory only. */
    public BootTokens(Clock clock, Duration ttl) {
        this(null, clock, ttl);
    }

    /**
     * @param file {@code boot-tokens.json}: digests survive a restart, so an agent booted just before it can still
     *             register; {@code null} for memory only
     */
    public BootTokens(Path file, Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
        this.file = file;
        load();
    }

    /** A fresh token for {@code mac}; the previous one of that MAC stops working. */
    public synchronized String mint(MacAddress mac) {
        purge();
        String token = Secrets.newToken();
        String digest = Secrets.sha256Hex(token);
        String previous = current.put(mac, digest);
        if (previous != null) {
            byDigest.remove(previous);
        }
        byDigest.put(digest, new Entry(digest, mac, clock.instant().plus(ttl)));
        persist();
        LOG.debug("boot token {} minted for {}", digest.substring(0, 6), mac);
        return token;
    }

    /** Checks and, when valid, consumes {@code token} for {@code mac}. */
    public synchronized Outcome redeem(MacAddress mac, String token) {
        if (token == null || token.isEmpty() || token.length() > 256) {
            return Outcome.UNKNOWN;
        }
        String digest = Secrets.sha256Hex(token);
        Entry e = byDigest.get(digest);
        if (e == null || !Secrets.digestsEqual(e.digest, digest)) {
            return Outcome.UNKNOWN;
        }
        if (e.used) {
            return Outcome.USED;
        }
        if (!e.mac.equals(mac)) {
            return Outcome.OTHER_MAC;
        }
        if (!clock.instant().isBefore(e.expires)) {
            return Outcome.EXPIRED;
        }
        e.used = true;
        persist();
        return Outcome.OK;
    }

    private void load() {
        if (file == null || !Files.exists(file)) {
            return;
        }
        try {
            List<Entry> stored = Json.MAPPER.readValue(file.toFile(),
                    Json.MAPPER.getTypeFactory().constructCollectionType(List.class, Entry.class));
            for (Entry e : stored) {
                if (e.digest != null && e.mac != null && e.expires != null) {
                    byDigest.put(e.digest, e);
                    current.put(e.mac, e.digest);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("boot tokens: cannot read {} ({}); machines booted before the restart must boot again", file,
                    e.getMessage());
        }
    }

    private void persist() {
        if (file == null) {
            return;
        }
        try {
            Json.writeAtomically(file, new ArrayList<>(byDigest.values()));
        } catch (IOException e) {
            LOG.warn("boot tokens: cannot write {}: {}", file, e.getMessage());
        }
    }

    /** Forgets tokens long past their expiry; "expired" is still reported for a while after it. */
    private void purge() {
        Instant horizon = clock.instant().minus(ttl.multipliedBy(4));
        byDigest.values().removeIf(e -> e.expires.isBefore(horizon));
        current.values().removeIf(d -> !byDigest.containsKey(d));
    }
}
