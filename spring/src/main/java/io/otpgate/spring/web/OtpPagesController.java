package io.otpgate.spring.web;

import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.qr.QrCodes;
import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.factor.OtpCodes;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.factor.OtpPaths;
import io.otpgate.spring.factor.OtpSessions;
import io.otpgate.spring.factor.TrustedBrowserFactor;
import io.otpgate.spring.factor.StepUp;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.totp.TotpEnrolment;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The pages of an application that adds otpgate: the code prompt ({@code /otp/verify}), enrolment
 * ({@code /otp/setup}) and the user's own devices ({@code /otp/devices}). Each template (under {@code otp/}) can be
 * replaced by the application's own of the same name. Messages never say whether the user or the code was wrong.
 */
@Controller
public class OtpPagesController {

    static final String WRONG_CODE = "That code did not work. Check it and try again.";
    static final String STEP_UP = "To confirm it is you, type a current code from your authenticator app (or a "
            + "recovery code) and try again.";
    static final String DEVICE_CODE_NEEDED = "A recovery code is not enough for this: type a current code from your "
            + "authenticator app.";

    private final Accounts accounts;
    private final DeviceService devices;
    private final VerificationService verification;
    private final TotpEnrolment enrolment;
    private final RecoveryCodeService recoveryCodes;
    private final RecoveryProperties recovery;
    private final OtpSessions sessions;
    private final Clock clock;
    private final TrustedBrowserFactor trustedBrowsers;
    private final StepUp stepUp;

    /** @param stepUp whether the session's second factor is recent enough for a sensitive action */
    public OtpPagesController(Accounts accounts, DeviceService devices, VerificationService verification,
            TotpEnrolment enrolment, RecoveryCodeService recoveryCodes, RecoveryProperties recovery,
            OtpSessions sessions, Clock clock, TrustedBrowserFactor trustedBrowsers, StepUp stepUp) {
        this.trustedBrowsers = trustedBrowsers;
        this.accounts = accounts;
        this.devices = devices;
        this.verification = verification;
        this.enrolment = enrolment;
        this.recoveryCodes = recoveryCodes;
        this.recovery = recovery;
        this.sessions = sessions;
        this.clock = clock;
        this.stepUp = stepUp;
    }

    /** The code prompt's "don't ask again on this browser for 30 days", when offered. */
    @ModelAttribute
    void trustedBrowserOffer(Model model) {
        if (trustedBrowsers.enabled()) {
            model.addAttribute("rememberFor", trustedBrowsers.durationText());
        }
    }

    /**
     * The code prompt. With the parameter {@code step-up} it asks a session whose factor is no longer fresh
     * ({@link StepUp}) for a code again, and then goes back to the page that sent it here.
     */
    @GetMapping(OtpPaths.VERIFY)
    String verifyPage(Model model, HttpServletRequest request, HttpServletResponse response) {
        Optional<AccountRef> account = account();
        boolean proven = OtpFactor.proven(sessions.current());
        // A flag: "?step-up" has no value.
        boolean askAgain = request.getParameterMap().containsKey("step-up") && proven
                && !stepUp.fresh(sessions.current());
        if (account.isEmpty() || (proven && !askAgain) || !devices.hasConfirmedDevice(account.get().accountId())) {
            return "redirect:" + sessions.returnTo(request, response);
        }
        model.addAttribute("stepUp", askAgain);
        return "otp/verify";
    }

