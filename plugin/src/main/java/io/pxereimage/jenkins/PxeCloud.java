package io.pxereimage.jenkins;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

import hudson.Extension;
import hudson.model.Computer;
import hudson.model.Descriptor;
import hudson.model.Node;
import hudson.slaves.Cloud;
import hudson.slaves.NodeProvisioner.PlannedNode;
import hudson.slaves.SlaveComputer;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import hudson.util.Secret;
import io.pxereimage.jenkins.core.CloudSettings;
import io.pxereimage.jenkins.core.PlannedLease;
import io.pxereimage.jenkins.core.Provisioner;
import io.pxereimage.jenkins.core.Reconciler;
import io.pxereimage.jenkins.core.RuntimeApiException;
import io.pxereimage.jenkins.core.RuntimeClient;
import io.pxereimage.jenkins.core.Template;
import jenkins.model.Jenkins;

/**
 * Bare-metal machines of a PXE Reimage runtime as Jenkins agents. Configuration only: provisioning, caps, backoff,
 * heartbeats, launch timeouts and reconciliation are the core's {@link Provisioner} and {@link Reconciler}, one
 * pair per cloud name, kept across reconfigurations (Jenkins replaces the cloud object on every save) and
 * rebuilt when the configuration they depend on changes. The constructor and setters call no Jenkins code.
 */
public class PxeCloud extends Cloud {
    private static final Logger LOG = Logger.getLogger(PxeCloud.class.getName());
    public static final String MODE_EMBEDDED = "embedded";
    public static final String MODE_REMOTE = "remote";

    /** Nodes whose agent has not connected yet, by node name: their planned node completes when it does. */
    private static final Map<String, CompletableFuture<Node>> AGENTS = new ConcurrentHashMap<>();

    /** The running core objects of each cloud, by cloud name. */
    private static final Map<String, Session> SESSIONS = new ConcurrentHashMap<>();

    private String mode = MODE_EMBEDDED;
    private String runtimeUrl = "";
    private Secret apiToken;
    private List<PxeTemplate> templates = new ArrayList<>();
    private int instanceCap;
    private int launchTimeoutMinutes = 10;
    private boolean webSocket;

    @DataBoundConstructor
    public PxeCloud(String name) {
        super(name);
    }

    public String getMode() {
        return mode;
    }

    /** {@code embedded}: the runtime of the global configuration; {@code remote}: {@link #getRuntimeUrl()}. */
    @DataBoundSetter
    public void setMode(String mode) {
        this.mode = MODE_REMOTE.equals(mode) ? MODE_REMOTE : MODE_EMBEDDED;
    }

    public String getRuntimeUrl() {
        return runtimeUrl;
    }

    /** For mode remote; blank: the remote runtime of the global configuration. */
    @DataBoundSetter
    public void setRuntimeUrl(String runtimeUrl) {
        this.runtimeUrl = runtimeUrl == null ? "" : runtimeUrl.strip();
    }

    public Secret getApiToken() {
        return apiToken;
    }

    @DataBoundSetter
    public void setApiToken(Secret apiToken) {
        this.apiToken = apiToken;
    }

    public List<PxeTemplate> getTemplates() {
        return templates;
    }

    @DataBoundSetter
    public void setTemplates(List<PxeTemplate> templates) {
        this.templates = templates == null ? new ArrayList<>() : new ArrayList<>(templates);
    }

    public int getInstanceCap() {
        return instanceCap;
    }

    /** Nodes of this cloud at once, in flight included; 0 = no cloud-wide cap. */
    @DataBoundSetter
    public void setInstanceCap(int instanceCap) {
        this.instanceCap = instanceCap;
    }

    public int getLaunchTimeoutMinutes() {
        return launchTimeoutMinutes;
    }

    @DataBoundSetter
    public void setLaunchTimeoutMinutes(int launchTimeoutMinutes) {
        this.launchTimeoutMinutes = launchTimeoutMinutes;
    }

    public boolean isWebSocket() {
        return webSocket;
    }

    /** Agents connect over WebSocket (through the controller's HTTP port) instead of the inbound TCP port. */
    @DataBoundSetter
    public void setWebSocket(boolean webSocket) {
        this.webSocket = webSocket;
    }

    // ---- provisioning ------------------------------------------------------------------------------------------

    @Override
    public boolean canProvision(CloudState state) {
        Session s = sessionOrNull();
        return s != null && s.provisioner.canProvision(expression(state));
    }

