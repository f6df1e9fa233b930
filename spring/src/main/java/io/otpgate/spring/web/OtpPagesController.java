package io.otpgate.spring.web;

import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.qr.QrCodes;
import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.factor.OtpCodes;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.factor.OtpPaths;
import io.otpgate.spring.factor.OtpSessions;
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

    private final Accounts accounts;
    private final DeviceService devices;
    private final VerificationService verification;
    private final TotpEnrolment enrolment;
    private final RecoveryCodeService recoveryCodes;
    private final RecoveryProperties recovery;
    private final OtpSessions sessions;
    private final Clock clock;

    public OtpPagesController(Accounts accounts, DeviceService devices, VerificationService verification,
            TotpEnrolment enrolment, RecoveryCodeService recoveryCodes, RecoveryProperties recovery,
            OtpSessions sessions, Clock clock) {
        this.accounts = accounts;
        this.devices = devices;
        this.verification = verification;
        this.enrolment = enrolment;
        this.recoveryCodes = recoveryCodes;
        this.recovery = recovery;
        this.sessions = sessions;
        this.clock = clock;
    }

    @GetMapping(OtpPaths.VERIFY)
    String verifyPage(HttpServletRequest request, HttpServletResponse response) {
        Optional<AccountRef> account = account();
        if (account.isEmpty() || OtpFactor.proven(sessions.current())
                || !devices.hasConfirmedDevice(account.get().accountId())) {
            return "redirect:" + sessions.returnTo(request, response);
        }
        return "otp/verify";
    }

    /** A one-time code or a recovery code, as typed. */
    @PostMapping(OtpPaths.VERIFY)
    String verify(@RequestParam(name = "code", required = false) String code, Model model,
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

    /** Starts a setup: a new secret every time (an earlier pending setup is removed with its codes). */
    @GetMapping(OtpPaths.SETUP)
    String setupPage(Model model, HttpServletRequest request, HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        if (needsExistingFactor(account)) {
            return "redirect:" + OtpPaths.VERIFY;
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

    @GetMapping(OtpPaths.DEVICES)
    String devicesPage(Model model, HttpServletResponse response) {
        Optional<AccountRef> account = account();
        model.addAttribute("devices", account.map(a -> devices.list(a.accountId())).orElse(java.util.List.of()));
        response.setHeader("Cache-Control", "no-store");
        return "otp/devices";
    }

    /** New recovery codes, replacing the old ones (the filter has made sure the factor is proven). */
    @PostMapping(OtpPaths.DEVICES + "/recovery-codes")
    String newRecoveryCodes(Model model, HttpServletRequest request, HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        if (!devices.hasConfirmed(account.accountId(),
                EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP, DeviceKind.WEBAUTHN))) {
            return "redirect:" + OtpPaths.SETUP;
        }
        model.addAttribute("recoveryCodes", recoveryCodes.issue(account.accountId(), recovery.count(), false,
                request.getRemoteAddr()).codes());
        response.setHeader("Cache-Control", "no-store");
        return "otp/recovery-codes";
    }

    /** Removes one device, after a fresh code from any of the user's devices. */
    @PostMapping(OtpPaths.DEVICES + "/remove")
    String remove(@RequestParam(name = "device", required = false) String device,
            @RequestParam(name = "code", required = false) String code, Model model, HttpServletRequest request,
            HttpServletResponse response) {
        Optional<AccountRef> account = account();
        Optional<DeviceRef> ref = DeviceRef.parse(device);
        Optional<Set<DeviceKind>> kinds = OtpCodes.kindsOf(code);
        model.addAttribute("devices", account.map(a -> devices.list(a.accountId())).orElse(java.util.List.of()));
        if (account.isEmpty() || ref.isEmpty() || kinds.isEmpty()) {
            return refused("otp/devices", HttpStatus.BAD_REQUEST, "Choose a device and type a current code.", model,
                    response);
        }
        VerificationOutcome outcome = verification.verify(account.get().accountId(), code.strip(), kinds.get(),
                PendingSetups.NONE, request.getRemoteAddr());
        if (!(outcome instanceof VerificationOutcome.Verified)) {
            return refused("otp/devices", outcome, model, response);
        }
        try {
            devices.remove(account.get().accountId(), ref.get(), request.getRemoteAddr());
        } catch (OtpgateException e) {
            return refused("otp/devices", HttpStatus.NOT_FOUND, "There is no such device.", model, response);
        }
        return "redirect:" + OtpPaths.DEVICES;
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
