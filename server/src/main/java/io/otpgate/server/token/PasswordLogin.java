package io.otpgate.server.token;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import io.otpgate.spring.device.SessionVersions;
import io.otpgate.server.system.ApiRefusal;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.server.login.LoginThrottle;

/** {@code POST /api/token}: checks a password, slowed per username and address, and issues password-only tokens. */
public class PasswordLogin {

    /** simplejwt's one message for every refused login: it never says whether the user exists. */
    static final String REFUSED = "No active account found with the given credentials";

    private final UserService users;
    private final TokenService tokens;
    private final SessionVersions sessions;
    private final LoginThrottle throttle;
    private final Clock clock;

    PasswordLogin(UserService users, TokenService tokens, SessionVersions sessions, LoginThrottle throttle,
            Clock clock) {
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
        return tokens.issue(user.get().id(), null, clock.instant(), version);
    }
}
