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
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.Credential;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import io.otpgate.browser.Chromium;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;

/**
 * A passkey in the sample, in a real headless Chromium with a WebDriver virtual authenticator (a platform
 * authenticator that verifies the user): an admin enrols an authenticator app, adds a passkey on
 * {@code /otp/devices} (the pages' script runs the ceremony), logs out, logs in with the password and "Use a
 * passkey", and lands on the page first asked for with {@code FACTOR_WEBAUTHN}. The pages are on
 * {@code http://localhost}, a secure context whose host is the default rp id. Screenshots (for the README):
 * {@code starter-passkey-devices} and {@code starter-passkey-verify}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
            "otpgate.webauthn.rp-name=Form login sample" })
@Import(FormLoginWithOtpTest.Clocks.class)
class PasskeyInChromiumTest {

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
    void adminAddsAPasskeyThenLogsInWithPasswordAndPasskeyAndLandsOnThePageAskedFor() {
        clock.set(Instant.parse("2026-12-04T09:00:00Z"));
        WebDriver driver = chromium.driver();
        driver.manage().deleteAllCookies();
        VirtualAuthenticator authenticator = ((HasVirtualAuthenticator) driver).addVirtualAuthenticator(
                new VirtualAuthenticatorOptions().setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                        .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL).setHasResidentKey(true)
                        .setHasUserVerification(true).setIsUserVerified(true));
        try {
            logIn(driver, "/", "admin2", "admin2-password");
            assertThat(driver.getCurrentUrl()).endsWith("/otp/setup");
            OtpSecret secret = OtpAuthUri.parse(driver.findElement(By.id("otpauth-link")).getAttribute("href"))
                    .secret();
            submitCode(driver, Totp.defaults().generate(secret, clock.instant()));
            chromium.clickAndWait(driver.findElement(By.linkText("Continue")));

            driver.get(url("/otp/devices"));
            WebElement add = driver.findElement(By.id("add-passkey-button"));
            assertThat(add.isDisplayed()).as("the script shows what needs it").isTrue();
            driver.findElement(By.id("passkey-name")).sendKeys("This laptop");
            add.click();
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(
                    ExpectedConditions.presenceOfElementLocated(By.id("passkeys")));
            List<String> row = driver.findElements(By.cssSelector("#passkeys tr:nth-child(2) td")).stream()
                    .map(WebElement::getText).toList();
            assertThat(row).as(driver.findElement(By.tagName("body")).getText())
                    .containsExactly("This laptop", "2026-12-04 09:00 UTC", "never", "yes", "no");
            assertThat(authenticator.getCredentials()).hasSize(1).first().extracting(Credential::isResidentCredential)
                    .isEqualTo(true);
            chromium.screenshot("starter-passkey-devices");

            logOut(driver);
            clock.advance(Duration.ofMinutes(1));
            logIn(driver, "/admin", "admin2", "admin2-password");
            assertThat(driver.getCurrentUrl()).endsWith("/otp/verify");
            WebElement use = driver.findElement(By.id("use-passkey"));
            assertThat(use.isDisplayed()).isTrue();
            assertThat(driver.findElement(By.id("code")).isDisplayed()).as("the code field stays").isTrue();
            chromium.screenshot("starter-passkey-verify");
            use.click();
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("/admin"));

            assertThat(authorities(driver)).as(driver.findElement(By.tagName("body")).getText())
                    .contains("FACTOR_PASSWORD", "FACTOR_OTP", "FACTOR_WEBAUTHN", "OTP_WEBAUTHN", "ROLE_ADMIN");
            driver.get(url("/otp/devices"));
            assertThat(driver.findElement(By.cssSelector("#passkeys tr:nth-child(2) td:nth-child(3)")).getText())
                    .isEqualTo("2026-12-04 09:01 UTC");
        } finally {
            ((HasVirtualAuthenticator) driver).removeVirtualAuthenticator(authenticator);
        }
    }

    @Test
    void userWithoutADeviceAddsAPasskeyOnTheSetupPageThenHasTheFactorAndTheDevicesPage() {
        WebDriver driver = chromium.driver();
        driver.manage().deleteAllCookies();
        VirtualAuthenticator authenticator = ((HasVirtualAuthenticator) driver).addVirtualAuthenticator(
                new VirtualAuthenticatorOptions().setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                        .setTransport(VirtualAuthenticatorOptions.Transport.USB).setHasResidentKey(false)
                        .setHasUserVerification(false));
        try {
            logIn(driver, "/", "bob", "bob-password");
            driver.get(url("/otp/setup"));
            assertThat(driver.findElement(By.id("qr-code")).isDisplayed()).as("the app's setup stays").isTrue();
            driver.findElement(By.id("add-passkey-button")).click();
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("/otp/devices"));

            assertThat(driver.findElements(By.cssSelector("#passkeys tr:nth-child(2) td")).stream()
                    .map(WebElement::getText).toList()).as(driver.findElement(By.tagName("body")).getText())
                    .startsWith("Passkey").endsWith("never", "no", "no");
            driver.get(url("/"));
            assertThat(authorities(driver)).as("a first device proves the factor, as a setup's first code does")
                    .contains("FACTOR_OTP", "FACTOR_WEBAUTHN", "OTP_WEBAUTHN");
        } finally {
            ((HasVirtualAuthenticator) driver).removeVirtualAuthenticator(authenticator);
        }
    }

    /** localhost, not 127.0.0.1: WebAuthn needs the page's host to be the rp id (or below it). */
    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private void logIn(WebDriver driver, String path, String username, String password) {
        driver.get(url(path));
        driver.findElement(By.id("username")).sendKeys(username);
        driver.findElement(By.id("password")).sendKeys(password);
        chromium.clickAndWait(driver.findElement(By.cssSelector("button[type=submit]")));
    }

    private void logOut(WebDriver driver) {
        driver.get(url("/logout"));
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
}
