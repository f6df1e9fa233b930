package io.otpgate.samples.jwtapi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.factor.OtpCodes;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.factor.OtpJwtClaims;
import jakarta.servlet.http.HttpServletRequest;

/** The application's tokens: after the password, and after a code (the one place it calls otpgate). */
@RestController
class TokenController {

    private static final Duration LIFETIME = Duration.ofMinutes(15);

    private final AuthenticationManager authentication;
    private final JwtEncoder encoder;
    private final OtpCodes codes;
    private final Clock clock;

    TokenController(AuthenticationManager authentication, JwtEncoder encoder, OtpCodes codes, Clock clock) {
        this.authentication = authentication;
        this.encoder = encoder;
        this.codes = codes;
        this.clock = clock;
    }

    /** {@code {"username", "password"}} to {@code {"access"}}: a token of the password alone. */
    @PostMapping("/api/token")
    ResponseEntity<Map<String, String>> token(@RequestBody(required = false) Map<String, Object> body) {
        if (body == null || !(body.get("username") instanceof String username)
                || !(body.get("password") instanceof String password)) {
            return ResponseEntity.badRequest().body(Map.of("detail", "`username` and `password` are required"));
        }
        try {
            Authentication user = authentication.authenticate(
                    UsernamePasswordAuthenticationToken.unauthenticated(username, password));
            Instant now = clock.instant();
            JwtClaimsSet.Builder claims = claims(user.getName(), now).claim(OtpJwtClaims.AMR, List.of("pwd"))
                    .claim(OtpJwtClaims.AUTH_TIME, now.getEpochSecond());
            return ResponseEntity.ok(Map.of("access", mint(claims)));
        } catch (AuthenticationException e) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                    .body(Map.of("detail", "No active account found with the given credentials"));
        }
    }

    /**
     * {@code {"token": "123456"}} with the password's token: a new token that carries the factor (a TOTP code, or a
     * recovery code; the first code of a pending setup confirms it).
     */
    @PostMapping("/api/token/otp")
    ResponseEntity<Map<String, String>> otp(@AuthenticationPrincipal Jwt current, Authentication user,
            @RequestBody(required = false) Map<String, Object> body, HttpServletRequest request) {
        String code = body == null || !(body.get("token") instanceof String typed) ? null : typed;
        Optional<VerificationOutcome> outcome = codes.verify(current.getSubject(), code, OtpFactor.proven(user),
                request.getRemoteAddr());
        if (outcome.isEmpty()) {
            return ResponseEntity.badRequest().body(Map.of("detail", "`token` must be a one-time or recovery code"));
        }
        if (outcome.get() instanceof VerificationOutcome.Verified verified) {
            Number authTime = current.getClaim(OtpJwtClaims.AUTH_TIME);
            JwtClaimsSet.Builder claims = OtpJwtClaims.add(claims(current.getSubject(), clock.instant()),
                    verified.device(), Instant.ofEpochSecond(authTime.longValue()));
            return ResponseEntity.ok(Map.of("access", mint(claims)));
        }
        if (outcome.get() instanceof VerificationOutcome.Throttled
                || outcome.get() instanceof VerificationOutcome.Locked) {
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                    .body(Map.of("detail", "Too many failed attempts: try again later"));
        }
        return ResponseEntity.badRequest().body(Map.of("detail", "Invalid 2FA token, or invalid 2FA device."));
    }

    @GetMapping("/api/me")
    Map<String, Object> me(Authentication user) {
        return Map.of("username", user.getName(), "authorities",
                user.getAuthorities().stream().map(GrantedAuthority::getAuthority).sorted().toList());
    }

    private JwtClaimsSet.Builder claims(String subject, Instant now) {
        return JwtClaimsSet.builder().subject(subject).issuedAt(now).expiresAt(now.plus(LIFETIME));
    }

    private String mint(JwtClaimsSet.Builder claims) {
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims.build()))
                .getTokenValue();
    }
}
