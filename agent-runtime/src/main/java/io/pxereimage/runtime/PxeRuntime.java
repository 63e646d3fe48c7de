package io.pxereimage.runtime;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pxereimage.runtime.api.ApiAuth;
import io.pxereimage.runtime.boot.BootPlanner;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.Loaders;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.config.ConfigException;
import io.pxereimage.runtime.config.DhcpSection;
import io.pxereimage.runtime.config.RelayedSubnet;
import io.pxereimage.runtime.config.ElectionSection;
import io.pxereimage.runtime.config.MachineEntry;
import io.pxereimage.runtime.config.StoreSection;
import io.pxereimage.runtime.config.TokenEntry;
import io.pxereimage.runtime.config.RuntimeConfig;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.election.ElectionService;
import io.pxereimage.runtime.election.ElectionSettings;
import io.pxereimage.runtime.net.Subnet;
import io.pxereimage.runtime.http.HttpConfig;
import io.pxereimage.runtime.http.HttpServer;
import io.pxereimage.runtime.net.InterfaceAddress4;
import io.pxereimage.runtime.multicast.MulticastSessions;
import io.pxereimage.runtime.multicast.MulticastSettings;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.pool.PoolController;
import io.pxereimage.runtime.pool.PoolMachine;
import io.pxereimage.runtime.pool.PoolSettings;
import io.pxereimage.runtime.pool.PoolStore;
import io.pxereimage.runtime.power.BrokenDriver;
import io.pxereimage.runtime.power.PowerDriver;
import io.pxereimage.runtime.power.PowerException;
import io.pxereimage.runtime.power.Retrying;
import io.pxereimage.runtime.pxe.PxeConfig;
import io.pxereimage.runtime.store.Database;
import io.pxereimage.runtime.pxe.PxeServer;
import io.pxereimage.runtime.tftp.TftpConfig;
import io.pxereimage.runtime.tftp.TftpServer;
import io.pxereimage.runtime.timeline.BootTimeline;

/**
 * One runtime: the machine registry and planner shared by an HTTP server, a TFTP server and a DHCP responder.
 * Built from a config file ({@link #fromConfig}) or from {@code pxe-runtime boot} ({@link #forQuickBoot}).
 *
 * <p>Start order is HTTP, TFTP, DHCP: nothing is offered to a client before the files it will ask for can be
 * served. Close order is the reverse.
 */
