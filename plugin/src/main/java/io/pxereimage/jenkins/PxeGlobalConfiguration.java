package io.pxereimage.jenkins;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

import hudson.Extension;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import hudson.util.Secret;
import io.pxereimage.jenkins.core.EmbeddedRuntime;
import io.pxereimage.jenkins.core.RuntimeApiException;
import io.pxereimage.jenkins.core.RuntimeClient;
import jenkins.model.GlobalConfiguration;
import jenkins.model.Jenkins;

/**
 * Where the runtime is: {@code embedded} (started in the controller's JVM, data under
 * {@code JENKINS_HOME/pxe-reimage}, ports configurable, unprivileged ones for labs) or {@code remote} (URL and API
 * token). Each setter saves; the embedded runtime is (re)started on first use after a change.
 */
@Extension
@Symbol("pxeReimage")
public class PxeGlobalConfiguration extends GlobalConfiguration {
    private static final Logger LOG = Logger.getLogger(PxeGlobalConfiguration.class.getName());

    private String mode = PxeCloud.MODE_EMBEDDED;
    private String runtimeUrl = "";
    private Secret apiToken;
    private String address = "";
    private String interfaceName = "";
    private String bind = "0.0.0.0";
    private int httpPort = 8080;
    private int tftpPort = 69;
    private String dhcpMode = "proxy";
    private int dhcpPort = 67;
    private int proxyDhcpPort = 4011;
    private String runtimeYaml = "";

    private transient EmbeddedRuntime embedded;
    private transient String embeddedFor;
    private transient volatile int generation;

    public PxeGlobalConfiguration() {
        load();
    }

    public static PxeGlobalConfiguration get() {
        return GlobalConfiguration.all().get(PxeGlobalConfiguration.class);
    }

    /** Changes with every saved change, so clouds rebuild their core objects. */
    int generation() {
        return generation;
    }

    @Override
    public synchronized void save() {
        generation++;
        super.save();
    }

    public String getMode() {
        return mode;
    }

    @DataBoundSetter
    public void setMode(String mode) {
        this.mode = PxeCloud.MODE_REMOTE.equals(mode) ? PxeCloud.MODE_REMOTE : PxeCloud.MODE_EMBEDDED;
        save();
    }

    public String getRuntimeUrl() {
        return runtimeUrl;
    }

    @DataBoundSetter
    public void setRuntimeUrl(String runtimeUrl) {
        this.runtimeUrl = runtimeUrl == null ? "" : runtimeUrl.strip();
        save();
    }

    public Secret getApiToken() {
        return apiToken;
    }

    @DataBoundSetter
    public void setApiToken(Secret apiToken) {
        this.apiToken = apiToken;
        save();
    }

    public String getAddress() {
        return address;
    }

    @DataBoundSetter
    public void setAddress(String address) {
        this.address = address == null ? "" : address.strip();
        save();
    }

    public String getInterfaceName() {
        return interfaceName;
    }

    @DataBoundSetter
    public void setInterfaceName(String interfaceName) {
        this.interfaceName = interfaceName == null ? "" : interfaceName.strip();
        save();
    }

    public String getBind() {
        return bind;
    }

    @DataBoundSetter
    public void setBind(String bind) {
        this.bind = bind == null || bind.isBlank() ? "0.0.0.0" : bind.strip();
        save();
    }

    public int getHttpPort() {
        return httpPort;
    }

    @DataBoundSetter
    public void setHttpPort(int httpPort) {
        this.httpPort = httpPort;
        save();
    }

    public int getTftpPort() {
        return tftpPort;
    }

    @DataBoundSetter
    public void setTftpPort(int tftpPort) {
        this.tftpPort = tftpPort;
        save();
    }

    public String getDhcpMode() {
        return dhcpMode;
    }

    @DataBoundSetter
    public void setDhcpMode(String dhcpMode) {
        this.dhcpMode = dhcpMode == null || dhcpMode.isBlank() ? "proxy" : dhcpMode.strip();
        save();
    }

