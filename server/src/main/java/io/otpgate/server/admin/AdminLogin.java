package io.otpgate.server.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Optional;

import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.server.login.LoginThrottle;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;

/**
 * The admin panel's login, django-otp's {@code OTPAuthenticationForm}: username, password and a one-time code (TOTP,
 * HOTP or recovery code) together. Only an active staff user with a confirmed device gets in, and only once the
 * code was verified. Password guessing is slowed by the same throttle as {@code POST /api/token}; codes by the
 * devices' throttling and the account lock.
 */
public class AdminLogin {

    /** One refusal for a wrong username, password or code, a missing code, a non-staff user or no device. */
    static final String REFUSED = "Please enter the correct username, password and one-time code of a staff "
            + "account. All three fields are case-sensitive.";

    /** What became of a login. */
    public sealed interface Result {
    }

    /** Logged in: both factors checked. */
    /**
     * @param wrongCodes wrong codes tried since the user's previous success (someone else knows the password)
     */
    public record Success(AdminPrincipal principal, int wrongCodes) implements Result {
    }

    /**
     * Refused, and why in words the page shows.
     *
     * @param hint a second line (how to get a device, or that the account is locked), or null
     * @param retryAfter how long to wait before the next attempt is checked, or null
     * @param checked false when the attempt came during a wait and nothing was checked (HTTP 429)
     */
    public record Refused(String message, String hint, Duration retryAfter, boolean checked) implements Result {
    }

    private final UserService users;
    private final DeviceService devices;
    private final VerificationService verification;
    private final SessionVersions sessions;
    private final LoginThrottle throttle;
    private final Clock clock;

    AdminLogin(UserService users, DeviceService devices, VerificationService verification, SessionVersions sessions,
            LoginThrottle throttle, Clock clock) {
        this.users = users;
        this.devices = devices;
        this.verification = verification;
        this.sessions = sessions;
        this.throttle = throttle;
        this.clock = clock;
    }

    /**
     * @param code as typed; may be empty (a refusal, and no attempt is counted)
     */
    public Result login(String username, String password, String code, String clientAddress) {
        Optional<Duration> wait = throttle.check(username, clientAddress);
        if (wait.isPresent()) {
            throttle.countThrottled();
            return new Refused("Too many failed logins.", null, wait.get(), false);
        }
        // The session version is read before the password: a password change that commits meanwhile ends this
        // session too. The password alone is no login here: the last login and LOGIN_SUCCEEDED wait for the code.
        long version = users.find(username).map(u -> sessions.current(u.id())).orElse(0L);
        Optional<UserService.CheckedPassword> checked = users.firstFactor(username, password, clientAddress);
        if (checked.isEmpty()) {
            throttle.failed(username, clientAddress);
            return refused();
        }
        throttle.succeeded(username, clientAddress);
        User user = checked.get().user();
        if (!user.staff()) {
            return refused();
        }
        if (!devices.hasConfirmedDevice(user.id())) {
            return new Refused(REFUSED, "This staff account has no one-time password device yet. An operator "
                    + "enrols one with: otpgate add-otp-device " + user.username(), null, true);
        }
        String typed = code == null ? "" : code.strip();
        if (typed.isEmpty()) {
            return refused();
        }
        VerificationOutcome outcome = verification.verify(user.id(), typed, EnumSet.allOf(DeviceKind.class), PendingSetups.NONE,
                clientAddress);
        if (outcome instanceof VerificationOutcome.Verified verified) {
            users.loggedIn(checked.get(), clientAddress);
            return new Success(AdminPrincipal.of(user.id(), user.username(), verified.device(), clock.instant(),
                    version), verified.wrongCodes());
        }
        if (outcome instanceof VerificationOutcome.Rejected rejected) {
            return new Refused(REFUSED, rejected.accountLocked() ? locked(user, null) : null,
                    positive(rejected.retryAfter()), true);
        }
        if (outcome instanceof VerificationOutcome.Throttled throttled) {
            return new Refused("Too many wrong codes.", null, throttled.retryAfter(), false);
        }
        if (outcome instanceof VerificationOutcome.Locked locked) {
            return new Refused(REFUSED, locked(user, locked.until()), locked.until() == null ? null
                    : positive(Duration.between(clock.instant(), locked.until())), false);
        }
        return refused();
    }

    /** The one refusal: a wrong password, a missing or wrong code, not staff. */
    static Refused refused() {
        return new Refused(REFUSED, null, null, true);
    }

    private static String locked(User user, Instant until) {
        return "Too many wrong codes: this account's second factor is locked"
                + (until == null ? "" : " until " + until.truncatedTo(ChronoUnit.SECONDS))
                + ". An operator can lift the lock with: otpgate unlock " + user.username();
    }

    private static Duration positive(Duration wait) {
        return wait == null || wait.isZero() || wait.isNegative() ? null : wait;
    }
}
