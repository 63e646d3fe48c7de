package io.pxereimage.agent;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the agent needs, with production defaults. Tests point the roots at fake trees, the tools at other
 * programs and {@code rebootCommand} at something harmless.
 */
public final class AgentConfig {
    URI runtime;
    String token;
    String mac;
    Path procRoot = Path.of("/proc");
    Path sysRoot = Path.of("/sys");
    Path devDir = Path.of("/dev");
    Path mountsFile = Path.of("/proc/self/mounts");
    Path workDir = Path.of(System.getProperty("java.io.tmpdir"));
    Tools tools = Tools.defaults();
    List<String> rebootCommand = List.of("reboot", "-f");
    List<String> poweroffCommand = List.of("poweroff", "-f");
    Duration backoffBase = Duration.ofSeconds(1);
    Duration backoffMax = Duration.ofSeconds(30);
    /** Between registrations the runtime refused (401/403): slow, an operator has to act. */
    Duration rejectedRetry = Duration.ofSeconds(60);
    Duration eventInterval = Duration.ofSeconds(1);
    Duration runTimeout = Duration.ofMinutes(15);
    /** A download that delivers no byte for this long counts as a broken connection. */
    Duration stallTimeout = Duration.ofSeconds(60);
    /** Survives an agent restart (not a reboot of the RAM-booted agent): the multicast receivers' block bitmaps. */
    Path stateDir;
    /** Multicast: the interface to join on; null = the NIC with the boot MAC (else the route to the runtime). */
    String multicastInterface;
    /** Multicast: leave the session (LEAVE LOSSY) and finish over HTTP above this loss (fraction). */
    double multicastLeaveLoss = 0.25;
    /** Multicast: nothing from the sender this long and the rest comes over HTTP. */
    Duration multicastSilence = Duration.ofSeconds(10);
    /** Multicast: the longest a session may take before the rest comes over HTTP. */
    Duration multicastTimeout = Duration.ofHours(6);
    /** Multicast test hook: drop this fraction of the session's packets in the receiver (kernels without netem). */
    double multicastTestLoss = 0;
    /** How often the block bitmap is saved (after an fdatasync of the target). */
    Duration checkpointInterval = Duration.ofSeconds(1);
    /** Block size of the bitmap when no session announced one (HTTP only, resuming an earlier run's holes). */
    int fillBlockSize = 1 << 20;
    int pollSeconds = 25;
    int resumeRetries = 10;
    boolean includeVirtualDisks = false;

    public AgentConfig runtime(URI v) { runtime = v; return this; }
    public AgentConfig token(String v) { token = v; return this; }
    public AgentConfig mac(String v) { mac = v; return this; }
    public AgentConfig procRoot(Path v) { procRoot = v; return this; }
    public AgentConfig sysRoot(Path v) { sysRoot = v; return this; }
    public AgentConfig devDir(Path v) { devDir = v; return this; }
    public AgentConfig mountsFile(Path v) { mountsFile = v; return this; }
    public AgentConfig workDir(Path v) { workDir = v; return this; }
    public AgentConfig tools(Tools v) { tools = v; return this; }
    public AgentConfig rebootCommand(List<String> v) { rebootCommand = List.copyOf(v); return this; }
    public AgentConfig poweroffCommand(List<String> v) { poweroffCommand = List.copyOf(v); return this; }
    public AgentConfig backoff(Duration base, Duration max) { backoffBase = base; backoffMax = max; return this; }
    public AgentConfig rejectedRetry(Duration v) { rejectedRetry = v; return this; }
    public AgentConfig eventInterval(Duration v) { eventInterval = v; return this; }
    public AgentConfig runTimeout(Duration v) { runTimeout = v; return this; }
    public AgentConfig stallTimeout(Duration v) { stallTimeout = v; return this; }
    public AgentConfig pollSeconds(int v) { pollSeconds = v; return this; }
    public AgentConfig stateDir(Path v) { stateDir = v; return this; }
    public AgentConfig multicastInterface(String v) { multicastInterface = v; return this; }
    public AgentConfig multicastLeaveLoss(double v) { multicastLeaveLoss = v; return this; }
    public AgentConfig multicastSilence(Duration v) { multicastSilence = v; return this; }
    public AgentConfig multicastTestLoss(double v) { multicastTestLoss = v; return this; }
    public AgentConfig checkpointInterval(Duration v) { checkpointInterval = v; return this; }

    /** {@code stateDir}, by default {@code <workDir>/pxe-agent-state}. */
    Path stateDir() {
        return stateDir != null ? stateDir : workDir.resolve("pxe-agent-state");
    }
    public AgentConfig resumeRetries(int v) { resumeRetries = v; return this; }
    public AgentConfig includeVirtualDisks(boolean v) { includeVirtualDisks = v; return this; }

    /**
     * External programs, by name (looked up on the PATH) or absolute path. The boot-environment builder must put
     * each of them into the initramfs.
     */
    public record Tools(String sfdisk, String mkfsVfat, String mcopy, String blkdiscard, String wipefs) {
        public static Tools defaults() {
            return new Tools("sfdisk", "mkfs.vfat", "mcopy", "blkdiscard", "wipefs");
        }

        Tools with(String name, String path) {
            return switch (name) {
                case "sfdisk" -> new Tools(path, mkfsVfat, mcopy, blkdiscard, wipefs);
                case "mkfs.vfat" -> new Tools(sfdisk, path, mcopy, blkdiscard, wipefs);
                case "mcopy" -> new Tools(sfdisk, mkfsVfat, path, blkdiscard, wipefs);
                case "blkdiscard" -> new Tools(sfdisk, mkfsVfat, mcopy, path, wipefs);
                case "wipefs" -> new Tools(sfdisk, mkfsVfat, mcopy, blkdiscard, path);
                default -> throw new IllegalArgumentException("unknown tool " + name);
            };
        }
    }
}
