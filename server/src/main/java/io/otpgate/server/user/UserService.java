package io.otpgate.server.user;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;

/** Creates users, checks and changes passwords. */
@Service
public class UserService {

    private final UserRepository users;
    private final Passwords passwords;
    private final SecurityEvents events;
    private final SessionVersions sessions;
    private final Clock clock;

    UserService(UserRepository users, Passwords passwords, SecurityEvents events, SessionVersions sessions,
            Clock clock) {
        this.users = users;
        this.passwords = passwords;
        this.events = events;
        this.sessions = sessions;
        this.clock = clock;
    }

    /**
     * Creates an active user with a password and an empty profile.
     *
     * @throws OtpgateException INVALID for a bad username, email or password; CONFLICT if the username is taken
     */
    @Transactional
    public User create(NewUser user, CharSequence password) {
        String hash = hashNew(password);
        Instant now = clock.instant();
        long id;
        try {
            id = users.insert(user, hash, now, null, true, null);
        } catch (DuplicateKeyException e) {
            throw OtpgateException.conflict("user " + Texts.quote(user.username()) + " already exists");
        }
        users.insertProfile(id, Profile.of(user, now));
        events.record(SecurityEventKind.USER_CREATED, id, null, null,
                user.superuser() ? "superuser" : user.staff() ? "staff" : null);
        return users.findById(id).orElseThrow();
    }

    private String hashNew(CharSequence password) {
        try {
            return passwords.hash(password);
        } catch (IllegalArgumentException e) {
            throw OtpgateException.invalid(e.getMessage());
        }
    }

    /** The user of that name. @throws OtpgateException NOT_FOUND, worded as Django's management command words it */
    public User require(String username) {
        return find(username).orElseThrow(() -> OtpgateException.notFound(
                "User " + Texts.quote(username) + " does not exist"));
    }

    public Optional<User> find(String username) {
        return username == null ? Optional.empty() : users.findByUsername(username);
    }

    /**
     * Checks a username and password for a login by password alone, and records it: on success a Django hash is
     * replaced by an argon2id one and the last login is recorded ({@link #firstFactor}, then {@link #loggedIn}).
     *
     * @param clientAddress for the security log, or null
     * @return the user, if the password matches and the user is active
     */
    @Transactional
    public Optional<User> checkPassword(String username, CharSequence password, String clientAddress) {
        Optional<CheckedPassword> checked = firstFactor(username, password, clientAddress);
        checked.ifPresent(c -> loggedIn(c, clientAddress));
        return checked.flatMap(c -> users.findById(c.user().id()));
    }

    /**
     * Checks a username and password as the first of two factors. An unknown user costs as much as a wrong
     * password. A failure is recorded (LOGIN_FAILED); a success is not, since the login may still be refused: pass
     * the result to {@link #loggedIn} once the login is complete.
     *
     * @param clientAddress for the security log, or null
     * @return the user and the password that matched, if it matches and the user is active
     */
    @Transactional
    public Optional<CheckedPassword> firstFactor(String username, CharSequence password, String clientAddress) {
        Optional<User> user = find(username);
        String hash = user.flatMap(u -> users.passwordHash(u.id())).orElse(null);
        boolean matches = passwords.matches(password, hash);
        if (!matches || !user.get().active()) {
            events.record(SecurityEventKind.LOGIN_FAILED, user.map(User::id).orElse(null), null, clientAddress,
                    user.isEmpty() ? "unknown user" : matches ? "inactive user" : "wrong password");
            return Optional.empty();
        }
        return Optional.of(new CheckedPassword(user.get(), password, hash));
    }

    /**
     * Records a completed login: replaces a Django hash of the password by an argon2id one, sets the last login and
     * writes LOGIN_SUCCEEDED.
     */
    @Transactional
    public void loggedIn(CheckedPassword checked, String clientAddress) {
        long id = checked.user().id();
        if (passwords.needsUpgrade(checked.hash)
                && users.upgradePassword(id, checked.hash, passwords.rehash(checked.password))) {
            events.record(SecurityEventKind.PASSWORD_HASH_UPGRADED, id, null, clientAddress, "to argon2id");
        }
        users.updateLastLogin(id, clock.instant());
        events.record(SecurityEventKind.LOGIN_SUCCEEDED, id, null, clientAddress, null);
    }

    /** A password that {@link #firstFactor} found to match: only this class makes one. */
    public static final class CheckedPassword {
        private final User user;
        private final CharSequence password;
        private final String hash;

        private CheckedPassword(User user, CharSequence password, String hash) {
            this.user = user;
            this.password = password;
            this.hash = hash;
        }

        public User user() {
            return user;
        }

        @Override
        public String toString() {
            return "CheckedPassword[user " + user.id() + ", PROTECTED]";
        }
    }

    /**
     * Sets a new password and ends every session of the user (admin sessions and API tokens, on every instance).
     *
     * @throws OtpgateException INVALID for a bad password, NOT_FOUND for no such user
     */
    @Transactional
    public void setPassword(long userId, CharSequence password) {
        String hash = hashNew(password);
        if (!users.updatePassword(userId, hash)) {
            throw OtpgateException.notFound("no user with id " + userId);
        }
        events.record(SecurityEventKind.PASSWORD_CHANGED, userId, null, null, null);
        sessions.endAll(userId, SessionVersions.PASSWORD_CHANGED, null);
    }
}
