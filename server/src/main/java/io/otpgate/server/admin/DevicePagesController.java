package io.otpgate.server.admin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.qr.QrCodes;
import io.otpgate.server.user.User;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.factor.StepUp;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A user's devices (and the logged-in user's own, "My account"): the list, a new TOTP device with its QR code and
 * first code, recovery codes, removing one device or all, and lifting a lock. Secrets and recovery codes appear
 * only on the response that created them, which no cache keeps. Changing one's own devices needs a fresh code
 * ({@link OwnDeviceStepUp}); changing another user's is an administrator's action and does not.
 */
@Controller
@ConditionalOnWebApplication
class DevicePagesController {

    static final String DEFAULT_NAME = "Authenticator";

    private static final String UNLOCK = " An operator can lift the lock on the devices page.";

    private final DeviceAdministration admin;
    private final OwnDeviceStepUp stepUp;

    DevicePagesController(DeviceAdministration admin, OwnDeviceStepUp stepUp) {
        this.admin = admin;
        this.stepUp = stepUp;
    }

    @GetMapping("/admin/users/{id}/devices")
    String devices(@PathVariable long id, HttpServletRequest request, Model model) {
        return devicesPage(id, false, request, model);
    }

    @GetMapping("/admin/account")
    String account(HttpServletRequest request, Model model) {
        return devicesPage(AdminModel.current(request).id(), true, request, model);
    }

    private String devicesPage(long userId, boolean account, HttpServletRequest request, Model model) {
        DeviceAdministration.Overview overview = admin.overview(userId);
        User me = AdminModel.current(request);
        model.addAttribute("overview", overview);
        model.addAttribute("subject", overview.subject());
        model.addAttribute("own", overview.subject().id() == me.id());
        model.addAttribute("heading", account ? "My account" : "Devices of " + overview.subject().username());
        model.addAttribute("defaultName", DEFAULT_NAME);
        model.addAttribute("trustedBrowsers", admin.trustedBrowsers(userId));
        model.addAttribute("stepUp", overview.subject().id() == me.id() && !stepUp.fresh());
        return "admin/devices";
    }

    /**
     * "Confirm it is you" on My account: a current code from the staff user's own devices makes the session's code
     * fresh, for changing their own second factor.
     */
    @PostMapping("/admin/account/confirm")
    String confirm(@RequestParam(defaultValue = "") String code, HttpServletRequest request,
            HttpServletResponse response, RedirectAttributes flash) {
        boolean confirmed = stepUp.confirm(AdminModel.current(request), code, request, response);
        flash.addFlashAttribute(confirmed ? "notice" : "error", confirmed
                ? "Confirmed: you may change your own devices for the next few minutes."
                : "That code did not work (or had to wait after a wrong one): try a current code.");
        return "redirect:/admin/account";
    }

    /** Why the staff user may not do this to their own devices yet (flashed on My account), or null. */
    private String ownStepUp(long id, StepUp.Action action, HttpServletRequest request, RedirectAttributes flash) {
        Optional<String> refused = stepUp.refusal(AdminModel.current(request), id, action);
        if (refused.isEmpty()) {
            return null;
        }
        flash.addFlashAttribute("error", refused.get());
        return "redirect:/admin/account";
    }

    /** A new unconfirmed TOTP device: its QR code and secret, shown on this response only. */
    @PostMapping("/admin/users/{id}/devices/totp")
    String addTotp(@PathVariable long id, @RequestParam(defaultValue = DEFAULT_NAME) String name,
            HttpServletRequest request, HttpServletResponse response, Model model, RedirectAttributes flash) {
        String refused = ownStepUp(id, StepUp.Action.ADD_DEVICE, request, flash);
        if (refused != null) {
            return refused;
        }
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        DeviceAdministration.NewTotp created = admin.startTotp(AdminModel.current(request), id, name,
                request.getRemoteAddr());
        OtpAuthUri uri = created.uri();
        model.addAttribute("subject", created.subject());
        model.addAttribute("own", created.subject().id() == AdminModel.current(request).id());
        model.addAttribute("deviceId", created.device().id());
        model.addAttribute("name", created.name());
        model.addAttribute("qr", "data:image/png;base64," + Base64.getEncoder().encodeToString(QrCodes.png(uri)));
        model.addAttribute("secret", groups(uri.secret().exposeBase32()));
        model.addAttribute("uri", uri);
        return "admin/totp-new";
    }

