package io.otpgate.spring.device;

import java.time.Instant;

/**
 * Told when a user's second factor is switched on (a first device confirmed) or off (the last confirmed device
 * removed), in the transaction that did it: an application keeps its own flag with it (the Django project's profile
 * {@code is_otp_enabled}).
 */
@FunctionalInterface
public interface SecondFactorListener {

    /**
     * @param enabled whether the user now has a confirmed device
     */
    void secondFactorChanged(long accountId, boolean enabled, Instant at);
}