    @Override
    public Collection<PlannedNode> provision(CloudState state, int excessWorkload) {
        Session s = sessionOrNull();
        if (s == null) {
            return List.of();
        }
        List<PlannedNode> planned = new ArrayList<>();
        for (PlannedLease lease : s.provisioner.provision(expression(state), excessWorkload)) {
            String nodeName = lease.nodeName();
            // Completes when the agent is online, not when the machine is ready: until then Jenkins counts the node
            // as planned capacity, so it does not provision more machines for the same work while the agent starts.
            CompletableFuture<Node> online = new CompletableFuture<>();
            AGENTS.put(nodeName, online);
            lease.ready().whenComplete((ready, failure) -> {
                if (failure != null) {
                    online.completeExceptionally(failure);
                    return;
                }
                try {
                    PxeNode node = nodeWhenReady(ready);
                    Computer c = node.toComputer();
                    if (c != null && c.isOnline()) {
                        // the agent was faster than the provisioner's poll: tell it now, or its launch timeout runs
                        s.provisioner.connected(nodeName);
                        online.complete(node);
                    }
                } catch (RuntimeException e) {
                    online.completeExceptionally(e);
                }
            });
            online.whenComplete((n, failure) -> {
                AGENTS.remove(nodeName, online);
                if (failure != null) {
                    removeNode(nodeName, failure.getMessage());
                }
            });
            planned.add(new PlannedNode(nodeName, online, lease.template().numExecutors()));
        }
        return planned;
    }

    private static String expression(CloudState state) {
        return state.getLabel() == null ? null : state.getLabel().getExpression();
    }

    /**
     * The inbound agent's secret is derived from its node, so the node is added to Jenkins before its lease is
     * created (the secret goes into the machine's first-boot data); its launcher then waits for the agent.
     */
    private String agentSecret(String nodeName) {
        try {
            PxeNode node = new PxeNode(nodeName, name, templateOf(nodeName), webSocket);
            Jenkins.get().addNode(node);
            Computer c = node.toComputer();
            if (!(c instanceof SlaveComputer sc)) {
                throw new IllegalStateException(nodeName + ": Jenkins has no computer for the node");
            }
            return sc.getJnlpMac();
        } catch (IOException e) {
            throw new UncheckedIOException(nodeName + ": cannot add the node: " + e.getMessage(), e);
        } catch (Descriptor.FormException e) {
            throw new IllegalStateException(nodeName + ": " + e.getMessage(), e);
        }
    }

    /** The node, with its lease recorded, once the machine is ready (its agent is starting). */
    private PxeNode nodeWhenReady(PlannedLease.Ready ready) {
        Node n = Jenkins.get().getNode(ready.nodeName());
        if (n instanceof PxeNode p) {
            p.setLease(ready.leaseId(), ready.machine());
            try {
                p.save(); // the lease id survives a restart, for release by id
            } catch (IOException e) {
                LOG.log(Level.WARNING, ready.nodeName() + ": cannot save the node's lease", e);
            }
            return p;
        }
        throw new IllegalStateException(ready.nodeName() + ": the node was removed while its machine was being imaged");
    }

    PxeTemplate templateOf(String nodeName) {
        String prefix = nodeName.length() > 9 ? nodeName.substring(0, nodeName.length() - 9) : nodeName;
        return templates.stream().filter(t -> t.getName().equals(prefix)).findFirst()
                .orElseThrow(() -> new IllegalStateException(nodeName + ": no template " + prefix + " in cloud "
                        + name));
    }

    private void removeNode(String nodeName, String why) {
        Jenkins j = Jenkins.getInstanceOrNull();
        if (j == null) {
            return;
        }
        Node n = j.getNode(nodeName);
        if (n instanceof PxeNode p && name.equals(p.getCloudName())) {
            try {
                LOG.info(() -> nodeName + ": removing the node: " + why);
                j.removeNode(n);
            } catch (IOException e) {
                LOG.log(Level.WARNING, nodeName + ": cannot remove the node", e);
            }
        }
    }

    /** The node terminated: its lease is released and its machine cleaned. */
    void release(PxeNode node, String why) {
        Session s = sessionOrNull();
        if (s != null && s.provisioner.release(node.getNodeName(), why)) {
            return;
        }
        if (node.getLeaseId() != null) { // not held (e.g. just after a restart): release it by id
            try {
                client().release(node.getLeaseId());
            } catch (RuntimeApiException | RuntimeException e) {
                LOG.warning(node.getNodeName() + ": cannot release lease " + node.getLeaseId() + ": "
                        + e.getMessage() + " (the reconciler retries)");
            }
        }
    }

    /** The node's agent is online: the launch timeout stops and its planned node completes. */
    void connected(PxeNode node) {
        Session s = sessionOrNull();
        if (s != null) {
            s.provisioner.connected(node.getNodeName());
        }
        CompletableFuture<Node> waiting = AGENTS.get(node.getNodeName());
        if (waiting != null) {
            waiting.complete(node);
        }
    }

    /**
     * One reconciliation pass with this cloud's nodes: leases without nodes are released, leases of surviving
     * nodes adopted, nodes without a lease (and not being provisioned) removed.
     */
    Reconciler.Result reconcile(List<PxeNode> nodes) throws RuntimeApiException {
        Session s = session();
        List<Reconciler.Node> view = nodes.stream().map(n -> {
            Computer c = n.toComputer();
            return new Reconciler.Node(n.getNodeName(), c != null && c.isOnline());
        }).toList();
        Reconciler.Result r = s.reconciler.reconcile(view);
        for (String gone : r.nodesWithoutLease()) {
            if (s.provisioner.phase(gone).isEmpty()) {
                removeNode(gone, "its machine's lease has ended");
            }
        }
        return r;
    }

