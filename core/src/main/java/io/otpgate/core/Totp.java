package io.otpgate.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * TOTP (RFC 6238): HOTP of the time step {@code floor((now - t0) / period)}. Immutable and thread-safe; time is
 * always an argument.
 *
 * <pre>{@code
 * Totp totp = Totp.builder().algorithm(HmacAlgorithm.SHA1).digits(6).period(Duration.ofSeconds(30)).build();
 * Optional<TotpMatch> match = totp.verify(secret, code, clock.instant(), 1, device.drift(), device.lastStep() + 1);
 * match.ifPresent(m -> device.record(m.step(), m.drift()));
 * }</pre>
 */
public final class Totp {

    /** A bound on the window, so that a configuration mistake cannot accept most of a day's codes. */
    public static final int MAX_WINDOW = 10;

    /** {@code minStep} value meaning "no lower bound": no code has been used yet. */
    public static final long NO_MIN_STEP = Long.MIN_VALUE;

    private final HmacAlgorithm algorithm;
    private final int digits;
    private final long periodSeconds;
    private final long t0;
    /** TOTP is HOTP of the time step (RFC 6238 §4.2). */
    private final Hotp hotp;

    private Totp(Builder builder) {
        this.algorithm = Inputs.notNull(builder.algorithm, "algorithm");
        this.digits = Codes.checkDigits(builder.digits);
        this.periodSeconds = builder.periodSeconds;
        this.t0 = builder.t0;
        this.hotp = Hotp.of(algorithm, digits);
    }

    /** HmacSHA1, 6 digits, 30 seconds, t0 = 0: RFC 6238's, Google Authenticator's and django-otp's defaults. */
    public static Totp defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public HmacAlgorithm algorithm() {
        return algorithm;
    }

    public int digits() {
        return digits;
    }

    public Duration period() {
        return Duration.ofSeconds(periodSeconds);
    }

    /** The Unix time in seconds from which steps are counted (RFC 6238's T0). */
    public long t0() {
        return t0;
    }

    /**
     * The time step at {@code now}, without drift.
     *
     * @throws IllegalArgumentException if now is before t0
     */
    public long step(Instant now) {
        long seconds = Inputs.notNull(now, "now").getEpochSecond() - t0;
        if (seconds < 0) {
            throw new IllegalArgumentException("now must not be before t0 (" + t0 + "), got " + now);
        }
        return seconds / periodSeconds;
    }

    /** The code shown at {@code now} by an authenticator whose clock agrees with ours. */
    public String generate(OtpSecret secret, Instant now) {
        return generateAtStep(secret, step(now));
    }

    /** The code of a time step (RFC 6238's T). */
    public String generateAtStep(OtpSecret secret, long step) {
        Inputs.notNull(secret, "secret");
        if (step < 0) {
            throw new IllegalArgumentException("step must be 0 or more, got " + step);
        }
        return hotp.generate(secret, step);
    }

    /**
     * Checks a code at {@code now} with a window of steps before and after, for a device without drift that has
     * not used a code yet.
     *
     * @see #verify(OtpSecret, String, Instant, int, int, long)
     */
    public Optional<TotpMatch> verify(OtpSecret secret, String code, Instant now, int window) {
        return verify(secret, code, now, window, 0, NO_MIN_STEP);
    }

    /**
     * Checks a code as django-otp's {@code TOTP.verify(token, tolerance, min_t)} does: the steps
     * {@code step(now) + drift + offset} for every offset from {@code -window} to {@code +window} are candidates,
     * except those below {@code minStep}. The current step ({@code offset = 0}) is tried first, then offsets -1, +1,
     * -2, +2 and so on, so that the usual case costs one HMAC. Codes are compared in constant time.
     *
     * @param code what the user typed; a null, or anything but exactly {@code digits} ASCII digits, is refused
     *     before any HMAC is computed
     * @param now the current time
     * @param window steps accepted before and after the expected one (django-otp's {@code tolerance}),
     *     0..{@value #MAX_WINDOW}
     * @param drift the device's stored drift in steps (django-otp's {@code drift})
     * @param minStep the lowest acceptable step, normally the device's last used step + 1 (django-otp's
     *     {@code last_t + 1}); {@link #NO_MIN_STEP} when no code was used yet
     * @return the matched step and the device's new drift ({@code drift + offset}), or empty
     * @throws IllegalArgumentException if now is before t0 or the window is out of range
     */
    public Optional<TotpMatch> verify(OtpSecret secret, String code, Instant now, int window, int drift,
            long minStep) {
        Inputs.notNull(secret, "secret");
        Inputs.inRange(window, 0, MAX_WINDOW, "window");
        long expected = step(now) + drift;
        byte[] typed = Codes.parse(code, digits);
        if (typed == null) {
            return Optional.empty();
        }
        OathEngine engine = null;
        try {
            for (int i = 0; i <= 2 * window; i++) {
                int offset = (i & 1) == 0 ? i / 2 : -(i + 1) / 2;  // 0, -1, +1, -2, +2, ...
                long step = expected + offset;
                if (step < minStep || step < 0) {
                    continue;
                }
                if (engine == null) {
                    engine = algorithm.engines.borrow();
                    engine.init(secret);
                }
                if (engine.matches(step, typed)) {
                    return Optional.of(new TotpMatch(step, drift + offset));
                }
            }
            return Optional.empty();
        } finally {
            if (engine != null) {
                algorithm.engines.release(engine);
            }
        }
    }

    /** The period in seconds, if it is whole seconds in 1..3600. */
    static long checkPeriod(Duration period) {
        Inputs.notNull(period, "period");
        if (period.getNano() != 0 || period.getSeconds() < 1 || period.getSeconds() > 3600) {
            throw new IllegalArgumentException("period must be whole seconds in 1..3600, got " + period);
        }
        return period.getSeconds();
    }

    @Override
    public String toString() {
        return "Totp[" + algorithm + ", " + digits + " digits, period " + periodSeconds + "s, t0 " + t0 + "]";
    }

    /** Builds a {@link Totp}; every setting starts at RFC 6238's default. */
    public static final class Builder {

        private HmacAlgorithm algorithm = HmacAlgorithm.SHA1;
        private int digits = 6;
        private long periodSeconds = 30;
        private long t0;

        private Builder() {
        }

        public Builder algorithm(HmacAlgorithm algorithm) {
            this.algorithm = Inputs.notNull(algorithm, "algorithm");
            return this;
        }

        /** 6..8; checked by {@link #build()}. */
        public Builder digits(int digits) {
            this.digits = digits;
            return this;
        }

        /** The time step (RFC 6238's X, django-otp's {@code step}): whole seconds, 1 s to 1 h. */
        public Builder period(Duration period) {
            this.periodSeconds = checkPeriod(period);
            return this;
        }

        /** The Unix time in seconds at which step 0 begins (RFC 6238's T0, django-otp's {@code t0}), 0 or more. */
        public Builder t0(long t0) {
            if (t0 < 0) {
                throw new IllegalArgumentException("t0 must be 0 or more, got " + t0);
            }
            this.t0 = t0;
            return this;
        }

        /** @throws IllegalArgumentException if digits is not 6..8 */
        public Totp build() {
            return new Totp(this);
        }
    }
}
