package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import io.otpgate.browser.Chromium;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;

/**
 * The sample in a real headless Chromium, as a person meets it: an admin who must enrol is sent to the setup page,
 * scans (reads) the QR code's otpauth link, confirms with a code and gets recovery codes; after logging out, the
 * password alone leads to the code prompt; a wrong code is refused, a right one brings the admin in, and so does a
 * recovery code. Screenshots of each page land in {@code target/screenshots/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
@Import(FormLoginWithOtpTest.Clocks.class)
class FormLoginInChromiumTest {

    private static Chromium chromium;

    @LocalServerPort int port;
    @Autowired FormLoginWithOtpTest.MutableClock clock;

    @BeforeAll
    static void startBrowser() throws Exception {
        chromium = Chromium.start();
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void adminEnrolsThenLogsInWithACodeAndWithARecoveryCode() {
        clock.set(Instant.parse("2026-12-02T09:00:00Z"));
        WebDriver driver = chromium.driver();
        driver.manage().deleteAllCookies();

        logIn(driver, "admin", "admin-password");
        assertThat(driver.getCurrentUrl()).endsWith("/otp/setup");
        chromium.screenshot("sample-setup");
        OtpSecret secret = OtpAuthUri.parse(driver.findElement(By.id("otpauth-link")).getAttribute("href")).secret();
        assertThat(driver.findElement(By.id("secret")).getText()).isEqualTo(secret.exposeBase32());
        submitCode(driver, code(secret));
        List<String> recoveryCodes = driver.findElements(By.cssSelector("#recovery-codes li")).stream()
                .map(WebElement::getText).toList();
        assertThat(recoveryCodes).as("%s: %s", driver.getCurrentUrl(), driver.findElement(By.tagName("body")).getText())
                .hasSize(5);
        chromium.screenshot("sample-setup-done");
        chromium.clickAndWait(driver.findElement(By.linkText("Continue")));
        assertThat(authorities(driver)).contains("FACTOR_PASSWORD", "FACTOR_OTP", "OTP_TOTP", "ROLE_ADMIN");
        chromium.screenshot("sample-home");

        logOut(driver);
        clock.advance(Duration.ofSeconds(30));
        logIn(driver, "admin", "admin-password");
        assertThat(driver.getCurrentUrl()).endsWith("/otp/verify");
        submitCode(driver, "000000");
        assertThat(driver.findElement(By.cssSelector("[role=alert]")).getText()).contains("did not work");
        chromium.screenshot("sample-verify-refused");
        clock.advance(Duration.ofSeconds(2));
        submitCode(driver, code(secret));
        assertThat(authorities(driver)).contains("FACTOR_PASSWORD", "FACTOR_OTP");

        logOut(driver);
        clock.advance(Duration.ofSeconds(30));
        logIn(driver, "admin", "admin-password");
        submitCode(driver, recoveryCodes.get(2));
        assertThat(authorities(driver)).contains("FACTOR_OTP", "OTP_STATIC");
    }

    private void logIn(WebDriver driver, String username, String password) {
        driver.get("http://127.0.0.1:" + port + "/");
        driver.findElement(By.id("username")).sendKeys(username);
        driver.findElement(By.id("password")).sendKeys(password);
        chromium.clickAndWait(driver.findElement(By.cssSelector("button[type=submit]")));
    }

    private void logOut(WebDriver driver) {
        driver.get("http://127.0.0.1:" + port + "/logout");
        chromium.clickAndWait(driver.findElement(By.cssSelector("button[type=submit]")));
    }

    private static void submitCode(WebDriver driver, String code) {
        WebElement field = driver.findElement(By.id("code"));
        field.sendKeys(code);
        chromium.clickAndWait(field.findElement(By.xpath("./ancestor::form//button[@type='submit']")));
    }

    private static List<String> authorities(WebDriver driver) {
        return driver.findElements(By.cssSelector("#authorities li")).stream().map(WebElement::getText).toList();
    }

    private String code(OtpSecret secret) {
        return Totp.defaults().generate(secret, clock.instant());
    }
}
