package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Grafana dashboard in docs/grafana and the metrics table in docs/observability.md against the meters the code
 * registers: a renamed meter breaks this test, not a panel that silently shows "No data".
 */
class GrafanaDashboardTest {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    /** Meter names as string literals: {@code "pxe_boots_total"} or Micrometer's dotted {@code "pxe.pool.machines"}. */
    static final Pattern REGISTERED = Pattern.compile("\"(pxe[._][a-z0-9._]+)\"");
    static final Pattern QUERIED = Pattern.compile("\\bpxe_[a-z0-9_]+");
    /** Series suffixes Prometheus adds to counters, timers and summaries. */
    static final Pattern SUFFIX = Pattern.compile("_(total|bucket|count|sum|max|created)$");

    @Test
    void everyQueryOfTheDashboardNamesARegisteredMeter() throws IOException {
        Set<String> registered = registeredFamilies();
        JsonNode dash = new ObjectMapper().readTree(REPO.resolve("docs/grafana/pxe-reimage.json").toFile());
        Set<String> queried = new TreeSet<>();
        for (JsonNode expr : dash.findValues("expr")) {
            Matcher m = QUERIED.matcher(expr.asText());
            while (m.find()) {
                queried.add(family(m.group()));
            }
        }
        assertThat(queried).as("metrics the dashboard queries").hasSizeGreaterThan(15);
        assertThat(registered).as("meters registered in agent-runtime/src/main").containsAll(queried);
        assertThat(dash.findValues("title").stream().map(JsonNode::asText))
                .as("panels for what issue 8 asks to see").contains("Boots started per minute, by firmware",
                        "Time from first offer to phase (p50, p95)", "DHCP packets by type and outcome",
                        "TFTP transfers and bytes", "HTTP bytes sent", "Deploy duration (p50, p95)",
                        "Machine failures by cause", "Machines by state", "Open leases", "Election role");
    }

    @Test
    void everyRegisteredMeterIsDocumented() throws IOException {
        String doc = Files.readString(REPO.resolve("docs/observability.md"));
        Set<String> documented = new TreeSet<>();
        Matcher m = QUERIED.matcher(doc);
        while (m.find()) {
            documented.add(family(m.group()));
        }
        Set<String> registered = registeredFamilies();
        assertThat(registered).as("meters found in the sources").hasSizeGreaterThan(30)
                .contains("pxe_tftp_transfers", "pxe_pool_machines", "pxe_boot_phase_seconds");
        assertThat(documented).as("metrics in docs/observability.md").containsAll(registered);
    }

    /** {@code pxe_pool_machines} for {@code pxe.pool.machines}, {@code pxe_boots} for {@code pxe_boots_total}. */
    static String family(String name) {
        return SUFFIX.matcher(name.replace('.', '_')).replaceAll("");
    }

    static Set<String> registeredFamilies() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(REPO.resolve("agent-runtime/src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = REGISTERED.matcher(Files.readString(f));
                while (m.find()) {
                    if (!m.group(1).startsWith("pxe.sse")) { // a Netty channel attribute, not a meter
                        names.add(family(m.group(1)));
                    }
                }
            }
        }
        return names;
    }
}