public final class PxeRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PxeRuntime.class);
    /** A client answered this recently is probably still booting (loader, then iPXE's own DHCP): no hand-over. */
    static final long BUSY_AFTER_REPLY_MILLIS = 5000;

    private final MachineRegistry machines;
    private final PrometheusMeterRegistry meters;
    private final HttpServer http;
    private final TftpServer tftp;
    private final PxeServer dhcp;
    private final DeployServices deploy;
    private final PoolController pool;
    private final Database database;
    private final String summary;
    /** Set once by {@link #fromConfig}, before {@link #start}; null without an election section. */
    private ElectionService election;
    private MulticastSessions multicast;

    private PxeRuntime(MachineRegistry machines, PrometheusMeterRegistry meters, HttpServer http, TftpServer tftp,
            PxeServer dhcp, DeployServices deploy, PoolController pool, Database database, String summary) {
        this.machines = machines;
        this.deploy = deploy;
        this.pool = pool;
        this.database = database;
        this.meters = meters;
        this.http = http;
        this.tftp = tftp;
        this.dhcp = dhcp;
        this.summary = summary;
    }

    /** A runtime as the config file describes it. {@code source} names the file in error messages. */
    public static PxeRuntime fromConfig(RuntimeConfig c, String source) {
        InterfaceAddress4 nic = c.interfaceName() == null ? null : interfaceOrFail(c.interfaceName(), source);
        Inet4Address address = c.address() != null ? ipv4(c.address()) : nic.address();
        List<MachinePlan> plans = c.machines().stream().map(MachineEntry::toPlan).toList();
        BootSpec fallback = c.boot().answerUnknown() ? c.boot().defaultBoot().toSpec() : null;
        MachineRegistry machines = new MachineRegistry(plans, fallback);
        Loaders loaders = c.boot().loaders().toLoaders();

        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String token = readToken(c, source);
        Path tftpRoot = stageLoaders(Path.of(c.tftp().root()), Path.of(c.dataDir()));
        Path loaderDir = c.http().loaderDir() != null ? Path.of(c.http().loaderDir()) : tftpRoot;
        HttpConfig httpConfig = HttpConfig.defaults().withBind(ipv4(c.http().bind()), c.http().port())
                .withFilesRoot(Path.of(c.http().filesRoot())).withLoaderDir(loaderDir).withApiToken(token)
                .withTokens(c.http().tokens().stream().map(TokenEntry::toToken).toList())
                .withAuditLog(Path.of(c.dataDir()).resolve("audit.jsonl"));
        try {
            ApiAuth.of(httpConfig.allTokens()); // apiTokenFile and a named token holding the same secret
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": http." + e.getMessage(), e);
        }
        // Deploy state (sessions, runtime plan changes, events, images) lives in the data dir; stored plan changes
        // are applied on top of the config file's machines here, before anything is served.
        // One timeline of boots, fed by the DHCP responder, the script route, the agent API and the pool.
        DeployServices deploy = new DeployServices(Path.of(c.dataDir()), Clock.systemUTC(), machines,
                c.deploy() == null ? null : c.deploy().toSpec(), c.agent().toSettings(), meters,
                new BootTimeline(meters, Clock.systemUTC()));
        MulticastSessions multicast = null;
        if (c.multicast() != null) {
            MulticastSettings ms = c.multicast().toSettings();
            multicast = new MulticastSessions(ms, multicastInterface(ms, c, address, source), deploy.flow(),
                    deploy.jobs(), deploy.events(), deploy.images()::fileFor, Clock.systemUTC(),
                    MulticastSessions.realSender(), meters);
        }
        // Pool machines (those with a bmc) get leased, powered, deployed and cleaned by the pool controller.
        List<PoolMachine> pooled = c.machines().stream().filter(MachineEntry::pooled)
                .map(MachineEntry::toPoolMachine).toList();
        Database database = null;
        PoolController pool = null;
        if (!pooled.isEmpty()) {
            database = openStore(c, source);
            PoolSettings ps = c.pool().toSettings(c.siteName(hostName()));
            pool = new PoolController(new PoolStore(database), ps, pooled, m -> powerDriver(m, ps),
                    deploy, Clock.systemUTC(), Duration.ofSeconds(1)).withMetrics(meters)
                    .withSiteLiveness(Duration.ofSeconds(c.site().heartbeatSeconds()),
                            Duration.ofSeconds(c.site().unreachableAfterSeconds()));
        }
        HttpServer http = new HttpServer(httpConfig, machines, meters, deploy, pool);
        TftpServer tftp = c.tftp().port() == 0 ? null : new TftpServer(TftpConfig.builder(tftpRoot)
                .port(c.tftp().port()).maxBlockSize(c.tftp().maxBlockSize()).maxWindowSize(c.tftp().maxWindowSize())
                .maxTransfers(c.tftp().maxTransfers()).build(), meters);

        PxeServer dhcp = null;
        DhcpSection d = c.dhcp();
        if (d.modeValue() != DhcpSection.Mode.OFF) {
            PxeConfig pc = pxeConfig(d.modeValue(), address, nic, d, Path.of(c.dataDir()), source)
                    .withPorts(d.serverPort(), d.clientPort(), d.proxyPort())
                    .withBindAddress(ipv4(d.bind()))
                    .withRouterAndDns(d.router() == null ? null : ipv4(d.router()),
                            d.dns().stream().map(PxeRuntime::ipv4).toList())
                    .withRelayScopes(d.relayedSubnets().stream().map(RelayedSubnet::toScope).toList());
            BootPlanner planner = new BootPlanner(machines, loaders, c.http().port());
            dhcp = new PxeServer(pc, planner, machines, meters).trackBoots(deploy.boots());
        }
        String summary = "address " + address.getHostAddress() + ", dhcp " + d.mode() + ", " + plans.size()
                + " machines, " + deploy.images().list().size() + " images"
                + (c.deploy() == null ? ", no deploy environment" : "")
                + (pooled.isEmpty() ? "" : ", " + pooled.size() + " pool machines at site " + c.siteName(hostName()))
                + (multicast == null ? "" : ", multicast on " + c.multicast().group() + ":" + c.multicast().port()
                        + (multicast.settings().automatic() ? " (gathering window "
                                + c.multicast().windowSeconds() + " s)" : " (explicit sessions only)"))
                + (fallback != null ? ", ANSWERING UNKNOWN CLIENTS" : "");
        if (tftp != null) {
            tftp.withActivity(http.activity());
        }
        if (dhcp != null) {
            dhcp.withActivity(http.activity());
        }
        PxeRuntime runtime = new PxeRuntime(machines, meters, http, tftp, dhcp, deploy, pool, database,
                summary + (c.election() == null ? "" : ", election weight " + c.election().weight()));
        runtime.multicast = multicast;
        if (c.election() != null && dhcp != null) {
            runtime.election = election(c.election(), address, nic, runtime, source);
        }
        return runtime;
    }

    /**
     * The subnet's election: the DHCP responder answers only while this runtime is the responder; busy (no
     * hand-over) while a TFTP transfer runs or a client was answered within {@link #BUSY_AFTER_REPLY_MILLIS}.
     */
    private static ElectionService election(ElectionSection e, Inet4Address address, InterfaceAddress4 nic,
            PxeRuntime r, String source) {
        Subnet subnet = e.subnetValue() != null ? e.subnetValue() : Subnet.of(nic.address(), nic.prefixLength());
        if (!subnet.contains(address)) {
            throw new ConfigException(source + ": election.subnet: " + subnet + " does not contain this runtime's"
                    + " address " + address.getHostAddress());
        }
        long id = e.id() != null ? e.id() : Ip4.toInt(address) & 0xffffffffL;
        ElectionSettings settings = new ElectionSettings(subnet, id, address, e.weight(), e.waitMillis(),
                e.intervalMillis(), e.missed(), e.port());
        byte[] key;
        try {
            key = ElectionSection.readKey(e.keyFile());
        } catch (IllegalArgumentException bad) {
            throw new ConfigException(source + ": election." + bad.getMessage(), bad);
        }
        ElectionService service = new ElectionService(settings, key, () -> (r.tftp != null
                && r.tftp.activeTransfers() > 0) || r.dhcp.repliedWithin(BUSY_AFTER_REPLY_MILLIS), r.meters);
        Arrays.fill(key, (byte) 0); // the codec keeps its own copy
        r.dhcp.answerWhen(service::answering);
        r.http.electionStatus(service::status);
        return service;
    }

    /** {@code multicast.interface}, else the boot interface, else the one that holds {@code address}. */
    private static NetworkInterface multicastInterface(MulticastSettings ms, RuntimeConfig c, Inet4Address address,
            String source) {
        String name = ms.interfaceName() != null ? ms.interfaceName() : c.interfaceName();
        try {
            NetworkInterface nif = name != null ? NetworkInterface.getByName(name)
                    : NetworkInterface.getByInetAddress(address);
            if (nif == null) {
                throw new ConfigException(source + ": multicast.interface: no interface "
                        + (name != null ? name : "holds " + address.getHostAddress()));
            }
            return nif;
        } catch (SocketException e) {
            throw new ConfigException(source + ": multicast.interface: " + e.getMessage(), e);
        }
    }

    private static Database openStore(RuntimeConfig c, String source) {
        StoreSection st = c.store();
        try {
            if (st.url() == null) {
                Files.createDirectories(Path.of(c.dataDir()));
                return Database.embedded(Path.of(c.dataDir()));
            }
            String password = null;
            if (st.passwordFile() != null) {
                password = Files.readString(Path.of(st.passwordFile())).strip();
            }
            return Database.open(st.url(), st.user(), password);
        } catch (IOException e) {
            throw new ConfigException(source + ": store: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new ConfigException(source + ": store: cannot open " + (st.url() == null ? "the embedded database"
                    + " in " + c.dataDir() : st.url()) + ": " + e.getMessage(), e);
        }
    }

    /** The machine's BMC driver, retrying transient failures (2 s, 4 s, ...). */
    private static PowerDriver powerDriver(PoolMachine m, PoolSettings ps) {
        try {
            return new Retrying(m.bmc().create(m.name(), m.bootMac().toString(), LOG::warn), ps.powerAttempts(),
                    Duration.ofSeconds(2));
        } catch (PowerException e) {
            return new BrokenDriver(e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "pxe-runtime";
        }
    }

    /** A runtime that boots one kernel: {@code pxe-runtime boot}. */
    public static PxeRuntime forQuickBoot(QuickBoot q) {
        InterfaceAddress4 nic = interfaceOrFail(q.interfaceName(), "--interface");
        List<String> initrdNames = new ArrayList<>();
        for (int i = 0; i < q.initrds().size(); i++) {
            initrdNames.add("initrd" + i + "-" + q.initrds().get(i).getFileName());
        }
        String kernelName = "kernel-" + q.kernel().getFileName();
        BootSpec spec = new BootSpec(kernelName, initrdNames, q.cmdline());
        List<MachinePlan> plans = q.macs().stream().map(m -> MachinePlan.boot(m, null, spec)).toList();
        // No --mac: answer every PXE client, as pixiecore does. The warning at start says so.
        MachineRegistry machines = new MachineRegistry(plans, plans.isEmpty() ? spec : null);

        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Path loaders = stageLoaders(q.tftpRoot(), q.dataDir());
        BootTimeline boots = new BootTimeline(meters, Clock.systemUTC());
        HttpServer http = new HttpServer(HttpConfig.defaults().withBind(anyAddress(), q.httpPort())
                .withLoaderDir(loaders), machines, meters).trackBoots(boots);
        http.publish(kernelName, q.kernel());
        for (int i = 0; i < q.initrds().size(); i++) {
            http.publish(initrdNames.get(i), q.initrds().get(i));
        }
        TftpServer tftp = new TftpServer(TftpConfig.builder(loaders).build(), meters);
        DhcpSection d = DhcpSection.defaults(q.mode().name());
        PxeConfig pc = pxeConfig(q.mode(), nic.address(), nic, d, q.dataDir(), "--interface");
        PxeServer dhcp = new PxeServer(pc, new BootPlanner(machines, Loaders.DEBIAN, q.httpPort()), machines, meters)
                .trackBoots(boots).withActivity(http.activity());
        tftp.withActivity(http.activity());
        String who = plans.isEmpty() ? "EVERY PXE CLIENT on " + q.interfaceName() : q.macs().toString();
        String summary = "boot " + q.kernel() + " for " + who + ", dhcp " + q.mode().name().toLowerCase()
                + " on " + nic.address().getHostAddress() + "/" + nic.prefixLength();
        return new PxeRuntime(machines, meters, http, tftp, dhcp, null, null, null, summary);
    }

    private static PxeConfig pxeConfig(DhcpSection.Mode mode, Inet4Address address, InterfaceAddress4 nic,
            DhcpSection d, Path dataDir, String source) {
        if (mode == DhcpSection.Mode.PROXY) {
            return PxeConfig.proxy(address);
        }
        Inet4Address start;
        Inet4Address end;
        Inet4Address mask;
        if (d.rangeStart() != null) {
            start = ipv4(d.rangeStart());
            end = ipv4(d.rangeEnd());
            mask = d.subnetMask() != null ? ipv4(d.subnetMask()) : nic != null ? nic.subnetMask() : null;
        } else if (nic != null) {
            // The interface's subnet; the lease pool never hands out the runtime's own address.
            start = nic.firstHost();
            end = nic.lastHost();
            mask = nic.subnetMask();
        } else {
            throw new ConfigException(source + ": dhcp: mode dhcp needs rangeStart/rangeEnd or an interface");
        }
        if (mask == null) {
            throw new ConfigException(source + ": dhcp.subnetMask: required with mode dhcp and no interface");
        }
        return PxeConfig.dhcp(address, start, end, mask, Duration.ofSeconds(d.leaseSeconds()), dataDir);
    }

    public synchronized void start() throws IOException, InterruptedException {
        LOG.info("starting: {}", summary);
        int httpPort = http.start();
        LOG.info("HTTP listening on port {} (scripts /boot/, files /files/, loaders /loaders/, API /api/v1)",
                httpPort);
        if (tftp != null) {
            LOG.info("TFTP listening on port {} ({})", tftp.start(), tftp.transportName());
        }
        if (election != null) {
            election.start(); // before DHCP: the DHCP gate asks it, and it answers "no" until elected
        }
        if (dhcp != null) {
            dhcp.start();
        }
        if (pool != null) {
            try {
                pool.start();
            } catch (SQLException | PoolStore.SiteConflict e) {
                throw new IOException("pool: store " + database.describe() + ": " + e.getMessage(), e);
            }
        }
        if (machines.answersUnknown()) {
            LOG.warn("answering EVERY PXE client, not only known machines: use this only on an isolated network");
        }
        LOG.info("ready");
    }

    public MachineRegistry machines() {
        return machines;
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** The deploy side (agents, jobs, images, events); {@code null} for {@code pxe-runtime boot}. */
    public DeployServices deploy() {
        return deploy;
    }

    /** The HTTP port once started. */
    public int httpPort() {
        return http.port();
    }

    /** Multicast sessions; {@code null} without a {@code multicast} section. */
    public MulticastSessions multicast() {
        return multicast;
    }

    /** The pool of leasable machines; {@code null} when no machine has a {@code bmc}. */
    public PoolController pool() {
        return pool;
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.close();
        }
        if (election != null) {
            election.close(); // a responder says goodbye first: its successor starts at once
        }
        if (dhcp != null) {
            dhcp.close();
        }
        if (tftp != null) {
            tftp.close();
        }
        http.close();
        if (multicast != null) {
            multicast.close();
        }
        if (deploy != null) {
            deploy.close();
        }
        if (database != null) {
            database.close();
        }
    }

    /** The served copy of the loader directory (see {@link LoaderDirectory} for why it is a copy). */
    private static Path stageLoaders(Path source, Path dataDir) {
        try {
            return LoaderDirectory.stage(source, dataDir.resolve("tftp"));
        } catch (IOException e) {
            throw new ConfigException("cannot stage the iPXE loaders: " + e.getMessage(), e);
        }
    }

    private static InterfaceAddress4 interfaceOrFail(String name, String source) {
        try {
            return InterfaceAddress4.of(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static String readToken(RuntimeConfig c, String source) {
        if (c.http().apiToken() != null) {
            return c.http().apiToken();
        }
        if (c.http().apiTokenFile() == null) {
            return null;
        }
        try {
            return Files.readString(Path.of(c.http().apiTokenFile())).strip();
        } catch (IOException e) {
            throw new ConfigException(source + ": http.apiTokenFile: cannot read " + c.http().apiTokenFile(), e);
        }
    }

    private static Inet4Address ipv4(String text) {
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (IOException e) {
            throw new ConfigException("not an IPv4 address: " + text, e);
        }
    }

    private static InetAddress anyAddress() {
        return Ip4.ANY;
    }
}
