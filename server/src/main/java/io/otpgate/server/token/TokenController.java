package io.otpgate.server.token;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.server.system.ApiRefusal;
import io.otpgate.server.system.JsonBodies;
import io.otpgate.spring.trust.TrustedBrowserCookies;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.JsonNode;

/**
 * simplejwt's endpoints: obtain a pair, refresh it (with rotation), blacklist a refresh token; "log out everywhere";
 * and the JWKs.
 */
@RestController
@ConditionalOnWebApplication
class TokenController {

    /** Django's longest username and password. */
    private static final int MAX_USERNAME = 150;
    private static final int MAX_PASSWORD = 4096;
    /** Far longer than any token otpgate issues (an RS256 pair is under 1 KiB). */
    private static final int MAX_TOKEN = 4096;
    private static final String INVALID = "Token is invalid or expired";

    private final PasswordLogin logins;
    private final TokenService tokens;
    private final TokenCodec codec;
    private final TrustedBrowserCookies trustedBrowsers;

    TokenController(PasswordLogin logins, TokenService tokens, TokenCodec codec,
            TrustedBrowserCookies trustedBrowsers) {
        this.trustedBrowsers = trustedBrowsers;
        this.logins = logins;
        this.tokens = tokens;
        this.codec = codec;
    }

    /** A password login; with a trusted-browser cookie of this user, tokens with {@code otp_remembered}. */
    @PostMapping("/api/token")
    Map<String, String> obtain(@RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        JsonNode fields = JsonBodies.object(body);
        String username = JsonBodies.requiredText(fields, "username", MAX_USERNAME);
        String password = JsonBodies.requiredText(fields, "password", MAX_PASSWORD);
        return CodeLogins.answer(logins.login(username, password, request.getRemoteAddr(),
                trustedBrowsers.values(request)));
    }

    @PostMapping("/api/token/refresh")
    Map<String, String> refresh(@RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        String refresh = JsonBodies.requiredText(JsonBodies.object(body), "refresh", MAX_TOKEN);
        return tokens.refresh(refresh, request.getRemoteAddr()).map(CodeLogins::answer)
                .orElseThrow(() -> ApiRefusal.unauthorized(INVALID, "token_not_valid"));
    }

    @PostMapping("/api/token/blacklist")
    Map<String, String> blacklist(@RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        String refresh = JsonBodies.requiredText(JsonBodies.object(body), "refresh", MAX_TOKEN);
        if (!tokens.revoke(refresh, request.getRemoteAddr())) {
            throw ApiRefusal.unauthorized(INVALID, "token_not_valid");
        }
        return Map.of();
    }

    /**
     * "Log out everywhere": ends every session of the token's user, this one included (every refresh token and every
     * access token, at once). Needs the second factor once the user has a device, as the account endpoints do.
     */
    @PostMapping("/api/token/logout-all")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void logoutAll(@AuthenticationPrincipal ApiPrincipal me, HttpServletRequest request) {
        tokens.endAll(me.userId(), request.getRemoteAddr());
    }

    /** The public keys that check otpgate's tokens (RS256, ES256); empty for HS256. */
    @GetMapping("/.well-known/jwks.json")
    Map<String, Object> jwks() {
        return codec.publicJwks();
    }
}
