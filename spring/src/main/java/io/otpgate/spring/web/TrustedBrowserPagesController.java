package io.otpgate.spring.web;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.factor.OtpPaths;
import io.otpgate.spring.factor.OtpSessions;
import io.otpgate.spring.factor.TrustedBrowserFactor;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The user's trusted browsers on {@code /otp/devices} (listed there by {@link OtpPagesController}): revoking one, or
 * all ("forget all", which also clears this browser's cookie). Both go back to the devices page; an id that is not
 * one of the user's browsers changes nothing (one that is not a number is a 400).
 */
@Controller
public class TrustedBrowserPagesController {

    static final String PATH = OtpPaths.DEVICES + "/trusted-browsers";

    private final Accounts accounts;
    private final OtpSessions sessions;
    private final TrustedBrowserFactor trustedBrowsers;

    public TrustedBrowserPagesController(Accounts accounts, OtpSessions sessions,
            TrustedBrowserFactor trustedBrowsers) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.trustedBrowsers = trustedBrowsers;
    }

    @PostMapping(PATH + "/{id}/revoke")
    String revoke(@PathVariable long id, HttpServletRequest request) {
        accounts.find(sessions.userKey()).ifPresent(a -> trustedBrowsers.revoke(a.accountId(), id, request));
        return "redirect:" + OtpPaths.DEVICES;
    }

    @PostMapping(PATH + "/revoke-all")
    String revokeAll(HttpServletRequest request, HttpServletResponse response) {
        accounts.find(sessions.userKey()).ifPresent(a -> trustedBrowsers.revokeAll(a.accountId(), request, response));
        return "redirect:" + OtpPaths.DEVICES;
    }
}