    /** A one-time code or a recovery code, as typed; {@code remember} ticked trusts this browser. */
    @PostMapping(OtpPaths.VERIFY)
    String verify(@RequestParam(name = "code", required = false) String code,
            @RequestParam(name = "remember", defaultValue = "false") boolean remember, Model model,
            HttpServletRequest request, HttpServletResponse response) {
        Optional<AccountRef> account = account();
        if (account.isEmpty() || !devices.hasConfirmedDevice(account.get().accountId())) {
            return "redirect:" + sessions.returnTo(request, response);
        }
        Optional<Set<DeviceKind>> kinds = OtpCodes.kindsOf(code);
        if (kinds.isEmpty()) {
            return refused("otp/verify", HttpStatus.BAD_REQUEST, WRONG_CODE, model, response);
        }
        VerificationOutcome outcome = verification.verify(account.get().accountId(), code.strip(), kinds.get(),
                PendingSetups.NONE, request.getRemoteAddr());
        if (outcome instanceof VerificationOutcome.Verified verified) {
            sessions.addFactor(verified.device().kind(), clock.instant(), request, response);
            if (remember) {
                trustedBrowsers.remember(account.get().accountId(), request, response);
            }
            if (verified.wrongCodes() > 0) {
                // Someone else tried codes after the password: say so before going on.
                model.addAttribute("wrongCodes", verified.wrongCodes());
                model.addAttribute("continueTo", sessions.returnTo(request, response));
                return "otp/wrong-codes";
            }
            return "redirect:" + sessions.returnTo(request, response);
        }
        return refused("otp/verify", outcome, model, response);
    }

    /**
     * Starts a setup: a new secret every time (an earlier pending setup is removed with its codes). A user who has a
     * device adds another only with a fresh factor: otherwise the code prompt asks again and comes back here.
     */
    @GetMapping(OtpPaths.SETUP)
    String setupPage(Model model, HttpServletRequest request, HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        if (needsExistingFactor(account)) {
            return "redirect:" + OtpPaths.VERIFY;
        }
        if (devices.hasConfirmedDevice(account.accountId()) && !stepUp.fresh(sessions.current())) {
            sessions.returnHereAfterCode(request, response);
            return "redirect:" + OtpPaths.VERIFY + "?step-up";
        }
        OtpAuthUri uri = enrolment.enrol(account, "Authenticator", false, request.getRemoteAddr()).uri();
        return setupModel(uri, model, response);
    }

    /** Confirms the pending setup with its first code; the recovery codes are shown once, on the answer. */
    @PostMapping(OtpPaths.SETUP)
    String setup(@RequestParam(name = "code", required = false) String code, Model model,
            HttpServletRequest request, HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        if (needsExistingFactor(account)) {
            return "redirect:" + OtpPaths.VERIFY;
        }
        Optional<TotpEnrolment.Enrolment> pending = enrolment.pendingSetup(account);
        if (pending.isEmpty()) {
            return "redirect:" + OtpPaths.SETUP;
        }
        Optional<String> typed = VerificationService.oneTimeCode(code);
        VerificationOutcome outcome = typed.isEmpty() ? null : verification.verify(account.accountId(), typed.get(),
                EnumSet.of(DeviceKind.TOTP), OtpFactor.proven(sessions.current()) ? PendingSetups.ANY
                        : PendingSetups.WHILE_NO_CONFIRMED_DEVICE, request.getRemoteAddr());
        if (outcome instanceof VerificationOutcome.Verified verified && verified.confirmedNow()
                && verified.device().equals(pending.get().device())) {
            model.addAttribute("recoveryCodes", recoveryCodes.issue(account.accountId(), recovery.count(), false,
                    request.getRemoteAddr()).codes());
            sessions.addFactor(DeviceKind.TOTP, clock.instant(), request, response);
            response.setHeader("Cache-Control", "no-store");
            return "otp/setup-done";
        }
        setupModel(pending.get().uri(), model, response);
        return outcome == null ? refused("otp/setup", HttpStatus.BAD_REQUEST, WRONG_CODE, model, response)
                : refused("otp/setup", outcome, model, response);
    }

    /** The devices; the forms ask for a code when the factor is no longer fresh ({@code stepUp}). */
    @GetMapping(OtpPaths.DEVICES)
    String devicesPage(Model model, HttpServletResponse response) {
        Optional<AccountRef> account = account();
        List<DeviceSummary> listed = account.map(a -> devices.list(a.accountId())).orElse(List.of());
        model.addAttribute("devices", listed);
        model.addAttribute("stepUp", listed.stream().anyMatch(DeviceSummary::confirmed)
                && !stepUp.fresh(sessions.current()));
        model.addAttribute("trustedBrowsers", account.map(a -> trustedBrowsers.list(a.accountId()))
                .orElse(List.of()));
        response.setHeader("Cache-Control", "no-store");
        return "otp/devices";
    }

