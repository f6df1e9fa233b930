package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;

import io.otpgate.core.Base32;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.browser.Chromium;

/**
 * The admin panel in a real headless Chromium against the real server on a loopback port: logins with computed
 * codes, the refusals, a recovery code, and a TOTP device added through the pages whose QR code is read off the page.
 * Screenshots of the main pages go to {@code target/screenshots}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "otpgate.login.free-failures-per-address=1000" })
@Import(TestClock.Config.class)
class AdminInChromiumTest {

    private static final String PASSWORD = "correct horse battery";
    private static final java.util.concurrent.atomic.AtomicInteger USERS = new java.util.concurrent.atomic.AtomicInteger();
    private static Chromium chromium;

    @LocalServerPort int port;
    @Autowired TestClock clock;
    @Autowired UserService users;
    @Autowired TotpEnrolment enrolment;
    @Autowired RecoveryCodeService recoveryCodes;

    private WebDriver driver;
    /** One superuser for the whole class (so the screenshots show one). */
    private static User admin;
    private static OtpSecret adminSecret;

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
    void aSuperuserWithADevice() {
        driver = chromium.driver();
        driver.manage().deleteAllCookies();
        // Ten minutes apart: a code is never used twice, and no throttle of an earlier test is still running.
        clock.set(Instant.parse("2026-11-22T10:00:00Z").plus(Duration.ofMinutes(10L * USERS.getAndIncrement())));
        if (admin == null) {
            admin = users.create(new NewUser("admin", "admin@example.com", "Ada", "Lovelace", true, true), PASSWORD);
            adminSecret = enrolment.enrol(admin, "Phone", true, null).uri().secret();
        }
    }

    @Test
    void logsInWithPasswordAndAComputedCode() {
        demoUsers();
        logIn(admin.username(), PASSWORD, code(adminSecret));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/"));
        assertThat(driver.findElement(By.cssSelector("header .who")).getText()).contains(admin.username());
        assertThat(driver.getTitle()).isEqualTo("Start | otpgate administration");
        org.openqa.selenium.Cookie session = driver.manage().getCookieNamed("SESSION");
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Strict");
        chromium.screenshot("start");

        chromium.clickAndWait(driver.findElement(By.linkText("Users")));
        assertThat(driver.findElements(By.cssSelector("#users tbody tr")).size()).isGreaterThan(3);
        chromium.screenshot("users");

        chromium.clickAndWait(driver.findElement(By.linkText("Security events")));
        assertThat(driver.findElement(By.cssSelector("table.events")).getText()).contains("OTP_VERIFIED");
        chromium.screenshot("events");

        chromium.clickAndWait(driver.findElement(By.cssSelector("form[action='/admin/logout'] button")));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/login?logout=1"));
        driver.get(url("/admin/users"));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/login"));
    }

    @Test
    void isRefusedWithoutTheCodeAndWithAWrongOne() {
        driver.get(url("/admin/login"));
        // The stylesheet is served, and the Content-Security-Policy lets the browser apply it (#17203a).
        assertThat(driver.findElement(By.cssSelector("header.top")).getCssValue("background-color"))
                .isEqualTo("rgba(23, 32, 58, 1)");
        chromium.screenshot("login");
        logIn(admin.username(), PASSWORD, "");
        assertThat(refusal()).contains(AdminLogin.REFUSED);
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/login"));

        String right = code(adminSecret);
        logIn(admin.username(), PASSWORD, right.equals("000000") ? "111111" : "000000");
        assertThat(refusal()).contains(AdminLogin.REFUSED).contains("Try again in");
        chromium.screenshot("login-refused");

        driver.get(url("/admin/users"));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/login"));
    }

    @Test
    void logsInWithARecoveryCode() {
        List<String> codes = recoveryCodes.replace(admin.id(), 5, null).codes();
        logIn(admin.username(), PASSWORD, codes.get(0));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/"));
    }

    @Test
    void addsATotpDeviceThroughThePagesReadsItsQrCodeAndLogsInWithIt() throws Exception {
        User operator = users.create(new NewUser("olga" + suffix(), "olga@example.com", "Olga", "Operator", true,
                false), PASSWORD);
        logIn(admin.username(), PASSWORD, code(adminSecret));

        driver.get(url("/admin/users?q=" + operator.username()));
        chromium.clickAndWait(driver.findElement(By.linkText("Devices")));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/users/" + operator.id() + "/devices"));
        WebElement add = driver.findElement(By.cssSelector("form[action$='/devices/totp']"));
        WebElement name = add.findElement(By.name("name"));
        name.clear();
        name.sendKeys("Olga's phone");
        chromium.clickAndWait(add.findElement(By.cssSelector("button")));

        WebElement qr = driver.findElement(By.id("qr"));
        String src = qr.getAttribute("src");
        assertThat(src).startsWith("data:image/png;base64,");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1))));
        String text = new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(
                new BufferedImageLuminanceSource(image)))).getText();
        OtpAuthUri uri = OtpAuthUri.parse(text);
        assertThat(uri.account()).contains(operator.username());
        String secret = Base32.encode(uri.secret().exposeBytes());
        assertThat(driver.findElement(By.id("secret")).getText().replace(" ", "")).isEqualTo(secret);
        chromium.screenshot("device-qr");

        WebElement confirm = driver.findElement(By.cssSelector("form[action$='/confirm']"));
        confirm.findElement(By.name("code")).sendKeys(uri.toTotp().generate(uri.secret(), clock.instant()));
        chromium.clickAndWait(confirm.findElement(By.cssSelector("button")));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/users/" + operator.id() + "/devices"));
        assertThat(driver.findElement(By.id("devices")).getText()).contains("Olga's phone");
        assertThat(driver.getPageSource()).doesNotContain(secret);
        chromium.screenshot("devices");

        chromium.clickAndWait(driver.findElement(By.cssSelector("#new-recovery-codes button")));
        List<String> codes = driver.findElements(By.cssSelector("#recovery-codes li")).stream()
                .map(WebElement::getText).toList();
        assertThat(codes).hasSize(5).allMatch(code -> code.matches("[0-9a-z]{4}(-[0-9a-z]{4}){3}"));
        chromium.screenshot("recovery-codes");

        driver.get(url("/admin/users/" + operator.id()));
        assertThat(driver.findElement(By.id("username")).getText()).isEqualTo(operator.username());
        chromium.screenshot("user");

        chromium.clickAndWait(driver.findElement(By.cssSelector("form[action='/admin/logout'] button")));
        clock.advance(Duration.ofSeconds(30));
        logIn(operator.username(), PASSWORD, uri.toTotp().generate(uri.secret(), clock.instant()));
        assertThat(driver.getCurrentUrl()).isEqualTo(url("/admin/"));
        assertThat(driver.findElement(By.cssSelector("header .who")).getText()).contains(operator.username());
    }

    private void logIn(String username, String password, String code) {
        driver.get(url("/admin/login"));
        driver.findElement(By.id("username")).sendKeys(username);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("code")).sendKeys(code);
        chromium.clickAndWait(driver.findElement(By.cssSelector("form[action='/admin/login'] button[type=submit]")));
    }

    private String refusal() {
        return driver.findElement(By.id("login-error")).getText();
    }

    private String code(OtpSecret secret) {
        return Totp.defaults().generate(secret, clock.instant());
    }

    private String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    private static String suffix() {
        return Long.toString(System.nanoTime() % 100000);
    }

    /** A few users for the users page's screenshot. */
    private void demoUsers() {
        String[][] people = { { "grace", "Grace", "Hopper" }, { "alan", "Alan", "Turing" },
            { "katherine", "Katherine", "Johnson" }, { "linus", "Linus", "Torvalds" } };
        for (String[] person : people) {
            if (users.find(person[0]).isEmpty()) {
                User user = users.create(new NewUser(person[0], person[0] + "@example.com", person[1], person[2],
                        person[0].equals("grace"), false), PASSWORD);
                if (!person[0].equals("linus")) {
                    enrolment.enrol(user, "Phone", true, null);
                }
            }
        }
    }
}
