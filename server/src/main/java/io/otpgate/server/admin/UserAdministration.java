package io.otpgate.server.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;
import io.otpgate.server.user.AccountService;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.OAuthProfile;
import io.otpgate.server.user.Passwords;
import io.otpgate.server.user.Profile;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;
import io.otpgate.server.user.UserService;

/**
 * What the admin panel's user pages do: create a user, change a user's fields, flags, profile, password and OAuth
 * profiles, with the panel's privilege rules:
 * <ul>
 * <li>only a superuser may grant or remove the staff or superuser flag (also when creating a user);</li>
 * <li>only a superuser may change a superuser (anyone on the panel may look);</li>
 * <li>a superuser is always staff;</li>
 * <li>nobody removes their own active, staff or superuser flag (they would lock themselves out).</li>
 * </ul>
 * Every change is recorded as a security event naming what changed (never a value of a secret), and who changed it.
 */
@Service
public class UserAdministration {

    /** Seed 004's {@code UserProfile.phone} length. */
    static final int MAX_PHONE = 64;

    /** Who asks: the logged-in admin, as read on this request, and the client's address. */
    public record Actor(User user, String clientAddress) {
    }

    /** The fields of a new user (the password goes apart, and never into a page). */
    public record Creation(String username, String email, String firstName, String lastName, boolean staff,
            boolean superuser) {

        static Creation empty() {
            return new Creation("", "", "", "", false, false);
        }
    }

    /**
     * A change from the user page. A null field was not sent and stays as it is: a form whose checkbox is
     * disabled sends nothing for it.
     *
     * @param powerAccountId as typed; must be a whole number
     */
    public record Change(String email, String firstName, String lastName, Boolean active, Boolean staff,
            Boolean superuser, String phone, String powerAccountId, String powerContactId) {
    }

    /** One OAuth profile as the page lists it: no credentials. */
    public record OAuthEntry(long id, String serviceName, String url) {
    }

    /** What the user page shows. */
    public record UserPage(User user, Profile profile, List<OAuthEntry> oauthProfiles, boolean secondFactor) {
    }

    private final UserService userService;
    private final UserRepository users;
    private final AccountService accounts;
    private final DeviceService devices;
    private final SessionVersions sessions;
    private final SecurityEvents events;

    UserAdministration(UserService userService, UserRepository users, AccountService accounts,
            DeviceService devices, SessionVersions sessions, SecurityEvents events) {
        this.userService = userService;
        this.users = users;
        this.accounts = accounts;
        this.devices = devices;
        this.sessions = sessions;
        this.events = events;
    }

    /** Whether the actor may change the user (its fields, password and OAuth profiles). */
    static boolean mayChange(User actor, User user) {
        return actor.superuser() || !user.superuser();
    }

    /**
     * Creates an active user.
     *
     * @throws OtpgateException FORBIDDEN if a non-superuser sets a flag; INVALID for a bad field or password, or
     *     passwords that differ; CONFLICT if the username is taken
     */
    @Transactional
    public User create(Actor actor, Creation user, String password, String repeated) {
        if (!actor.user().superuser() && (user.staff() || user.superuser())) {
            throw OtpgateException.forbidden("Only a superuser may create a staff user or a superuser.");
        }
        checkSuperuserIsStaff(user.staff(), user.superuser());
        NewUser checked;
        try {
            checked = new NewUser(user.username(), user.email(), user.firstName(), user.lastName(), user.staff(),
                    user.superuser());
        } catch (IllegalArgumentException e) {
            throw OtpgateException.invalid(capitalized(e.getMessage()));
        }
        checkNewPassword(password, repeated);
        User created = userService.create(checked, password);
        events.record(SecurityEventKind.USER_CHANGED, created.id(), null, actor.clientAddress(),
                "created" + by(actor));
        return created;
    }

    /** @throws OtpgateException NOT_FOUND if there is no such user */
    @Transactional(readOnly = true)
    public UserPage page(long userId) {
        AccountService.Account account = accounts.account(userId);
        List<OAuthEntry> oauth = account.oauthProfiles().stream()
                .map(p -> new OAuthEntry(p.id(), p.serviceName(), p.url())).toList();
        return new UserPage(account.user(), account.profile(), oauth, devices.hasConfirmedDevice(userId));
    }

