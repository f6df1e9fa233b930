package io.otpgate.spring.device;

import java.util.Optional;

/**
 * A device by kind and id, written as an opaque persistent id such as {@code totp/42} (what tokens and the
 * security log carry; django-otp's {@code persistent_id}).
 */
public record DeviceRef(DeviceKind kind, long id) {

    public String persistentId() {
        return kind.prefix() + "/" + id;
    }

    /** Parses a persistent id; empty for anything else, without throwing. */
    public static Optional<DeviceRef> parse(String persistentId) {
        if (persistentId == null || persistentId.length() > 40) {
            return Optional.empty();
        }
        int slash = persistentId.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        String prefix = persistentId.substring(0, slash);
        String digits = persistentId.substring(slash + 1);
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        return DeviceKind.fromPrefix(prefix).map(kind -> new DeviceRef(kind, Long.parseLong(digits)));
    }

    @Override
    public String toString() {
        return persistentId();
    }
}
