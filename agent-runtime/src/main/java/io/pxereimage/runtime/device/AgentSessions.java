package io.pxereimage.runtime.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.type.TypeReference;

import io.pxereimage.protocol.Inventory;
import io.pxereimage.runtime.net.MacAddress;

/**
 * Registered deploy agents. A session is created by a valid registration and authenticates every later agent call
 * with its bearer token. Sessions (with the token's digest, never the token) and the last inventory of each machine
 * are kept in {@code sessions.json} in the data directory, so an agent that polls across a runtime restart simply
 * carries on. A new registration for a MAC ends that MAC's previous session.
 */
public final class AgentSessions {
    /** {@code lastSeen} is written back at most this often: a poll every 25 s need not rewrite the file. */
    private static final Duration PERSIST_LAST_SEEN = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(AgentSessions.class);

    /** One agent's session; {@code tokenSha256} is the hex digest of its session token. */
    public record Session(String agentId, MacAddress mac, String machine, String tokenSha256, Instant created,
            Instant lastSeen, Inventory inventory) {
        Session seen(Instant t) {
            return new Session(agentId, mac, machine, tokenSha256, created, t, inventory);
        }
    }

    /** A new session and its token, which exists only in this object and in the response to the agent. */
    public record Registered(Session session, String token) {
        @Override
        public String toString() {
            return "Registered[" + session.agentId() + ", token=***]";
        }
    }

    private final Path file;
    private final Clock clock;
    private final Map<String, Session> byDigest = new LinkedHashMap<>();
    private Instant persistedAt = Instant.EPOCH;

    /** @param file {@code sessions.json}; read now when it exists, {@code null} keeps sessions in memory only */
    public AgentSessions(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        load();
    }

    public synchronized Registered register(MacAddress mac, String machine, Inventory inventory) {
        byDigest.values().removeIf(s -> s.mac().equals(mac));
        String token = Secrets.newToken();
        Instant now = clock.instant();
        Session s = new Session("a-" + Secrets.randomHex(6), mac, machine, Secrets.sha256Hex(token), now, now,
                inventory);
        byDigest.put(s.tokenSha256(), s);
        persist();
        return new Registered(s, token);
    }

    /** The session of an {@code Authorization} header's bearer token; records the time as last seen. */
    public synchronized Optional<Session> authenticate(String authorization) {
        String token = Secrets.bearer(authorization);
        if (token == null || token.length() > 256) {
            return Optional.empty();
        }
        String digest = Secrets.sha256Hex(token);
        Session s = byDigest.get(digest);
        if (s == null || !Secrets.digestsEqual(s.tokenSha256(), digest)) {
            return Optional.empty();
        }
        Session seen = s.seen(clock.instant());
        byDigest.put(digest, seen);
        if (Duration.between(persistedAt, seen.lastSeen()).compareTo(PERSIST_LAST_SEEN) > 0) {
            persist();
        }
        return Optional.of(seen);
    }

    public synchronized Optional<Session> forMac(MacAddress mac) {
        return byDigest.values().stream().filter(s -> s.mac().equals(mac)).findFirst();
    }

    public synchronized List<Session> list() {
        List<Session> all = new ArrayList<>(byDigest.values());
        all.sort(Comparator.comparing(Session::mac));
        return all;
    }

    private void load() {
        if (file == null || !Files.exists(file)) {
            return;
        }
        try {
            List<Session> stored = Json.MAPPER.readValue(file.toFile(), new TypeReference<List<Session>>() { });
            for (Session s : stored) {
                if (s.tokenSha256() != null && s.mac() != null) {
                    byDigest.put(s.tokenSha256(), s);
                }
            }
            LOG.info("agent sessions: {} restored from {}", byDigest.size(), file);
        } catch (IOException | RuntimeException e) {
            // A broken file must not stop the runtime: agents will be refused and re-register after a reboot.
            LOG.warn("agent sessions: cannot read {} ({}), starting without sessions", file, e.getMessage());
        }
    }

    private void persist() {
        persistedAt = clock.instant();
        if (file == null) {
            return;
        }
        try {
            Json.writeAtomically(file, new ArrayList<>(byDigest.values()));
        } catch (IOException e) {
            LOG.warn("agent sessions: cannot write {}: {}", file, e.getMessage());
        }
    }
}