    /**
     * New recovery codes, replacing the old ones (the filter has made sure the factor is proven). With a factor that
     * is no longer fresh, a code typed in the form ({@code code}) proves it again first.
     */
    @PostMapping(OtpPaths.DEVICES + "/recovery-codes")
    String newRecoveryCodes(@RequestParam(name = "code", required = false) String code, Model model,
            HttpServletRequest request, HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        if (!devices.hasConfirmed(account.accountId(),
                EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP, DeviceKind.WEBAUTHN))) {
            return "redirect:" + OtpPaths.SETUP;
        }
        Optional<String> refused = stepUp(account, StepUp.Action.NEW_RECOVERY_CODES, code, model, request,
                response);
        if (refused.isPresent()) {
            return refused.get();
        }
        model.addAttribute("recoveryCodes", recoveryCodes.issue(account.accountId(), recovery.count(), false,
                request.getRemoteAddr()).codes());
        // The new codes end the user's other sessions' factor, not this one's: it has just proved it.
        sessions.keepFactor(request);
        response.setHeader("Cache-Control", "no-store");
        return "otp/recovery-codes";
    }

    /**
     * Removes one device, after a code typed in the form from any of the user's devices, or without one while the
     * factor is fresh ({@link StepUp}). The user's last authenticator (TOTP, HOTP, passkey) is not removed on the
     * strength of a recovery code.
     */
    @PostMapping(OtpPaths.DEVICES + "/remove")
    String remove(@RequestParam(name = "device", required = false) String device,
            @RequestParam(name = "code", required = false) String code, Model model, HttpServletRequest request,
            HttpServletResponse response) {
        Optional<AccountRef> account = account();
        Optional<DeviceRef> ref = DeviceRef.parse(device);
        List<DeviceSummary> listed = account
                .map(a -> devices.list(a.accountId())).orElse(List.of());
        model.addAttribute("devices", listed);
        model.addAttribute("stepUp", listed.stream().anyMatch(DeviceSummary::confirmed)
                && !stepUp.fresh(sessions.current()));
        boolean typed = code != null && !code.isBlank();
        if (account.isEmpty() || ref.isEmpty() || (typed && OtpCodes.kindsOf(code).isEmpty())) {
            return refused("otp/devices", HttpStatus.BAD_REQUEST, "Choose a device and type a current code.", model,
                    response);
        }
        Optional<String> refused = stepUp(account.get(), StepUp.removing(ref.get(), listed), code, model, request,
                response);
        if (refused.isPresent()) {
            return refused.get();
        }
        try {
            devices.remove(account.get().accountId(), ref.get(), request.getRemoteAddr());
        } catch (OtpgateException e) {
            return refused("otp/devices", HttpStatus.NOT_FOUND, "There is no such device.", model, response);
        }
        if (ref.get().kind() == DeviceKind.STATIC && !provenBy(DeviceKind.STATIC)) {
            // Deleting the recovery codes ends the other sessions' factor; this one keeps it unless a code proved it.
            sessions.keepFactor(request);
        }
        return "redirect:" + OtpPaths.DEVICES;
    }

    /**
     * Makes sure the session's factor is fresh enough for a sensitive action on the devices page: a code typed in
     * the form is checked first (and renews the factor); a recovery code is refused unchecked (not used up) for an
     * action it is not enough for. A user without a confirmed device has no factor to prove: nothing is asked.
     *
     * @return the page that refuses, or empty to go ahead
     */
    private Optional<String> stepUp(AccountRef account, StepUp.Action action, String code, Model model,
            HttpServletRequest request, HttpServletResponse response) {
        if (!model.containsAttribute("devices")) {
            model.addAttribute("devices", devices.list(account.accountId()));
        }
        boolean typed = code != null && !code.isBlank();
        if (!typed && !devices.hasConfirmedDevice(account.accountId())) {
            return Optional.empty();
        }
        if (!model.containsAttribute("stepUp")) {
            model.addAttribute("stepUp", !stepUp.fresh(sessions.current()));
        }
        if (typed) {
            Optional<Set<DeviceKind>> kinds = OtpCodes.kindsOf(code);
            if (kinds.isEmpty()) {
                return Optional.of(refused("otp/devices", HttpStatus.BAD_REQUEST, WRONG_CODE, model, response));
            }
            if (!action.recoveryCodeSuffices() && kinds.get().equals(EnumSet.of(DeviceKind.STATIC))) {
                model.addAttribute("stepUp", true);
                return Optional.of(refused("otp/devices", HttpStatus.UNAUTHORIZED, DEVICE_CODE_NEEDED, model,
                        response));
            }
            VerificationOutcome outcome = verification.verify(account.accountId(), code.strip(), kinds.get(),
                    PendingSetups.NONE, request.getRemoteAddr());
            if (!(outcome instanceof VerificationOutcome.Verified verified)) {
                return Optional.of(refused("otp/devices", outcome, model, response));
            }
            sessions.addFactor(verified.device().kind(), clock.instant(), request, response);
        }
        StepUp.Decision decision = stepUp.decide(sessions.current(), action);
        if (decision.allowed()) {
            return Optional.empty();
        }
        model.addAttribute("stepUp", true);
        return Optional.of(refused("otp/devices", HttpStatus.UNAUTHORIZED,
                decision == StepUp.Decision.DEVICE_NEEDED ? DEVICE_CODE_NEEDED : STEP_UP, model, response));
    }

    /** Whether the session's factor was proven by a device of the kind (its {@code OTP_*} authority). */
    private boolean provenBy(DeviceKind kind) {
        Authentication current = sessions.current();
        String proof = OtpFactor.KIND_PREFIX + kind.name();
        return current != null && current.getAuthorities().stream().anyMatch(a -> proof.equals(a.getAuthority()));
    }

    private Optional<AccountRef> account() {
        Authentication current = sessions.current();
        return current == null ? Optional.empty() : accounts.find(sessions.userKey());
    }

    /** A user with a confirmed device adds another only once the session proved the one they have. */
    private boolean needsExistingFactor(AccountRef account) {
        return !OtpFactor.proven(sessions.current()) && devices.hasConfirmedDevice(account.accountId());
    }

    private static String setupModel(OtpAuthUri uri, Model model, HttpServletResponse response) {
        model.addAttribute("otpauthUri", uri.toUriString());
        model.addAttribute("secret", uri.secret().exposeBase32());
        model.addAttribute("qrCode", "data:image/png;base64," + Base64.getEncoder().encodeToString(QrCodes.png(uri)));
        model.addAttribute("account", uri.account());
        model.addAttribute("issuer", uri.issuer());
        response.setHeader("Cache-Control", "no-store");
        return "otp/setup";
    }

    private String refused(String view, VerificationOutcome outcome, Model model, HttpServletResponse response) {
        if (outcome instanceof VerificationOutcome.Throttled throttled) {
            response.setHeader("Retry-After", Long.toString(seconds(throttled.retryAfter())));
            return refused(view, HttpStatus.TOO_MANY_REQUESTS, "Too many attempts: try again in "
                    + seconds(throttled.retryAfter()) + " s.", model, response);
        }
        if (outcome instanceof VerificationOutcome.Locked) {
            return refused(view, HttpStatus.TOO_MANY_REQUESTS, "Too many failed attempts: codes are locked for this "
                    + "account. Ask an administrator.", model, response);
        }
        return refused(view, HttpStatus.BAD_REQUEST, WRONG_CODE, model, response);
    }

    private static String refused(String view, HttpStatus status, String message, Model model,
            HttpServletResponse response) {
        response.setStatus(status.value());
        model.addAttribute("error", message);
        return view;
    }

    private static long seconds(Duration wait) {
        return Math.max(1, wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0));
    }
}