    public int getDhcpPort() {
        return dhcpPort;
    }

    @DataBoundSetter
    public void setDhcpPort(int dhcpPort) {
        this.dhcpPort = dhcpPort;
        save();
    }

    public int getProxyDhcpPort() {
        return proxyDhcpPort;
    }

    @DataBoundSetter
    public void setProxyDhcpPort(int proxyDhcpPort) {
        this.proxyDhcpPort = proxyDhcpPort;
        save();
    }

    public String getRuntimeYaml() {
        return runtimeYaml;
    }

    /** The runtime's own configuration (machines, pool, deploy, ...) without the settings above. */
    @DataBoundSetter
    public void setRuntimeYaml(String runtimeYaml) {
        this.runtimeYaml = runtimeYaml == null ? "" : runtimeYaml;
        save();
    }

    EmbeddedRuntime.Settings embeddedSettings() {
        return new EmbeddedRuntime.Settings(blankToNull(address), blankToNull(interfaceName), bind, httpPort,
                tftpPort, dhcpMode, dhcpPort, proxyDhcpPort, runtimeYaml);
    }

    /** The runtime to talk to; in embedded mode it is started (or restarted after a change) here. */
    public RuntimeClient client() {
        if (PxeCloud.MODE_REMOTE.equals(mode)) {
            if (runtimeUrl.isEmpty()) {
                throw new IllegalStateException("PXE Reimage: mode remote needs the runtime URL (Manage Jenkins »"
                        + " System » PXE Reimage)");
            }
            return new RuntimeClient(URI.create(runtimeUrl), Secret.toString(apiToken));
        }
        return embedded().client();
    }

    private synchronized EmbeddedRuntime embedded() {
        EmbeddedRuntime.Settings s = embeddedSettings();
        String key = s.toString();
        if (embedded != null && key.equals(embeddedFor)) {
            return embedded;
        }
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
        try {
            embedded = EmbeddedRuntime.start(Jenkins.get().getRootDir().toPath(), s);
            embeddedFor = key;
            LOG.info("PXE Reimage: " + embedded);
            return embedded;
        } catch (IOException e) {
            throw new IllegalStateException("PXE Reimage: cannot start the embedded runtime: " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    public ListBoxModel doFillModeItems() {
        ListBoxModel m = new ListBoxModel();
        m.add("Embedded (in this controller)", PxeCloud.MODE_EMBEDDED);
        m.add("Remote", PxeCloud.MODE_REMOTE);
        return m;
    }

    public ListBoxModel doFillDhcpModeItems() {
        ListBoxModel m = new ListBoxModel();
        m.add("proxy DHCP (next to the network's DHCP server)", "proxy");
        m.add("full DHCP server", "dhcp");
        m.add("off", "off");
        return m;
    }

    public FormValidation doCheckHttpPort(@QueryParameter String value) {
        return FormValidation.validateIntegerInRange(value, 0, 65535);
    }

    public FormValidation doCheckTftpPort(@QueryParameter String value) {
        return FormValidation.validateIntegerInRange(value, 0, 65535);
    }

    public FormValidation doCheckDhcpPort(@QueryParameter String value) {
        return FormValidation.validateIntegerInRange(value, 1, 65535);
    }

    public FormValidation doCheckProxyDhcpPort(@QueryParameter String value) {
        return FormValidation.validateIntegerInRange(value, 1, 65535);
    }

    /** Reads the runtime's pool with the saved configuration; admins only, POST only. */
    @POST
    public FormValidation doTestConnection() {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        return testClient(this::client);
    }

    static FormValidation testClient(Supplier<RuntimeClient> client) {
        try {
            RuntimeClient c = client.get();
            List<RuntimeClient.Machine> machines = c.machines();
            long available = machines.stream().filter(m -> "available".equals(m.state())).count();
            return FormValidation.ok("Connected to %s: %d pool machines, %d available", c.url(), machines.size(),
                    available);
        } catch (RuntimeApiException | RuntimeException e) {
            return FormValidation.error(e.getMessage());
        }
    }
}
