package io.otpgate.spring.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.factor.OtpSessions;
import io.otpgate.spring.webauthn.Passkeys;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What the pages of {@link OtpPagesController} need to offer passkeys: {@code passkeyApi} (where the script finds
 * the ceremonies), {@code passkeys} (the user's, as rows of {@code /otp/devices}) and {@code hasPasskey} (to offer
 * "Use a passkey" on {@code /otp/verify}). Kept apart from the controller so that the pages' own logic is unchanged.
 */
@ControllerAdvice(assignableTypes = OtpPagesController.class)
public class PasskeyPages {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Accounts accounts;
    private final Passkeys passkeys;
    private final OtpSessions sessions;
    private final ApiProperties api;

    public PasskeyPages(Accounts accounts, Passkeys passkeys, OtpSessions sessions, ApiProperties api) {
        this.accounts = accounts;
        this.passkeys = passkeys;
        this.sessions = sessions;
        this.api = api;
    }

    /**
     * One passkey as {@code /otp/devices} shows it.
     *
     * @param device its persistent id, as the remove form takes it
     * @param lastUsed {@code never} before the first use
     */
    public record Row(String device, String name, String created, String lastUsed, boolean userVerified,
            boolean synced) {
    }

    @ModelAttribute
    void passkeys(Model model, HttpServletRequest request) {
        List<Row> rows = account().map(a -> passkeys.list(a.accountId()).stream().map(p -> new Row(
                p.device().persistentId(), p.name(), when(p.createdAt()),
                p.lastUsedAt() == null ? "never" : when(p.lastUsedAt()), p.userVerified(), p.synced())).toList())
                .orElse(List.of());
        model.addAttribute("passkeyApi", request.getContextPath() + api.prefix() + "/webauthn");
        model.addAttribute("passkeys", rows);
        model.addAttribute("hasPasskey", !rows.isEmpty());
    }

    private Optional<AccountRef> account() {
        Authentication current = sessions.current();
        if (current == null || !current.isAuthenticated() || current instanceof AnonymousAuthenticationToken) {
            return Optional.empty();
        }
        return accounts.find(sessions.userKey());
    }

    private static String when(Instant at) {
        return WHEN.format(at);
    }
}
