package io.pxereimage.runtime.multicast;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.concurrent.Shutdown;
import io.pxereimage.runtime.device.DeployFlow;
import io.pxereimage.runtime.device.Events;
import io.pxereimage.runtime.device.JobQueue;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.image.ImageEntry;

/**
 * Groups deploy jobs of one image for several machines into multicast sessions and runs one
 * {@link MulticastSender} per session ({@code docs/multicast.md}, "Runtime integration").
 *
 * <p>Automatic: a deploy job of an image is held for the gathering window that the first such job opened; when it
 * closes, two or more jobs of that image become one session, a lone job goes unicast. Explicit: {@link #session}
 * makes the given jobs one session at once. Either way each job gets its own receiver id and token
 * ({@code Job.Multicast}) and is released to its agent; the sender starts announcing when the first agent takes its
 * job, so machines that boot later still register within {@code maxWait}.
 *
 * <p>The sender's report is recorded, never acted on: whether a machine is imaged is decided by its agent's
 * verified job result alone ({@link DeployFlow}). A receiver that leaves, is dropped or never registers finishes
 * (or starts) over HTTP by itself.
 */
public final class MulticastSessions implements DeployFlow.Grouping, JobQueue.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MulticastSessions.class);
    /** Session progress events at these steps (percent of the slowest receiver): a readable log. */
    private static final int PROGRESS_STEP = 25;
    /**
     * Agent messages that say it took (part of) the image over HTTP: "...: unicast", "N bytes still missing",
     * "N bytes by HTTP Range" with N > 0 (the agent's MulticastDeploy words them so).
     */
    private static final Pattern FALLBACK = Pattern.compile(
            ": unicast$|\\b[1-9]\\d* bytes (still missing|by HTTP Range)");

    /** Runs a sender: {@code new MulticastSender(config).run()}, or a stand-in in tests. */
    @FunctionalInterface
    public interface Sending {
        MulticastSender.Report run(MulticastSender.Config config) throws IOException, InterruptedException;
    }

    public enum State { WAITING, RUNNING, DONE, FAILED }

    /** A session as {@code GET /api/v1/multicast} shows it. */
    public record SessionView(String id, String image, String state, Instant created, Instant started,
            Instant ended, String controlGroup, String dataGroup, List<ReceiverView> receivers, Long imageBytes,
            Long dataPackets, Long repairPackets, Double mibPerSecond, String failure) {
    }

    /** One receiver; {@code outcome} is null until the sender ended. */
    public record ReceiverView(String machine, String job, long receiverId, String outcome, String detail) {
    }

    private static final class Member {
        final JobRecord job;
        final long receiverId;
        final byte[] token;
        String outcome;
        String detail;

        Member(JobRecord job, long receiverId, byte[] token) {
            this.job = job;
            this.receiverId = receiverId;
            this.token = token;
        }
    }

    private static final class Session {
        final String id;
        final ImageEntry image;
        final Path file;
        final int slot;
        final Map<String, Member> members = new LinkedHashMap<>(); // by job id
        final Instant created;
        State state = State.WAITING;
        Instant started;
        Instant ended;
        MulticastSender.Report report;
        String failure;
        int progressStep;

        Session(String id, ImageEntry image, Path file, int slot, Instant created) {
            this.id = id;
            this.image = image;
            this.file = file;
            this.slot = slot;
            this.created = created;
        }
    }

    private static final class Gathering {
        final ImageEntry image;
        final List<JobRecord> jobs = new ArrayList<>();
        ScheduledFuture<?> close;

        Gathering(ImageEntry image) {
            this.image = image;
        }
    }

    private final MulticastSettings settings;
    private final NetworkInterface iface;
    private final JobQueue jobs;
    private final Events events;
    private final Function<String, Optional<Path>> files;
    private final Clock clock;
    private final Sending sending;
    private final MeterRegistry meters;
    private final ScheduledExecutorService timer;
    private final ExecutorService senders;
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger counter = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean closing;

    // Guarded by this.
    private final Map<String, Gathering> gathering = new HashMap<>(); // by image sha256
    private final Map<String, Session> byJob = new HashMap<>();
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Set<Integer> slots = new HashSet<>();

    /**
     * @param iface the interface the senders send from
     * @param files an image's file by sha256 ({@code ImageCatalog.fileFor})
     */
    public MulticastSessions(MulticastSettings settings, NetworkInterface iface, DeployFlow flow, JobQueue jobs,
            Events events, Function<String, Optional<Path>> files, Clock clock, Sending sending,
            MeterRegistry meters) {
        this.settings = settings;
        this.iface = iface;
        this.jobs = jobs;
        this.events = events;
        this.files = files;
        this.clock = clock;
        this.sending = sending;
        this.meters = meters;
        ScheduledThreadPoolExecutor windows = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "pxe-multicast-window"));
        windows.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close drops windows not yet due
        this.timer = windows;
        this.senders = Executors.newCachedThreadPool(r -> daemon(r, "pxe-multicast-sender"));
        Gauge.builder("pxe_multicast_sessions_active", active, AtomicInteger::get)
                .description("multicast sessions whose sender runs").register(meters);
        jobs.addListener(this);
        flow.groupWith(this);
    }

    /** The real sender. */
    public static Sending realSender() {
        return config -> new MulticastSender(config).run();
    }

    public MulticastSettings settings() {
        return settings;
    }

    @Override
    public boolean gathers(ImageEntry image) {
        return settings.automatic() && multicastable(image).isEmpty();
    }

    @Override
    public synchronized void gather(JobRecord job, ImageEntry image) {
        Gathering g = gathering.get(image.sha256());
        if (g == null) {
            Gathering opened = new Gathering(image);
            g = opened;
            gathering.put(image.sha256(), g);
            g.close = timer.schedule(() -> closeWindow(opened), settings.window().toMillis(), TimeUnit.MILLISECONDS);
        }
        g.jobs.add(job);
        if (g.jobs.size() >= MulticastCodec.MAX_RECEIVERS) {
            Gathering full = g;
            full.close.cancel(false);
            timer.execute(() -> closeWindow(full));
        }
    }

    @Override
    public Optional<String> refuse(List<MachinePlan> plans, ImageEntry image) {
        Optional<String> no = multicastable(image);
        if (no.isPresent()) {
            return no;
        }
        reapAbandoned();
        synchronized (this) {
            return refuseLocked(plans);
        }
    }

    private Optional<String> refuseLocked(List<MachinePlan> plans) {
        if (plans.isEmpty() || plans.size() > MulticastCodec.MAX_RECEIVERS) {
            return Optional.of("machines: a multicast session has 1 to " + MulticastCodec.MAX_RECEIVERS
                    + " machines, not " + plans.size());
        }
        if (plans.stream().map(MachinePlan::mac).distinct().count() < plans.size()) {
            return Optional.of("machines: a machine appears twice");
        }
        if (slots.size() >= settings.maxSessions()) {
            return Optional.of("multicast: " + settings.maxSessions() + " sessions are running already"
                    + " (multicast.maxSessions)");
        }
        return Optional.empty();
    }

    @Override
    public String session(List<JobRecord> held, ImageEntry image) {
        Session s = open(held, image, "explicit");
        return s == null ? null : s.id;
    }

    @Override
    public synchronized List<SessionView> sessions() {
        List<SessionView> out = new ArrayList<>();
        for (Session s : sessions.values()) {
            List<ReceiverView> rs = new ArrayList<>();
            for (Member m : s.members.values()) {
                rs.add(new ReceiverView(m.job.machine(), m.job.id(), m.receiverId, m.outcome, m.detail));
            }
            MulticastSender.Report r = s.report;
            out.add(new SessionView(s.id, s.image.name(), s.state.name().toLowerCase(Locale.ROOT), s.created,
                    s.started, s.ended, control().getAddress().getHostAddress() + ":" + settings.port(),
                    settings.dataGroup(s.slot).getHostAddress() + ":" + (settings.port() + 1), rs,
                    r == null ? null : r.imageBytes(), r == null ? null : r.dataPackets(),
                    r == null ? null : r.repairPackets(), r == null ? null : round(r.mibPerSecond()), s.failure));
        }
        return out;
    }

    /** Why an image cannot be multicast, or empty. */
    private Optional<String> multicastable(ImageEntry image) {
        if (!"none".equals(image.compression())) {
            return Optional.of("multicast: image " + image.name() + " is stored " + image.compression()
                    + "-compressed; multicast sends raw images only");
        }
        if (files.apply(image.sha256()).isEmpty()) {
            return Optional.of("multicast: the file of image " + image.name() + " is missing");
        }
        return Optional.empty();
    }

    /** The window of {@code g}'s image closed: its live jobs become a session, or go unicast. */
    private void closeWindow(Gathering g) {
        List<JobRecord> live;
        synchronized (this) {
            if (gathering.get(g.image.sha256()) != g) {
                return; // closed early (full)
            }
            gathering.remove(g.image.sha256());
            live = g.jobs.stream().filter(j -> j.snapshot().state() == JobRecord.State.QUEUED).toList();
        }
        if (live.size() < 2) {
            unicast(live, "no other machine asked for " + g.image.name() + " within the "
                    + seconds(settings.window()) + " s gathering window");
            return;
        }
        open(live, g.image, "gathered within " + seconds(settings.window()) + " s");
    }

    private Session open(List<JobRecord> held, ImageEntry image, String how) {
        reapAbandoned();
        Session s;
        synchronized (this) {
            Optional<Path> file = files.apply(image.sha256());
            int slot = freeSlot();
            if (slot < 0 || file.isEmpty()) {
                s = null;
            } else {
                slots.add(slot);
                s = new Session(String.format(Locale.ROOT, "mc-%d-%04x", counter.incrementAndGet(),
                        random.nextInt(0x10000)), image, file.get(), slot, clock.instant());
                sessions.put(s.id, s);
                trim();
            }
        }
        if (s == null) {
            unicast(held, "no multicast session free (" + settings.maxSessions() + " running, multicast.maxSessions)"
                    + " or the image file is missing");
            return null;
        }
        // Members and events first: an agent may take its job the moment it is released.
        Map<String, Job.Multicast> grants = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (JobRecord j : held) {
            long id = random.nextLong() & Long.MAX_VALUE;
            byte[] token = new byte[32];
            random.nextBytes(token);
            grants.put(j.id(), new Job.Multicast(control().getAddress().getHostAddress(), settings.port(), id,
                    HexFormat.of().formatHex(token), settings.announceWaitSeconds()));
            synchronized (this) {
                s.members.put(j.id(), new Member(j, id, token));
                byJob.put(j.id(), s);
            }
            names.add(j.machine());
        }
        count("pxe_multicast_sessions_opened_total", "multicast sessions made (explicit or by the window)", "how",
                how.equals("explicit") ? "explicit" : "window");
        String text = "session " + s.id + " created with " + names.size() + " receivers " + names + " for "
                + image.name() + " (" + how + "): control " + control().getAddress().getHostAddress() + ":"
                + settings.port() + ", data " + settings.dataGroup(s.slot).getHostAddress() + ":"
                + (settings.port() + 1) + "; the sender starts when the first agent takes its job";
        names.forEach(n -> events.add(n, "multicast", text));
        for (JobRecord j : held) {
            if (!jobs.release(j.id(), job -> withMulticast(job, grants.get(j.id())))) {
                synchronized (this) { // a newer reimage cancelled it meanwhile
                    s.members.remove(j.id());
                    byJob.remove(j.id());
                }
            }
        }
        boolean empty;
        synchronized (this) {
            empty = s.members.isEmpty();
        }
        if (empty) {
            end(s, State.FAILED, "every job was cancelled before the session started");
        }
        return s;
    }

    private void unicast(List<JobRecord> held, String why) {
        for (JobRecord j : held) {
            if (j.snapshot().state() == JobRecord.State.QUEUED) { // the event first: the agent may take it at once
                events.add(j.machine(), "multicast-fallback", why + ": unicast");
                jobs.release(j.id(), job -> job);
            }
        }
    }

    /** Waiting sessions whose jobs all ended undelivered (a newer reimage replaced them) give their slot back. */
    private void reapAbandoned() {
        List<Session> abandoned = new ArrayList<>();
        synchronized (this) {
            for (Session s : sessions.values()) {
                if (s.state == State.WAITING
                        && s.members.values().stream().allMatch(m -> m.job.snapshot().state().done())) {
                    abandoned.add(s);
                }
            }
        }
        abandoned.forEach(s -> end(s, State.FAILED, "every job of it ended before an agent took one"));
    }

    private int freeSlot() {
        for (int i = 0; i < settings.maxSessions(); i++) {
            if (!slots.contains(i)) {
                return i;
            }
        }
        return -1;
    }

    /** The first agent of a waiting session took its job: start the sender. */
    @Override
    public void started(JobRecord job) {
        Session s;
        synchronized (this) {
            s = byJob.get(job.id());
            if (s == null || s.state != State.WAITING) {
                return;
            }
            s.state = State.RUNNING;
            s.started = clock.instant();
        }
        try {
            senders.execute(() -> send(s));
        } catch (RejectedExecutionException stopping) {
            end(s, State.FAILED, "the runtime is stopping");
        }
    }

    /** Agents report multicast events (fallback to unicast, left, ...); session progress follows the slowest. */
    @Override
    public void progressed(JobRecord job, List<AgentEvent> batch) {
        Session s;
        synchronized (this) {
            s = byJob.get(job.id());
        }
        if (s == null) {
            return;
        }
        for (AgentEvent e : batch) {
            String msg = e.message();
            if (msg != null && ("multicast".equals(e.kind()) || msg.toLowerCase(Locale.ROOT).contains("multicast"))) {
                boolean fallback = FALLBACK.matcher(msg).find();
                events.add(job.machine(), fallback ? "multicast-fallback" : "multicast", "agent: " + printable(msg));
                if (fallback) {
                    count("pxe_multicast_fallbacks_total", "agents that took (part of) an image over HTTP instead",
                            "source", "agent");
                }
            }
        }
        progress(s);
    }

    private void progress(Session s) {
        long min = Long.MAX_VALUE;
        List<String> names = new ArrayList<>();
        synchronized (this) {
            if (s.state != State.RUNNING) {
                return;
            }
            for (Member m : s.members.values()) {
                JobRecord.Snapshot snap = m.job.snapshot();
                AgentEvent p = snap.progress();
                long pct = p == null || p.bytes() == null || p.totalBytes() == null || p.totalBytes() <= 0 ? 0
                        : p.bytes() * 100 / p.totalBytes();
                min = Math.min(min, snap.state().done() ? 100 : pct);
                names.add(m.job.machine());
            }
            int step = (int) (min / PROGRESS_STEP) * PROGRESS_STEP;
            if (step <= s.progressStep || step == 0) {
                return;
            }
            s.progressStep = step;
        }
        String text = "session " + s.id + ": " + min + "% (the slowest of " + names.size() + " receivers)";
        names.forEach(n -> events.add(n, "multicast", text));
    }

    private void send(Session s) {
        Map<Long, byte[]> tokens = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        synchronized (this) {
            s.members.values().forEach(m -> {
                tokens.put(m.receiverId, m.token);
                names.add(m.job.machine());
            });
        }
        MulticastSender.Config config = new MulticastSender.Config(s.file, HexFormat.of().parseHex(s.image.sha256()),
                control(), new InetSocketAddress(settings.dataGroup(s.slot), settings.port() + 1), iface,
                MulticastCodec.ETHERNET_BLOCK, 1024, settings.rateBytesPerSecond(), tokens,
                Math.min(settings.minReceivers(), tokens.size()), settings.maxWait(), settings.phaseTimeout(),
                settings.tuning());
        String text = "session " + s.id + " started: announcing " + s.image.name() + " (" + s.image.sizeBytes()
                + " bytes) on " + iface.getName() + ", waiting up to " + settings.maxWait().toSeconds() + " s for "
                + tokens.size() + " receivers" + (settings.rateBytesPerSecond() == 0 ? "" : ", cap "
                        + settings.rateBytesPerSecond() * 8 / 1_000_000 + " Mbit/s");
        names.forEach(n -> events.add(n, "multicast", text));
        active.incrementAndGet();
        try {
            MulticastSender.Report report = sending.run(config);
            finished(s, report);
        } catch (IOException | RuntimeException e) {
            if (closing) { // the sender's channel closed under it (ClosedByInterruptException): not its fault
                end(s, State.FAILED, "the runtime is stopping");
                return;
            }
            LOG.warn("multicast session {} failed", s.id, e);
            end(s, State.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end(s, State.FAILED, "the runtime is stopping");
        } finally {
            active.decrementAndGet();
        }
    }

    private void finished(Session s, MulticastSender.Report r) {
        Map<Long, MulticastSender.ReceiverOutcome> byId = new HashMap<>();
        r.receivers().forEach(o -> byId.put(o.id(), o));
        int verified = 0;
        List<Member> members;
        synchronized (this) {
            s.report = r;
            members = List.copyOf(s.members.values());
        }
        for (Member m : members) {
            MulticastSender.ReceiverOutcome o = byId.get(m.receiverId);
            String outcome = classify(o);
            String detail = o == null ? "never registered (the machine did not take its job within "
                    + settings.maxWait().toSeconds() + " s of the first, or multicast does not reach it): it deploys"
                    + " over HTTP" : o.verified() ? "received and verified the whole image"
                    : o.failure() != null ? o.failure() : o.finishesOverHttp() ? o.overHttp() : "no result";
            if (outcome.equals("dropped") && o != null) {
                detail = detail + "; the agent finishes over HTTP or fails";
            }
            synchronized (this) {
                m.outcome = outcome;
                m.detail = detail;
            }
            verified += outcome.equals("verified") ? 1 : 0;
            count("pxe_multicast_receivers_total", "multicast receivers by outcome", "outcome", outcome);
            events.add(m.job.machine(), "multicast-receiver", "session " + s.id + ": " + outcome + ": " + detail);
        }
        Counter.builder("pxe_multicast_image_bytes_total").description("image bytes sent by multicast sessions")
                .register(meters).increment(r.imageBytes());
        Counter.builder("pxe_multicast_data_packets_total").description("DATA packets sent (first pass)")
                .register(meters).increment(r.dataPackets());
        Counter.builder("pxe_multicast_repair_packets_total").description("DATA packets resent after NAKs")
                .register(meters).increment(r.repairPackets());
        String text = String.format(Locale.ROOT, "session %s done: %d bytes in %.1f s (%.1f MiB/s), %d data + %d"
                + " repair packets, %d of %d receivers verified", s.id, r.imageBytes(), r.nanos() / 1e9,
                r.mibPerSecond(), r.dataPackets(), r.repairPackets(), verified, members.size())
                + (r.rateDecreases() == 0 ? "" : String.format(Locale.ROOT, "; rate lowered %d times (lowest %.1f"
                        + " MiB/s)", r.rateDecreases(), r.lowestRate() / 1048576.0))
                + (r.lateJoiners() + r.evicted() + r.left() == 0 ? "" : "; " + r.lateJoiners() + " joined late, "
                        + r.evicted() + " told to leave, " + r.left() + " left");
        members.forEach(m -> events.add(m.job.machine(), "multicast", text));
        end(s, State.DONE, null);
    }

    /** {@code verified}, {@code left} (finishing over HTTP), {@code dropped}, {@code mismatch} or {@code unregistered}. */
    static String classify(MulticastSender.ReceiverOutcome o) {
        if (o == null) {
            return "unregistered";
        }
        if (o.verified()) {
            return "verified";
        }
        if (o.failure() == null && o.finishesOverHttp()) {
            return "left";
        }
        String f = o.failure() == null ? "" : o.failure().toLowerCase(Locale.ROOT);
        if (f.startsWith("left") || f.contains("http")) {
            return "left";
        }
        return f.contains("mismatch") ? "mismatch" : "dropped";
    }

    /**
     * The session ended: free its data group; jobs of it that no agent took yet go unicast (no sender will
     * announce for them).
     */
    private void end(Session s, State state, String failure) {
        List<Member> undelivered = new ArrayList<>();
        List<Member> members;
        synchronized (this) {
            s.state = state;
            s.failure = failure;
            s.ended = clock.instant();
            slots.remove(s.slot);
            members = List.copyOf(s.members.values());
            for (Member m : members) {
                if (m.job.snapshot().state() == JobRecord.State.QUEUED) {
                    undelivered.add(m);
                }
            }
        }
        count("pxe_multicast_sessions_total", "multicast sessions ended, by result", "result",
                state.name().toLowerCase(Locale.ROOT));
        if (failure != null) {
            String text = "session " + s.id + " failed: " + failure + "; its agents deploy over HTTP";
            members.forEach(m -> events.add(m.job.machine(), "multicast-failed", text));
        }
        for (Member m : undelivered) {
            if (jobs.changeQueued(m.job.id(), MulticastSessions::withoutMulticast)) {
                events.add(m.job.machine(), "multicast-fallback", "session " + s.id + " ended before the machine"
                        + " took its job: unicast");
            }
        }
    }

    private InetSocketAddress control() {
        return new InetSocketAddress(settings.group(), settings.port());
    }

    private static Job withMulticast(Job job, Job.Multicast m) {
        if (!(job instanceof Job.DeployImage d)) {
            throw new IllegalArgumentException("not a deploy job: " + job.id());
        }
        return new Job.DeployImage(d.id(), d.image(), d.target(), d.firstBoot(), m);
    }

    private static Job withoutMulticast(Job job) {
        return job instanceof Job.DeployImage d ? new Job.DeployImage(d.id(), d.image(), d.target(), d.firstBoot())
                : job;
    }

    private void count(String name, String description, String tag, String value) {
        Counter.builder(name).description(description).tag(tag, value).register(meters).increment();
    }

    /** Ended sessions kept for the API. */
    private void trim() {
        int excess = sessions.size() - 100;
        for (var it = sessions.values().iterator(); it.hasNext() && excess > 0; ) {
            Session s = it.next();
            if (s.state == State.DONE || s.state == State.FAILED) {
                it.remove();
                s.members.keySet().forEach(byJob::remove);
                excess--;
            }
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : Double.toString(d.toMillis() / 1000.0);
    }

    private static Double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static String printable(String s) {
        String cut = s.length() > 300 ? s.substring(0, 300) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        closing = true;
        // A window closing right now writes jobs and events to files: let it finish rather than interrupt it (an
        // interrupted FileChannel is closed under the writer), and wait, so nothing writes after close returns.
        Shutdown.finishRunning(timer, "multicast gathering window");
        Shutdown.interrupt(senders, "multicast senders"); // a sender only talks to sockets: interrupting it ends it
    }
}
