package io.otpgate.server.admin;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.FlashMap;
import org.springframework.web.servlet.support.RequestContextUtils;

import io.otpgate.server.user.User;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.webauthn.PasskeyRegistration;
import io.otpgate.spring.webauthn.RegistrationOutcome;
import io.otpgate.spring.webauthn.WebAuthnRefusal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * "Add a passkey" on the logged-in staff member's own device page ({@code /admin/account}): the registration
 * ceremony's two JSON steps, called by admin.js, CSRF-protected as the panel's forms are (the {@code _csrf} field).
 * Only for one's own account: a passkey is made by the authenticator in the hands of the person it is for.
 */
@Controller
@ConditionalOnWebApplication
class PasskeyPagesController {

    static final String OPTIONS = "/admin/account/passkeys/options";
    static final String ADD = "/admin/account/passkeys";
    static final String NOT_NOW = "Adding a passkey needs a code from the last minutes: confirm it is you with a "
            + "current code above, then add the passkey.";
    /** Longest passkey answer read (with attestation none, about 1 KB); a longer one is refused unread. */
    private static final int MAX_CREDENTIAL = 65536;

    private final PasskeyRegistration registration;
    private final DeviceService devices;
    private final OwnDeviceStepUp stepUp;

    PasskeyPagesController(PasskeyRegistration registration, DeviceService devices, OwnDeviceStepUp stepUp) {
        this.registration = registration;
        this.devices = devices;
        this.stepUp = stepUp;
    }

    /** The creation options ({@code PublicKeyCredentialCreationOptions} in WebAuthn's JSON form), or 403. */
    @PostMapping(value = OPTIONS, produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    ResponseEntity<?> options(HttpServletRequest request) {
        User me = AdminModel.current(request);
        if (!mayAddPasskey(me)) {
            return refused(HttpStatus.FORBIDDEN, NOT_NOW);
        }
        String display = (me.firstName() + " " + me.lastName()).strip();
        return ResponseEntity.ok().cacheControl(CacheControl.noStore())
                .body(registration.options(me, me.username(), display.isEmpty() ? me.username() : display));
    }

    /**
     * Registers the passkey the browser made: {@code credential} is its {@code PublicKeyCredential} as JSON,
     * {@code name} what the user called it (blank for "Passkey"). 400 with the reason if refused (nothing stored).
     */
    @PostMapping(value = ADD, produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    ResponseEntity<?> add(@RequestParam(defaultValue = "") String name,
            @RequestParam(defaultValue = "") String credential, HttpServletRequest request,
            HttpServletResponse response) {
        User me = AdminModel.current(request);
        if (!mayAddPasskey(me)) {
            return refused(HttpStatus.FORBIDDEN, NOT_NOW);
        }
        if (name.strip().length() > PasskeyRegistration.MAX_NAME) {
            return refused(HttpStatus.BAD_REQUEST, "name must be 1.." + PasskeyRegistration.MAX_NAME
                    + " characters, got " + name.strip().length());
        }
        if (credential.length() > MAX_CREDENTIAL) {
            return refused(HttpStatus.BAD_REQUEST, WebAuthnRefusal.MALFORMED.message());
        }
        RegistrationOutcome outcome = registration.finish(me.id(), credential, request.getHeader(HttpHeaders.ORIGIN),
                name, request.getRemoteAddr());
        if (outcome instanceof RegistrationOutcome.Registered registered) {
            FlashMap flash = RequestContextUtils.getOutputFlashMap(request);
            flash.put("notice", "The passkey \u201c" + registered.name() + "\u201d was added: \u201cUse a passkey\u201d"
                    + " on the login page logs you in with it instead of a code.");
            RequestContextUtils.saveOutputFlashMap("/admin/account", request, response);
            return ResponseEntity.ok().cacheControl(CacheControl.noStore())
                    .body(new AdminLoginController.Next("/admin/account"));
        }
        return refused(HttpStatus.BAD_REQUEST, ((RegistrationOutcome.Refused) outcome).reason().message());
    }

    /**
     * Whether this session may add a passkey to the user's account: with no confirmed device yet, yes; otherwise
     * only once the session proved the second factor ({@code FACTOR_OTP}, which every admin session has) within
     * {@code otpgate.policy.step-up-within} ("Confirm it is you" on the page renews it), as for any device.
     */
    private boolean mayAddPasskey(User me) {
        return !devices.hasConfirmedDevice(me.id())
                || (OtpFactor.proven(SecurityContextHolder.getContext().getAuthentication()) && stepUp.fresh());
    }

    private static ResponseEntity<AdminLoginController.Refusal> refused(HttpStatus status, String message) {
        return ResponseEntity.status(status).cacheControl(CacheControl.noStore())
                .body(new AdminLoginController.Refusal(message, null, null));
    }
}