    /**
     * For the UI: in flight, live, caps and each template's backoff with its reason; null before the cloud first
     * provisioned (a page view starts nothing).
     */
    public Provisioner.Status getStatus() {
        Session s = SESSIONS.get(name);
        return s == null ? null : s.provisioner.status();
    }

    // ---- the core objects --------------------------------------------------------------------------------------

    /** The runtime this cloud talks to. */
    public RuntimeClient client() {
        if (MODE_REMOTE.equals(mode) && !runtimeUrl.isEmpty()) {
            return new RuntimeClient(URI.create(runtimeUrl), Secret.toString(apiToken));
        }
        return PxeGlobalConfiguration.get().client();
    }

    private record Session(String fingerprint, Provisioner provisioner, Reconciler reconciler) {
    }

    private Session sessionOrNull() {
        try {
            return session();
        } catch (RuntimeException e) {
            LOG.warning("cloud " + name + ": cannot provision: " + e.getMessage());
            return null;
        }
    }

    private Session session() {
        String rootUrl = Jenkins.get().getRootUrl();
        RuntimeClient client = client();
        List<Template> ts = templates.stream().map(PxeTemplate::toTemplate).toList();
        String fingerprint = String.join("|", client.url().toString(), String.valueOf(Secret.toString(apiToken)
                .hashCode()), mode, String.valueOf(rootUrl), ts.toString(), String.valueOf(instanceCap),
                String.valueOf(launchTimeoutMinutes), String.valueOf(webSocket),
                String.valueOf(PxeGlobalConfiguration.get().generation()));
        return SESSIONS.compute(name, (k, old) -> {
            if (old != null && old.fingerprint.equals(fingerprint)) {
                return old;
            }
            if (old != null) {
                old.provisioner.close(); // its leases stay; the new one adopts them at the next reconciliation
            }
            CloudSettings settings = CloudSettings.defaults(clientId(rootUrl), rootUrl)
                    .withInstanceCap(instanceCap)
                    .withLaunchTimeout(Duration.ofMinutes(Math.max(1, launchTimeoutMinutes)));
            Provisioner p = new Provisioner(client, settings, ts, this::agentSecret, new Provisioner.Listener() {
                @Override
                public void leaseLost(String nodeName, String leaseId, String reason) {
                    CompletableFuture<Node> waiting = AGENTS.get(nodeName);
                    if (waiting != null) {
                        waiting.completeExceptionally(new IllegalStateException(nodeName + ": " + reason));
                    }
                    removeNode(nodeName, reason);
                }
            }, Clock.systemUTC());
            return new Session(fingerprint, p, new Reconciler(client, p, Clock.systemUTC()));
        });
    }

    /** Unique per controller and cloud, so that controllers sharing a runtime never touch each other's leases. */
    String clientId(String rootUrl) {
        String id = "jenkins " + Objects.requireNonNullElse(rootUrl, "(no URL)") + " " + name;
        return id.length() > 256 ? id.substring(0, 256) : id;
    }

    /** Stops the core objects of clouds that no longer exist. */
    static void forgetClouds(Collection<String> existing) {
        SESSIONS.keySet().removeIf(n -> {
            if (existing.contains(n)) {
                return false;
            }
            Session s = SESSIONS.get(n);
            if (s != null) {
                s.provisioner.close();
            }
            return true;
        });
    }

    @Extension
    @Symbol("pxeCloud")
    public static final class DescriptorImpl extends Descriptor<Cloud> {
        @Override
        public String getDisplayName() {
            return "PXE Reimage (bare metal)";
        }

        public ListBoxModel doFillModeItems() {
            ListBoxModel m = new ListBoxModel();
            m.add("Embedded runtime (global configuration)", MODE_EMBEDDED);
            m.add("Remote runtime", MODE_REMOTE);
            return m;
        }

        public FormValidation doCheckInstanceCap(@QueryParameter String value) {
            return FormValidation.validateNonNegativeInteger(value);
        }

        public FormValidation doCheckLaunchTimeoutMinutes(@QueryParameter String value) {
            return FormValidation.validatePositiveInteger(value);
        }

        /** Lists the runtime's pool with the given connection; admins only, POST only (it sends the token). */
        @POST
        public FormValidation doTestConnection(@QueryParameter String mode, @QueryParameter String runtimeUrl,
                @QueryParameter Secret apiToken) {
            Jenkins.get().checkPermission(Jenkins.ADMINISTER);
            PxeCloud probe = new PxeCloud("test");
            probe.setMode(mode);
            probe.setRuntimeUrl(runtimeUrl);
            probe.setApiToken(apiToken);
            return PxeGlobalConfiguration.testClient(probe::client);
        }
    }
}
