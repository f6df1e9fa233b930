package io.otpgate.spring.audit;

/** What happened. Stored by name (at most 40 characters). */
public enum SecurityEventKind {
    USER_CREATED,
    /** An administrator changed a user's fields, flags, profile or OAuth profiles (the detail names which). */
    USER_CHANGED,
    PASSWORD_CHANGED,
    PASSWORD_HASH_UPGRADED,
    LOGIN_SUCCEEDED,
    LOGIN_FAILED,
    /** A one-time code or recovery code was accepted. */
    OTP_VERIFIED,
    /** A code was checked and refused. */
    OTP_FAILED,
    /**
     * A code that was accepted already came again within its window (a double submit, or a relayed code): refused,
     * not counted as a failure. A metric only, so that replaying one code in a loop cannot fill the log.
     */
    OTP_REPLAYED,
    /** A code arrived during a device's throttling delay and was not checked. */
    OTP_THROTTLED,
    /** A code arrived while the account's second factor was locked and was not checked. */
    OTP_REFUSED_LOCKED,
    /** The account reached its limit of consecutive second-factor failures. */
    ACCOUNT_LOCKED,
    ACCOUNT_UNLOCKED,
    DEVICE_ADDED,
    DEVICE_CONFIRMED,
    DEVICE_REMOVED,
    RECOVERY_CODES_ISSUED,
    /** An operator removed every device of a user (a lost phone). */
    SECOND_FACTOR_RESET,
    KEY_ROTATED,
    /** A login was refused without checking the password: too many recent failures for the name or address. */
    LOGIN_THROTTLED,
    /** A refresh token was blacklisted (a logout). */
    LOGGED_OUT,
    /** A spent or revoked refresh token was presented again: its whole session was revoked. */
    REFRESH_TOKEN_REPLAYED,
    DJANGO_IMPORTED,
    /**
     * A user passed the second factor after wrong codes had been tried since their previous success (the detail
     * gives how many): someone else knows their password. Recorded with the success, and told to the user.
     */
    WRONG_CODES_REPORTED,
    /** Every session of a user was ended (the detail says why: a password change, a reset, log out everywhere...). */
    SESSIONS_ENDED,
    /** A user chose "don't ask again on this browser" after a second factor (the detail describes the browser). */
    TRUSTED_BROWSER_ADDED,
    /** A user or an operator revoked trusted browsers (the detail says how many). */
    TRUSTED_BROWSER_REVOKED
}
