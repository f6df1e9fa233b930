package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.imageio.ImageIO;

import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.system.SqlTime;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.User;

/**
 * The device pages: a user's devices and "My account", a new TOTP device with its QR code and first code, recovery
 * codes, removing devices, reset and unlock; and their refusals (CSRF, a staff user acting on a superuser, another
 * user's device, malformed input, no session).
 */
class DevicePagesTest extends AdminTestBase {

    @Autowired RecoveryProperties recovery;
    @Autowired RecoveryCodeService recoveryCodes;

    // The devices page and My account

    @Test
    void devicesPageListsDevicesWithoutSecrets() throws Exception {
        User target = newUser("target", false, false);
        OtpSecret secret = addTotp(target);
        recoveryCodes.replace(target.id(), 3, null);
        MockHttpSession session = logInStaff();

        Page page = get(devicesPath(target), session);

        assertThat(page.status()).isEqualTo(200);
        Document html = page.html();
        assertThat(html.select("h1").text()).isEqualTo("Devices of " + target.username());
        assertThat(html.select("#account a[href='/admin/users/" + target.id() + "']").text())
                .isEqualTo(target.username());
        List<String> kinds = html.select("#devices tbody tr td:eq(0)").eachText();
        assertThat(kinds).containsExactly("TOTP", "Recovery codes");
        Element totp = html.selectFirst("#devices tbody tr");
        assertThat(totp.select("td:eq(1)").text()).isEqualTo("phone");
        assertThat(totp.select("td:eq(2)").text()).isEqualTo("yes");
        assertThat(totp.select("td:eq(3)").text()).isEqualTo("SHA1, 6 digits, 30 s");
        assertThat(totp.select("td:eq(4) time").attr("datetime")).isNotEmpty();
        assertThat(html.select("#devices tbody tr:eq(1) td:eq(3)").text()).isEqualTo("3 codes left");
        assertThat(html.select("#lock").text()).isEqualTo("not locked");
        assertThat(html.select("#unlock")).isEmpty();
        assertThat(html.select(".own-warning")).isEmpty();
        assertNoSecret(page, secret);
        assertNoSecret(page, staffSecret);
        // Every form posts with a CSRF token.
        assertThat(html.select("form[method=post]")).hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(f -> assertThat(f.select("input[name=_csrf]").attr("value")).isNotEmpty());
        assertThat(html.select("#add-totp input[name=name]").val()).isEqualTo("Authenticator");
    }

    @Test
    void myAccountShowsTheLoggedInUsersDevices() throws Exception {
        MockHttpSession session = logInStaff();

        Page page = get("/admin/account", session);

        assertThat(page.status()).isEqualTo(200);
        Document html = page.html();
        assertThat(html.select("h1").text()).isEqualTo("My account");
        assertThat(html.select("#account dd a").first().text()).isEqualTo(staff.username());
        assertThat(html.select("#devices tbody tr td:eq(1)").eachText()).containsExactly("phone");
        assertThat(html.select("#reset").attr("action")).isEqualTo("/admin/users/" + staff.id() + "/reset");
        assertThat(html.select(".own-warning").text()).contains("logged out");
        assertNoSecret(page, staffSecret);
    }

