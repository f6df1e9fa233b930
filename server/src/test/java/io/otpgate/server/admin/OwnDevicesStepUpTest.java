package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;

import io.otpgate.server.user.User;
import io.otpgate.spring.recovery.RecoveryCodeService;

/**
 * Step-up in the admin panel: a staff user changing their own second factor ("My account") needs a code from the
 * last {@code otpgate.policy.step-up-within} (5 minutes); the panel's login is one, and "Confirm it is you" takes
 * another. A recovery code is enough for new recovery codes and a new device, not for a reset. Acting on another
 * user's devices is an administrator's action and needs no fresh code.
 */
class OwnDevicesStepUpTest extends AdminTestBase {

    private static final Duration STALE = Duration.ofMinutes(5).plusSeconds(1);

    @Autowired RecoveryCodeService recoveryCodes;

    @Test
    void ownRecoveryCodesWhenLoginOlderThanTheWindowThenConfirmFirstAndAfterACodeIssued() throws Exception {
        MockHttpSession session = logInStaff();
        assertThat(get("/admin/account", session).html().select("#step-up")).as("fresh: nothing asked").isEmpty();
        clock.advance(STALE);
        assertThat(get("/admin/account", session).html().select("#step-up")).hasSize(1);

        Page refused = post("/admin/users/" + staff.id() + "/recovery-codes", session);

        assertThat(refused.status()).isEqualTo(302);
        assertThat(refused.location()).isEqualTo("/admin/account");
        assertThat(get(refused.location(), session).html().select(".error:not([hidden])").text())
                .isEqualTo(OwnDeviceStepUp.CONFIRM_FIRST);
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", staff.id())).isZero();
        Page wrong = post("/admin/account/confirm", session, "code", "000000");
        assertThat(get(wrong.location(), session).html().select("#step-up")).as("a wrong code").hasSize(1);
        clock.advance(Duration.ofSeconds(2));
        Page confirmed = post("/admin/account/confirm", session, "code", code(staffSecret));
        assertThat(confirmed.location()).isEqualTo("/admin/account");
        assertThat(get(confirmed.location(), session).html().select("#step-up")).isEmpty();
        Page issued = post("/admin/users/" + staff.id() + "/recovery-codes", session);
        assertThat(issued.status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", staff.id())).isEqualTo(1);
    }

    @Test
    void ownDeviceRemovalWhenStaleThenRefusedUntilConfirmed() throws Exception {
        MockHttpSession session = logInStaff();
        long device = jdbc.sql("select id from otpgate_totp_device where account_id = ?").param(staff.id())
                .query(Long.class).single();
        clock.advance(STALE);
        String remove = "/admin/users/" + staff.id() + "/devices/totp/" + device + "/delete";

        Page refused = post(remove, session);

        assertThat(refused.location()).isEqualTo("/admin/account");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", staff.id())).isEqualTo(1);
        post("/admin/account/confirm", session, "code", code(staffSecret));
        assertThat(post(remove, session).status()).isEqualTo(302);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", staff.id())).isZero();
    }

    @Test
    void anotherUsersDevicesWhenLoginIsOldThenNoFreshCodeNeeded() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        MockHttpSession session = logInStaff();
        clock.advance(Duration.ofMinutes(20));

        Page reset = post("/admin/users/" + target.id() + "/reset", session);

        assertThat(reset.status()).isEqualTo(302);
        assertThat(reset.location()).isEqualTo("/admin/users/" + target.id() + "/devices");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", target.id())).isZero();
        assertThat(get("/admin/users/" + target.id() + "/devices", session).html().select("#step-up")).isEmpty();
    }

    /** The recovery-code rule, both ways, for one's own devices. */
    @Test
    void loginWithARecoveryCodeThenNewDeviceAllowedButNotResettingOnesOwnSecondFactor() throws Exception {
        List<String> codes = recoveryCodes.issue(staff.id(), 5, false, null).codes();
        MockHttpSession session = logIn(staff, codes.get(0));

        Page reset = post("/admin/users/" + staff.id() + "/reset", session);

        assertThat(reset.location()).isEqualTo("/admin/account");
        Document account = get(reset.location(), session).html();
        assertThat(account.select(".error:not([hidden])").text()).isEqualTo(OwnDeviceStepUp.DEVICE_CODE_NEEDED);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", staff.id())).isEqualTo(1);
        Page added = post("/admin/users/" + staff.id() + "/devices/totp", session, "name", "Spare");
        assertThat(added.status()).as("a fresh recovery code is enough to add a device").isEqualTo(200);
        post("/admin/account/confirm", session, "code", code(staffSecret));
        assertThat(post("/admin/users/" + staff.id() + "/reset", session).status()).isEqualTo(302);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", staff.id())).isZero();
    }
}
