package io.otpgate.server.admin;

import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Service;

import io.otpgate.server.login.LoginThrottle;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.webauthn.AssertionOutcome;
import io.otpgate.spring.webauthn.PasskeyAuthentication;
import io.otpgate.spring.webauthn.PasskeyOptions;
import io.otpgate.spring.webauthn.WebAuthnProperties;
import io.otpgate.spring.webauthn.WebAuthnRefusal;

/**
 * The admin panel's login with a passkey instead of a code, in two steps. {@link #start} checks the username and
 * password once, with the same throttle and the same single refusal as {@link AdminLogin} (nothing is said about the
 * user or a passkey before the password matched), and for an active staff user with a passkey answers the request
 * options and a {@link PasswordChecked} for the caller to keep in the HTTP session. {@link #finish} verifies the
 * assertion for that user and completes the login as a code would ({@code LOGIN_SUCCEEDED}, the last login).
 */
@Service
@ConditionalOnWebApplication
public class AdminPasskeyLogin {

    /** Said once the password matched, to a staff user who has no passkey. */
    static final String NO_PASSKEY = "This account has no passkey: enter a one-time code instead.";
    /** Said when the password step is missing or its time passed. */
    static final String START_AGAIN = "Enter your username and password, then use the passkey again.";

    /**
     * "The password was checked for this user": what the HTTP session keeps between the two steps, never longer than
     * the passkey challenge's lifetime. Holds no password.
     *
     * @param sessionVersion the user's session version before the password was checked (as {@link AdminLogin})
     * @param until when it is no longer accepted
     */
    public record PasswordChecked(long userId, long sessionVersion, Instant until) implements Serializable {
    }

    /** What became of the password step. */
    public sealed interface Start {
    }

    /** The password matched: the options for the browser, and what the session keeps. */
    public record Challenge(PasskeyOptions.Request options, PasswordChecked checked) implements Start {
    }

    /** Refused, as the code login words it. */
    public record Refused(AdminLogin.Refused refusal) implements Start {
    }

    private final UserService users;
    private final UserRepository userRows;
    private final SessionVersions sessions;
    private final LoginThrottle throttle;
    private final PasskeyAuthentication passkeys;
    private final WebAuthnProperties properties;
    private final SecurityEvents events;
    private final Clock clock;

    AdminPasskeyLogin(UserService users, UserRepository userRows, SessionVersions sessions, LoginThrottle throttle,
            PasskeyAuthentication passkeys, WebAuthnProperties properties, SecurityEvents events, Clock clock) {
        this.users = users;
        this.userRows = userRows;
        this.sessions = sessions;
        this.throttle = throttle;
        this.passkeys = passkeys;
        this.properties = properties;
        this.events = events;
        this.clock = clock;
    }

    /**
     * The password step. A wrong password, an unknown, inactive or non-staff user get {@link AdminLogin#refused()};
     * during a throttle's wait nothing is checked. Only a staff user whose password matched learns whether they have
     * a passkey.
     */
    public Start start(String username, String password, String clientAddress) {
        Optional<Duration> wait = throttle.check(username, clientAddress);
        if (wait.isPresent()) {
            throttle.countThrottled();
            return new Refused(new AdminLogin.Refused("Too many failed logins.", null, wait.get(), false));
        }
        long version = users.find(username).map(u -> sessions.current(u.id())).orElse(0L);
        Optional<UserService.CheckedPassword> checked = users.firstFactor(username, password, clientAddress);
        if (checked.isEmpty()) {
            throttle.failed(username, clientAddress);
            return new Refused(AdminLogin.refused());
        }
        throttle.succeeded(username, clientAddress);
        User user = checked.get().user();
        if (!user.staff()) {
            return new Refused(AdminLogin.refused());
        }
        Optional<PasskeyOptions.Request> options = passkeys.options(user.id());
        if (options.isEmpty()) {
            return new Refused(new AdminLogin.Refused(NO_PASSKEY, "A passkey is added on the My account page, "
                    + "after a login with a code.", null, true));
        }
        Instant until = clock.instant().plus(properties.challengeLifetime());
        return new Challenge(options.get(), new PasswordChecked(user.id(), version, until));
    }

    /**
     * The assertion step, for the user whose password {@link #start} checked.
     *
     * @param checked what the session kept, or null if nothing (refused: start again)
     * @param credentialJson the browser's {@code PublicKeyCredential} as JSON
     * @param origin the request's {@code Origin} header, or null
     */
    public AdminLogin.Result finish(PasswordChecked checked, String credentialJson, String origin,
            String clientAddress) {
        Instant now = clock.instant();
        if (checked == null || !now.isBefore(checked.until())) {
            return new AdminLogin.Refused(START_AGAIN, null, null, true);
        }
        // Demoted or deactivated since the password step: the same refusal as a wrong password.
        Optional<User> user = userRows.findById(checked.userId()).filter(u -> u.active() && u.staff());
        if (user.isEmpty()) {
            return AdminLogin.refused();
        }
        AssertionOutcome outcome = passkeys.verify(checked.userId(), credentialJson, origin, clientAddress);
        if (outcome instanceof AssertionOutcome.Verified verified) {
            // UserService.loggedIn needs the password itself (to upgrade a Django hash), which the session never
            // keeps: the login is recorded as it records one, and an old hash is upgraded at a later code login.
            userRows.updateLastLogin(checked.userId(), now);
            events.record(SecurityEventKind.LOGIN_SUCCEEDED, checked.userId(), null, clientAddress, "with a passkey");
            return new AdminLogin.Success(AdminPrincipal.of(checked.userId(), user.get().username(),
                    verified.device(), now, checked.sessionVersion()), verified.wrongCodes());
        }
        WebAuthnRefusal reason = ((AssertionOutcome.Refused) outcome).reason();
        return new AdminLogin.Refused(reason.message(), reason == WebAuthnRefusal.LOCKED
                ? "An operator can lift the lock with: otpgate unlock " + user.get().username() : null, null,
                reason != WebAuthnRefusal.LOCKED);
    }
}
