package io.pxereimage.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.protocol.Job;

/**
 * Appends a small FAT partition labelled {@code CIDATA} (a NoCloud seed that cloud-init and our demo OS read) after
 * the image's last partition, working on the whole disk with byte offsets: the kernel's view of the partitions
 * is stale until the reboot, and nothing gets mounted. Layout and rules: docs/first-boot.md.
 */
final class FirstBootWriter {
    static final long SECTOR = 512;
    static final long ALIGN = 2048; // sectors: 1 MiB
    static final long SIZE = 8192; // sectors: 4 MiB
    /** Room a deploy needs after the image: alignment, the volume, a GPT backup table. */
    static final long RESERVE = (ALIGN + SIZE + ALIGN) * SECTOR;
    static final String GPT_BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final Map<String, String> MTOOLS_ENV = Map.of("MTOOLS_SKIP_CHECK", "1", "MTOOLSRC", "/dev/null");

    private final AgentConfig config;
    private final Consumer<String> log;

    FirstBootWriter(AgentConfig config, Consumer<String> log) {
        this.config = config;
        this.log = log;
    }

    /** Returns the byte offset of the new volume. */
    long write(Path device, long deviceSize, long imageSize, Job.FirstBoot firstBoot, String jobId)
            throws IOException, InterruptedException {
        validate(firstBoot);
        String dev = device.toString();
        JsonNode table = partitionTable(dev);
        String label = table.path("label").asText();
        if (!label.equals("dos") && !label.equals("gpt")) {
            throw new IOException("image has no MBR/GPT partition table (sfdisk label '" + label + "')");
        }
        long lastEnd = 0;
        int count = 0;
        for (JsonNode p : table.path("partitions")) {
            lastEnd = Math.max(lastEnd, p.path("start").asLong() + p.path("size").asLong());
            count++;
        }
        if (label.equals("dos") && count >= 4) {
            throw new IOException("MBR image already has " + count + " partitions; no room for the cidata volume");
        }
        if (label.equals("gpt")) {
            // the image's backup GPT sits at the image's end, not the disk's: move it where it belongs
            run(List.of(config.tools.sfdisk(), "--relocate", "gpt-bak-std", dev), null);
        }
        long imageSectors = (imageSize + SECTOR - 1) / SECTOR;
        long start = align(Math.max(lastEnd, imageSectors));
        long diskSectors = deviceSize / SECTOR;
        if (start + SIZE > diskSectors - (label.equals("gpt") ? 34 : 0)) {
            throw new IOException("no room for the cidata volume after sector " + start);
        }
        String type = label.equals("gpt") ? GPT_BASIC_DATA + ", name=cidata" : "c";
        run(List.of(config.tools.sfdisk(), "--append", "--no-reread", "--no-tell-kernel", dev),
                "start=" + start + ", size=" + SIZE + ", type=" + type + "\n");
        boolean found = false;
        for (JsonNode p : partitionTable(dev).path("partitions")) {
            found |= p.path("start").asLong() == start && p.path("size").asLong() == SIZE;
        }
        if (!found) {
            throw new IOException("sfdisk did not create the cidata partition at sector " + start);
        }
        long offset = start * SECTOR;
        // -F 12: without it mkfs.fat 4.2 picks FAT32 once the offset is >= 512 MiB and then refuses the 4 MiB
        // volume ("too small"): every image of 512 MiB or more failed its deploy here.
        run(List.of(config.tools.mkfsVfat(), "-F", "12", "-I", "-n", "CIDATA", "--offset=" + start, "-h",
                String.valueOf(start),
                dev, String.valueOf(SIZE * SECTOR / 1024)), null);
        Path dir = Files.createTempDirectory(config.workDir, "pxe-cidata-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            List<String> cmd = new ArrayList<>(List.of(config.tools.mcopy(), "-i", dev + "@@" + offset, "-o"));
            for (Map.Entry<String, String> f : files(firstBoot, jobId).entrySet()) {
                Path p = dir.resolve(f.getKey());
                Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
                cmd.add(p.toString());
            }
            cmd.add("::/");
            run(cmd, null);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
        log.accept("first-boot volume CIDATA (" + label + " partition at sector " + start + ", keys "
                + firstBoot.data().keySet() + ") written");
        return offset;
    }

    /** Checked before the image is written, so a bad job fails fast. */
    static void validate(Job.FirstBoot firstBoot) throws IOException {
        String hostname = firstBoot.hostname();
        if (hostname == null || !hostname.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")) {
            throw new IOException("invalid first-boot hostname " + hostname);
        }
        // Never in the message: the URL carries a one-time token.
        if (firstBoot.readyUrl() != null && !Job.FirstBoot.validReadyUrl(firstBoot.readyUrl())) {
            throw new IOException("invalid first-boot readyUrl: not an absolute http(s) URL");
        }
    }

    /** The three files of the volume, by name. Values of {@code data} may be secrets: they are never logged. */
    static Map<String, String> files(Job.FirstBoot fb, String jobId) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("hostname", fb.hostname());
        json.put("runtimeUrl", fb.runtimeUrl());
        if (fb.readyUrl() != null) {
            json.put("readyUrl", fb.readyUrl());
        }
        json.put("data", fb.data());
        String pxeJson = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n";
        String instance = "iid-pxe-" + (jobId == null ? "none" : jobId.replaceAll("[^A-Za-z0-9-]", "-"));
        String host = Json.MAPPER.writeValueAsString(fb.hostname());
        Map<String, String> files = new LinkedHashMap<>();
        files.put("meta-data", "instance-id: " + instance + "\nlocal-hostname: " + host + "\n");
        files.put("user-data", "#cloud-config\n"
                + "hostname: " + host + "\n"
                + "preserve_hostname: false\n"
                + "write_files:\n"
                + "  - path: /etc/pxe-reimage/first-boot.json\n"
                + "    owner: root:root\n"
                + "    permissions: '0600'\n"
                + "    encoding: b64\n"
                + "    content: " + Base64.getEncoder().encodeToString(pxeJson.getBytes(StandardCharsets.UTF_8)) + "\n"
                + (fb.readyUrl() == null ? "" : phoneHome(fb.readyUrl())));
        files.put("pxe-reimage.json", pxeJson);
        return files;
    }

    /** cloud-init's phone_home module: POSTs (form data) to the URL once the OS is up; the runtime marks it ready. */
    private static String phoneHome(String readyUrl) throws IOException {
        return "phone_home:\n"
                + "  url: " + Json.MAPPER.writeValueAsString(readyUrl) + "\n"
                + "  post: [instance_id, hostname]\n"
                + "  tries: 10\n";
    }

    private JsonNode partitionTable(String dev) throws IOException, InterruptedException {
        Commands.Result r = Commands.capture(List.of(config.tools.sfdisk(), "-J", dev), null, TOOL_TIMEOUT, null);
        if (!r.ok()) {
            throw new IOException("sfdisk -J " + dev + " failed: " + r.stderr().strip());
        }
        return Json.MAPPER.readTree(r.stdout()).path("partitiontable");
    }

    private void run(List<String> cmd, String stdin) throws IOException, InterruptedException {
        Commands.Result r = Commands.capture(cmd, stdin, TOOL_TIMEOUT, MTOOLS_ENV);
        if (!r.ok()) {
            throw new IOException(Path.of(cmd.get(0)).getFileName() + " failed (exit " + r.exitCode() + "): "
                    + (r.stderr().strip() + " " + r.stdout().strip()).strip());
        }
    }

    private static long align(long sector) {
        return (sector + ALIGN - 1) / ALIGN * ALIGN;
    }
}
