package io.otpgate.spring.device;

import java.time.Duration;
import java.time.Instant;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.otpgate.core.Throttle;

/**
 * How second-factor attempts are limited ({@code otpgate.verification.*}).
 *
 * @param throttleFactor the first delay after a failure, doubled after each further one (django-otp's
 *     {@code OTP_*_THROTTLE_FACTOR}, 1 s); per device
 * @param accountFailureLimit consecutive failures across all of an account's devices after which its second
 *     factor is locked, 1..100
 * @param accountLockDuration how long that lock lasts; zero means until an operator runs {@code unlock}
 * @param failureMemory how long a code refused from an unfamiliar address counts towards the account's wait (a
 *     success elsewhere does not forgive it); 30 days
 * @param familiarFor how long an address stays familiar after the user last passed the factor from it; 30 days
 * @param forgiveWithin a success forgives the failures from its own address made this long before it (the owner's
 *     mistypes); 10 minutes
 */
@ConfigurationProperties("otpgate.verification")
public record VerificationProperties(@DefaultValue("1s") Duration throttleFactor,
        @DefaultValue("100") int accountFailureLimit, @DefaultValue("24h") Duration accountLockDuration,
        @DefaultValue("30d") Duration failureMemory, @DefaultValue("30d") Duration familiarFor,
        @DefaultValue("10m") Duration forgiveWithin) {

    /** When a lock that began at {@code lockedAt} ends by itself, or null if only an operator lifts it. */
    public Instant accountLockEnd(Instant lockedAt) {
        return accountLockDuration.isZero() ? null : lockedAt.plus(accountLockDuration);
    }

    public VerificationProperties {
        if (throttleFactor.isNegative() || throttleFactor.isZero()) {
            throw new IllegalArgumentException("otpgate.verification.throttle-factor must be positive, got "
                    + throttleFactor);
        }
        if (accountFailureLimit < 1 || accountFailureLimit > Throttle.MAX_HARD_LIMIT) {
            throw new IllegalArgumentException("otpgate.verification.account-failure-limit must be 1.."
                    + Throttle.MAX_HARD_LIMIT + ", got " + accountFailureLimit);
        }
        positive("failure-memory", failureMemory);
        positive("familiar-for", familiarFor);
        if (forgiveWithin.isNegative()) {
            throw new IllegalArgumentException("otpgate.verification.forgive-within must be 0 or more, got "
                    + forgiveWithin);
        }
        if (accountLockDuration.isNegative()) {
            throw new IllegalArgumentException("otpgate.verification.account-lock-duration must be 0 or more, got "
                    + accountLockDuration);
        }
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("otpgate.verification." + name + " must be positive, got " + value);
        }
    }

    public Throttle throttle() {
        return Throttle.exponential(throttleFactor);
    }
}
