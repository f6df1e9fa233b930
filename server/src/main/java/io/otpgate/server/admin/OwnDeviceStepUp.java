package io.otpgate.server.admin;

import java.time.Clock;
import java.util.Optional;
import java.util.Set;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.stereotype.Component;

import io.otpgate.server.user.User;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.factor.OtpCodes;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.factor.StepUp;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Step-up for a staff user's own second factor in the admin panel ("My account"): adding a device, new recovery
 * codes, removing a device and resetting need the session's code to be fresh ({@link StepUp},
 * {@code otpgate.policy.step-up-within}), as for any user of the library's pages and the API. A staff user acting on
 * another user's devices is doing an administrator's job, and this does not apply: the panel's login always took a
 * code, and the actions are security events.
 */
@Component
@ConditionalOnWebApplication
class OwnDeviceStepUp {

    static final String CONFIRM_FIRST = "Changing your own second factor needs a code from the last few minutes: "
            + "type a current code in \u201cConfirm it is you\u201d below, then try again.";
    static final String DEVICE_CODE_NEEDED = "A recovery code is not enough for this: confirm with a current code "
            + "from your authenticator app, then try again.";

    private final StepUp stepUp;
    private final VerificationService verification;
    private final SecurityContextRepository contexts;
    private final Clock clock;

    OwnDeviceStepUp(StepUp stepUp, VerificationService verification, SecurityContextRepository adminSecurityContexts,
            Clock clock) {
        this.stepUp = stepUp;
        this.verification = verification;
        this.contexts = adminSecurityContexts;
        this.clock = clock;
    }

    /** Whether the logged-in staff user's code is fresh enough to change their own devices. */
    boolean fresh() {
        return stepUp.fresh(current());
    }

    /**
     * Why the actor may not do the action to the subject's devices yet, or empty: only an action on the actor's own
     * devices is checked.
     */
    Optional<String> refusal(User actor, long subjectId, StepUp.Action action) {
        if (actor.id() != subjectId) {
            return Optional.empty();
        }
        return switch (stepUp.decide(current(), action)) {
            case FRESH -> Optional.empty();
            case STALE -> Optional.of(CONFIRM_FIRST);
            case DEVICE_NEEDED -> Optional.of(DEVICE_CODE_NEEDED);
        };
    }

    /**
     * Checks a code from the staff user's own devices (throttled and counted as any code) and, when it is right,
     * dates the session's factor now, with the kind of the device that proved it.
     *
     * @return whether the code was accepted
     */
    boolean confirm(User actor, String code, HttpServletRequest request, HttpServletResponse response) {
        Optional<Set<DeviceKind>> kinds = OtpCodes.kindsOf(code);
        if (kinds.isEmpty()) {
            return false;
        }
        VerificationOutcome outcome = verification.verify(actor.id(), code.strip(), kinds.get(), PendingSetups.NONE,
                request.getRemoteAddr());
        if (!(outcome instanceof VerificationOutcome.Verified verified)) {
            return false;
        }
        Authentication renewed = OtpFactor.add(current(), verified.device().kind(), clock.instant());
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(renewed);
        SecurityContextHolder.setContext(context);
        contexts.saveContext(context, request, response);
        return true;
    }

    /**
     * The session's authentication, with the kind of the device that proved its code: a login's session names the
     * device in its principal only.
     */
    private static Authentication current() {
        Authentication current = SecurityContextHolder.getContext().getAuthentication();
        if (current == null || !(current.getPrincipal() instanceof AdminPrincipal principal)
                || current.getAuthorities().stream().anyMatch(a -> a.getAuthority() != null
                        && a.getAuthority().startsWith(OtpFactor.KIND_PREFIX))) {
            return current;
        }
        Optional<DeviceRef> device = DeviceRef.parse(principal.device());
        return device.isEmpty() ? current : current.toBuilder().authorities(a -> a.add(new SimpleGrantedAuthority(
                OtpFactor.KIND_PREFIX + device.get().kind().name()))).build();
    }
}
