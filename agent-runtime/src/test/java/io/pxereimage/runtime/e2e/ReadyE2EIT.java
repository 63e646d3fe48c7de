package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The first-boot "ready" post end to end: a reimage job whose {@code firstBoot.readyUrl} points at a listener in the
 * lab's server namespace; the blank BIOS machine is deployed as in {@link DeployE2EIT}, reboots into the demo OS,
 * which gets an address by DHCP and POSTs to the URL once. The listener (python3, in {@code pxk-srv}) records every
 * request. The token must reach the listener and nothing else: not the serial console, not the runtime's log or
 * events. After the post the OS stays up (a machine handed to its lease holder is not powered off).
 */
class ReadyE2EIT {
    static final String MAC = "52:54:00:70:00:01";
    static final String MACHINE = "e2e-ready";
    static final String POSTED = "PXE-REIMAGE-OS: ready posted";
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.deploy.timeout", 300));
    /** Records each request as one line "METHOD PATH BODY" and answers 204, like the runtime's ready endpoint. */
    static final String LISTENER = """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    with open(sys.argv[3], "ab") as f:
                        f.write(b"%s %s %s\\n" % (self.command.encode(), self.path.encode(), body))
                    self.send_response(204)
                    self.end_headers()
                do_GET = do_PUT = do_POST
                def log_message(self, *a):
                    pass
            http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
            """;

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxk-", "10.231.70").withDeployAssets();

    @Test
    void deployedOsPostsItsReadyUrlOnceAndStaysUp() throws Exception {
        String url = "http://" + LAB.ip(1) + ":8080";
        String token = LabFixture.randomHex(16);
        String readyUrl = "http://" + LAB.ip(1) + ":8099/api/v1/agent/ready?token=" + token;
        Path data = LAB.file("runtime-data");
        Path tokenFile = LAB.apiTokenFile();
        Path disk = LAB.blankDisk("disk.img");
        LAB.addImageOffline("image-add.log", data, LAB.deployAssets.resolve("demo-disk.img"));

        Path requests = LAB.file("ready-requests.log");
        Files.writeString(requests, "");
        Path listener = LAB.file("ready-listener.py");
        Files.writeString(listener, LISTENER);
        Path listenerLog = LAB.file("ready-listener.out");
        Process server = LAB.track(Procs.start(LAB.inNamespace("srv", "python3", listener.toString(), LAB.ip(1),
                "8099", requests.toString()), Map.of(), listenerLog));

        Path config = LAB.deployConfig("runtime.yaml", data, tokenFile, """
                agent: {pollSeconds: 10}
                machines:
                  - {mac: "%s", name: %s, action: local}
                """.formatted(MAC, MACHINE));
        RuntimeProcess runtime = LAB.serve("runtime", config);
        try {
            assertThat(server.isAlive()).as("listener: %s", Procs.read(listenerLog)).isTrue();
            // The body goes through a file: a token on a command line would show in ps.
            Path body = LAB.file("reimage.json");
            Files.writeString(body, """
                    {"image": "demo", "disk": "/dev/vda",
                     "firstBoot": {"hostname": "ready-host", "readyUrl": "%s"}}""".formatted(readyUrl));
            Path reply = LAB.file("reimage-reply.json");
            Procs.runOk(LAB.inNamespace("srv", "curl", "-sS", "--fail-with-body", "--max-time", "10", "-o",
                    reply.toString(), "-H", "Content-Type: application/json", "-H", "Authorization: Bearer "
                    + Files.readString(tokenFile).strip(), "--data-binary", "@" + body,
                    url + "/api/v1/machines/" + MACHINE + "/reimage"), Map.of(), LAB.file("curl.log"),
                    Duration.ofSeconds(20));
            assertThat(Procs.read(reply)).doesNotContain(token);
            String jobId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(reply.toFile()).path("id")
                    .asText();
            assertThat(jobId).isNotEmpty();

            // Marker "ready" also ends the boot on "ready failed: ..."; --linger 5: qemu must still run 5 s after it.
            LabFixture.BootResult boot = LAB.boot("ready", "bios", MAC, BOOT_TIMEOUT, "PXE-REIMAGE-OS: ready",
                    List.of("--disk", disk.toString(), "--allow-reboot", "--linger", "5"), List.of(),
                    "Kernel panic", "PXE-REIMAGE-FIRSTBOOT: none", "PXE-REIMAGE-DEPLOY-ENV: agent ended",
                    "deploy-image failed:");
            String serial = boot.serial();
            assertThat(boot.markerSeen()).as("ready line in %s (dead end %s)", boot.serialLog(), boot.deadEnd())
                    .isTrue();
            assertThat(serial).contains("PXE-REIMAGE-OS: booted from disk").contains("\"readyUrl\" : \"(set)\"")
                    .contains(POSTED).doesNotContain("ready failed");
            assertThat(serial).as("token on the console").doesNotContain(token);
            String after = serial.substring(serial.indexOf(POSTED));
            assertThat(after).doesNotContain("reboot: Power down").doesNotContain("reboot: Restarting");
            String result = Procs.read(LAB.file("ready.qemu-boot.log"));
            assertThat(result).as("qemu still running 5 s after the marker").contains("running=yes");

            List<String> got = Procs.read(requests).lines().toList();
            assertThat(got).as("requests at the listener").hasSize(1);
            assertThat(got.get(0)).isEqualTo("POST /api/v1/agent/ready?token=" + token
                    + " instance_id=iid-pxe-" + jobId.replaceAll("[^A-Za-z0-9-]", "-") + "&hostname=ready-host");

            Path events = LAB.file("events.json");
            Procs.runOk(LAB.inNamespace("srv", "curl", "-sS", "--fail", "--max-time", "5", "-o", events.toString(),
                    "-H", "Authorization: Bearer " + Files.readString(tokenFile).strip(),
                    url + "/api/v1/events?machine=" + MACHINE), Map.of(), LAB.file("curl.log"), Duration.ofSeconds(15));
            assertThat(Procs.read(events)).contains("first-boot-written").doesNotContain(token);
            assertThat(Procs.read(runtime.log)).doesNotContain(token);
        } finally {
            runtime.stop();
        }
    }
}
