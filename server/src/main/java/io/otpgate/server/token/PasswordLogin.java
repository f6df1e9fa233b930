package io.otpgate.server.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.trust.TrustedBrowsers;
import io.otpgate.server.system.ApiRefusal;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.server.login.LoginThrottle;

/**
 * {@code POST /api/token}: checks a password, slowed per username and address, and issues password-only tokens; from a
 * browser the user trusted (its cookie valid for this user) the tokens say so ({@code otp_remembered}).
 */
public class PasswordLogin {

    /** simplejwt's one message for every refused login: it never says whether the user exists. */
    static final String REFUSED = "No active account found with the given credentials";

    private final UserService users;
    private final TokenService tokens;
    private final SessionVersions sessions;
    private final LoginThrottle throttle;
    private final Clock clock;
    private final TrustedBrowsers trustedBrowsers;
    private final DeviceService devices;

    PasswordLogin(UserService users, TokenService tokens, SessionVersions sessions, LoginThrottle throttle,
            Clock clock, TrustedBrowsers trustedBrowsers, DeviceService devices) {
        this.trustedBrowsers = trustedBrowsers;
        this.devices = devices;
        this.users = users;
        this.tokens = tokens;
        this.sessions = sessions;
        this.throttle = throttle;
        this.clock = clock;
    }

    /**
     * @throws ApiRefusal 401 on a wrong username or password or an inactive user; 429 during a wait
     */
    public TokenPair login(String username, String password, String clientAddress) {
        return login(username, password, clientAddress, List.of());
    }

    /**
     * As {@link #login(String, String, String)}; when one of {@code trustedBrowserValues} (the request's
     * trusted-browser cookies) is valid for the user, who has a confirmed device, the tokens carry
     * {@code otp_remembered} ({@link TokenService#issueRemembered}). Another user's value gives nothing.
     */
    public TokenPair login(String username, String password, String clientAddress,
            List<String> trustedBrowserValues) {
        Optional<Duration> wait = throttle.check(username, clientAddress);
        if (wait.isPresent()) {
            throttle.countThrottled();
            throw ApiRefusal.tooManyAttempts("Too many failed logins: try again in " + wait.get().toSeconds()
                    + " s", wait.get());
        }
        // The session version is read before the password: a password change that commits meanwhile (its new hash
        // and the new version together) ends this session too, instead of letting the old password open one after it.
        long version = users.find(username).map(u -> sessions.current(u.id())).orElse(0L);
        Optional<User> user = users.checkPassword(username, password, clientAddress);
        if (user.isEmpty()) {
            throttle.failed(username, clientAddress);
            throw ApiRefusal.unauthorized(REFUSED, "no_active_account");
        }
        throttle.succeeded(username, clientAddress);
        Instant now = clock.instant();
        long userId = user.get().id();
        // The server's account of a user has the user's id.
        if (!trustedBrowserValues.isEmpty() && trustedBrowsers.enabled() && devices.hasConfirmedDevice(userId)
                && trustedBrowserValues.stream().anyMatch(value -> trustedBrowsers.check(userId, value, now))) {
            return tokens.issueRemembered(userId, now, version);
        }
        return tokens.issue(userId, null, now, version);
    }
}
