package io.otpgate.core;

import java.util.Optional;

/**
 * HOTP (RFC 4226): a code from a secret and a counter. Immutable and thread-safe.
 *
 * <pre>{@code
 * Hotp hotp = Hotp.of(HmacAlgorithm.SHA1, 6);
 * Optional<HotpMatch> match = hotp.verify(secret, "755224", device.counter(), 5);
 * match.ifPresent(m -> device.setCounter(m.nextCounter()));
 * }</pre>
 */
public final class Hotp {

    /** A bound on look-ahead, so that a configuration mistake cannot turn one request into thousands of HMACs. */
    public static final int MAX_LOOK_AHEAD = 100;

    private final HmacAlgorithm algorithm;
    private final int digits;

    private Hotp(HmacAlgorithm algorithm, int digits) {
        this.algorithm = Inputs.notNull(algorithm, "algorithm");
        this.digits = Codes.checkDigits(digits);
    }

    /** @throws IllegalArgumentException if digits is not 6..8 */
    public static Hotp of(HmacAlgorithm algorithm, int digits) {
        return new Hotp(algorithm, digits);
    }

    /** HmacSHA1 with 6 digits, RFC 4226's and django-otp's default. */
    public static Hotp defaults() {
        return new Hotp(HmacAlgorithm.SHA1, 6);
    }

    public HmacAlgorithm algorithm() {
        return algorithm;
    }

    public int digits() {
        return digits;
    }

    /**
     * The code of a counter, with its leading zeros.
     *
     * @param counter the moving factor, 0 or more (RFC 4226 §5.2)
     */
    public String generate(OtpSecret secret, long counter) {
        Inputs.notNull(secret, "secret");
        checkCounter(counter);
        OathEngine engine = algorithm.engines.borrow();
        try {
            engine.init(secret);
            return Codes.format(engine.value(counter, digits), digits);
        } finally {
            algorithm.engines.release(engine);
        }
    }

    /**
     * Checks a code against counters {@code counter} to {@code counter + lookAhead} (RFC 4226 §7.4
     * resynchronisation; django-otp's {@code tolerance}), in that order.
     *
     * @param code what the user typed; a null, or anything but exactly {@code digits} ASCII digits, is refused
     *     before any HMAC is computed
     * @param counter the device's next expected counter (0 or more)
     * @param lookAhead how many counters past {@code counter} to also try, 0..{@value #MAX_LOOK_AHEAD}
     * @return the counter that matched (the caller persists {@link HotpMatch#nextCounter()}), or empty
     */
    public Optional<HotpMatch> verify(OtpSecret secret, String code, long counter, int lookAhead) {
        Inputs.notNull(secret, "secret");
        checkCounter(counter);
        Inputs.inRange(lookAhead, 0, MAX_LOOK_AHEAD, "lookAhead");
        byte[] typed = Codes.parse(code, digits);
        if (typed == null) {
            return Optional.empty();
        }
        long last = counter + lookAhead < 0 ? Long.MAX_VALUE : counter + lookAhead;
        OathEngine engine = algorithm.engines.borrow();
        try {
            engine.init(secret);
            for (long c = counter; c <= last && c >= 0; c++) {
                if (engine.matches(c, typed)) {
                    return Optional.of(new HotpMatch(c));
                }
            }
            return Optional.empty();
        } finally {
            algorithm.engines.release(engine);
        }
    }

    private static void checkCounter(long counter) {
        if (counter < 0) {
            throw new IllegalArgumentException("counter must be 0 or more, got " + counter);
        }
    }

    @Override
    public String toString() {
        return "Hotp[" + algorithm + ", " + digits + " digits]";
    }
}
