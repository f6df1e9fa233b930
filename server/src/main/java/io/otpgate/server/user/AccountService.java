package io.otpgate.server.user;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.system.OtpgateException;

/**
 * A user's own account through the REST API: the Django REST project's user, profile and OAuth profiles (the user is
 * always the caller; no one reaches another user's account here).
 */
@Service
public class AccountService {

    /** Seed 004's {@code UserOauthProfile.oauth_service_name} length. */
    public static final int MAX_SERVICE_NAME = 100;
    /** Django's {@code URLField} length. */
    public static final int MAX_URL = 200;
    public static final int MAX_CREDENTIALS = 10_000;

    private final UserRepository users;
    private final OAuthProfileRepository oauthProfiles;
    private final DeviceService devices;
    private final Clock clock;

    AccountService(UserRepository users, OAuthProfileRepository oauthProfiles, DeviceService devices, Clock clock) {
        this.users = users;
        this.devices = devices;
        this.oauthProfiles = oauthProfiles;
        this.clock = clock;
    }

    /**
     * The account: the user, the profile and the OAuth profiles.
     *
     * @param profileId the profile row's id
     */
    public record Account(User user, long profileId, Profile profile, List<OAuthProfile> oauthProfiles) {
    }

    /** The editable fields of a profile; a null field is left as it is. */
    public record ProfileChange(String email, String phone, String firstName, String lastName, Integer powerAccountId,
            Integer powerContactId) {
    }

    /**
     * One query, without a transaction of its own (it is read on every {@code /api/me}, and a read-only
     * transaction's begin, commit and clean-up cost more than the read).
     *
     * @throws OtpgateException NOT_FOUND if the user is gone
     */
    public Account account(long userId) {
        UserRepository.UserWithProfile found = users.findWithProfile(userId)
                .orElseThrow(() -> OtpgateException.notFound("no such user"));
        User user = found.user();
        UserRepository.ProfileRow row = found.profile() != null ? found.profile()
                : new UserRepository.ProfileRow(0, emptyProfile(user));
        return new Account(user, row.id(), row.profile(),
                found.oauthProfiles().stream().map(sealed -> oauthProfiles.open(userId, sealed)).toList());
    }

    /** Applies a change to the profile (creating it if the user had none) and sets {@code updated_at}. */
    @Transactional
    public Account updateProfile(long userId, ProfileChange change) {
        User user = users.findById(userId).orElseThrow(() -> OtpgateException.notFound("no such user"));
        Instant now = clock.instant();
        Profile current = users.findProfile(userId).orElse(null);
        if (current == null) {
            current = emptyProfile(user);
            users.insertProfile(userId, current);
        }
        Profile changed = new Profile(pick(change.email(), current.email()), pick(change.phone(), current.phone()),
                pick(change.firstName(), current.firstName()), pick(change.lastName(), current.lastName()),
                current.createdAt(), now, pick(change.powerAccountId(), current.powerAccountId()),
                pick(change.powerContactId(), current.powerContactId()), current.otpEnabled());
        users.updateProfile(userId, changed, now);
        return account(userId);
    }

    /**
     * Adds an OAuth profile; the credentials are sealed at rest.
     *
     * @throws OtpgateException INVALID for an empty or too long field, or a URL that is not http(s)
     */
    @Transactional
    public OAuthProfile addOAuthProfile(long userId, String serviceName, String url, String credentials) {
        require("oauth_service_name", serviceName, MAX_SERVICE_NAME);
        require("oauth_url", url, MAX_URL);
        require("oauth_credentials", credentials, MAX_CREDENTIALS);
        checkUrl(url);
        long id = oauthProfiles.insert(userId, serviceName, url, credentials);
        return new OAuthProfile(id, userId, serviceName, url, credentials);
    }

    public List<OAuthProfile> oauthProfiles(long userId) {
        return oauthProfiles.findByUser(userId);
    }

    /** @throws OtpgateException NOT_FOUND unless the user has that profile */
    @Transactional
    public void deleteOAuthProfile(long userId, long id) {
        if (!oauthProfiles.delete(userId, id)) {
            throw OtpgateException.notFound("Not found.");
        }
    }

    /**
     * The profile of a user who has no profile row (imported without one): its {@code is_otp_enabled} follows the
     * devices, as the flag of a stored profile does.
     */
    private Profile emptyProfile(User user) {
        Instant joined = user.dateJoined();
        boolean otpEnabled = devices.hasConfirmed(user.id(),
                EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP, DeviceKind.WEBAUTHN));
        return new Profile(user.email(), "", user.firstName(), user.lastName(), joined, joined, 0, 0, otpEnabled);
    }

    private static void require(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            throw OtpgateException.invalid("`" + field + "` is required");
        }
        if (value.length() > max) {
            throw OtpgateException.invalid("`" + field + "` must be at most " + max + " characters");
        }
    }

    private static void checkUrl(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("http")
                    || uri.getScheme().equalsIgnoreCase("https")) || uri.getHost() == null) {
                throw OtpgateException.invalid("`oauth_url` must be an http or https URL");
            }
        } catch (URISyntaxException e) {
            throw OtpgateException.invalid("`oauth_url` must be an http or https URL");
        }
    }

    private static <T> T pick(T change, T current) {
        return change != null ? change : current;
    }
}
