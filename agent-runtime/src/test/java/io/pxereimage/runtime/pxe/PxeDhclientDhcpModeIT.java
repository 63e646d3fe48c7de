package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * DHCP mode against ISC dhclient posing as BIOS PXE, UEFI PXE, UEFI HTTP boot and iPXE through its config file
 * ({@code send vendor-class-identifier}, option 93 declared and sent, raw user class {@code iPXE}). The udhcpc poses
 * are in {@link PxeDhcpModeIT}. Namespaces {@code pxp-dd-*}, 10.231.80.0/24; one client namespace and MAC per pose.
 */
class PxeDhclientDhcpModeIT {
    static final String NET = "10.231.80.";
    static final String SERVER = NET + "1";
    static NetLab lab;
    static ServerProcess server;

    @BeforeAll
    static void up() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "dhclient");
        lab = new NetLab("pxp", "dd");
        lab.host("srv", null, SERVER + "/24");
        StringBuilder known = new StringBuilder();
        for (ClientPose pose : ClientPose.values()) {
            lab.host(pose.name().toLowerCase(), mac(pose), null);
            known.append(known.length() == 0 ? "" : ",").append(mac(pose));
        }
        server = new ServerProcess(lab, lab.ns("srv"), "mode=dhcp", "server=" + SERVER,
                "range=" + NET + "100-" + NET + "150", "known=" + known, "lease=120",
                "data=" + lab.dir.resolve("leases"));
    }

    @AfterAll
    static void down() {
        if (server != null) {
            server.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    static String mac(ClientPose pose) {
        return "52:54:00:80:00:0" + (pose.ordinal() + 1);
    }

    /** dhclient as {@code pose}; asserts the lease and the boot fields every pose shares, returns the variables. */
    static Map<String, String> lease(ClientPose pose) throws Exception {
        String name = "dhclient-" + pose.name().toLowerCase();
        Dhclient.Run run = Dhclient.run(lab, lab.ns(pose.name().toLowerCase()), name, pose.dhclientConf(""),
                Duration.ofSeconds(12));
        Map<String, String> env = run.lease();
        assertThat(env).as("dhclient output:\n%s\nserver log:\n%s", run.output(), server.log()).isNotNull();
        assertThat(env.get("new_ip_address")).startsWith(NET);
        assertThat(Integer.parseInt(env.get("new_ip_address").substring(NET.length()))).isBetween(100, 150);
        assertThat(env).containsEntry("new_dhcp_server_identifier", SERVER)
                .containsEntry("new_subnet_mask", "255.255.255.0")
                .containsEntry("new_filename", pose.bootFile(SERVER, mac(pose)))
                .containsEntry("new_next_server", SERVER).containsEntry("new_server_name", SERVER)
                .containsEntry("new_vendor_class_identifier", pose.vendor);
        assertThat(Integer.parseInt(env.get("new_dhcp_lease_time"))).isEqualTo(120);
        // option 43 is not in dhclient's request list, so it shows up only because the server sent it anyway
        if (pose.vendorOptions) {
            assertThat(env).containsEntry("new_vendor_encapsulated_options", "6:1:8:ff");
        } else {
            assertThat(env).doesNotContainKey("new_vendor_encapsulated_options");
        }
        if (pose.ipxeFlag) {
            assertThat(env).containsEntry("new_ipxe_encap", "b0:1:1");
        } else {
            assertThat(env).doesNotContainKey("new_ipxe_encap");
        }
        assertThat(server.log()).contains("DHCP DISCOVER " + mac(pose) + " " + pose.logged + " -> OFFER")
                .contains("DHCP REQUEST " + mac(pose) + " " + pose.logged + " -> ACK");
        return env;
    }

    @Test
    void biosPose() throws Exception {
        lease(ClientPose.BIOS);
    }

    @Test
    void uefiPose() throws Exception {
        lease(ClientPose.UEFI);
    }

    @Test
    void httpBootPose() throws Exception {
        lease(ClientPose.HTTP);
    }

    @Test
    void ipxePoseRecognisedByItsRawUserClass() throws Exception {
        lease(ClientPose.IPXE);
    }
}
