package io.otpgate.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.otpgate.core.ExternalTool;

/**
 * Debian's headless Chromium driven through Debian's chromedriver (both installed by {@code .ci/run}): the driver's
 * path is given, so Selenium Manager never tries to download one. Each instance has a fresh profile, deleted on
 * {@link #close}. Without the programs a test that starts one is skipped on a developer's machine and fails in CI
 * ({@code ExternalTool}). The server's admin tests and the samples' tests use it.
 */
public final class Chromium implements AutoCloseable {

    /** Where screenshots go, for people to look at. */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final Path profile;
    private final ChromeDriver driver;

    private Chromium(Path profile, ChromeDriver driver) {
        this.profile = profile;
        this.driver = driver;
    }

    public static Chromium start() throws IOException {
        ExternalTool.require("chromium");
        ExternalTool.require("chromedriver");
        Path profile = Files.createTempDirectory("otpgate-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(executable("chromium").toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-extensions", "--window-size=1280,860", "--lang=en-US",
                "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(executable("chromedriver").toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Chromium(profile, driver);
    }

    public ChromeDriver driver() {
        return driver;
    }

    /**
     * Clicks a link or button and waits until the page it was on has gone: the element is stale (chromedriver
     * sometimes says so as "does not belong to the document" rather than as a stale element).
     */
    public void clickAndWait(WebElement element) {
        element.click();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> {
            try {
                element.getTagName();
                return false;
            } catch (StaleElementReferenceException e) {
                return true;
            } catch (WebDriverException e) {
                if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                    return true;
                }
                throw e;
            }
        });
    }

    /** Saves a screenshot of the current page as {@code target/screenshots/NAME.png}. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static Path executable(String name) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, name)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not on the PATH"));
    }
}
