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
 * @param pool how pool machines (those with a {@code bmc}) are leased, cleaned and timed
 * @param store where pool state lives: the data directory's embedded database unless a PostgreSQL URL is given
 * @param multicast multicast image distribution; {@code null} (no section) = every deploy is unicast
 * @param election peers on the subnet elect one responder (docs/election.md); absent: always answer
 * @param site this runtime's site in a shared store: its name and heartbeat (docs/sites.md)
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
        PoolSection pool,
        StoreSection store,
        MulticastSection multicast,
        List<MachineEntry> machines,
        ElectionSection election,
        SiteSection site) {

    public RuntimeConfig {
        if (address != null) {
            Fields.ipv4("address", address);
        }
        if (address == null && interfaceName == null) {
            throw new IllegalArgumentException("address: give 'address' or 'interface' (the boot network)");
        }
        dataDir = dataDir == null ? "/var/lib/pxe-runtime" : dataDir;
        dhcp = dhcp == null ? DhcpSection.defaults(null) : dhcp;
        tftp = tftp == null ? new TftpSection(null, null, null, null, null) : tftp;
        http = http == null ? new HttpSection(null, null, null, null, null, null, null) : http;
        boot = boot == null ? new BootSection(null, null, null) : boot;
        agent = agent == null ? new AgentSection(null, null) : agent;
        pool = pool == null ? PoolSection.defaults() : pool;
        store = store == null ? new StoreSection(null, null, null) : store;
        machines = machines == null ? List.of() : List.copyOf(machines);
        site = site == null ? SiteSection.defaults() : site;
        if (site.name() != null && pool.owner() != null && !site.name().equals(pool.owner())) {
            throw new IllegalArgumentException("site: name '" + site.name() + "' and pool.owner '" + pool.owner()
                    + "' differ; they name the same thing (pool.owner is the older spelling): give one");
        }
        Fields.unique("machines", machines.stream().map(m -> m.mac().toString()).toList());
        Fields.unique("machines (names of pool machines)",
                machines.stream().filter(MachineEntry::pooled).map(MachineEntry::name).toList());
        if (election != null && dhcp.modeValue() == DhcpSection.Mode.OFF) {
            throw new IllegalArgumentException("election: dhcp mode is off: there is nothing to answer");
        }
        if (election != null && election.subnet() != null && address != null
                && !election.subnetValue().contains(Fields.ipv4("address", address))) {
            throw new IllegalArgumentException("election: subnet " + election.subnetValue() + " does not contain"
                    + " this runtime's address " + address);
        }
        if (election != null && election.subnet() == null && interfaceName == null) {
            throw new IllegalArgumentException("election: give election.subnet or 'interface' (the subnet to elect"
                    + " a responder on)");
        }
        if (machines.stream().anyMatch(MachineEntry::pooled) && deploy == null) {
            throw new IllegalArgumentException("deploy: pool machines (with a bmc) need a deploy environment");
        }
        if (multicast != null && deploy == null) {
            throw new IllegalArgumentException("multicast: needs a deploy section (agents receive the images)");
        }
    }

    /** The site this runtime's pool machines belong to: {@code site.name}, else {@code pool.owner}, else the host. */
    public String siteName(String hostName) {
        return site.name() != null ? site.name() : pool.owner() != null ? pool.owner() : hostName;
    }
}