    @Test
    void devicesPageOfAnUnknownOrMalformedUserIsRefused() throws Exception {
        MockHttpSession session = logInStaff();

        Page unknown = get("/admin/users/999999999/devices", session);
        Page malformed = get("/admin/users/abc/devices", session);

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.html().select(".error").text()).contains("no user with id 999999999");
        assertThat(malformed.status()).isEqualTo(400);
    }

    @Test
    void withoutASessionEveryPageAndFormLeadsToTheLogin() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        String before = state(target);

        for (Page page : List.of(get(devicesPath(target), null), get("/admin/account", null),
                post("/admin/users/" + target.id() + "/reset", null),
                post("/admin/users/" + target.id() + "/devices/totp", null, "name", "x"))) {
            assertThat(page.status()).isEqualTo(302);
            assertThat(page.location()).endsWith("/admin/login");
        }
        assertThat(state(target)).isEqualTo(before);
    }

    // A new TOTP device

    @Test
    void newTotpDeviceShowsItsQrCodeAndSecretOnceAndIsConfirmedByItsFirstCode() throws Exception {
        User target = newUser("target", true, false);
        MockHttpSession session = logInStaff();

        Page page = post("/admin/users/" + target.id() + "/devices/totp", session, "name", "Work phone");

        assertThat(page.status()).as(page.body()).isEqualTo(200);
        assertThat(page.header("Cache-Control")).isEqualTo("no-store");
        Document html = page.html();
        OtpAuthUri scanned = OtpAuthUri.parse(qrText(html));
        String shown = html.select("code#secret.secret").text();
        assertThat(shown).matches("[A-Z2-7]{4}( [A-Z2-7]{1,4})+");
        assertThat(shown.replace(" ", "")).isEqualTo(scanned.secret().exposeBase32());
        assertThat(scanned.account()).isEqualTo(target.username());
        assertThat(html.select("#settings").text()).contains("Work phone", "SHA1", "30 seconds");
        long deviceId = pendingTotp(target);
        assertThat(html.select("#confirm").attr("action"))
                .isEqualTo("/admin/users/" + target.id() + "/devices/totp/" + deviceId + "/confirm");
        assertThat(html.select("#start-over")).isEmpty();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'DEVICE_ADDED'",
                target.id())).isEqualTo(1);

        Page confirmed = post(html.select("#confirm").attr("action"), session, "code", code(scanned.secret()));

        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(302);
        assertThat(confirmed.location()).isEqualTo(devicesPath(target));
        assertThat(jdbc.sql("select confirmed from otpgate_totp_device where id = ?").param(deviceId).query(Boolean.class)
                .single()).isTrue();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'DEVICE_CONFIRMED' "
                + "and device = ?", target.id(), "totp/" + deviceId)).isEqualTo(1);
        Page after = get(confirmed.location(), session);
        assertThat(after.html().select(".notice").text()).contains("Work phone", "confirmed");
        assertThat(after.html().select("#devices tbody tr td:eq(2)").text()).isEqualTo("yes");
        assertNoSecret(after, scanned.secret());
        // The user logs in with the device's next code.
        nextStep();
        logIn(target, code(scanned.secret()));
    }

    @Test
    void startingOverReplacesThePendingDevice() throws Exception {
        User target = newUser("target", false, false);
        MockHttpSession session = logInStaff();
        Page first = post("/admin/users/" + target.id() + "/devices/totp", session);
        long firstId = pendingTotp(target);

        Page second = post("/admin/users/" + target.id() + "/devices/totp", session, "name", "Second");

        assertThat(first.status()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", target.id())).isEqualTo(1);
        assertThat(pendingTotp(target)).isNotEqualTo(firstId);
        assertThat(first.html().select("#settings dd").first().text()).isEqualTo("Authenticator");
        assertThat(second.html().select("#secret").text()).isNotEqualTo(first.html().select("#secret").text());
        Page stale = post(first.html().select("#confirm").attr("action"), session, "code",
                code(OtpAuthUri.parse(qrText(first.html())).secret()));
        assertThat(stale.status()).isEqualTo(404);
    }

    @Test
    void wrongCodeShowsTheConfirmPageAgainWithoutTheSecret() throws Exception {
        User target = newUser("target", false, false);
        MockHttpSession session = logInStaff();
        Page page = post("/admin/users/" + target.id() + "/devices/totp", session, "name", "Phone");
        OtpSecret secret = OtpAuthUri.parse(qrText(page.html())).secret();
        String confirm = page.html().select("#confirm").attr("action");

        Page wrong = post(confirm, session, "code", wrongCode(secret));

        assertThat(wrong.status()).isEqualTo(422);
        Document html = wrong.html();
        assertThat(html.select(".error").text()).startsWith("Wrong code.").contains("1 second");
        assertThat(html.select("#qr, #secret, img")).isEmpty();
        assertNoSecret(wrong, secret);
        assertThat(html.select("#confirm").attr("action")).isEqualTo(confirm);
        assertThat(html.select("#confirm input[name=code]")).hasSize(1);
        assertThat(html.select("#start-over input[name=name]").val()).isEqualTo("Phone");
        assertThat(wrong.header("Cache-Control")).contains("no-store");
        long deviceId = pendingTotp(target);
        assertThat(count("select failure_count from otpgate_account where id = ?", target.id())).isEqualTo(1);

        // The right code during the throttling delay is not checked.
        Page throttled = post(confirm, session, "code", code(secret));
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
        assertThat(throttled.html().select(".error").text()).contains("not checked", "in 1 second");
        assertThat(pendingTotp(target)).isEqualTo(deviceId);

        // The devices page shows the pending device, and no secret.
        Page devices = get(devicesPath(target), session);
        assertThat(devices.html().select("#devices tbody tr td:eq(2)").text()).contains("no", "pending");
        assertNoSecret(devices, secret);

        // Starting over gives a new secret.
        Page restarted = post(html.select("#start-over").attr("action"), session, "name", "Phone");
        assertThat(restarted.status()).isEqualTo(200);
        OtpSecret fresh = OtpAuthUri.parse(qrText(restarted.html())).secret();
        assertThat(fresh).isNotEqualTo(secret);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", target.id())).isEqualTo(1);
    }

    @Test
    void malformedCodeIsRefusedWithoutCountingAnAttempt() throws Exception {
        User target = newUser("target", false, false);
        MockHttpSession session = logInStaff();
        Page page = post("/admin/users/" + target.id() + "/devices/totp", session);
        String confirm = page.html().select("#confirm").attr("action");

        for (String code : List.of("12a456", "12345", "123456789", "", "１２３４５６")) {
            Page malformed = post(confirm, session, "code", code);
            assertThat(malformed.status()).as(code).isEqualTo(400);
            assertThat(malformed.html().select(".error").text()).contains("6 to 8 digits", "not checked");
            assertThat(malformed.html().select("#confirm input[name=code]")).hasSize(1);
        }
        assertThat(count("select failure_count from otpgate_account where id = ?", target.id())).isZero();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'OTP_FAILED'",
                target.id())).isZero();
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", target.id()))
                .isZero();
        // Spaces are ignored.
        OtpSecret secret = OtpAuthUri.parse(qrText(page.html())).secret();
        String code = code(secret);
        Page spaced = post(confirm, session, "code", code.substring(0, 3) + " " + code.substring(3));
        assertThat(spaced.status()).isEqualTo(302);
    }

    @Test
    void codeOfAnotherDeviceDoesNotConfirmTheNewOne() throws Exception {
        User target = newUser("target", false, false);
        OtpSecret phone = addTotp(target);
        MockHttpSession session = logInStaff();
        Page page = post("/admin/users/" + target.id() + "/devices/totp", session);

        Page other = post(page.html().select("#confirm").attr("action"), session, "code", code(phone));

        assertThat(other.status()).isEqualTo(422);
        assertThat(other.html().select(".error").text()).contains("another of the user's devices");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = false", target.id()))
                .isEqualTo(1);
    }

    @Test
    void confirmingADeviceThatIsNotTheUsersPendingTotpIsNotFound() throws Exception {
        User target = newUser("target", false, false);
        User other = newUser("other", false, false);
        long confirmed = enrolment.enrol(target, "phone", true, null).device().id();
        OtpSecret otherSecret = enrolment.enrol(other, "pending", false, null).uri().secret();
        long othersPending = pendingTotp(other);
        MockHttpSession session = logInStaff();

        Page othersDevice = post("/admin/users/" + target.id() + "/devices/totp/" + othersPending + "/confirm",
                session, "code", code(otherSecret));
        Page confirmedDevice = post("/admin/users/" + target.id() + "/devices/totp/" + confirmed + "/confirm",
                session, "code", "123456");
        Page malformedId = post("/admin/users/" + target.id() + "/devices/totp/x/confirm", session, "code", "1");

        assertThat(othersDevice.status()).isEqualTo(404);
        assertThat(confirmedDevice.status()).isEqualTo(404);
        assertThat(malformedId.status()).isEqualTo(400);
        assertThat(pendingTotp(other)).isEqualTo(othersPending);
        assertThat(count("select failure_count from otpgate_account where id = ?", other.id())).isZero();
        assertThat(count("select failure_count from otpgate_account where id = ?", target.id())).isZero();
    }

    @Test
    void deviceNamesAreEscaped() throws Exception {
        User target = newUser("target", false, false);
        String name = "<script>alert(1)</script>";
        enrolment.enrol(target, name, true, null);
        MockHttpSession session = logInStaff();

        Page devices = get(devicesPath(target), session);
        Page added = post("/admin/users/" + target.id() + "/devices/totp", session, "name", name + "&x");

        assertThat(devices.body()).doesNotContain("<script>alert").contains("&lt;script&gt;alert(1)");
        assertThat(devices.html().select("#devices tbody tr td:eq(1)").text()).isEqualTo(name);
        assertThat(added.status()).isEqualTo(200);
        assertThat(added.body()).doesNotContain("<script>alert");
        assertThat(added.html().select("#settings dd").first().text()).isEqualTo(name + "&x");
    }

    @Test
    void deviceNameLongerThan64CharactersIsRefused() throws Exception {
        User target = newUser("target", false, false);
        MockHttpSession session = logInStaff();

        Page page = post("/admin/users/" + target.id() + "/devices/totp", session, "name", "n".repeat(65));

        assertThat(page.status()).isEqualTo(400);
        assertThat(page.html().select(".error").text()).contains("1..64 characters");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", target.id())).isZero();
    }

    // Recovery codes

    @Test
    void recoveryCodesAreShownOnceAndOfferedAsAFile() throws Exception {
        User target = newUser("target", true, false);
        OtpSecret secret = addTotp(target);
        MockHttpSession session = logInStaff();

        Page page = post("/admin/users/" + target.id() + "/recovery-codes", session);

        assertThat(page.status()).as(page.body()).isEqualTo(200);
        assertThat(page.header("Cache-Control")).isEqualTo("no-store");
        Document html = page.html();
        List<String> codes = html.select("ul.codes#recovery-codes li").eachText();
        assertThat(codes).hasSize(recovery.count()).doesNotHaveDuplicates()
                .allSatisfy(c -> assertThat(c).matches("[a-z0-9]{4}(-[a-z0-9]{4}){3}"));
        assertThat(html.text()).contains("will not be shown again");
        assertThat(html.select("#pending")).isEmpty();
        Element download = html.selectFirst("a#download");
        assertThat(download.attr("download")).isEqualTo("otpgate-recovery-codes-" + target.username() + ".txt");
        String href = download.attr("href");
        String prefix = "data:text/plain;charset=utf-8,";
        assertThat(href).startsWith(prefix).doesNotContain("+", " ");
        String file = URLDecoder.decode(href.substring(prefix.length()), StandardCharsets.UTF_8);
        List<String> lines = file.lines().toList();
        assertThat(lines.get(0)).contains(target.username());
        assertThat(lines.subList(1, lines.size())).isEqualTo(codes);
        assertThat(count("select count(*) from otpgate_static_token t join otpgate_static_device d on d.id = t.device_id "
                + "where d.account_id = ? and d.confirmed = true", target.id())).isEqualTo(recovery.count());
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'RECOVERY_CODES_ISSUED'",
                target.id())).isEqualTo(1);

        Page devices = get(devicesPath(target), session);
        assertThat(devices.body()).doesNotContain(codes.toArray(String[]::new));
        assertNoSecret(devices, secret);
        // One of the codes logs the user in.
        logIn(target, codes.get(2));
    }

    @Test
    void recoveryCodesOfAUserWithoutADeviceWaitForOne() throws Exception {
        User target = newUser("target", false, false);
        MockHttpSession session = logInStaff();

        Page page = post("/admin/users/" + target.id() + "/recovery-codes", session);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.html().select("#pending").text()).contains("become valid");
        assertThat(count("select count(*) from otpgate_static_device where account_id = ? and confirmed = false", target.id()))
                .isEqualTo(1);
    }

    // Removing, resetting, unlocking

    @Test
    void removingADeviceDeletesItsRowAndRecordsAnEvent() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        long second = enrolment.enrol(target, "tablet", true, null).device().id();
        MockHttpSession session = logInStaff();
        Page before = get(devicesPath(target), session);
        String action = before.html().select("#device-totp-" + second + " form.delete").attr("action");
        assertThat(action).isEqualTo("/admin/users/" + target.id() + "/devices/totp/" + second + "/delete");

        Page removed = post(action, session);

        assertThat(removed.status()).isEqualTo(302);
        assertThat(removed.location()).isEqualTo(devicesPath(target));
        assertThat(count("select count(*) from otpgate_totp_device where id = ?", second)).isZero();
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", target.id())).isEqualTo(1);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'DEVICE_REMOVED' "
                + "and device = ?", target.id(), "totp/" + second)).isEqualTo(1);
        Page after = get(removed.location(), session);
        assertThat(after.html().select(".notice").text()).contains("tablet", "removed");
        assertThat(after.html().select("#device-totp-" + second)).isEmpty();
        assertThat(after.html().select("#devices tbody tr td:eq(1)").eachText()).containsExactly("phone");
        assertThat(otpEnabled(target)).isTrue();
    }

    @Test
    void removingTheLastDeviceTurnsTheSecondFactorOff() throws Exception {
        User target = newUser("target", false, false);
        long only = enrolment.enrol(target, "phone", true, null).device().id();
        assertThat(otpEnabled(target)).isTrue();
        MockHttpSession session = logInStaff();

        Page removed = post("/admin/users/" + target.id() + "/devices/totp/" + only + "/delete", session);

        assertThat(removed.status()).isEqualTo(302);
        assertThat(otpEnabled(target)).isFalse();
        assertThat(jdbc.sql("select detail from otpgate_security_event where account_id = ? and kind = 'DEVICE_REMOVED'")
                .param(target.id()).query(String.class).single()).isEqualTo("no confirmed device left");
    }

    @Test
    void removingRecoveryCodes() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        long codes = recoveryCodes.replace(target.id(), 2, null).device().id();
        MockHttpSession session = logInStaff();

        Page removed = post("/admin/users/" + target.id() + "/devices/static/" + codes + "/delete", session);

        assertThat(removed.status()).isEqualTo(302);
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", target.id())).isZero();
        assertThat(count("select count(*) from otpgate_static_token where device_id = ?", codes)).isZero();
    }

    @Test
    void removingAnotherUsersDeviceIsNotFoundAndRemovesNothing() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        User other = newUser("other", false, false);
        long othersDevice = enrolment.enrol(other, "phone", true, null).device().id();
        MockHttpSession session = logInStaff();
        String before = state(target) + state(other);

        Page refused = post("/admin/users/" + target.id() + "/devices/totp/" + othersDevice + "/delete", session);
        Page unknownKind = post("/admin/users/" + other.id() + "/devices/sms/" + othersDevice + "/delete", session);
        Page wrongKind = post("/admin/users/" + other.id() + "/devices/hotp/" + othersDevice + "/delete", session);
        Page unknownUser = post("/admin/users/999999999/devices/totp/" + othersDevice + "/delete", session);
        Page malformed = post("/admin/users/" + other.id() + "/devices/totp/one/delete", session);

        assertThat(refused.status()).isEqualTo(404);
        assertThat(refused.html().select(".error").text()).contains("totp/" + othersDevice);
        assertThat(unknownKind.status()).isEqualTo(404);
        assertThat(unknownKind.html().select(".error").text()).contains("\"sms\"");
        assertThat(wrongKind.status()).isEqualTo(404);
        assertThat(unknownUser.status()).isEqualTo(404);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(state(target) + state(other)).isEqualTo(before);
    }

    @Test
    void resetRemovesEveryDeviceAndUnlocks() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        addTotp(target);
        recoveryCodes.replace(target.id(), 2, null);
        lock(target);
        MockHttpSession session = logInStaff();

        Page reset = post("/admin/users/" + target.id() + "/reset", session);

        assertThat(reset.status()).isEqualTo(302);
        assertThat(reset.location()).isEqualTo(devicesPath(target));
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", target.id())).isZero();
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", target.id())).isZero();
        assertThat(count("select failure_count from otpgate_account where id = ?", target.id())).isZero();
        assertThat(otpEnabled(target)).isFalse();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'SECOND_FACTOR_RESET'",
                target.id())).isEqualTo(1);
        Document after = get(reset.location(), session).html();
        assertThat(after.select(".notice").text()).contains("3 devices removed");
        assertThat(after.select("#devices .empty")).hasSize(1);
        assertThat(after.select("#lock").text()).isEqualTo("not locked");
    }

    @Test
    void unlockLiftsTheLock() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        lock(target);
        MockHttpSession session = logInStaff();
        Document locked = get(devicesPath(target), session).html();
        assertThat(locked.select("#lock").text()).contains("locked since 2026-", "until 2026-");
        assertThat(locked.select("#failures").text()).isEqualTo("100");

        Page unlock = post(locked.select("form#unlock").attr("action"), session);

        assertThat(unlock.status()).isEqualTo(302);
        assertThat(count("select count(*) from otpgate_account where id = ? and locked_at is null "
                + "and failure_count = 0", target.id())).isEqualTo(1);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'ACCOUNT_UNLOCKED'",
                target.id())).isEqualTo(1);
        Document after = get(unlock.location(), session).html();
        assertThat(after.select(".notice").text()).contains("unlocked");
        assertThat(after.select("#lock").text()).isEqualTo("not locked");
        assertThat(after.select("#unlock")).isEmpty();
    }

    @Test
    void unlockIsOfferedWhenADeviceIsThrottled() throws Exception {
        User target = newUser("target", false, false);
        long device = enrolment.enrol(target, "phone", true, null).device().id();
        jdbc.sql("update otpgate_totp_device set throttling_failure_count = 5, throttling_failure_timestamp = ? where id = ?")
                .params(SqlTime.of(clock.instant()), device).update();
        MockHttpSession session = logInStaff();

        Document page = get(devicesPath(target), session).html();

        assertThat(page.select("#unlock")).hasSize(1);
        assertThat(page.select("#devices tbody tr td:eq(7) time").attr("datetime")).isNotEmpty();
        assertThat(page.select("#devices tbody tr td:eq(6)").text()).isEqualTo("5");
    }

    // Acting on yourself

    @Test
    void staffManagesTheirOwnDevicesAndIsLoggedOutAfterResettingThem() throws Exception {
        MockHttpSession session = logInStaff();
        Page added = post("/admin/users/" + staff.id() + "/devices/totp", session, "name", "Spare");
        OtpSecret spare = OtpAuthUri.parse(qrText(added.html())).secret();
        Page confirmed = post(added.html().select("#confirm").attr("action"), session, "code", code(spare));
        assertThat(confirmed.location()).isEqualTo("/admin/account");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", staff.id()))
                .isEqualTo(2);

        Page reset = post("/admin/users/" + staff.id() + "/reset", session);

        assertThat(reset.status()).isEqualTo(302);
        assertThat(reset.location()).isEqualTo("/admin/account");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", staff.id())).isZero();
        Page next = get(reset.location(), session);
        assertThat(next.status()).isEqualTo(303);
        assertThat(next.location()).isEqualTo("/admin/login?expired=1");
    }

    // Refusals

    @Test
    void everyFormWithoutCsrfTokenIsRefusedAndChangesNothing() throws Exception {
        Target target = target(false);
        MockHttpSession session = logInStaff();
        String before = state(target.user());

        for (Action action : actions(target)) {
            Page page = postWithoutCsrf(action.path(), session, action.fields());
            assertThat(page.status()).as(action.path()).isEqualTo(403);
            // The denied page is a forward, which MockMvc records without rendering.
            assertThat(page.response().getForwardedUrl()).isEqualTo("/admin/denied");
            assertThat(state(target.user())).as(action.path()).isEqualTo(before);
        }
    }

    @Test
    void staffMayViewButNotChangeASuperusersDevices() throws Exception {
        Target target = target(true);
        MockHttpSession session = logInStaff();
        String before = state(target.user());

        assertThat(get(devicesPath(target.user()), session).status()).isEqualTo(200);
        for (Action action : actions(target)) {
            Page page = post(action.path(), session, action.fields());
            assertThat(page.status()).as(action.path()).isEqualTo(403);
            assertThat(page.html().select(".error").text())
                    .isEqualTo("Only a superuser may change another superuser's devices");
            assertThat(page.body()).as(action.path()).doesNotContain("id=\"secret\"", "id=\"recovery-codes\"");
            assertThat(state(target.user())).as(action.path()).isEqualTo(before);
        }
    }

    @Test
    void superuserMayChangeAnotherSuperusersDevices() throws Exception {
        Target target = target(true);
        User boss = newUser("boss", true, true);
        OtpSecret bossSecret = addTotp(boss);
        MockHttpSession session = logIn(boss, code(bossSecret));
        List<Action> actions = actions(target);

        // In an order where each one still finds what it acts on.
        int[] order = { 5, 1, 2, 3, 0, 4 };
        int[] expected = { 302, 302, 200, 302, 200, 302 };
        for (int i = 0; i < order.length; i++) {
            Action action = actions.get(order[i]);
            String before = state(target.user());
            Page page = post(action.path(), session, action.fields());
            assertThat(page.status()).as(action.path() + ": " + page.body()).isEqualTo(expected[i]);
            assertThat(state(target.user())).as(action.path()).isNotEqualTo(before);
        }
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", target.user().id())).isZero();
    }

    // Helpers

    /** A user with a confirmed TOTP device, a pending one (and its secret), and failures counted. */
    private record Target(User user, long confirmed, long pending, OtpSecret pendingSecret) {
    }

    private Target target(boolean superuser) {
        User user = newUser("target", superuser, superuser);
        long confirmed = enrolment.enrol(user, "phone", true, null).device().id();
        TotpEnrolment.Enrolment pending = enrolment.enrol(user, "new phone", false, null);
        jdbc.sql("update otpgate_account set failure_count = 3 where id = ?").param(user.id()).update();
        return new Target(user, confirmed, pending.device().id(), pending.uri().secret());
    }

    private record Action(String path, String... fields) {
    }

    /** Every form of the device pages, each of which changes the target's state when it works. */
    private List<Action> actions(Target target) {
        String user = "/admin/users/" + target.user().id();
        List<Action> actions = new ArrayList<>();
        actions.add(new Action(user + "/devices/totp", "name", "Other"));
        actions.add(new Action(user + "/devices/totp/" + target.pending() + "/confirm", "code",
                code(target.pendingSecret())));
        actions.add(new Action(user + "/recovery-codes"));
        actions.add(new Action(user + "/devices/totp/" + target.confirmed() + "/delete"));
        actions.add(new Action(user + "/reset"));
        actions.add(new Action(user + "/unlock"));
        return actions;
    }

    /** Everything the device pages can change about a user, as text. */
    private String state(User user) {
        long id = user.id();
        return jdbc.sql("select id, name, confirmed, last_step, throttling_failure_count from otpgate_totp_device "
                + "where account_id = ? order by id").param(id).query().listOfRows()
                + "" + jdbc.sql("select id, confirmed from otpgate_static_device where account_id = ? order by id").param(id)
                        .query().listOfRows()
                + jdbc.sql("select t.id from otpgate_static_token t join otpgate_static_device d on d.id = t.device_id "
                        + "where d.account_id = ? order by t.id").param(id).query().listOfRows()
                + jdbc.sql("select failure_count, locked_at from otpgate_account where id = ?").param(id).query()
                        .listOfRows()
                + jdbc.sql("select is_otp_enabled from user_profile where user_id = ?").param(id).query().listOfRows()
                + count("select count(*) from otpgate_security_event where account_id = ?", id);
    }

    private void lock(User user) {
        jdbc.sql("update otpgate_account set locked_at = ?, failure_count = 100 where id = ?")
                .params(SqlTime.of(clock.instant()), user.id()).update();
    }

    private boolean otpEnabled(User user) {
        return jdbc.sql("select is_otp_enabled from user_profile where user_id = ?").param(user.id())
                .query(Boolean.class).single();
    }

    private long pendingTotp(User user) {
        return jdbc.sql("select id from otpgate_totp_device where account_id = ? and confirmed = false").param(user.id())
                .query(Long.class).single();
    }

    private static String devicesPath(User user) {
        return "/admin/users/" + user.id() + "/devices";
    }

    /** A code of the right form that the secret does not give now. */
    private String wrongCode(OtpSecret secret) {
        String right = code(secret);
        return (right.charAt(0) == '0' ? "1" : "0") + right.substring(1);
    }

    /** Decodes the page's QR code image. */
    private static String qrText(Document html) throws Exception {
        String src = html.select("img#qr").attr("src");
        String prefix = "data:image/png;base64,";
        assertThat(src).startsWith(prefix);
        byte[] png = Base64.getDecoder().decode(src.substring(prefix.length()));
        return new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(
                new BufferedImageLuminanceSource(ImageIO.read(new ByteArrayInputStream(png)))))).getText();
    }

    private static void assertNoSecret(Page page, OtpSecret secret) {
        String base32 = secret.exposeBase32();
        assertThat(page.body()).doesNotContain(base32).doesNotContain(base32.substring(0, 8))
                .doesNotContain(base32.substring(0, 4) + " " + base32.substring(4, 8))
                .doesNotContain(secret.exposeHex());
    }
}
