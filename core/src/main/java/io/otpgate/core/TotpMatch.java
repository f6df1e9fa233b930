package io.otpgate.core;

/**
 * The time step whose code matched, and the device's drift measured by it.
 *
 * @param step the matched time step, drift included; store it as the device's last used step
 * @param drift the device's new drift in steps (django-otp's {@code drift}): how far the authenticator's clock is
 *     from ours, to be stored so that the window follows it
 */
public record TotpMatch(long step, int drift) {

    /** The lowest step to accept next time (django-otp's {@code last_t + 1}): a used code is never accepted again. */
    public long nextMinStep() {
        return step + 1;
    }
}
