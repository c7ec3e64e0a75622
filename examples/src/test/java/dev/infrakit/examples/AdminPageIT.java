package dev.infrakit.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The admin page in a real browser: the demo service in-process on a free port, driven through the
 * machine's headless Chromium and chromedriver (Debian's {@code chromium} and {@code chromium-driver};
 * nothing is downloaded). On a failure the page's screenshot, source and console log are saved under
 * {@code target/admin-screenshots/}.
 */
class AdminPageIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path EVIDENCE = Path.of("target", "admin-screenshots");
    private static final String ADMIN_PASSWORD = "admin-password-" + "for-the-browser";
    private static final Dimension DESKTOP = new Dimension(1280, 1000);
    private static final Dimension TABLET = new Dimension(768, 1000);
    private static final Dimension PHONE = new Dimension(360, 780);
    /** A long name in one unbreakable word, wider than a phone screen in the credentials list. */
    private static final String LONG_NAME = "reporting_warehouse.analytics_readonly_replica.eu_west_1";
    // Selenium warns that it has no CDP bindings for this Chromium; the test uses WebDriver only. The
    // loggers are held here so their level sticks (java.util.logging keeps only weak references).
    private static final Logger CDP_WARNINGS = quiet("org.openqa.selenium.devtools.CdpVersionFinder");
    private static final Logger CHROMIUM_WARNINGS = quiet("org.openqa.selenium.chromium.ChromiumDriver");

    @TempDir
    Path data;
    private DemoService service;
    private ChromeDriverService driverService;
    private WebDriver driver;
    private final List<LogEntry> console = new ArrayList<>();

    /** Saves what the browser showed when a test fails, while the browser is still open. */
    @RegisterExtension
    final TestExecutionExceptionHandler evidenceOnFailure = (context, thrown) -> {
        if (driver != null) {
            saveEvidence(context.getRequiredTestMethod().getName(), thrown);
        }
        throw thrown;
    };

    @BeforeEach
    void start() throws Exception {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0s", "--rate-admin", "1000/15m"),
                Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (driverService != null) {
                driverService.stop();
            }
            if (service != null) {
                service.close();
            }
        }
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    private String base() {
        return "http://127.0.0.1:" + service.port();
    }

    private void openBrowser() {
        for (Path binary : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(binary)) {
                fail(binary + " is missing: AdminPageIT drives the admin page in headless Chromium. Install it with "
                        + "'apt-get install chromium chromium-driver' (Debian; .ci/run does this when they are missing).");
            }
        }
        // The explicit driver executable keeps Selenium Manager out: nothing is looked up or downloaded.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        driverService = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions");
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        driver = new ChromeDriver(driverService, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    @Test
    void anAdminManagesCredentialsThroughThePage() {
        openBrowser();
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(15));
        wait.ignoring(StaleElementReferenceException.class); // lists are re-rendered after each action

        driver.get(base() + "/admin");
        assertEquals(base() + "/admin/", driver.getCurrentUrl(), "/admin redirects to the page");
        wait.until(d -> "true".equals(((JavascriptExecutor) d).executeScript(
                "return document.documentElement.dataset.ready")));

        // A wrong password: the API's problem is shown in the alert region.
        field("User name").sendKeys("admin");
        field("Password").sendKeys("wrong-password");
        driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertEquals("alert", error.getAttribute("role"));
        assertTrue(error.getText().contains("Unauthorized") && error.getText().contains("Wrong user name or password."),
                error.getText());

        // Signs in from the keyboard: Enter in the password field submits the form.
        field("Password").clear();
        field("Password").sendKeys(ADMIN_PASSWORD, Keys.ENTER);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app-view")));
        assertEquals("admin", driver.findElement(By.id("session-user")).getText());
        assertFalse(driver.findElement(By.id("error")).isDisplayed(), "the earlier error is cleared");
        String stored = (String) ((JavascriptExecutor) driver).executeScript(
                "return sessionStorage.getItem('infrakit.admin.session')");
        assertTrue(stored != null && stored.contains("token"), "the token is kept in sessionStorage");
        assertTrue(driver.manage().getCookies().isEmpty(), "no cookie: " + driver.manage().getCookies());
        wait.until(ExpectedConditions.textToBe(By.id("health-status"), "pass"));

        // Creates a credential with two key/value rows.
        driver.findElement(By.id("new-credential")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("editor")));
        field("Name").sendKeys("billing-db");
        List<WebElement> names = driver.findElements(By.cssSelector("#editor-fields .field-name"));
        assertEquals(1, names.size());
        names.get(0).sendKeys("username");
        driver.findElement(By.cssSelector("#editor-fields .field-value")).sendKeys("billing");
        driver.findElement(By.id("add-field")).click();
        assertEquals(driver.switchTo().activeElement(), lastOf("#editor-fields .field-name"), "Add field focuses the new row");
        lastOf("#editor-fields .field-name").sendKeys("password");
        lastOf("#editor-fields .field-value").sendKeys("db-secret-1");
        driver.findElement(By.id("editor-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Saved billing-db (version 1)."));
        assertFalse(driver.findElement(By.id("editor")).isDisplayed());
        wait.until(d -> versionOf("billing-db").equals("1"));

        // Edits it: the form is loaded with the current fields.
        credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Edit billing-db']")).click();
        wait.until(ExpectedConditions.textToBe(By.id("editor-title"), "Edit billing-db"));
        assertEquals("true", driver.findElement(By.id("editor-app")).getAttribute("readonly"));
        assertEquals(2, driver.findElements(By.cssSelector("#editor-fields .field-row")).size());
        assertEquals("billing", valueOfField("username").getAttribute("value"));
        assertEquals("password", valueOfField("password").getAttribute("type"), "values are masked");
        assertEquals("db-secret-1", valueOfField("password").getAttribute("value"));
        valueOfField("password").clear();
        valueOfField("password").sendKeys("db-secret-2");
        driver.findElement(By.id("editor-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Saved billing-db (version 2)."));
        wait.until(d -> versionOf("billing-db").equals("2"));

        // Rotates it and sees the new version, the labels and the audit entries.
        credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Rotate billing-db']")).click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Rotated billing-db to version 3."));
        wait.until(d -> versionOf("billing-db").equals("3"));
        credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Versions of billing-db']")).click();
        wait.until(ExpectedConditions.textToBe(By.id("versions-title"), "Versions of billing-db"));
        assertEquals(driver.findElement(By.id("versions-title")), driver.switchTo().activeElement());
        assertTrue(versionRow(3).getText().contains("CURRENT"), versionRow(3).getText());
        assertTrue(versionRow(2).getText().contains("PREVIOUS"), versionRow(2).getText());
        assertEquals(3, driver.findElements(By.cssSelector("#versions-body tr")).size());
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-body"), "rotation.finished"));
        String audit = driver.findElement(By.id("audit-body")).getText();
        assertTrue(audit.contains("credential apps/billing-db") && audit.contains("credential.write"), audit);
        assertFalse(audit.contains("db-secret"), "no secret value in the audit view");
        assertFalse(audit.contains("PENDING"), "each change shows its outcome, not the PENDING event before it: " + audit);
        List<String> rows = driver.findElements(By.cssSelector("#audit-body tr")).stream().map(WebElement::getText)
                .collect(Collectors.toList());
        assertEquals(1, rows.stream().filter(r -> r.contains("rotation.finished")).count(), "one row per action: " + rows);
        assertTrue(rows.stream().anyMatch(r -> r.contains("rotation.finished") && r.contains("SUCCESS")), rows.toString());

        // A name the API would refuse is caught in the page, announced in the alert region.
        driver.findElement(By.id("new-credential")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("editor")));
        field("Name").sendKeys("../etc");
        driver.findElement(By.id("editor-save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "Invalid name"));
        driver.findElement(By.id("editor-cancel")).click();

        // Readable on a narrow screen: nothing wider than the viewport.
        driver.manage().window().setSize(new Dimension(360, 780));
        JavascriptExecutor js = (JavascriptExecutor) driver;
        wait.until(d -> ((Number) js.executeScript("return window.innerWidth")).intValue() <= 400);
        long overflow = ((Number) js.executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")).longValue();
        assertEquals(0, overflow, "horizontal overflow on a narrow screen");

        // Logs out: back to the sign-in form, the token gone.
        driver.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-view")));
        assertFalse(driver.findElement(By.id("app-view")).isDisplayed());
        assertNull(js.executeScript("return sessionStorage.getItem('infrakit.admin.session')"));

        // The console: the failed login's 401 proves the log is read; no CSP violation, no script error.
        List<String> messages = consoleMessages();
        assertTrue(messages.stream().anyMatch(m -> m.contains("401")), "the browser log is read: " + messages);
        List<String> bad = messages.stream().filter(m -> m.contains("Content Security Policy")
                || m.contains("Refused to") || m.contains("Uncaught")).collect(Collectors.toList());
        assertTrue(bad.isEmpty(), "console problems: " + bad);
    }

    /**
     * axe-core (vendored under {@code src/test/resources/axe-core/}) finds no WCAG 2.1 A or AA problem in
     * any state the page reaches, at desktop width and at 360 px.
     */
    @Test
    void axeFindsNoWcag21AaViolationInAnyStateAtDesktopOrPhoneWidth() throws Exception {
        seedCredentials();
        openBrowser();
        WebDriverWait wait = waitFor();
        for (Map.Entry<String, Runnable> state : pageStates(wait).entrySet()) {
            state.getValue().run();
            for (Dimension size : List.of(DESKTOP, PHONE)) {
                resize(wait, size);
                List<String> violations = axeViolations();
                assertTrue(violations.isEmpty(), "axe-core, " + state.getKey() + ", " + size.getWidth() + " px wide: "
                        + String.join("\n", violations));
            }
            resize(wait, DESKTOP);
        }
    }

    /**
     * At 360 px every list is one column (the cells of a row stacked); at 360 and 768 px nothing scrolls
     * sideways, neither the page nor a box inside it, and every control is within the viewport, in
     * every state (with a credential whose name is one word wider than a phone).
     */
    @Test
    void atPhoneWidthEveryListIsOneColumnWithEveryControlInView() throws Exception {
        seedCredentials();
        openBrowser();
        WebDriverWait wait = waitFor();
        for (Map.Entry<String, Runnable> state : pageStates(wait).entrySet()) {
            state.getValue().run();
            for (Dimension size : List.of(PHONE, TABLET)) {
                resize(wait, size);
                @SuppressWarnings("unchecked")
                List<String> problems = (List<String>) ((JavascriptExecutor) driver).executeScript(LAYOUT_PROBLEMS,
                        size.equals(PHONE));
                assertTrue(problems.isEmpty(), state.getKey() + ", " + size() + ": " + String.join("\n", problems));
            }
            resize(wait, DESKTOP);
        }
    }

    /**
     * After each action that changes the page in place, keyboard focus is on the control the user used
     * (the same button, in a row that was rebuilt), or on the field to fix; never dropped to the body.
     */
    @Test
    void focusStaysOnOrNextToWhatTheUserActedOn() throws Exception {
        seedCredentials();
        openBrowser();
        WebDriverWait wait = waitFor();
        FocusChecks focus = new FocusChecks();
        driver.get(base() + "/admin/");
        waitReady(wait);

        // A failed sign-in by click: focus on the field to fix; Dismiss puts it back there.
        field("User name").sendKeys("admin");
        field("Password").sendKeys("wrong-password");
        driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        settle(wait);
        focus.expect(field("Password"), "after a failed sign-in");
        driver.findElement(By.id("error-dismiss")).click();
        settle(wait);
        assertFalse(driver.findElement(By.id("error")).isDisplayed());
        focus.expect(field("Password"), "after Dismiss");

        field("Password").clear();
        field("Password").sendKeys(ADMIN_PASSWORD, Keys.ENTER);
        wait.until(d -> versionOf("billing-db").equals("1"));
        settle(wait);

        // Refresh: focus stays on the button, which is busy while the list reloads.
        for (String refresh : List.of("refresh-credentials", "refresh-audit", "refresh-health")) {
            driver.findElement(By.id(refresh)).click();
            settle(wait);
            focus.expect(driver.findElement(By.id(refresh)), "after " + refresh);
        }

        // Rotate: the row is rebuilt with the new version; focus is on its new Rotate button.
        WebElement oldRotate = credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Rotate billing-db']"));
        oldRotate.click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Rotated billing-db to version 2."));
        wait.until(d -> versionOf("billing-db").equals("2"));
        settle(wait);
        focus.expect(credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Rotate billing-db']")),
                "after Rotate");

        // Save of an edit: back on the Edit button of the credential's rebuilt row.
        credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Edit billing-db']")).click();
        wait.until(ExpectedConditions.textToBe(By.id("editor-title"), "Edit billing-db"));
        valueOfField("username").clear();
        valueOfField("username").sendKeys("billing-2");
        driver.findElement(By.id("editor-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Saved billing-db (version 3)."));
        wait.until(d -> versionOf("billing-db").equals("3"));
        settle(wait);
        focus.expect(credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Edit billing-db']")),
                "after Save of an edit");

        // Close of the versions: back on the Versions button that opened them.
        credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Versions of billing-db']")).click();
        wait.until(ExpectedConditions.textToBe(By.id("versions-title"), "Versions of billing-db"));
        settle(wait);
        driver.findElement(By.id("versions-close")).click();
        focus.expect(credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Versions of billing-db']")),
                "after Close of the versions");

        // An error in the editor: focus on the field to fix, and there again after Dismiss.
        driver.findElement(By.id("new-credential")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("editor")));
        field("Name").sendKeys("../etc");
        driver.findElement(By.id("editor-save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "Invalid name"));
        settle(wait);
        focus.expect(field("Name"), "after a name refused in the page");
        driver.findElement(By.id("error-dismiss")).click();
        focus.expect(field("Name"), "after Dismiss of the editor's error");
        assertTrue(focus.misplaced.isEmpty(), String.join("\n", focus.misplaced));
    }

    /**
     * What a user of a narrow screen would have to scroll sideways for: the page or a box in it wider
     * than the viewport, a control outside the viewport; with {@code arguments[0]} true (one column
     * expected) also a list row whose cells sit side by side.
     */
    private static final String LAYOUT_PROBLEMS = String.join("\n",
            "const describe = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')",
            "    + (e.getAttribute('aria-label') ? '[' + e.getAttribute('aria-label') + ']' : '')",
            "    + (e.dataset.app ? '[data-app=' + e.dataset.app + ']' : '') + (e.className ? '.' + e.className : '');",
            "const shown = (e) => e.getClientRects().length > 0 && !e.closest('.skip, .visually-hidden');",
            "const problems = [];",
            "const width = document.documentElement.clientWidth;",
            "if (document.documentElement.scrollWidth > width) {",
            "  problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' px in ' + width);",
            "}",
            "for (const e of document.querySelectorAll('body *')) {",
            "  // A box of 1 px is the visually hidden pattern (text for screen readers only), not a view.",
            "  if (shown(e) && /auto|scroll|hidden/.test(getComputedStyle(e).overflowX) && e.clientWidth > 1",
            "      && e.scrollWidth > e.clientWidth + 1) {",
            "    problems.push(describe(e) + ' scrolls sideways inside its box: ' + e.scrollWidth + ' px in ' + e.clientWidth);",
            "  }",
            "}",
            "for (const e of document.querySelectorAll('button, a[href], input, select, textarea')) {",
            "  const r = e.getBoundingClientRect();",
            "  if (shown(e) && (r.left < 0 || r.right > width + 0.5)) {",
            "    problems.push(describe(e) + ' is outside the viewport: ' + Math.round(r.left) + ' to ' + Math.round(r.right) + ' of ' + width);",
            "  }",
            "}",
            "for (const row of arguments[0] ? document.querySelectorAll('tbody tr') : []) {",
            "  const cells = Array.from(row.children).filter(shown);",
            "  for (let i = 1; i < cells.length; i++) {",
            "    if (cells[i].getBoundingClientRect().top < cells[i - 1].getBoundingClientRect().bottom - 1) {",
            "      problems.push(describe(row) + ' in #' + row.closest('table').id + ' shows its cells side by side');",
            "      break;",
            "    }",
            "  }",
            "}",
            "return problems;");

    /** Runs axe-core's WCAG 2.0 / 2.1 A and AA rules on the page; each violation as one line. */
    private static final String AXE_RUN = String.join("\n",
            "const done = arguments[arguments.length - 1];",
            "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })",
            "  .then((r) => done({ passes: r.passes.length, violations: r.violations.map((v) => v.id + ' (' + v.impact",
            "      + '): ' + v.help + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')) }))",
            "  .catch((e) => done({ passes: 0, violations: ['axe-core failed: ' + e] }));");

    private List<String> axeViolations() throws Exception {
        JavascriptExecutor js = (JavascriptExecutor) driver;
        if (!Boolean.TRUE.equals(js.executeScript("return typeof window.axe === 'object'"))) {
            try (var in = AdminPageIT.class.getResourceAsStream("/axe-core/axe.min.js")) {
                assertTrue(in != null, "axe-core/axe.min.js is missing from the test resources");
                js.executeScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) js.executeAsyncScript(AXE_RUN);
        assertTrue(((Number) result.get("passes")).intValue() > 10, "axe-core ran its rules: " + result);
        @SuppressWarnings("unchecked")
        List<String> violations = (List<String>) result.get("violations");
        return violations;
    }

    /**
     * The page states a test walks through, in order, each reached from the one before: signed out,
     * a failed sign-in, signed in with the credentials and the audit trail listed, a credential's
     * versions open, the editor open on a credential.
     */
    private Map<String, Runnable> pageStates(WebDriverWait wait) {
        Map<String, Runnable> states = new LinkedHashMap<>();
        states.put("signed out", () -> {
            driver.get(base() + "/admin/");
            waitReady(wait);
        });
        states.put("a failed sign-in", () -> {
            field("User name").sendKeys("admin");
            field("Password").sendKeys("wrong-password");
            driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
            settle(wait);
        });
        states.put("signed in, credentials and audit trail listed", () -> {
            field("Password").clear();
            field("Password").sendKeys(ADMIN_PASSWORD, Keys.ENTER);
            wait.until(d -> d.findElements(By.cssSelector("#credentials-body tr")).size() == 2);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-body"), "rotation.finished"));
            wait.until(ExpectedConditions.textToBe(By.id("health-status"), "pass"));
            settle(wait);
        });
        states.put("versions open", () -> {
            credentialRow(LONG_NAME).findElement(By.cssSelector("button[aria-label='Versions of " + LONG_NAME + "']"))
                    .click();
            wait.until(ExpectedConditions.textToBe(By.id("versions-title"), "Versions of " + LONG_NAME));
            settle(wait);
        });
        states.put("editor open", () -> {
            credentialRow("billing-db").findElement(By.cssSelector("button[aria-label='Edit billing-db']")).click();
            wait.until(ExpectedConditions.textToBe(By.id("editor-title"), "Edit billing-db"));
            settle(wait);
        });
        return states;
    }

    /** Two credentials through the API before the page opens; the long-named one rotated once. */
    private void seedCredentials() throws Exception {
        String token = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        assertEquals(201, DemoHttp.call(service.port(), "PUT", "/api/v1/credentials/billing-db", token,
                "{\"username\":\"billing\",\"password\":\"db-secret-1\"}").statusCode());
        assertEquals(201, DemoHttp.call(service.port(), "PUT", "/api/v1/credentials/" + LONG_NAME, token,
                "{\"connection-string\":\"postgresql://reporting.internal.example:5432/warehouse\"}").statusCode());
        assertEquals(200, DemoHttp.call(service.port(), "POST", "/api/v1/credentials/" + LONG_NAME + "/rotate", token,
                null).statusCode());
    }

    private WebDriverWait waitFor() {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(15));
        wait.ignoring(StaleElementReferenceException.class); // lists are re-rendered after each action
        return wait;
    }

    private void waitReady(WebDriverWait wait) {
        wait.until(d -> "true".equals(((JavascriptExecutor) d).executeScript(
                "return document.documentElement.dataset.ready")));
    }

    /** Waits until no action runs: no control disabled or marked busy. */
    private void settle(WebDriverWait wait) {
        wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return document.querySelectorAll("
                + "'button:disabled, [aria-disabled=\"true\"], [aria-busy=\"true\"]').length")).intValue() == 0);
    }

    private void resize(WebDriverWait wait, Dimension size) {
        driver.manage().window().setSize(size);
        wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.innerWidth")).intValue()
                == size.getWidth());
    }

    private String size() {
        return ((JavascriptExecutor) driver).executeScript("return window.innerWidth") + " px wide";
    }

    /** Where focus is after each action, every miss kept so one run reports them all. */
    private final class FocusChecks {
        final List<String> misplaced = new ArrayList<>();

        void expect(WebElement expected, String when) {
            Object focused = ((JavascriptExecutor) driver).executeScript("const e = document.activeElement;"
                    + " return e === arguments[0] ? null : e === null ? 'nothing' : e.outerHTML.slice(0, 120);", expected);
            if (focused != null) {
                misplaced.add("focus " + when + " is on " + focused + ", not on " + expected.getAccessibleName());
            }
        }
    }

    @Test
    void theAssetsAreAFixedListServedWithSecurityHeaders() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> redirect = get(client, "GET", "/admin");
        assertEquals(302, redirect.statusCode());
        assertEquals("/admin/", redirect.headers().firstValue("Location").orElseThrow());

        Map<String, String> types = Map.of("/admin/", "text/html; charset=utf-8", "/admin/app.js",
                "text/javascript; charset=utf-8", "/admin/app.css", "text/css; charset=utf-8");
        for (Map.Entry<String, String> e : types.entrySet()) {
            HttpResponse<String> r = get(client, "GET", e.getKey());
            assertEquals(200, r.statusCode(), e.getKey());
            // The same media type and charset; a server may write the parameter with or without a space.
            assertEquals(e.getValue().replace("; ", ";"), r.headers().firstValue("Content-Type").orElseThrow()
                    .replace("; ", ";"), e.getKey());
            assertEquals("no-cache", r.headers().firstValue("Cache-Control").orElseThrow(), e.getKey());
            assertTrue(r.headers().firstValue("Content-Security-Policy").orElseThrow().startsWith("default-src 'self'"));
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
            assertFalse(r.headers().firstValue("RateLimit").isPresent(), "assets are not rate limited");
        }
        HttpResponse<String> head = get(client, "HEAD", "/admin/app.js");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());

        // Nothing the CSP would refuse, and no markup built from strings.
        String html = get(client, "GET", "/admin/").body();
        assertFalse(html.matches("(?s).*<script(?![^>]*\\ssrc=)[^>]*>.*"), "no inline script");
        assertFalse(html.matches("(?s).*\\s(style|on[a-z]+)=.*"), "no inline style or handler attribute");
        assertFalse(html.matches("(?s).*(https?:)?//[a-z].*"), "no external resource");
        String js = get(client, "GET", "/admin/app.js").body();
        for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                "new Function")) {
            assertFalse(js.contains(sink), "app.js uses " + sink);
        }

        for (String path : List.of("/admin/index.html", "/admin/app.js/", "/admin/..%2fDemoService.class",
                "/admin/%2e%2e/%2e%2e/dev/infrakit/examples/DemoService.class", "/admin/admin/app.js",
                "/admin/AdminAssets.class", "/administrator")) {
            HttpResponse<String> r = get(client, "GET", path);
            // An encoded '/' or '..' makes the path ambiguous: the server refuses it before any servlet.
            assertEquals(path.contains("%2") ? 400 : 404, r.statusCode(), path);
            assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow(), path);
        }
        HttpResponse<String> post = get(client, "POST", "/admin/app.js");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
        assertTrue(post.body().contains("\"title\":\"Method Not Allowed\""), post.body());
    }

    private HttpResponse<String> get(HttpClient client, String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The input a visible label names, found the way a user finds it. */
    private WebElement field(String label) {
        for (WebElement l : driver.findElements(By.tagName("label"))) {
            if (l.isDisplayed() && l.getText().trim().equals(label)) {
                return driver.findElement(By.id(l.getAttribute("for")));
            }
        }
        throw new AssertionError("no visible label '" + label + "'");
    }

    private WebElement lastOf(String css) {
        List<WebElement> all = driver.findElements(By.cssSelector(css));
        return all.get(all.size() - 1);
    }

    private WebElement credentialRow(String app) {
        return driver.findElement(By.cssSelector("#credentials-body tr[data-app='" + app + "']"));
    }

    /** The value input of the editor's row whose field name is {@code name}. */
    private WebElement valueOfField(String name) {
        for (WebElement row : driver.findElements(By.cssSelector("#editor-fields .field-row"))) {
            if (name.equals(row.findElement(By.cssSelector(".field-name")).getAttribute("value"))) {
                return row.findElement(By.cssSelector(".field-value"));
            }
        }
        throw new AssertionError("no field row '" + name + "'");
    }

    /** The version the credentials list shows for {@code app}, or "" while it is not listed. */
    private String versionOf(String app) {
        List<WebElement> rows = driver.findElements(By.cssSelector("#credentials-body tr[data-app='" + app + "']"));
        return rows.isEmpty() ? "" : rows.get(0).findElement(By.cssSelector("td.version")).getText();
    }

    private WebElement versionRow(int version) {
        return driver.findElement(By.cssSelector("#versions-body tr[data-version='" + version + "']"));
    }

    /** The browser console since the last read (the driver hands each entry out once). */
    private List<String> consoleMessages() {
        console.addAll(driver.manage().logs().get(LogType.BROWSER).getAll());
        return console.stream().map(LogEntry::getMessage).collect(Collectors.toList());
    }

    private void saveEvidence(String test, Throwable thrown) {
        try {
            Files.createDirectories(EVIDENCE);
            File shot = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), EVIDENCE.resolve(test + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(EVIDENCE.resolve(test + ".html"), driver.getPageSource());
            Files.write(EVIDENCE.resolve(test + ".console.txt"), consoleMessages());
            System.err.println("AdminPageIT: " + thrown + "; screenshot, page source and console in "
                    + EVIDENCE.toAbsolutePath());
        } catch (Exception e) {
            thrown.addSuppressed(e);
        }
    }
}
