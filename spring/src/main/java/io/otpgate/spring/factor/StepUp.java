package io.otpgate.spring.factor;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceSummary;

/**
 * Fresh proof for sensitive actions ("step-up"): a session or token that once proved the second factor is not
 * enough, hours later, to turn it off. A sensitive action needs {@link OtpFactor#AUTHORITY} whose
 * {@code FactorGrantedAuthority.issuedAt} is within {@code otpgate.policy.step-up-within} of now; a factor without a
 * time, or a remembered browser ({@code FACTOR_OTP_REMEMBERED}, which never carries {@code FACTOR_OTP}), is stale.
 *
 * <p>A recovery code (the kind authority {@code OTP_STATIC}) is fresh proof for new recovery codes and for adding a
 * device, the lost-phone path; not for turning the second factor off or removing the user's last authenticator
 * (TOTP, HOTP or passkey): with a printed code alone, that is an account take-over path. GitHub asks for the
 * authenticator again there; django-otp and Keycloak let a recovery code do it.
 */
public class StepUp {

    /** RFC 9470's error code of a {@code WWW-Authenticate} challenge for more recent authentication. */
    public static final String ERROR = "insufficient_user_authentication";

    /** The kind authority of a recovery code ({@link OtpFactor#KIND_PREFIX} and {@code STATIC}). */
    private static final String RECOVERY_KIND = OtpFactor.KIND_PREFIX + DeviceKind.STATIC.name();

    /** A sensitive action, and whether a fresh recovery code is enough proof for it. */
    public enum Action {
        /** Adding a device while the user has a confirmed one. */
        ADD_DEVICE(true),
        /** New recovery codes, replacing the old ones. */
        NEW_RECOVERY_CODES(true),
        /** Removing one device that is not the user's last TOTP, HOTP or passkey device. */
        REMOVE_DEVICE(true),
        /** Removing the user's last TOTP, HOTP or passkey device. */
        REMOVE_LAST_DEVICE(false),
        /** Removing every device: back to the password alone. */
        TURN_OFF(false);

        private final boolean recoveryCodeSuffices;

        Action(boolean recoveryCodeSuffices) {
            this.recoveryCodeSuffices = recoveryCodeSuffices;
        }

        /** Whether a fresh recovery code is enough proof for this action. */
        public boolean recoveryCodeSuffices() {
            return recoveryCodeSuffices;
        }
    }

    /** What {@link #decide} found. */
    public enum Decision {
        /** The second factor is fresh enough for the action: go ahead. */
        FRESH,
        /** No second factor within the window (or none at all): prove it again, then repeat. */
        STALE,
        /** Fresh, but by a recovery code, which is not enough for this action: prove it with a device. */
        DEVICE_NEEDED;

        public boolean allowed() {
            return this == FRESH;
        }
    }

    private final Duration within;
    private final Clock clock;

    public StepUp(PolicyProperties policy, Clock clock) {
        this.within = policy.stepUpWithin();
        this.clock = clock;
    }

    /** {@code otpgate.policy.step-up-within}. */
    public Duration within() {
        return within;
    }

    /** The window in whole seconds (at least 1), as RFC 9470's {@code max_age}. */
    public long maxAgeSeconds() {
        long seconds = within.toSeconds() + (within.toNanosPart() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }

    /** Whether the authentication may do the action now. */
    public Decision decide(Authentication authentication, Action action) {
        Optional<Instant> at = provenAt(authentication);
        if (at.isEmpty() || at.get().isBefore(clock.instant().minus(within))) {
            return Decision.STALE;
        }
        if (!action.recoveryCodeSuffices() && provenByRecoveryCode(authentication)) {
            return Decision.DEVICE_NEEDED;
        }
        return Decision.FRESH;
    }

    /** Whether the authentication proved the second factor within the window, by any device. */
    public boolean fresh(Authentication authentication) {
        return decide(authentication, Action.ADD_DEVICE).allowed();
    }

    /**
     * RFC 9470's challenge, for a {@code WWW-Authenticate} header:
     * {@code Bearer error="insufficient_user_authentication", error_description="...", max_age=300}.
     *
     * @param description what to do, in plain ASCII without quotes or backslashes (they are dropped)
     */
    public String challenge(String description) {
        String quoted = description.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "");
        return "Bearer error=\"" + ERROR + "\", error_description=\"" + quoted + "\", max_age=" + maxAgeSeconds();
    }

    /**
     * The action of removing a device: {@link Action#REMOVE_LAST_DEVICE} when no other confirmed device that is not
     * recovery codes (TOTP, HOTP, a passkey) would be left, else {@link Action#REMOVE_DEVICE}.
     *
     * @param devices the user's devices ({@code DeviceService.list})
     */
    public static Action removing(DeviceRef device, List<DeviceSummary> devices) {
        if (device.kind() == DeviceKind.STATIC) {
            return Action.REMOVE_DEVICE;
        }
        boolean othersLeft = devices.stream().anyMatch(d -> d.confirmed() && d.ref().kind() != DeviceKind.STATIC
                && !d.ref().equals(device));
        return othersLeft ? Action.REMOVE_DEVICE : Action.REMOVE_LAST_DEVICE;
    }

    /** When the authentication last proved {@link OtpFactor#AUTHORITY}; empty without it or without a time. */
    public static Optional<Instant> provenAt(Authentication authentication) {
        if (authentication == null) {
            return Optional.empty();
        }
        for (GrantedAuthority authority : authentication.getAuthorities()) {
            if (OtpFactor.AUTHORITY.equals(authority.getAuthority())
                    && authority instanceof FactorGrantedAuthority factor && factor.getIssuedAt() != null) {
                return Optional.of(factor.getIssuedAt());
            }
        }
        return Optional.empty();
    }

    /** Whether the authentication's second factor was proven by a recovery code ({@code OTP_STATIC}). */
    public static boolean provenByRecoveryCode(Authentication authentication) {
        return authentication != null && authentication.getAuthorities().stream()
                .anyMatch(a -> RECOVERY_KIND.equals(a.getAuthority()));
    }
}
