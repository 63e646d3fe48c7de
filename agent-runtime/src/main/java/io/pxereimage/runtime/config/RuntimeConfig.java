package io.pxereimage.runtime.config;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The runtime's configuration file ({@code pxe-runtime serve --config FILE}), bound from YAML. Every section has
 * safe defaults; validation happens in the records' constructors so that a bad value is reported with its line.
 *
 * @param address the IPv4 address this runtime advertises to clients (DHCP server id, next-server, URL host);
 *                derived from {@code interface} when omitted
 * @param interfaceName the boot network interface; gives the address and, in dhcp mode, the default range
 * @param dataDir where leases and other state live (also agent sessions, plans changed at runtime, events, the
 *                image catalog {@code images.json} and the image cache)
 * @param deploy the deploy environment that machines with plan {@code deploy} boot; none by default
 * @param agent settings for deploy agents
 */
public record RuntimeConfig(
        String address,
        @JsonProperty("interface") String interfaceName,
        String dataDir,
        DhcpSection dhcp,
        TftpSection tftp,
        HttpSection http,
        BootSection boot,
        DeploySection deploy,
        AgentSection agent,
        List<MachineEntry> machines) {

    public RuntimeConfig {
        if (address != null) {
            Fields.ipv4("address", address);
        }
        if (address == null && interfaceName == null) {
            throw new IllegalArgumentException("address: give 'address' or 'interface' (the boot network)");
        }
        dataDir = dataDir == null ? "/var/lib/pxe-runtime" : dataDir;
        dhcp = dhcp == null ? new DhcpSection(null, null, null, null, null, null, null, null, null, null, null) : dhcp;
        tftp = tftp == null ? new TftpSection(null, null, null, null, null) : tftp;
        http = http == null ? new HttpSection(null, null, null, null, null, null) : http;
        boot = boot == null ? new BootSection(null, null, null) : boot;
        agent = agent == null ? new AgentSection(null, null) : agent;
        machines = machines == null ? List.of() : List.copyOf(machines);
        Fields.unique("machines", machines.stream().map(m -> m.mac().toString()).toList());
    }
}
