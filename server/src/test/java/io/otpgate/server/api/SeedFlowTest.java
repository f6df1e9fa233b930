package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Seed 004's flow end to end, as its frontend walks it: login, create, confirm with a code the test computes,
 * protected call refused then allowed, recovery-code login, refresh, delete, rollback.
 */
class SeedFlowTest extends ApiTestBase {

    @Test
    void seedFlowWhenWalkedThenEveryStepAnswersAsTheSeed() throws Exception {
        Tokens password = login();
        assertThat(payload(password.access()).get("otp_device_id")).isNull();
        assertThat(get("/api/totp/status", password.access()).json().get("isOtpEnabled").booleanValue()).isFalse();
        assertThat(get("/api/me", password.access()).status()).as("no device yet: password is enough").isEqualTo(200);

        Setup setup = createTotp(password.access());
        assertThat(setup.recoveryCodes()).hasSize(5);
        assertThat(get("/api/me", password.access()).status()).as("a pending setup changes nothing").isEqualTo(200);
        assertThat(post("/api/totp/recovery_code/login", password.access(),
                json("token", setup.recoveryCodes().get(0))).status())
                .as("codes of a pending setup are not valid yet").isEqualTo(400);

        Answer confirmed = post("/api/totp/login", password.access(), json("token", code(setup.secret())));
        Tokens verified = tokens(confirmed);
        assertThat(payload(verified.access()).get("otp_device_id").stringValue()).startsWith("totp/");
        assertThat(payload(verified.access()).get("amr").toString()).isEqualTo("[\"pwd\",\"otp\",\"mfa\"]");
        assertThat(get("/api/totp/status", password.access()).json().get("isOtpEnabled").booleanValue()).isTrue();

        Answer refused = get("/api/me", password.access());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text("detail"))
                .isEqualTo("You do not have permission to perform this action until you verify your MFA device.");
        Answer me = get("/api/me", verified.access());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.text("username")).isEqualTo(user.username());

        Tokens recovered = tokens(post("/api/totp/recovery_code/login", login().access(),
                json("token", setup.recoveryCodes().get(1))));
        assertThat(payload(recovered.access()).get("otp_device_id").stringValue()).startsWith("static/");
        assertThat(get("/api/me", recovered.access()).status()).isEqualTo(200);

        Tokens refreshed = tokens(post("/api/token/refresh", null, json("refresh", verified.refresh())));
        assertThat(payload(refreshed.access()).get("otp_device_id")).isEqualTo(payload(verified.access())
                .get("otp_device_id"));
        assertThat(get("/api/me", refreshed.access()).status()).isEqualTo(200);

        Tokens deleted = tokens(delete("/api/totp/delete", refreshed.access()));
        assertThat(payload(deleted.access()).get("otp_device_id")).isNull();
        assertThat(get("/api/totp/status", deleted.access()).json().get("isOtpEnabled").booleanValue()).isFalse();
        assertThat(get("/api/me", deleted.access()).status()).as("no device left: password is enough again")
                .isEqualTo(200);
        assertThat(get("/api/me", password.access()).status()).as("turning 2FA off ended the other sessions")
                .isEqualTo(401);

        Setup second = createTotp(deleted.access());
        assertThat(second.secret()).isNotEqualTo(setup.secret());
        Answer rolledBack = delete("/api/totp/rollback", deleted.access());
        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.text("message")).isEqualTo("Setup 2FA Cancelled.");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isZero();
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", user.id())).isZero();
    }
}
