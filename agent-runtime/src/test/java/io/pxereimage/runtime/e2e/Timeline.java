package io.pxereimage.runtime.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One boot as a sorted list of "seconds since qemu start  source  event": serial and wire events from
 * {@code lab_timeline} (lib.sh: tshark over the server-side capture), plus the runtime's own log lines in the
 * same time base. The first thing to read when an end-to-end test fails.
 */
final class Timeline {
    private static final Pattern FAILURES = Pattern.compile(
            "Nothing to boot|No more network|No bootable|Boot failed|No configuration methods|Connection timed out"
                    + "|PXE-E|BdsDxe|Kernel panic|Retrying");

    private Timeline() {
    }

    static String build(LabFixture lab, Path pcap, Path serial, List<Path> runtimeLogs) {
        try {
            Path t0File = Path.of(serial + ".t0");
            if (!Files.exists(t0File)) {
                return "(no timeline: qemu-boot.sh did not start)\n";
            }
            double t0 = Double.parseDouble(Files.readString(t0File).trim());
            Path out = lab.file(serial.getFileName() + ".lab-timeline");
            Files.deleteIfExists(out);
            Procs.run(List.of("bash", "-c", ". " + lab.lab("lib.sh") + "; lab_timeline \"$1\" \"$2\"", "timeline",
                    pcap.toString(), serial.toString()), lab.env(), out, java.time.Duration.ofSeconds(60));
            List<String> rows = new ArrayList<>(Procs.read(out).lines().filter(l -> l.matches("^ *-?[0-9.]+ .*"))
                    .toList());
            // Dead ends of a failed boot (lab_timeline lists only the milestones of a good one).
            for (String line : Procs.read(Path.of(serial + ".ts")).lines().toList()) {
                int sp = line.indexOf(' ');
                String text = line.substring(sp + 1).replaceAll("\\e\\[[0-9;?]*[a-zA-Z]", "").strip();
                if (sp > 0 && FAILURES.matcher(text).find()) {
                    rows.add(String.format(Locale.ROOT, "%8.3f  serial  %s", Double.parseDouble(line.substring(0, sp)),
                            text.substring(0, Math.min(100, text.length()))));
                }
            }
            double end = lastTime(rows) + 5;
            for (Path log : runtimeLogs) {
                for (String line : Procs.read(log).lines().toList()) {
                    int sp = line.indexOf(' ');
                    if (sp < 0) {
                        continue;
                    }
                    double t;
                    try {
                        t = LocalDateTime.parse(line.substring(0, sp)).atZone(ZoneId.systemDefault()).toInstant()
                                .toEpochMilli() / 1000.0 - t0;
                    } catch (DateTimeParseException notStamped) {
                        continue;
                    }
                    if (t >= -2 && t <= end) {
                        rows.add(String.format(Locale.ROOT, "%8.3f  runtime %s", t, line.substring(sp + 1)));
                    }
                }
            }
            rows.sort(Comparator.comparingDouble(r -> Double.parseDouble(r.trim().split("\\s+")[0])));
            // The lab's RA sender answers every solicitation: keep the first few, count the rest.
            List<String> shown = new ArrayList<>();
            int ras = 0;
            for (String r : rows) {
                if (r.endsWith("IPv6 router advertisement") && ++ras > 2) {
                    continue;
                }
                shown.add(r);
            }
            if (ras > 2) {
                shown.add("          (" + (ras - 2) + " more IPv6 router advertisements not shown)");
            }
            return String.join("\n", shown) + "\n";
        } catch (Exception e) {
            return "(timeline failed: " + e + ")\n";
        }
    }

    private static double lastTime(List<String> rows) {
        double max = 0;
        for (String r : rows) {
            max = Math.max(max, Double.parseDouble(r.trim().split("\\s+")[0]));
        }
        return max;
    }
}
