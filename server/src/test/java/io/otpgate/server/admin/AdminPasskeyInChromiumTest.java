package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.browser.Chromium;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.totp.TotpEnrolment;

/**
 * Passkeys in the admin panel in a real headless Chromium with a WebDriver virtual authenticator (CTAP2, internal,
 * resident keys, user verification): a staff member logs in with a code, adds a passkey on "My account" (admin.js,
 * under the panel's {@code script-src 'self'}), logs out, and logs in with username, password and "Use a passkey".
 * The pages are opened on {@code http://localhost} (a secure context whose host is the default rp id). Screenshots:
 * {@code admin-passkey-account} and {@code admin-passkey-login} in {@code target/screenshots}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "otpgate.login.free-failures-per-address=1000" })
@Import(TestClock.Config.class)
class AdminPasskeyInChromiumTest {

    private static final String PASSWORD = "correct horse battery";
    private static Chromium chromium;

    @LocalServerPort int port;
    @Autowired TestClock clock;
    @Autowired UserService users;
    @Autowired TotpEnrolment enrolment;
    @Autowired JdbcClient jdbc;

    private WebDriver driver;
    private VirtualAuthenticator authenticator;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

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

    @BeforeEach
    void aBrowserWithAnAuthenticator() {
        driver = chromium.driver();
        driver.manage().deleteAllCookies();
        clock.set(Instant.parse("2026-11-23T09:00:00Z"));
        authenticator = ((HasVirtualAuthenticator) chromium.driver()).addVirtualAuthenticator(
                new VirtualAuthenticatorOptions().setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                        .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL).setHasResidentKey(true)
                        .setHasUserVerification(true).setIsUserVerified(true));
    }

    @AfterEach
    void removeTheAuthenticator() {
        ((HasVirtualAuthenticator) chromium.driver()).removeVirtualAuthenticator(authenticator);
    }

    @Test
    void staffAddsAPasskeyOnTheAccountPageThenLogsInWithPasswordAndThePasskey() {
        User staff = users.create(new NewUser("grace", "grace@example.com", "Grace", "Hopper", true, false),
                PASSWORD);
        OtpSecret secret = enrolment.enrol(staff, "Phone", true, null).uri().secret();

        driver.get(url("/admin/login"));
        driver.findElement(By.id("username")).sendKeys(staff.username());
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.id("code")).sendKeys(Totp.defaults().generate(secret, clock.instant()));
        chromium.clickAndWait(driver.findElement(By.cssSelector("form[action='/admin/login'] button[type=submit]")));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/"));

        driver.get(url("/admin/account"));
        WebElement form = driver.findElement(By.id("add-passkey"));
        assertThat(form.isDisplayed()).as("shown by admin.js").isTrue();
        assertThat(driver.findElement(By.id("passkey-unavailable")).isDisplayed()).isFalse();
        WebElement name = form.findElement(By.name("name"));
        name.clear();
        name.sendKeys("Grace's laptop");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        waitForNoticeOrError();
        assertThat(driver.findElement(By.cssSelector("p.notice")).getText())
                .contains("The passkey \u201cGrace's laptop\u201d was added");
        WebElement row = driver.findElement(By.cssSelector("#passkeys tbody tr"));
        assertThat(row.getText()).contains("Grace's laptop");
        assertThat(row.findElement(By.cssSelector("td.uv")).getText()).isEqualTo("yes");
        assertThat(authenticator.getCredentials()).hasSize(1);
        assertThat(jdbc.sql("select count(*) from otpgate_webauthn_device where account_id = ?").param(staff.id())
                .query(Long.class).single()).isOne();
        chromium.screenshot("admin-passkey-account");

        chromium.clickAndWait(driver.findElement(By.cssSelector("form[action='/admin/logout'] button")));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/login?logout=1"));
        driver.get(url("/admin/login"));
        assertThat(driver.findElement(By.id("use-passkey")).isDisplayed()).isTrue();
        driver.findElement(By.id("username")).sendKeys(staff.username());
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        chromium.screenshot("admin-passkey-login");
        WebElement usePasskey = driver.findElement(By.id("use-passkey"));
        usePasskey.click();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> d.getCurrentUrl().equals(url("/admin/"))
                || d.findElement(By.id("passkey-error")).isDisplayed());
        assertThat(driver.getCurrentUrl()).as(errorText()).isEqualTo(url("/admin/"));
        assertThat(driver.findElement(By.cssSelector("header .who")).getText()).contains(staff.username());
        assertThat(jdbc.sql("select count(*) from otpgate_security_event where account_id = ? and kind = "
                + "'LOGIN_SUCCEEDED' and detail = 'with a passkey'").param(staff.id()).query(Long.class).single())
                .isOne();

        // The passkey's last use shows on the account page.
        driver.get(url("/admin/account"));
        assertThat(driver.findElements(By.cssSelector("#passkeys tbody tr td:nth-child(4) time"))).hasSize(1);
    }

    @Test
    void aWrongPasswordWithUseAPasskeyShowsTheCodeLoginsRefusal() {
        User staff = users.create(new NewUser("alan", "alan@example.com", "Alan", "Turing", true, false), PASSWORD);
        enrolment.enrol(staff, "Phone", true, null);

        driver.get(url("/admin/login"));
        driver.findElement(By.id("username")).sendKeys(staff.username());
        driver.findElement(By.id("password")).sendKeys("wrong");
        driver.findElement(By.id("use-passkey")).click();
        new WebDriverWait(driver, Duration.ofSeconds(20))
                .until(d -> d.findElement(By.id("passkey-error")).isDisplayed());

        assertThat(errorText()).startsWith(AdminLogin.REFUSED);
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/login"));
    }

    private void waitForNoticeOrError() {
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> !d.findElements(By.cssSelector("p.notice"))
                .isEmpty() || d.findElement(By.id("passkey-error")).isDisplayed());
        assertThat(driver.findElements(By.cssSelector("p.notice"))).as(errorText()).isNotEmpty();
    }

    private String errorText() {
        return driver.findElements(By.id("passkey-error")).stream().map(WebElement::getText).findFirst().orElse("");
    }

    /** On localhost, not 127.0.0.1: WebAuthn needs the rp id (localhost) to be the page's host. */
    private String url(String path) {
        return "http://localhost:" + port + path;
    }
}
