package dev.templatelab.web.browser;

import dev.templatelab.web.TemplateLabWebApp;
import dev.templatelab.web.TestData;
import dev.templatelab.web.security.Role;
import dev.templatelab.web.security.UserAccounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole app in headless Chromium, as a user drives it: log in, upload a dataset, launch a small
 * two-template experiment from the form, watch it complete (live updates), compare the templates,
 * download the best checkpoint and check its SHA-256 against the one shown, then log in as a viewer
 * and find launching refused. Screenshots of the main pages go to docs/screenshots (used by the README).
 * Needs Debian's chromium and chromium-driver ({@code .ci/run} installs them); fails without them.
 */
@SpringBootTest(classes = TemplateLabWebApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"templatelab.sample-dataset=false", "templatelab.workers=1",
                "TEMPLATELAB_ADMIN_PASSWORD=" + BrowserTest.ADMIN_PASSWORD})
// Closed after the class, while its database still runs: left to the JVM's exit, its worker waited 30 s for a
// connection to the PostgreSQL that zonky's shutdown hook was stopping at the same time.
@DirtiesContext
class BrowserTest {

    static final String ADMIN_PASSWORD = "browser-admin-1";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path HOME = tempDir("templatelab-browser-home-");
    private static final Path SCREENSHOTS = Path.of("..", "docs", "screenshots");
    /** How long the experiment may take (1 epoch x 4 trials of tiny networks; ~1-2 min on 2 busy cores). */
    private static final Duration EXPERIMENT_TIMEOUT = Duration.ofSeconds(Long.getLong("templatelab.browser.timeout", 480));
    private static final Path FAILURES = Path.of("target", "browser-failures");

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) {
        registry.add("TEMPLATELAB_HOME", HOME::toString);
    }

    @LocalServerPort
    int port;
    @Autowired
    UserAccounts accounts;

    ChromeDriver browser;
    Path downloads;

    @BeforeEach
    void startBrowser() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("the browser test needs Debian's chromium and chromedriver at " + CHROMIUM + " and " + CHROMEDRIVER
                    + "; install them with: apt-get install -y chromium chromium-driver (.ci/run does this)");
        }
        downloads = Files.createTempDirectory("templatelab-downloads-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1050",
                "--disable-gpu");
        // Two downloads from one page (the checkpoint, then its PyTorch zip): Chromium asks before a site's second
        // download unless automatic downloads are allowed, and a headless browser has no one to answer.
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false,
                "profile.default_content_setting_values.automatic_downloads", 1));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().implicitlyWait(Duration.ZERO);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void uploadLaunchWatchCompareDownloadAndViewerRefused() throws Exception {
        login("admin", ADMIN_PASSWORD);

        // Upload a dataset.
        String datasetName = TestData.unique("browser-digits");
        Path zip = Files.createTempFile("upload-", ".zip");
        Files.write(zip, TestData.datasetZip(List.of("circle", "square"), 12, 42));
        open("datasets");
        typeInto("dataset-name", datasetName);
        WebElement upload = waitFor(By.id("dataset-upload"));
        upload.getShadowRoot().findElement(By.cssSelector("input[type=file]")).sendKeys(zip.toString());
        waitUntil(Duration.ofSeconds(60), () -> text("import-status").startsWith("Imported"), "dataset imported");
        assertThat(text("import-status")).contains("24 images in 2 classes");
        waitUntil(Duration.ofSeconds(10), () -> !browser.findElements(By.cssSelector(".tl-thumbs img")).isEmpty(),
                "thumbnails shown");
        screenshot("datasets");

        // Launch a small two-template experiment from the form.
        String experimentName = TestData.unique("browser-exp");
        open("experiments/new");
        typeInto("experiment-name", experimentName);
        WebElement dataset = waitFor(By.cssSelector("#dataset input"));
        dataset.sendKeys(datasetName);
        // The matching items come from the server: wait for them, and for the choice to register, not a fixed time.
        waitUntil(Duration.ofSeconds(20), () -> browser.findElements(By.cssSelector("vaadin-combo-box-item")).stream()
                .anyMatch(item -> item.getText().contains(datasetName)), "the dataset offered in the list");
        dataset.sendKeys(Keys.ARROW_DOWN);
        dataset.sendKeys(Keys.ENTER);
        waitUntil(Duration.ofSeconds(20), () -> Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript(
                "return document.getElementById('dataset').selectedItem != null")), "the dataset chosen");
        checkTemplate(TestData.INCEPTION_V2);
        checkTemplate(TestData.BN_INCEPTION);
        waitFor(By.id("space-" + TestData.BN_INCEPTION + "-batch_size"));
        setNumber("max-trials", 4);
        setNumber("max-epochs", 1);
        setNumber("parallelism", 1);
        click(waitFor(By.cssSelector("#allow-random-init input")));
        WebElement extra = waitFor(By.cssSelector("#space-extra textarea"));
        extra.sendKeys("image_size=32\nwidth_multiplier=0.125\nbatch_size=16\nnum_epochs=1\nvalidation_fraction=0.3",
                Keys.TAB);
        screenshot("new-experiment");
        realClick(waitFor(By.id("launch")));
        waitUntil(Duration.ofSeconds(20), () -> browser.getCurrentUrl().matches(".*/experiments/\\d+$"),
                "the experiment page opens after launching; form errors: " + formErrors());

        // Watch it complete: the page updates itself through server push.
        waitUntil(EXPERIMENT_TIMEOUT, () -> text("experiment-state").equals("COMPLETE")
                || text("experiment-state").equals("FAILED"), "experiment finished");
        assertThat(text("experiment-state")).as("events: %s", browser.findElement(By.tagName("body")).getText())
                .isEqualTo("COMPLETE");
        waitUntil(Duration.ofSeconds(10), () -> text("trial-counts").startsWith("4 of 4 trials finished"), "counts");
        String comparison = text("template-comparison");
        assertThat(comparison).contains(TestData.INCEPTION_V2, TestData.BN_INCEPTION);
        waitUntil(Duration.ofSeconds(10), () -> !browser.findElements(By.cssSelector("#chart-comparison canvas")).isEmpty(),
                "the comparison chart is drawn");
        assertThat(painted("chart-comparison")).as("comparison chart has drawn pixels").isTrue();
        assertThat(painted("chart-curves")).as("learning curves have drawn pixels").isTrue();
        scrollTo(By.tagName("h2"));
        screenshot("experiment");
        scrollTo(By.id("chart-curves"));
        screenshot("experiment-charts");

        // Download the best checkpoint and check its SHA-256 against the page.
        String shownSha = text("best-sha256");
        assertThat(shownSha).matches("[0-9a-f]{64}");
        click(waitFor(By.cssSelector("#download-best vaadin-button")));
        Path file = waitForDownload();
        assertThat(file.getFileName().toString()).startsWith(experimentName + "_Clarifai_").endsWith(".tlckpt");
        String actualSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        assertThat(actualSha).isEqualTo(shownSha);

        // The same model for PyTorch: a zip of its safetensors state dict (made from that checkpoint) and the module.
        click(waitFor(By.cssSelector("#download-best-pytorch vaadin-button")));
        Path forPytorch = waitForDownload("-pytorch.zip");
        assertThat(forPytorch.getFileName().toString())
                .isEqualTo(file.getFileName().toString().replace(".tlckpt", "-pytorch.zip"));
        try (var entries = new java.util.zip.ZipFile(forPytorch.toFile())) {
            assertThat(entries.stream().map(java.util.zip.ZipEntry::getName).toList()).containsExactlyInAnyOrder(
                    file.getFileName().toString().replace(".tlckpt", ".safetensors"), "templatelab_torch.py");
            Path weights = downloads.resolve("unzipped.safetensors");
            Files.copy(entries.getInputStream(entries.stream().filter(e -> e.getName().endsWith(".safetensors"))
                    .findFirst().orElseThrow()), weights);
            assertThat(dev.templatelab.training.transfer.imports.SafetensorsReader.readMetadata(weights))
                    .containsEntry("templatelab.checkpointSha256", shownSha)
                    .containsEntry("templatelab.format", "export-1");
        }

        // A trial page, and the experiments list.
        click(waitFor(By.cssSelector("#trials-grid a")));
        waitFor(By.id("trial-params"));
        waitUntil(Duration.ofSeconds(10), () -> !browser.findElements(By.cssSelector("#trial-accuracy canvas")).isEmpty(),
                "trial curve drawn");
        scrollTo(By.tagName("h2"));
        screenshot("trial");
        open("experiments");
        waitUntil(Duration.ofSeconds(10), () -> text("experiments-grid").contains(experimentName),
                "experiment listed");
        screenshot("experiments");
        // Every column in view at this common laptop width: no sideways scrolling to reach Best or Created.
        Object widths = ((JavascriptExecutor) browser).executeScript("const t = document.getElementById("
                + "'experiments-grid').shadowRoot.getElementById('table'); return [t.scrollWidth, t.clientWidth];");
        assertThat((List<?>) widths).as("the list's table: scroll width, visible width").satisfies(w ->
                assertThat(((Number) w.get(0)).longValue()).isLessThanOrEqualTo(((Number) w.get(1)).longValue()));

        // A page that does not exist, and an experiment that does not: said inside the app, with the way back.
        open("no-such-page");
        waitUntil(Duration.ofSeconds(20), () -> text("error-message").equals("There is no page at /no-such-page."),
                "the not-found page for an unknown path");
        assertThat(text("error-heading")).isEqualTo("Not found");
        assertThat(browser.findElements(By.id("logout"))).as("inside the app's layout").isNotEmpty();
        click(waitFor(By.id("error-back")));
        waitUntil(Duration.ofSeconds(20), () -> text("experiments-grid").contains(experimentName),
                "back to the experiments");
        open("experiments/987654321");
        waitUntil(Duration.ofSeconds(20), () -> text("error-message").equals("No experiment 987654321."),
                "the not-found page for an unknown experiment");

        // A viewer cannot launch.
        if (!accounts.exists("vera")) {
            accounts.create("vera", "viewer-password", Role.VIEWER);
        }
        click(waitFor(By.id("logout")));
        waitFor(By.cssSelector("vaadin-login-form"));
        login("vera", "viewer-password");
        assertThat(browser.findElement(By.tagName("body")).getText()).doesNotContain("New experiment");
        open("experiments/new");
        sleep(1500);
        assertThat(browser.findElements(By.id("launch"))).as("the launch form is not shown to a viewer").isEmpty();
        assertThat(browser.findElement(By.tagName("body")).getText()).doesNotContain("Launch");

        // A deleted user's open page goes to the login page by itself, and stays signed out.
        open("experiments");
        waitFor(By.id("logout"));
        accounts.delete("vera");
        waitFor(By.cssSelector("vaadin-login-form"));
        open("experiments");
        waitFor(By.cssSelector("vaadin-login-form"));
        assertThat(browser.findElements(By.id("logout"))).as("no longer signed in").isEmpty();
    }

    private void login(String user, String password) {
        open("login");
        waitFor(By.cssSelector("vaadin-login-form input[name='username']")).sendKeys(user);
        browser.findElement(By.cssSelector("vaadin-login-form input[name='password']")).sendKeys(password, Keys.ENTER);
        waitUntil(Duration.ofSeconds(20), () -> !browser.findElements(By.id("logout")).isEmpty(), "logged in as " + user);
    }

    private void open(String path) {
        browser.get("http://localhost:" + port + "/" + path);
    }

    private void checkTemplate(String template) {
        WebElement box = waitFor(By.xpath("//vaadin-checkbox[starts-with(normalize-space(.), '" + template + " ')]"));
        click(box.findElement(By.tagName("input")));
    }

    private void typeInto(String id, String value) {
        WebElement input = waitFor(By.cssSelector("#" + id + " input"));
        input.clear();
        input.sendKeys(value, Keys.TAB);
    }

    private void setNumber(String id, int value) {
        WebElement input = waitFor(By.cssSelector("#" + id + " input"));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Integer.toString(value), Keys.TAB);
    }

    private void scrollTo(By by) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'start'})", waitFor(by));
        sleep(300);
    }

    /** Scrolls to the element and clicks it like a mouse (focus moves, so edited fields send their values). */
    private void realClick(WebElement element) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", element);
        sleep(200);
        element.click();
    }

    private void click(WebElement element) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].click()", element);
    }

    /** The element's text content (WebDriver's getText() is empty for elements scrolled out of AppLayout's view). */
    private String text(String id) {
        Object text = ((JavascriptExecutor) browser).executeScript(
                "const e = document.getElementById(arguments[0]); return e ? e.textContent : ''", id);
        return String.valueOf(text).trim();
    }

    private String formErrors() {
        Object errors = ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll('[id]')).filter(e => e.invalid)"
                        + ".map(e => e.id + ': ' + e.errorMessage).join('; ')"
                        + " + ' ' + (document.getElementById('space-error') || {}).textContent");
        return String.valueOf(errors);
    }

    /** Whether the chart's canvas has non-transparent pixels (ECharts drew something). */
    private boolean painted(String chartId) {
        Object result = ((JavascriptExecutor) browser).executeScript(
                "const c = document.querySelector('#' + arguments[0] + ' canvas'); if (!c) return false;"
                        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + "for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; } return false;", chartId);
        return Boolean.TRUE.equals(result);
    }

    private WebElement waitFor(By by) {
        return new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() ? null : found.get(0);
        });
    }

    private void waitUntil(Duration timeout, java.util.function.BooleanSupplier condition, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException ignored) {
                // the page is re-rendering; try again
            }
            sleep(250);
        }
        screenshot(FAILURES, what.replaceAll("[^a-z]+", "-") + "-bottom");
        ((JavascriptExecutor) browser).executeScript("const h = document.querySelector('h2'); if (h) h.scrollIntoView()");
        screenshot(FAILURES, what.replaceAll("[^a-z]+", "-"));
        fail("timed out after " + timeout.toSeconds() + " s waiting for: " + what + "; page says: "
                + browser.findElement(By.tagName("body")).getText());
    }

    private Path waitForDownload() throws IOException {
        return waitForDownload("");
    }

    /** The first finished download whose name ends in {@code suffix}. */
    private Path waitForDownload(String suffix) throws IOException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            try (Stream<Path> files = Files.list(downloads)) {
                // Chromium writes into a hidden .org.chromium.Chromium.* file, then a .crdownload, then renames.
                List<Path> done = files.filter(f -> !f.getFileName().toString().startsWith(".")
                        && !f.toString().endsWith(".crdownload") && f.toString().endsWith(suffix)).toList();
                if (!done.isEmpty()) {
                    return done.get(0);
                }
            }
            sleep(250);
        }
        fail("no file was downloaded into " + downloads + " within 30 s");
        return null;
    }

    private void screenshot(String name) {
        screenshot(SCREENSHOTS, name);
    }

    private void screenshot(Path folder, String name) {
        try {
            Files.createDirectories(folder);
            File shot = browser.getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), folder.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
