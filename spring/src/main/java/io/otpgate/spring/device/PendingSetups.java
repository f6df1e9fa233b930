package io.otpgate.spring.device;

/**
 * Which unconfirmed devices (pending setups) a verification may try, and so confirm with their first code. A setup
 * older than {@link EnrolmentProperties#pendingLifetime()} is never tried.
 */
public enum PendingSetups {
    /** None: the code proves an existing second factor (a login). */
    NONE,
    /**
     * Those of a user who has no confirmed device yet: a session that proved only the password. Once a user has a
     * confirmed device, a setup is confirmed only by a session that proved it, so that a password alone never
     * adds a second factor, not even one planted before the user enrolled.
     */
    WHILE_NO_CONFIRMED_DEVICE,
    /** Any: a session that proved the user's second factor, or an operator acting for the user. */
    ANY
}
