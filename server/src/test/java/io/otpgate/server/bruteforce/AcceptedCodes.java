package io.otpgate.server.bruteforce;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.totp.TotpDevice;

/**
 * The codes a TOTP device would accept at an instant, from its stored state, by the rule the verification service
 * applies: the steps {@code step(now) + drift - tolerance .. + tolerance}, none at or before the last used step.
 * These are the codes a guess can hit; they are never printed.
 */
final class AcceptedCodes {

    private AcceptedCodes() {
    }

    static Set<String> of(TotpDevice device, OtpSecret secret, Instant now) {
        Totp totp = device.totp();
        long expected = totp.step(now) + device.drift();
        Set<String> codes = new HashSet<>();
        for (long step = expected - device.tolerance(); step <= expected + device.tolerance(); step++) {
            if (step >= 0 && step >= device.minStep()) {
                codes.add(totp.generateAtStep(secret, step));
            }
        }
        return codes;
    }
}
