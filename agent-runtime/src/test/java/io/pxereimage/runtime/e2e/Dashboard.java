package io.pxereimage.runtime.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumDriverLogLevel;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * The runtime's dashboard ({@code /ui/}) in Debian's headless Chromium, driven by Selenium through Debian's
 * chromium-driver: both binaries are given explicitly, so Selenium Manager never looks for (or downloads) a browser
 * or a driver. Knows the DOM hooks of docs/dashboard.md (login form, nav links, {@code data-*} attributes) and
 * nothing of the page's internals.
 *
 * <p>Live updates are observed by {@link #watch}: a sampler inside the page (every 50 ms) that records each
 * distinct value of an element's attribute or property. It lives in the page's JavaScript context, so it also proves
 * that the page was not reloaded; so does {@link #loadId} (a marker set on {@code window} after the first load).
 */
final class Dashboard implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(15);

    private final ChromeDriver driver;
    private final String base;
    private final Path screenshots;
    private final Path userData;

    private Dashboard(ChromeDriver driver, String base, Path screenshots, Path userData) {
        this.driver = driver;
        this.base = base;
        this.screenshots = screenshots;
        this.userData = userData;
    }

    /**
     * Starts headless Chromium for the runtime at {@code base} ({@code http://host:port}); screenshots go to
     * {@code screenshots/NAME.png}, the driver's log (warnings only: INFO would log the typed token) to
     * {@code driverLog}.
     */
    static Dashboard start(String base, Path screenshots, Path driverLog) throws IOException {
        Prerequisites.requireChromium();
        Files.createDirectories(screenshots);
        Path userData = Files.createTempDirectory("pxu-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Prerequisites.CHROMIUM);
        options.addArguments("--headless=new",
                "--no-sandbox", // the test runs as root: Chromium refuses its sandbox there
                "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,860", "--hide-scrollbars",
                "--user-data-dir=" + userData,
                // nothing but the runtime: no updates, sync, first-run pages or other background requests
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
                // a second tab must keep updating while not in front
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows");
        // the page's console, for the diagnosis of a failed test (saveDiagnostics)
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(Prerequisites.CHROMEDRIVER)).usingAnyFreePort()
                .withLogFile(driverLog.toFile()).withLogLevel(ChromiumDriverLogLevel.WARNING).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        return new Dashboard(driver, base, screenshots, userData);
    }

    /** A wait that polls every 100 ms and retries when the live page replaced an element meanwhile. */
    WebDriverWait waiting(Duration limit, String what) {
        WebDriverWait w = new WebDriverWait(driver, limit, Duration.ofMillis(100));
        w.withMessage(what).ignoring(StaleElementReferenceException.class);
        return w;
    }

    WebDriver driver() {
        return driver;
    }

    /** Loads {@code /ui/} (the dashboard's start page) in the current tab; returns the new {@link #loadId}. */
    String open() {
        driver.get(base + "/ui/");
        return markLoad();
    }

    /** Opens a new tab of the same browser (same profile and cookies, its own sessionStorage) and loads the page. */
    String openNewTab() {
        driver.switchTo().newWindow(WindowType.TAB);
        return open();
    }

    /** Switches to tab {@code index} (0: the first one). */
    void tab(int index) {
        driver.switchTo().window(new ArrayList<>(driver.getWindowHandles()).get(index));
    }

    /** Marks this page load: {@code window.__loadId}, gone after any reload. */
    private String markLoad() {
        String id = UUID.randomUUID().toString();
        js("window.__loadId = arguments[0];", id);
        return id;
    }

    /** The marker of the current page load ({@code null} after a reload). */
    String loadId() {
        return (String) js("return window.__loadId || null;");
    }

    /** Logs in through the form and waits until the form is gone and the navigation is shown. */
    void login(String token) {
        typeToken(token);
        waiting(WAIT, "dashboard after login")
                .until(d -> d.findElements(By.id("login-token")).stream().noneMatch(WebElement::isDisplayed)
                        && d.findElements(By.cssSelector("a[data-nav]")).stream().anyMatch(WebElement::isDisplayed));
    }

    /** Types {@code token} into the login form and submits it. */
    void typeToken(String token) {
        WebElement input = waiting(WAIT, "login form")
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("login-token")));
        input.clear();
        input.sendKeys(token);
        driver.findElement(By.id("login-submit")).click();
    }

    /** The login error text once it is shown. */
    String loginError() {
        return waiting(WAIT, "#login-error shown")
                .until(d -> {
                    WebElement e = d.findElement(By.id("login-error"));
                    return e.isDisplayed() && !e.getText().isBlank() ? e.getText() : null;
                });
    }

    /** Follows a navigation link ({@code a[data-nav=NAME]}): a hash route, no page load. */
    void nav(String name) {
        driver.findElement(By.cssSelector("a[data-nav=\"" + name + "\"]")).click();
    }

    /** Sets the hash route ({@code #/machine/m1}) in place: no page load either. */
    void route(String hash) {
        js("location.hash = arguments[0];", hash);
    }

    WebElement await(String css) {
        return waiting(WAIT, css)
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    WebElement await(String css, Duration limit) {
        return waiting(limit, css)
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits until the attribute {@code name} of the first {@code css} element satisfies {@code ok}; returns it. */
    String awaitAttribute(String css, String name, Predicate<String> ok, Duration limit) {
        try {
            return waiting(limit, css + " [" + name + "]").until(d -> {
                List<WebElement> found = d.findElements(By.cssSelector(css));
                String v = found.isEmpty() ? null : found.get(0).getDomAttribute(name);
                return v != null && ok.test(v) ? v : null;
            });
        } catch (TimeoutException e) {
            List<WebElement> found = driver.findElements(By.cssSelector(css));
            throw new AssertionError(css + " [" + name + "] not as expected within " + limit + "; now "
                    + (found.isEmpty() ? "no such element" : "'" + found.get(0).getDomAttribute(name) + "'"), e);
        }
    }

    /** Waits until the attribute differs from {@code from}; returns the new value. */
    String awaitAttributeChange(String css, String name, String from, Duration limit) {
        return awaitAttribute(css, name, v -> !Objects.equals(v, from), limit);
    }

    /**
     * Starts recording, inside the page, each distinct value of {@code prop} of the first element matching
     * {@code css} ({@code null} while there is none). {@code prop} is an attribute name, or {@code .value} for the
     * DOM property (a {@code <progress>}'s current value). Read with {@link #watched}.
     */
    void watch(String key, String css, String prop) {
        js("""
                const [key, css, prop] = arguments;
                window.__watched = window.__watched || {};
                const seen = window.__watched[key] = [];
                const read = () => {
                  const e = document.querySelector(css);
                  if (!e) return null;
                  return prop.startsWith('.') ? String(e[prop.substring(1)]) : e.getAttribute(prop);
                };
                const sample = () => {
                  const v = read();
                  if (seen.length === 0 || seen[seen.length - 1].v !== v) seen.push({t: Date.now(), v: v});
                };
                sample();
                setInterval(sample, 50);
                """, key, css, prop);
    }

    /** The values recorded by {@link #watch}, oldest first ({@code null}: no element); empty after a reload. */
    @SuppressWarnings("unchecked")
    List<String> watched(String key) {
        Object o = js("return (window.__watched && window.__watched[arguments[0]] || []).map(s => s.v);", key);
        return o == null ? List.of() : (List<String>) o;
    }

    /** The recorded values with their page time (ms), for a report: "t=... v=...". */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> watchedWithTimes(String key) {
        Object o = js("return window.__watched && window.__watched[arguments[0]] || [];", key);
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    /**
     * Reads {@code GET /api/v1/live} in the current tab as the dashboard does (fetch with the bearer token, the body
     * as a stream; EventSource cannot send the header) and keeps each event in {@code window.__live}: an
     * independent witness of what the runtime sent, to tell a page that did not update from a stream that did not
     * deliver. Read with {@link #live}.
     */
    void recordLiveStream(String token) {
        js("""
                const token = arguments[0];
                window.__live = [];
                window.__liveStatus = 0;
                fetch('/api/v1/live', {headers: {Authorization: 'Bearer ' + token}}).then(async r => {
                  window.__liveStatus = r.status;
                  const reader = r.body.getReader();
                  const text = new TextDecoder();
                  let buf = '';
                  for (;;) {
                    const {value, done} = await reader.read();
                    if (done) break;
                    buf = (buf + text.decode(value, {stream: true})).replace(/\\r\\n/g, '\\n');
                    let end;
                    while ((end = buf.indexOf('\\n\\n')) >= 0) {
                      const block = buf.slice(0, end);
                      buf = buf.slice(end + 2);
                      let event = 'message';
                      const data = [];
                      for (const line of block.split('\\n')) {
                        if (line.startsWith('event:')) event = line.slice(6).trim();
                        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
                      }
                      if (data.length) window.__live.push({t: Date.now(), event: event, data: JSON.parse(data.join('\\n'))});
                    }
                  }
                  window.__liveStatus = 'ended';
                }, e => { window.__liveStatus = String(e); });
                """, token);
    }

    /** The status of the stream's response (0 before it, "ended" at its end) and its events of {@code type}. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> live(String type) {
        Object o = js("return (window.__live || []).filter(e => e.event === arguments[0]).map(e => e.data);", type);
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    Object liveStatus() {
        return js("return window.__liveStatus;");
    }

    /** Saves a screenshot of the tab as {@code screenshots/NAME.png}. */
    Path screenshot(String name) throws IOException {
        Path file = screenshots.resolve(name + ".png");
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** Runs {@code fetch(path, init)} in the page and returns the status (init: a JS object literal). */
    long fetchStatus(String path, String init) {
        Object s = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch(arguments[0], %s).then(r => done(r.status), e => done(-1));
                """.formatted(init), path);
        return ((Number) s).longValue();
    }

    /**
     * After a failure: for each tab, {@code PREFIX-N.png}, {@code PREFIX-N.html} (the DOM as it is now),
     * {@code PREFIX-N-live.json} (what {@link #recordLiveStream} received) and the console messages so far in
     * {@code PREFIX-console.txt}, with {@code secret} blanked out.
     */
    void saveDiagnostics(Path prefix, String secret) {
        StringBuilder console = new StringBuilder();
        int n = 0;
        try {
            for (String handle : driver.getWindowHandles()) {
                driver.switchTo().window(handle);
                Path png = Path.of(prefix + "-" + n + ".png");
                Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), png, StandardCopyOption.REPLACE_EXISTING);
                String html = String.valueOf(js("return document.documentElement.outerHTML;"));
                Files.writeString(Path.of(prefix + "-" + n + ".html"), blank(html, secret));
                String live = String.valueOf(js("return JSON.stringify({status: window.__liveStatus,"
                        + " events: window.__live || []}, null, 1);"));
                Files.writeString(Path.of(prefix + "-" + n + "-live.json"), blank(live, secret));
                n++;
            }
            driver.manage().logs().get("browser").forEach(e -> console.append(e).append('\n'));
            Files.writeString(Path.of(prefix + "-console.txt"), blank(console.toString(), secret));
        } catch (Exception e) {
            System.err.println("dashboard diagnostics incomplete: " + e);
        }
    }

    private static String blank(String text, String secret) {
        return secret == null || secret.isEmpty() ? text : text.replace(secret, "***");
    }

    Object js(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var s = Files.walk(userData)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // Chromium may still be writing its profile while it exits: a stray temp dir is harmless
            }
        }
    }
}
