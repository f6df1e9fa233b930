package io.otpgate.spring.device;

import java.util.Locale;
import java.util.Optional;

/** The kinds of device, as django-otp's plugins: each has its own table. */
public enum DeviceKind {
    TOTP("otpgate_totp_device"),
    HOTP("otpgate_hotp_device"),
    /** Recovery codes (django-otp's static device). */
    STATIC("otpgate_static_device"),
    /**
     * Passkeys and security keys (WebAuthn credentials). A passkey proves the factor by a signed assertion, never
     * by a typed code: its plug-in offers no device to a code.
     */
    WEBAUTHN("otpgate_webauthn_device");

    private final String table;

    DeviceKind(String table) {
        this.table = table;
    }

    /** The table that holds devices of this kind (a constant: safe to put in SQL). */
    public String table() {
        return table;
    }

    /** The prefix of persistent ids: {@code totp}, {@code hotp}, {@code static}, {@code webauthn}. */
    public String prefix() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind whose {@link #prefix()} this is; empty for anything else. */
    public static Optional<DeviceKind> fromPrefix(String prefix) {
        for (DeviceKind kind : values()) {
            if (kind.prefix().equals(prefix)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
