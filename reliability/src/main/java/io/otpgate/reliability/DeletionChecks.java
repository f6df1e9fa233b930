package io.otpgate.reliability;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;

import io.otpgate.core.OtpAuthUri;

/**
 * A device deleted through one server is refused at once by the other. For a user with a confirmed TOTP device and a
 * password-only token P: verify a code on server X (token V, which names the device), check that the other server
 * Y sees V as verified and P as not; delete the device on X ({@code DELETE /api/totp/delete} with V); then, at once,
 * on Y: V is refused (401: a second-factor reset ends every session of the user, issue 14), and with the
 * password-only token that the delete returned, 2FA is off ({@code /api/totp/status}, {@code /api/me}), a code that
 * the deleted device would have accepted is refused, and a recovery code is refused (every device of the user is
 * gone). Finally the user enrols a new device through Y ({@code /api/totp/create}, confirmed by a code): V stays
 * refused on both servers, while the new device's token is accepted on X.
 *
 * <p>A failed step that only prepares a check (a login, the delete itself, the enrolment) counts as a setup failure;
 * a check whose answer is not the expected one counts as a violation, by check.
 */
public final class DeletionChecks {

    private final Map<String, Integer> violations = new TreeMap<>();
    private final Map<String, Integer> setupFailures = new TreeMap<>();
    private final List<SecretsAtRest.Secret> issuedSecrets = new ArrayList<>();
    private int users;
    private boolean oneServer;
    private int checks;
    private int aToB;
    private int bToA;
    private long nanos;

    /**
     * Runs the checks for one user.
     *
     * @param x the server that deletes
     * @param y the other server, which must see the deletion at once
     * @param forward whether x is A (for the count of each direction)
     * @param passwordOnly the user's password-only access token
     */
    public void check(KnownUser user, String passwordOnly, Api x, Api y, boolean forward) {
        long started = System.nanoTime();
        try {
            users++;
            oneServer |= x == y;
            if (forward) {
                aToB++;
            } else {
                bToA++;
            }
            steps(user, passwordOnly, x, y);
        } finally {
            nanos += System.nanoTime() - started;
        }
    }

    private void steps(KnownUser user, String passwordOnly, Api x, Api y) {
        long step = KnownUser.TOTP.step(Instant.now());
        Api.Response verified = x.post("/api/totp/login", passwordOnly, Map.of("token", user.totpCodeAtStep(step)));
        if (!setup("a code verified on the deleting server (200)", verified, 200)) {
            return;
        }
        String v = verified.text("access");
        expect("before: the verified token reaches /api/me on the other server, 2FA on", y.get("/api/me", v),
                r -> r.status() == 200 && otpEnabled(r, true));
        expect("before: the password-only token is refused by /api/me on the other server (403)",
                y.get("/api/me", passwordOnly), r -> r.status() == 403);

        Api.Response deleted = x.delete("/api/totp/delete", v);
        if (!setup("DELETE /api/totp/delete on the deleting server (200)", deleted, 200)) {
            return;
        }
        String afterDelete = deleted.text("access");
        expect("after: the verified token is refused by the other server (401: a reset ends every session)",
                y.get("/api/me", v), r -> r.status() == 401);
        expect("after: /api/totp/status on the other server says 2FA is off", y.get("/api/totp/status", afterDelete),
                r -> r.status() == 200 && r.body().path("isOtpEnabled").isBoolean()
                        && !r.body().path("isOtpEnabled").booleanValue());
        expect("after: the delete's password-only token reaches /api/me on the other server, is_otp_enabled false",
                y.get("/api/me", afterDelete), r -> r.status() == 200 && otpEnabled(r, false));
        expect("after: a code the deleted device would accept is refused by the other server (400)",
                y.post("/api/totp/login", afterDelete, Map.of("token", user.totpCodeAtStep(step + 1))),
                r -> r.status() == 400);
        expect("after: a recovery code is refused by the other server (400)",
                y.post("/api/totp/recovery_code/login", afterDelete, Map.of("token", user.recoveryCodes().get(0))),
                r -> r.status() == 400);

        Api.Response created = y.post("/api/totp/create", afterDelete, null);
        if (!setup("POST /api/totp/create on the other server (201)", created, 201)) {
            return;
        }
        OtpAuthUri uri = OtpAuthUri.parse(created.text("otpUrl"));
        issuedSecrets.add(SecretsAtRest.Secret.ofBytes("TOTP secret issued by the API to " + user.username(),
                uri.secret().exposeBytes()));
        int n = 0;
        for (JsonNode code : created.body().path("recoveryCodes")) {
            issuedSecrets.add(SecretsAtRest.Secret.ofText("recovery code " + (++n) + " issued by the API to "
                    + user.username(), code.stringValue()));
        }
        Api.Response confirmed = y.post("/api/totp/login", afterDelete,
                Map.of("token", uri.toTotp().generate(uri.secret(), Instant.now())));
        if (!setup("the new device confirmed on the other server (200)", confirmed, 200)) {
            return;
        }
        expect("re-enrolled: the old verified token is still refused by /api/me on the deleting server (401)",
                x.get("/api/me", v), r -> r.status() == 401);
        expect("re-enrolled: the old verified token is still refused by /api/me on the other server (401)",
                y.get("/api/me", v), r -> r.status() == 401);
        expect("re-enrolled: the new device's token reaches /api/me on the deleting server",
                x.get("/api/me", confirmed.text("access")), r -> r.status() == 200 && otpEnabled(r, true));
    }

    private static boolean otpEnabled(Api.Response response, boolean expected) {
        JsonNode enabled = response.body().path("profile").path("is_otp_enabled");
        return enabled.isBoolean() && enabled.booleanValue() == expected;
    }

    private boolean setup(String step, Api.Response response, int expected) {
        if (response.status() == expected) {
            return true;
        }
        setupFailures.merge(step + ", got " + response.status(), 1, Integer::sum);
        return false;
    }

    private void expect(String check, Api.Response response, Predicate<Api.Response> rule) {
        checks++;
        if (!rule.test(response)) {
            violations.merge(check + ", got " + response.status(), 1, Integer::sum);
        }
    }

    /** The secrets the API issued during the checks (new TOTP devices' secrets and recovery codes). */
    public List<SecretsAtRest.Secret> issuedSecrets() {
        return List.copyOf(issuedSecrets);
    }

    public int users() {
        return users;
    }

    public int checks() {
        return checks;
    }

    public int violations() {
        return violations.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int setupFailures() {
        return setupFailures.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Adds the figures to a report: users, checks, violations and setup failures (both must be 0). */
    public void addTo(Report report) {
        report.figure("users", users, oneServer ? "deleted and checked on the one server"
                : aToB + " deleted on A and checked on B, " + bToA + " the other way");
        report.figure("checks", checks, "10 a user");
        report.mustBeZero("violations", violations());
        violations.forEach((check, count) -> report.text(count + " x " + check));
        report.mustBeZero("setup failures", setupFailures());
        setupFailures.forEach((step, count) -> report.text(count + " x " + step));
        report.figure("time", Report.seconds(nanos));
    }
}