    /**
     * Applies a change to a user and its profile, all or nothing.
     *
     * @return what changed, in words (empty if nothing did)
     * @throws OtpgateException NOT_FOUND; FORBIDDEN under the privilege rules; INVALID for a bad value or a
     *     superuser without staff; CONFLICT for removing one's own flag
     */
    @Transactional
    public List<String> update(Actor actor, long userId, Change change) {
        User user = lockForChange(actor, userId);
        boolean active = pick(change.active(), user.active());
        boolean staff = pick(change.staff(), user.staff());
        boolean superuser = pick(change.superuser(), user.superuser());
        if (!actor.user().superuser() && (staff != user.staff() || superuser != user.superuser())) {
            throw OtpgateException.forbidden("Only a superuser may grant or remove the staff or superuser flag.");
        }
        checkSuperuserIsStaff(staff, superuser);
        if (user.id() == actor.user().id() && (user.active() && !active || user.staff() && !staff
                || user.superuser() && !superuser)) {
            throw OtpgateException.conflict("You cannot remove your own active, staff or superuser flag: you would "
                    + "lock yourself out. Ask another superuser.");
        }
        NewUser checked;
        try {
            // NewUser holds the rules of the email and the names; the username is not changed here.
            checked = new NewUser("unchanged", pick(change.email(), user.email()),
                    pick(change.firstName(), user.firstName()), pick(change.lastName(), user.lastName()), staff,
                    superuser);
        } catch (IllegalArgumentException e) {
            throw OtpgateException.invalid(capitalized(e.getMessage()));
        }
        Profile profile = users.findProfile(userId).orElse(null);
        String currentPhone = profile == null ? "" : profile.phone();
        int currentAccount = profile == null ? 0 : profile.powerAccountId();
        int currentContact = profile == null ? 0 : profile.powerContactId();
        String phone = change.phone() == null ? currentPhone : change.phone().strip();
        if (phone.length() > MAX_PHONE) {
            throw OtpgateException.invalid("The phone number must be at most " + MAX_PHONE + " characters.");
        }
        int powerAccountId = number("power account id", change.powerAccountId(), currentAccount);
        int powerContactId = number("power contact id", change.powerContactId(), currentContact);

        List<String> userChanges = new ArrayList<>();
        field(userChanges, "email", user.email(), checked.email());
        field(userChanges, "first name", user.firstName(), checked.firstName());
        field(userChanges, "last name", user.lastName(), checked.lastName());
        flag(userChanges, user.active(), active, "activated", "deactivated");
        flag(userChanges, user.staff(), staff, "staff granted", "staff removed");
        flag(userChanges, user.superuser(), superuser, "superuser granted", "superuser removed");
        List<String> profileChanges = new ArrayList<>();
        field(profileChanges, "phone", currentPhone, phone);
        field(profileChanges, "power account id", currentAccount, powerAccountId);
        field(profileChanges, "power contact id", currentContact, powerContactId);
        if (!userChanges.isEmpty()) {
            users.updateUser(userId, checked.email(), checked.firstName(), checked.lastName(), active, staff,
                    superuser);
        }
        if (user.active() && !active) {
            // Ended for good: making the user active again does not bring the sessions back.
            sessions.endAll(userId, SessionVersions.DEACTIVATED + by(actor), actor.clientAddress());
        }
        if (!profileChanges.isEmpty()) {
            accounts.updateProfile(userId, new AccountService.ProfileChange(null, phone, null, null, powerAccountId,
                    powerContactId));
        }
        List<String> changed = new ArrayList<>(userChanges);
        changed.addAll(profileChanges);
        if (!changed.isEmpty()) {
            events.record(SecurityEventKind.USER_CHANGED, userId, null, actor.clientAddress(),
                    String.join(", ", changed) + by(actor));
        }
        return changed;
    }

    /**
     * Sets a user's password ({@link UserService#setPassword} records it as {@code PASSWORD_CHANGED}).
     *
     * @throws OtpgateException NOT_FOUND; FORBIDDEN for a non-superuser and a superuser; INVALID for a password
     *     that breaks the rules or passwords that differ
     */
    @Transactional
    public void setPassword(Actor actor, long userId, String password, String repeated) {
        lockForChange(actor, userId);
        checkNewPassword(password, repeated);
        userService.setPassword(userId, password);
    }

