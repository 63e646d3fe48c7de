package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * Issue 8's browser acceptance: the dashboard in Debian's headless Chromium (Selenium, {@link Dashboard}) while a
 * real lab machine is imaged. The machine is a powered-off pool machine behind an IPMI BMC (as in
 * {@link LeaseE2EIT}); a lease through the API powers it on, it netboots the deploy environment (BIOS iPXE) and its
 * agent writes the demo image. The browser reaches the runtime in {@code pxu-srv} through a {@link NetnsTunnel}.
 *
 * <ol>
 * <li>Machine available and powered off: the API refuses the page's own calls without (or with a wrong) token, 401,
 * and an action without the machine's name as confirmation, 428; nothing happens (pool events, BMC power), all of
 * it is audited.
 * <li>The page: without a token only the login form (also in a second tab after a login in the first); an admin
 * action cancelled, or confirmed with a wrong name, executes nothing.
 * <li>The page loaded once while the machine is imaged: the row's state changes live, the transfer's progress bar
 * advances, the machine page shows the timeline, a confirmed release takes effect; the page never reloads. The
 * page also reads {@code /api/v1/live} itself, as a witness of what the runtime sent.
 * </ol>
 * Tests 2 and 3 fail when the runtime jar has no dashboard ({@code dashboard/index.html}). Screenshots:
 * {@code target/screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserE2EIT {
    static final String MAC = "52:54:00:6f:00:01";
    static final String MACHINE = "m1";
    static final String ROW = "tr[data-machine=\"" + MACHINE + "\"]";
    static final String TRANSFER = "[data-transfer][data-machine=\"" + MACHINE + "\"]";
    static final Duration IMAGED = Duration.ofSeconds(Long.getLong("e2e.dashboard.timeout", 240));

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxu-", "10.231.111").withDeployAssets();

    /** A failed test leaves each tab's screenshot, DOM and console in target/e2e/DashboardBrowserE2EIT/. */
    @RegisterExtension
    final TestWatcher diagnostics = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext ctx, Throwable cause) {
            if (browser != null) {
                browser.saveDiagnostics(LAB.file("failed-" + ctx.getRequiredTestMethod().getName()), token);
            }
        }
    };

    private static LabFixture.PoolLab pool;
    private static RuntimeProcess runtime;
    private static NetnsTunnel tunnel;
    private static LabApi api;
    private static String token;
    private static Dashboard browser;
    private static Path screenshots;

    /** Runtime, tunnel and browser, once for both tests (the lab fixture has set up the namespaces). */
    private static synchronized void start() throws Exception {
        if (browser != null) {
            return;
        }
        Prerequisites.requireCommands("ipmi_sim", "ipmitool", "setsid", "ss");
        Prerequisites.requireChromium();
        pool = LAB.ipmiPoolMachine("dash-", MACHINE, MAC);
        runtime = LAB.serve("dash-runtime", pool.config());
        api = new LabApi(LAB, "http://" + LAB.ip(1) + ":8080", pool.tokenFile());
        token = Files.readString(pool.tokenFile()).strip();
        tunnel = NetnsTunnel.open(LAB, "srv", LAB.ip(1), 8080);
        screenshots = LAB.module.resolve("target/screenshots");
        long t0 = System.nanoTime();
        browser = Dashboard.start(tunnel.url(), screenshots, LAB.file("chromedriver.log"));
        System.out.printf(Locale.ROOT, "dashboard e2e: chromium up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
            if (tunnel != null) {
                tunnel.close();
            }
            if (runtime != null) {
                runtime.stop();
            }
        } finally {
            if (LAB.work != null) {
                Procs.run(List.of("bash", LAB.lab("bmc.sh"), "stop", MACHINE, "--prefix", LAB.prefix), LAB.env(),
                        LAB.file("bmc.log"), Duration.ofSeconds(20));
            }
        }
        if (LAB.work != null && Files.exists(LAB.file("chromedriver.log")) && token != null) {
            assertThat(Procs.read(LAB.file("chromedriver.log"))).as("driver log").doesNotContain(token);
        }
    }

    @Test
    @Order(1)
    void theApiRefusesABrowserWithoutTokenAndAnActionWithoutConfirmation() throws Exception {
        start();
        browser.open(); // any page of the runtime's origin: the calls below are the page's own fetches

        // Without the token, or with a wrong one, every call is refused, the live stream included.
        for (String path : List.of("/api/v1/pool", "/api/v1/live", "/api/v1/audit", "/api/v1/activity")) {
            assertThat(browser.fetchStatus(path, "{}")).as("GET %s without token", path).isEqualTo(401);
        }
        assertThat(browser.fetchStatus("/api/v1/pool", bearer("wrong-token-0123456789", "GET", null)))
                .isEqualTo(401);
        int auditedBefore = actionEntries().size();
        assertThat(browser.fetchStatus("/api/v1/actions", bearer(null, "POST", action("power-cycle", MACHINE))))
                .as("action without token").isEqualTo(401);

        // With the token but without the machine's name as confirmation: 428, and nothing is done.
        int eventsBefore = api.path(MACHINE).size();
        assertThat(browser.fetchStatus("/api/v1/actions", bearer(token, "POST", action("power-cycle", null))))
                .as("no confirmation").isEqualTo(428);
        assertThat(browser.fetchStatus("/api/v1/actions", bearer(token, "POST", action("power-cycle", MACHINE + "x"))))
                .as("wrong confirmation").isEqualTo(428);
        Thread.sleep(1000); // a power cycle would have started by now
        List<JsonNode> all = actionEntries();
        assertThat(all.subList(auditedBefore, all.size())).as("audited, all refused")
                .extracting(e -> e.path("status").asInt() + " " + e.path("who").asText(null))
                .containsExactly("401 null", "428 admin", "428 admin");
        assertThat(api.machineState(MACHINE)).isEqualTo("available");
        assertThat(api.path(MACHINE)).as("no pool transition").hasSize(eventsBefore);
        assertThat(bmcStatus()).as("nothing power-cycled the machine").contains("power=off");
    }

    @Test
    @Order(2)
    void withoutTokenThePageShowsOnlyTheLoginFormAndACancelledActionDoesNothing() throws Exception {
        start();
        requireDashboard();
        String loadId = browser.open();
        assertThat(browser.fetchStatus("/ui/", "{}")).as("GET /ui/ (the dashboard is served)").isEqualTo(200);
        assertLoginOnly("a fresh page");
        browser.screenshot("login");

        browser.typeToken("wrong-token-0123456789");
        assertThat(browser.loginError()).isNotBlank();
        assertLoginOnly("after a wrong token");

        browser.login(token);
        browser.nav("machines");
        assertThat(browser.await(ROW).getDomAttribute("data-state")).isEqualTo("available");
        assertThat(browser.loadId()).as("login and navigation without reload").isEqualTo(loadId);

        // A second tab of the same browser (cookies shared, sessionStorage not): nothing without logging in there.
        browser.openNewTab();
        assertLoginOnly("a second tab");
        browser.driver().close();
        browser.tab(0);

        // Cancelled, then confirmed with the wrong name: nothing may happen.
        int eventsBefore = api.path(MACHINE).size();
        int auditedBefore = actionEntries().size();
        WebElement button = actionButton("power-cycle");
        button.click();
        WebElement dialog = awaitDialog(true);
        dialog.findElement(By.id("confirm-cancel")).click();
        awaitDialog(false);
        Thread.sleep(1000); // anything the click had sent would be in the audit log by now
        assertThat(actionEntries()).as("audit entries for /api/v1/actions after cancel").hasSize(auditedBefore);

        actionButton("power-cycle").click();
        dialog = awaitDialog(true);
        WebElement input = dialog.findElement(By.id("confirm-input"));
        input.sendKeys(MACHINE + "x");
        WebElement ok = dialog.findElement(By.id("confirm-ok"));
        boolean okEnabled = ok.isEnabled();
        ok.click();
        Thread.sleep(1500);
        List<JsonNode> all = actionEntries();
        List<JsonNode> refused = all.subList(auditedBefore, all.size());
        System.out.printf("dashboard e2e: OK with a wrong name: button %s, audit %s%n",
                okEnabled ? "enabled" : "disabled", refused);
        if (isOpen()) {
            browser.driver().findElement(By.id("confirm-cancel")).click();
            awaitDialog(false);
        }
        for (JsonNode e : refused) {
            assertThat(e.path("status").asInt()).as("refused, not executed: %s", e).isEqualTo(428);
        }
        assertThat(api.machineState(MACHINE)).isEqualTo("available");
        assertThat(api.path(MACHINE)).as("no pool transition").hasSize(eventsBefore);
        assertThat(bmcStatus()).as("nothing power-cycled the machine").contains("power=off");
        assertThat(browser.await(ROW).getDomAttribute("data-state")).isEqualTo("available");
    }

    @Test
    @Order(3)
    void machineStateAndProgressUpdateLiveWhileTheMachineIsImaged() throws Exception {
        start();
        requireDashboard();
        long t0 = System.nanoTime();
        browser.open();
        browser.js("sessionStorage.clear();"); // the same start whether or not the test before ran
        String loadId = browser.open();
        browser.login(token);
        browser.waiting(Dashboard.WAIT, "#connection says live")
                .until(d -> d.findElement(By.id("connection")).getText().contains("live"));
        browser.nav("machines");
        assertThat(browser.await(ROW).getDomAttribute("data-state")).isEqualTo("available");
        browser.watch("state", ROW, "data-state");
        browser.recordLiveStream(token);
        browser.waiting(Dashboard.WAIT, "the page's own /api/v1/live answered")
                .until(d -> Objects.equals(browser.liveStatus(), 200L));

        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("labels", "metal && x86");
        lease.put("image", "demo");
        lease.put("hostname", "dash-host");
        lease.put("client", "dashboard-e2e");
        lease.put("heartbeatSeconds", 600);
        lease.put("timeoutSeconds", (int) IMAGED.toSeconds());
        String leaseId = api.ok("POST", "/leases", lease).get("id").asText();

        browser.awaitAttribute(ROW, "data-state", "netbooting"::equals, Duration.ofSeconds(60));
        browser.screenshot("machines-imaging");
        browser.awaitAttribute(ROW, "data-state", "deploying"::equals, IMAGED);
        System.out.printf(Locale.ROOT, "dashboard e2e: deploying after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        watchProgress();
        Procs.await(() -> "ready".equals(api.machineState(MACHINE)), IMAGED, "machine ready");
        System.out.printf(Locale.ROOT, "dashboard e2e: ready after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        Thread.sleep(500); // the stream's last events
        System.out.println("dashboard e2e: streamed states " + streamedStates() + ", progress " + streamedProgress());
        assertThat(streamedStates()).as("pool events on the live stream").containsSubsequence("netbooting",
                "deploying", "ready");
        assertThat(increases(streamedProgress())).as("job progress on the live stream").isGreaterThanOrEqualTo(2);
        assertThat(browser.loadId()).as("the page was never reloaded").isEqualTo(loadId);

        // The machine page: inventory and the timeline of the phases.
        browser.route("#/machine/" + MACHINE);
        String timeline = "#machine-" + MACHINE + " .timeline";
        browser.await(timeline);
        browser.waiting(Dashboard.WAIT, "timeline shows deploying")
                .until(d -> d.findElement(By.cssSelector(timeline)).getText().contains("deploying"));
        browser.screenshot("machine");

        browser.nav("machines");
        browser.awaitAttribute(ROW, "data-state", "ready"::equals, Dashboard.WAIT);
        List<String> states = dedup(browser.watched("state"));
        System.out.println("dashboard e2e: row states seen " + browser.watchedWithTimes("state"));
        assertThat(states).as("states of %s shown live (the stream sent %s)", MACHINE, streamedStates())
                .containsSubsequence("available", "netbooting", "deploying");
        assertThat(states.get(states.size() - 1)).isEqualTo("ready");
        assertThat(browser.loadId()).as("the page was never reloaded").isEqualTo(loadId);

        // The same kind of action as before, confirmed: the release happens (so the refusals meant something).
        int auditedBefore = actionEntries().size();
        actionButton("release").click();
        WebElement dialog = awaitDialog(true);
        dialog.findElement(By.id("confirm-input")).sendKeys(MACHINE);
        dialog.findElement(By.id("confirm-ok")).click();
        browser.nav("machines");
        browser.awaitAttribute(ROW, "data-state", s -> !s.equals("ready"), Duration.ofSeconds(30));
        List<JsonNode> all = actionEntries();
        assertThat(all.subList(auditedBefore, all.size())).as("audit of the release").anySatisfy(e -> {
            assertThat(e.path("action").asText()).isEqualTo("release");
            assertThat(e.path("target").asText()).isEqualTo(MACHINE);
            assertThat(e.path("who").asText()).isEqualTo("admin");
            assertThat(e.path("status").asInt()).isBetween(200, 299);
        });
        assertThat(api.ok("GET", "/leases/" + leaseId, null).get("state").asText()).isNotEqualTo("ready");
        assertThat(browser.loadId()).isEqualTo(loadId);
        System.out.printf(Locale.ROOT, "dashboard e2e: imaging test %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** On the transfers page while the agent writes: the machine's bar must move at least twice. */
    private static void watchProgress() throws Exception {
        browser.nav("transfers");
        browser.watch("progress", TRANSFER + " progress", ".value");
        long end = System.nanoTime() + IMAGED.toNanos();
        boolean shot = false;
        while (increases(numbers(browser.watched("progress"))) < 2 && System.nanoTime() < end
                && !"ready".equals(api.machineState(MACHINE))) {
            List<Double> v = numbers(browser.watched("progress"));
            if (!shot && !v.isEmpty() && v.get(v.size() - 1) > 0) {
                browser.screenshot("transfers");
                shot = true;
            }
            Thread.sleep(200);
        }
        List<Double> progress = numbers(browser.watched("progress"));
        System.out.println("dashboard e2e: progress values seen " + browser.watchedWithTimes("progress"));
        if (!shot) {
            browser.screenshot("transfers");
        }
        assertThat(increases(progress)).as("progress bar of %s advanced live: %s (the stream sent %s)", MACHINE,
                progress, streamedProgress()).isGreaterThanOrEqualTo(2);
    }

    /** A fetch init: {@code method}, the bearer {@code token} (none when null), a JSON {@code body} (JS expression). */
    private static String bearer(String token, String method, String body) {
        return "{method: '" + method + "', headers: {'Content-Type': 'application/json'"
                + (token == null ? "" : ", Authorization: 'Bearer " + token + "'") + "}"
                + (body == null ? "" : ", body: " + body) + "}";
    }

    /** The body of {@code POST /api/v1/actions} for {@code m1} as a JS expression; {@code confirm} null: none. */
    private static String action(String name, String confirm) {
        return "JSON.stringify({action: '" + name + "', machine: '" + MACHINE + "'"
                + (confirm == null ? "" : ", confirm: '" + confirm + "'") + "})";
    }

    /** The runtime jar under test carries the dashboard: a build without it fails here rather than skip. */
    private static void requireDashboard() throws Exception {
        try (ZipFile jar = new ZipFile(LAB.jar.toFile())) {
            assertThat(jar.getEntry("dashboard/index.html")).as("dashboard/index.html in %s", LAB.jar).isNotNull();
        }
    }

    /** The states {@code m1} went to, as the live stream in the page received them. */
    private static List<String> streamedStates() {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> e : browser.live("pool")) {
            if (MACHINE.equals(e.get("machine")) && e.get("to") != null) {
                out.add(String.valueOf(e.get("to")));
            }
        }
        return out;
    }

    /** The bytes of {@code m1}'s jobs' progress, as the live stream in the page received them. */
    private static List<Double> streamedProgress() {
        List<Double> out = new ArrayList<>();
        for (Map<String, Object> e : browser.live("job")) {
            if (MACHINE.equals(e.get("machine")) && e.get("progress") instanceof Map<?, ?> p
                    && p.get("bytes") instanceof Number b) {
                out.add(b.doubleValue());
            }
        }
        return out;
    }

    /** Only the login form: no navigation, no machine, nothing of the runtime's data on the page. */
    private static void assertLoginOnly(String when) {
        assertThat(browser.await("#login-token").isDisplayed()).as("login form on %s", when).isTrue();
        assertThat(browser.all("a[data-nav]").stream().filter(WebElement::isDisplayed).toList())
                .as("navigation on %s", when).isEmpty();
        assertThat(browser.all("tr[data-machine], [data-transfer], button[data-action]")).as("data on %s", when)
                .isEmpty();
        assertThat(browser.driver().findElement(By.tagName("body")).getText()).as("text on %s", when)
                .doesNotContain(MACHINE).doesNotContain(MAC);
    }

    /** The action button for the machine: on the current page, else on the machine's own page. */
    private static WebElement actionButton(String action) {
        String css = "button[data-action=\"" + action + "\"][data-machine=\"" + MACHINE + "\"]";
        if (browser.all(css).stream().noneMatch(WebElement::isDisplayed)) {
            browser.route("#/machine/" + MACHINE);
        }
        return browser.await(css);
    }

    private static WebElement awaitDialog(boolean open) {
        browser.waiting(Dashboard.WAIT, "#confirm-dialog " + (open ? "open" : "closed")).until(d -> isOpen() == open);
        return browser.driver().findElement(By.id("confirm-dialog"));
    }

    private static boolean isOpen() {
        return Boolean.TRUE.equals(browser.js("const d = document.getElementById('confirm-dialog');"
                + " return !!d && d.open;"));
    }

    /** Audit entries of {@code /api/v1/actions} ({@code GET /api/v1/audit}, newest last). */
    private static List<JsonNode> actionEntries() throws Exception {
        JsonNode body = api.ok("GET", "/audit?limit=500", null);
        JsonNode list = body.isArray() ? body : body.path("entries");
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : list) {
            if (e.path("path").asText().endsWith("/actions")) {
                out.add(e);
            }
        }
        return out;
    }

    private static String bmcStatus() throws Exception {
        Path out = LAB.file("bmc-status.log");
        Files.deleteIfExists(out);
        Procs.runOk(List.of("bash", LAB.lab("bmc.sh"), "status", MACHINE, "--prefix", LAB.prefix), LAB.env(), out,
                Duration.ofSeconds(20));
        return Procs.read(out);
    }

    private static List<Double> numbers(List<String> values) {
        List<Double> out = new ArrayList<>();
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                out.add(Double.parseDouble(v));
            }
        }
        return out;
    }

    /** How many times the sequence went up. */
    private static int increases(List<Double> values) {
        int n = 0;
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i) > values.get(i - 1)) {
                n++;
            }
        }
        return n;
    }

    /** Without nulls (the row not on the page) and without repeats. */
    private static List<String> dedup(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (v != null && (out.isEmpty() || !Objects.equals(out.get(out.size() - 1), v))) {
                out.add(v);
            }
        }
        return out;
    }


}
