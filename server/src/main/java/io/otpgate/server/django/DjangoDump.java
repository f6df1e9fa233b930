package io.otpgate.server.django;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.ThrottleState;
import io.otpgate.core.Totp;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.Profile;

/**
 * What a Django dump holds, each object checked on its own as it was read ({@link DjangoDumpReader}); the
 * references between objects are checked by {@link #checkReferences()}. Keys are Django primary keys. Holds
 * secrets (TOTP and HOTP keys, static tokens, OAuth credentials): no {@code toString} shows them.
 */
final class DjangoDump {

    /** An {@code auth.user}. */
    record User(long pk, NewUser user, String passwordHash, boolean usablePassword, boolean active,
            Instant dateJoined, Instant lastLogin) {

        @Override
        public String toString() {
            return "User[pk " + pk + ", " + Texts.quote(user.username()) + ", password PROTECTED]";
        }
    }

    /** An {@code otp_totp.totpdevice}. */
    record TotpDevice(long pk, long userPk, String name, boolean confirmed, OtpSecret key, Totp settings,
            int tolerance, int drift, long lastStep, ThrottleState throttle, Instant createdAt) {
    }

    /** An {@code otp_hotp.hotpdevice}. */
    record HotpDevice(long pk, long userPk, String name, boolean confirmed, OtpSecret key, Hotp settings,
            int tolerance, long counter, ThrottleState throttle, Instant createdAt) {
    }

    /** An {@code otp_static.staticdevice}. */
    record StaticDevice(long pk, long userPk, String name, boolean confirmed, ThrottleState throttle,
            Instant createdAt) {
    }

    /** An {@code otp_static.statictoken}: a recovery code in clear, until it is digested on import. */
    record StaticToken(long pk, long devicePk, String token) {

        @Override
        public String toString() {
            return "StaticToken[pk " + pk + ", device " + devicePk + ", token PROTECTED]";
        }
    }

    /** An {@code accounts.userprofile}. */
    record UserProfile(long pk, long userPk, Profile profile) {
    }

    /** An {@code accounts.useroauthprofile}. */
    record OAuthProfile(long pk, long userPk, String serviceName, String url, String credentials) {

        @Override
        public String toString() {
            return "OAuthProfile[pk " + pk + ", user " + userPk + ", credentials PROTECTED]";
        }
    }

    final Map<Long, User> users = new LinkedHashMap<>();
    final Map<Long, TotpDevice> totpDevices = new LinkedHashMap<>();
    final Map<Long, HotpDevice> hotpDevices = new LinkedHashMap<>();
    final Map<Long, StaticDevice> staticDevices = new LinkedHashMap<>();
    final Map<Long, StaticToken> staticTokens = new LinkedHashMap<>();
    final Map<Long, UserProfile> profiles = new LinkedHashMap<>();
    final Map<Long, OAuthProfile> oauthProfiles = new LinkedHashMap<>();
    /** Objects and relations left out, by model name (and {@code auth.user.groups} and the like), in name order. */
    final Map<String, Long> ignored = new TreeMap<>();
    long objectsRead;

    void add(User user) {
        put(users, user.pk(), user, DjangoDumpReader.USER);
    }

    void add(TotpDevice device) {
        put(totpDevices, device.pk(), device, DjangoDumpReader.TOTP_DEVICE);
    }

    void add(HotpDevice device) {
        put(hotpDevices, device.pk(), device, DjangoDumpReader.HOTP_DEVICE);
    }

    void add(StaticDevice device) {
        put(staticDevices, device.pk(), device, DjangoDumpReader.STATIC_DEVICE);
    }

    void add(StaticToken token) {
        put(staticTokens, token.pk(), token, DjangoDumpReader.STATIC_TOKEN);
    }

    void add(UserProfile profile) {
        put(profiles, profile.pk(), profile, DjangoDumpReader.USER_PROFILE);
    }

    void add(OAuthProfile profile) {
        put(oauthProfiles, profile.pk(), profile, DjangoDumpReader.OAUTH_PROFILE);
    }

    void ignore(String what, long count) {
        ignored.merge(what, count, Long::sum);
    }

    private static <T> void put(Map<Long, T> map, long pk, T value, String model) {
        if (map.putIfAbsent(pk, value) != null) {
            throw OtpgateException.invalid(model + " pk " + pk + " appears twice in the dump");
        }
    }

    /**
     * Checks what the objects say of each other: every device, token and profile belongs to a user (or device) of
     * the dump, usernames are unique, a user has at most one profile, and a static device has no token twice.
     *
     * @throws OtpgateException INVALID naming the first object at fault
     */
    void checkReferences() {
        Map<String, Long> usernames = new HashMap<>();
        for (User user : users.values()) {
            Long other = usernames.putIfAbsent(user.user().username(), user.pk());
            if (other != null) {
                throw OtpgateException.invalid(DjangoDumpReader.USER + " pk " + user.pk() + ": username "
                        + Texts.quote(user.user().username()) + " is also the username of pk " + other);
            }
        }
        totpDevices.values().forEach(d -> requireUser(DjangoDumpReader.TOTP_DEVICE, d.pk(), d.userPk()));
        hotpDevices.values().forEach(d -> requireUser(DjangoDumpReader.HOTP_DEVICE, d.pk(), d.userPk()));
        staticDevices.values().forEach(d -> requireUser(DjangoDumpReader.STATIC_DEVICE, d.pk(), d.userPk()));
        oauthProfiles.values().forEach(p -> requireUser(DjangoDumpReader.OAUTH_PROFILE, p.pk(), p.userPk()));
        Map<Long, Long> profileOfUser = new HashMap<>();
        for (UserProfile profile : profiles.values()) {
            requireUser(DjangoDumpReader.USER_PROFILE, profile.pk(), profile.userPk());
            Long other = profileOfUser.putIfAbsent(profile.userPk(), profile.pk());
            if (other != null) {
                throw OtpgateException.invalid(DjangoDumpReader.USER_PROFILE + " pk " + profile.pk() + ": user "
                        + profile.userPk() + " already has the profile pk " + other);
            }
        }
        Set<String> tokensSeen = new HashSet<>();
        for (StaticToken token : staticTokens.values()) {
            if (!staticDevices.containsKey(token.devicePk())) {
                throw OtpgateException.invalid(DjangoDumpReader.STATIC_TOKEN + " pk " + token.pk() + ": device "
                        + token.devicePk() + " is not an " + DjangoDumpReader.STATIC_DEVICE + " of the dump");
            }
            if (!tokensSeen.add(token.devicePk() + ":" + DjangoDumpReader.tokenForm(token.token()))) {
                throw OtpgateException.invalid(DjangoDumpReader.STATIC_TOKEN + " pk " + token.pk()
                        + ": its device " + token.devicePk() + " has the same token twice");
            }
        }
    }

    private void requireUser(String model, long pk, long userPk) {
        if (!users.containsKey(userPk)) {
            throw OtpgateException.invalid(model + " pk " + pk + ": user " + userPk + " is not an "
                    + DjangoDumpReader.USER + " of the dump");
        }
    }

    /** The tokens of each static device, by device pk. */
    Map<Long, List<StaticToken>> tokensByDevice() {
        Map<Long, List<StaticToken>> byDevice = new HashMap<>();
        staticTokens.values().forEach(t -> byDevice.computeIfAbsent(t.devicePk(), pk -> new ArrayList<>()).add(t));
        return byDevice;
    }
}