    /**
     * Ends every session of a user: their admin sessions and API tokens, on every instance ("log out everywhere";
     * the actor's own sessions too when the user is the actor).
     *
     * @throws OtpgateException NOT_FOUND; FORBIDDEN for a non-superuser and a superuser
     */
    @Transactional
    public void endSessions(Actor actor, long userId) {
        lockForChange(actor, userId);
        sessions.endAll(userId, SessionVersions.LOG_OUT_EVERYWHERE + by(actor), actor.clientAddress());
    }

    /**
     * Adds an OAuth profile to a user; the credentials are sealed at rest.
     *
     * @throws OtpgateException NOT_FOUND; FORBIDDEN for a non-superuser and a superuser; INVALID for a missing or
     *     too long field or a URL that is not http(s)
     */
    @Transactional
    public OAuthEntry addOAuthProfile(Actor actor, long userId, String serviceName, String url,
            String credentials) {
        lockForChange(actor, userId);
        OAuthProfile added = accounts.addOAuthProfile(userId, serviceName, url, credentials);
        events.record(SecurityEventKind.USER_CHANGED, userId, null, actor.clientAddress(),
                "OAuth profile " + added.id() + " added" + by(actor));
        return new OAuthEntry(added.id(), added.serviceName(), added.url());
    }

    /** @throws OtpgateException NOT_FOUND unless the user has that OAuth profile; FORBIDDEN as for a change */
    @Transactional
    public void deleteOAuthProfile(Actor actor, long userId, long oauthId) {
        lockForChange(actor, userId);
        try {
            accounts.deleteOAuthProfile(userId, oauthId);
        } catch (OtpgateException e) {
            throw OtpgateException.notFound("This user has no OAuth profile " + oauthId + ".");
        }
        events.record(SecurityEventKind.USER_CHANGED, userId, null, actor.clientAddress(),
                "OAuth profile " + oauthId + " removed" + by(actor));
    }

    /**
     * The user, if the actor may change it (for the password form).
     *
     * @throws OtpgateException NOT_FOUND, or FORBIDDEN for a non-superuser and a superuser
     */
    @Transactional(readOnly = true)
    public User changeable(Actor actor, long userId) {
        User user = users.findById(userId).orElseThrow(() -> noSuchUser(userId));
        checkMayChange(actor, user);
        return user;
    }

    /** The user, locked until the transaction ends, if the actor may change it. */
    private User lockForChange(Actor actor, long userId) {
        if (!users.lock(userId)) {
            throw noSuchUser(userId);
        }
        User user = users.findById(userId).orElseThrow();
        checkMayChange(actor, user);
        return user;
    }

    private static void checkMayChange(Actor actor, User user) {
        if (!mayChange(actor.user(), user)) {
            throw OtpgateException.forbidden("Only a superuser may change a superuser.");
        }
    }

    private static OtpgateException noSuchUser(long userId) {
        return OtpgateException.notFound("There is no user with id " + userId + ".");
    }

    private static void checkSuperuserIsStaff(boolean staff, boolean superuser) {
        if (superuser && !staff) {
            throw OtpgateException.invalid("A superuser must also be staff: tick both, or neither.");
        }
    }

    private static void checkNewPassword(String password, String repeated) {
        try {
            Passwords.check(password);
        } catch (IllegalArgumentException e) {
            throw OtpgateException.invalid(capitalized(e.getMessage()));
        }
        if (!password.equals(repeated)) {
            throw OtpgateException.invalid("The two passwords differ.");
        }
    }

    private static int number(String field, String typed, int current) {
        if (typed == null) {
            return current;
        }
        try {
            return Integer.parseInt(typed.strip());
        } catch (NumberFormatException e) {
            throw OtpgateException.invalid("The " + field + " must be a whole number from " + Integer.MIN_VALUE
                    + " to " + Integer.MAX_VALUE + ".");
        }
    }

    private static void field(List<String> changed, String name, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            changed.add(name);
        }
    }

    private static void flag(List<String> changed, boolean before, boolean after, String granted, String removed) {
        if (before != after) {
            changed.add(after ? granted : removed);
        }
    }

    private static String by(Actor actor) {
        return "; by " + Texts.quote(actor.user().username());
    }

    private static <T> T pick(T change, T current) {
        return change != null ? change : current;
    }

    private static String capitalized(String message) {
        return message.isEmpty() ? message : Character.toUpperCase(message.charAt(0)) + message.substring(1) + ".";
    }
}