    @PostMapping("/admin/users/{id}/devices/totp/{deviceId}/confirm")
    String confirmTotp(@PathVariable long id, @PathVariable long deviceId,
            @RequestParam(defaultValue = "") String code, HttpServletRequest request, HttpServletResponse response,
            Model model, RedirectAttributes flash) {
        User me = AdminModel.current(request);
        DeviceAdministration.Confirmation result = admin.confirmTotp(me, id, deviceId, code,
                request.getRemoteAddr());
        if (result.confirmed()) {
            flash.addFlashAttribute("notice", "The TOTP device " + quoted(result.name()) + " is confirmed: "
                    + result.subject().username() + " logs in with its codes from now on.");
            return "redirect:" + devicesPath(id, me);
        }
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        Long seconds = result.retryAfter() == null ? null : AdminModel.retrySeconds(result.retryAfter());
        HttpStatus status = switch (result.refusal()) {
            case MALFORMED -> HttpStatus.BAD_REQUEST;
            case WRONG, OTHER_DEVICE -> HttpStatus.UNPROCESSABLE_CONTENT;
            case THROTTLED, LOCKED -> HttpStatus.TOO_MANY_REQUESTS;
        };
        response.setStatus(status.value());
        if (status == HttpStatus.TOO_MANY_REQUESTS && seconds != null) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        }
        model.addAttribute("subject", result.subject());
        model.addAttribute("own", result.subject().id() == me.id());
        model.addAttribute("deviceId", deviceId);
        model.addAttribute("name", result.name());
        model.addAttribute("error", refusal(result, seconds));
        return "admin/totp-new";
    }

    /** New recovery codes, listed once and offered as a text file. */
    @PostMapping("/admin/users/{id}/recovery-codes")
    String recoveryCodes(@PathVariable long id, HttpServletRequest request, HttpServletResponse response,
            Model model, RedirectAttributes flash) {
        String refused = ownStepUp(id, StepUp.Action.NEW_RECOVERY_CODES, request, flash);
        if (refused != null) {
            return refused;
        }
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        User me = AdminModel.current(request);
        DeviceAdministration.NewCodes issued = admin.replaceRecoveryCodes(me, id, request.getRemoteAddr());
        String username = issued.subject().username();
        StringBuilder text = new StringBuilder("otpgate recovery codes for ").append(username)
                .append(" (each works once)\n");
        issued.codes().forEach(c -> text.append(c).append('\n'));
        model.addAttribute("subject", issued.subject());
        model.addAttribute("own", issued.subject().id() == me.id());
        model.addAttribute("codes", issued.codes());
        model.addAttribute("pending", issued.pending());
        model.addAttribute("fileName", "otpgate-recovery-codes-" + username + ".txt");
        model.addAttribute("download", "data:text/plain;charset=utf-8,"
                + URLEncoder.encode(text.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
        return "admin/recovery-codes";
    }

    @PostMapping("/admin/users/{id}/devices/{kind}/{deviceId}/delete")
    String delete(@PathVariable long id, @PathVariable String kind, @PathVariable long deviceId,
            HttpServletRequest request, RedirectAttributes flash) {
        User me = AdminModel.current(request);
        if (id == me.id()) {
            StepUp.Action action = DeviceKind.fromPrefix(kind).map(k -> StepUp.removing(new DeviceRef(k, deviceId),
                    admin.overview(id).devices())).orElse(StepUp.Action.REMOVE_DEVICE);
            String refused = ownStepUp(id, action, request, flash);
            if (refused != null) {
                return refused;
            }
        }
        String name = admin.remove(me, id, kind, deviceId, request.getRemoteAddr());
        flash.addFlashAttribute("notice", "The device " + quoted(name) + " was removed.");
        return "redirect:" + devicesPath(id, me);
    }

    @PostMapping("/admin/users/{id}/reset")
    String reset(@PathVariable long id, HttpServletRequest request, RedirectAttributes flash) {
        String refused = ownStepUp(id, StepUp.Action.TURN_OFF, request, flash);
        if (refused != null) {
            return refused;
        }
        User me = AdminModel.current(request);
        int removed = admin.reset(me, id, request.getRemoteAddr());
        flash.addFlashAttribute("notice", "The second factor was reset: " + removed
                + (removed == 1 ? " device" : " devices") + " removed, and the account is unlocked.");
        return "redirect:" + devicesPath(id, me);
    }

    @PostMapping("/admin/users/{id}/trusted-browsers/{browserId}/revoke")
    String revokeTrustedBrowser(@PathVariable long id, @PathVariable long browserId, HttpServletRequest request,
            RedirectAttributes flash) {
        User me = AdminModel.current(request);
        admin.revokeTrustedBrowser(me, id, browserId, request.getRemoteAddr());
        flash.addFlashAttribute("notice", "The browser is no longer trusted: it asks for a code at the next login.");
        return "redirect:" + devicesPath(id, me);
    }

    @PostMapping("/admin/users/{id}/trusted-browsers/revoke")
    String revokeTrustedBrowsers(@PathVariable long id, HttpServletRequest request, RedirectAttributes flash) {
        User me = AdminModel.current(request);
        int revoked = admin.revokeTrustedBrowsers(me, id, request.getRemoteAddr());
        flash.addFlashAttribute("notice", revoked + (revoked == 1 ? " browser is" : " browsers are")
                + " no longer trusted.");
        return "redirect:" + devicesPath(id, me);
    }

    @PostMapping("/admin/users/{id}/unlock")
    String unlock(@PathVariable long id, HttpServletRequest request, RedirectAttributes flash) {
        User me = AdminModel.current(request);
        boolean changed = admin.unlock(me, id, request.getRemoteAddr());
        flash.addFlashAttribute("notice", changed ? "The account is unlocked and its devices' throttling cleared."
                : "Nothing was locked.");
        return "redirect:" + devicesPath(id, me);
    }

    private static String devicesPath(long userId, User me) {
        return userId == me.id() ? "/admin/account" : "/admin/users/" + userId + "/devices";
    }

    private static String refusal(DeviceAdministration.Confirmation result, Long seconds) {
        String retry = seconds == null ? "" : " The next code is checked in " + seconds
                + (seconds == 1 ? " second." : " seconds.");
        String locked = "The account's second factor is locked after too many wrong codes";
        switch (result.refusal()) {
            case MALFORMED:
                return "A code is 6 to 8 digits. This one was not checked.";
            case OTHER_DEVICE:
                return "That code is from another of the user's devices, not from the new one (and it is used up "
                        + "now). Enter the code that the new entry in the authenticator app shows.";
            case THROTTLED:
                return "Too many wrong codes: this one was not checked." + retry;
            case LOCKED:
                return locked + ": this code was not checked." + retry + UNLOCK;
            default:
                return result.accountLocked() ? "Wrong code. " + locked + "." + UNLOCK : "Wrong code." + retry;
        }
    }

    private static String quoted(String name) {
        return "\u201c" + name + "\u201d";
    }

    /** Base32 in groups of four characters, easier to type. */
    private static String groups(String base32) {
        StringBuilder grouped = new StringBuilder();
        for (int i = 0; i < base32.length(); i += 4) {
            grouped.append(i == 0 ? "" : " ").append(base32, i, Math.min(base32.length(), i + 4));
        }
        return grouped.toString();
    }
}
