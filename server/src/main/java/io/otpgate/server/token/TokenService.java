package io.otpgate.server.token;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.server.token.TokenClaims.TokenType;

/**
 * Issues, rotates and revokes token pairs. Access tokens are stateless; each refresh token is stored, spent by its
 * one refresh (which issues the next pair of the same family, with the same claims), and a spent or revoked one
 * presented again revokes its whole family: a stolen refresh token stops working as soon as either party uses it.
 *
 * <p>Every token carries the user's session version of the family's start (claim {@code sv}): once the version moves
 * on (a password change, a deactivation, a second-factor reset, new or deleted recovery codes, "log out everywhere")
 * the family's refresh is refused and revokes it, and its access tokens are refused by the request's one query
 * ({@link RequestAccess}). A family also ends {@code otpgate.token.session-max-age} after its password login
 * ({@code auth_time}), however often it was refreshed: no token of it expires later.
 */
public class TokenService {

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);

    private final TokenCodec codec;
    private final RefreshTokenRepository refreshTokens;
    private final RequestAccess access;
    private final SecurityEvents events;
    private final SessionVersions sessions;
    private final TokenProperties properties;
    private final Clock clock;

    TokenService(TokenCodec codec, RefreshTokenRepository refreshTokens, RequestAccess access, SecurityEvents events,
            SessionVersions sessions, TokenProperties properties, Clock clock) {
        this.codec = codec;
        this.refreshTokens = refreshTokens;
        this.access = access;
        this.events = events;
        this.sessions = sessions;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * A new pair for a new session (a new refresh family).
     *
     * @param device the device whose code the user just proved (now: the tokens' {@code otp_time}), or null for
     *     password only
     * @param authTime when the password was checked
     */
    @Transactional
    public TokenPair issue(long userId, DeviceRef device, Instant authTime) {
        return issue(userId, device, TokenClaims.methodsFor(device), authTime, UUID.randomUUID().toString(),
                sessions.current(userId), device == null ? null : secondOfNow(), false);
    }

    /**
     * A new pair for a new session, under the session version read before the password (or the code) was checked
     * (a version that moved on since makes the pair dead at once).
     *
     * @param device the device whose code the user just proved (now: the tokens' {@code otp_time}), or null for
     *     password only
     */
    @Transactional
    public TokenPair issue(long userId, DeviceRef device, Instant authTime, long sessionVersion) {
        return issue(userId, device, TokenClaims.methodsFor(device), authTime, UUID.randomUUID().toString(),
                sessionVersion, device == null ? null : secondOfNow(), false);
    }

    /**
     * A new pair for a password login from a browser the user trusted: {@code amr} {@code ["pwd"]} and
     * {@code otp_remembered: true}, under the session version read before the password was checked. It carries no
     * {@code otp_time}: a remembered browser is never fresh proof.
     */
    @Transactional
    public TokenPair issueRemembered(long userId, Instant authTime, long sessionVersion) {
        return issue(userId, null, TokenClaims.PASSWORD, authTime, UUID.randomUUID().toString(), sessionVersion,
                null, true);
    }

    private Instant secondOfNow() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    /**
     * A new pair for a new session whose second factor was proven otherwise than by a code (a passkey), with the
     * {@code amr} that says how ({@code OtpJwtClaims.passkeyMethods}); as
     * {@link #issue(long, DeviceRef, Instant, long)} otherwise.
     *
     * @param methods the tokens' {@code amr}
     */
    @Transactional
    public TokenPair issue(long userId, DeviceRef device, List<String> methods, Instant authTime,
            long sessionVersion) {
        return issue(userId, device, List.copyOf(methods), authTime, UUID.randomUUID().toString(), sessionVersion,
                secondOfNow(), false);
    }

    private TokenPair issue(long userId, DeviceRef device, List<String> methods, Instant authTime, String family,
            long sessionVersion, Instant otpTime, boolean remembered) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant authSecond = authTime.truncatedTo(ChronoUnit.SECONDS);
        Instant sessionEnd = authSecond.plus(properties.sessionMaxAge());
        TokenClaims access = new TokenClaims(TokenType.ACCESS, UUID.randomUUID().toString(), userId, now,
                earlier(now.plus(properties.accessLifetime()), sessionEnd), device, methods, authSecond,
                sessionVersion, otpTime, remembered);
        TokenClaims refresh = new TokenClaims(TokenType.REFRESH, UUID.randomUUID().toString(), userId, now,
                earlier(now.plus(properties.refreshLifetime()), sessionEnd), device, methods, authSecond,
                sessionVersion, otpTime, remembered);
        refreshTokens.insert(refresh.id(), family, userId, now, refresh.expiresAt());
        return new TokenPair(codec.encode(access), codec.encode(refresh));
    }

    /**
     * Spends a refresh token for a new pair with the same claims (simplejwt's {@code ROTATE_REFRESH_TOKENS} with
     * {@code BLACKLIST_AFTER_ROTATION}). A token that was spent or revoked already revokes its family; the
     * revocation is kept although the answer is a refusal.
     *
     * @return empty if the token is not a valid, live refresh token of an active user, or its session ended (the
     *     user's session version moved on, or the session is older than {@code otpgate.token.session-max-age}: the
     *     family is revoked then)
     */
    @Transactional
    public Optional<TokenPair> refresh(String token, String clientAddress) {
        Optional<TokenClaims> claims = codec.decodeRefresh(token);
        if (claims.isEmpty()) {
            return Optional.empty();
        }
        TokenClaims presented = claims.get();
        Optional<RefreshTokenRepository.Stored> stored = refreshTokens.lock(presented.id());
        if (stored.isEmpty() || stored.get().userId() != presented.userId()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (stored.get().usedAt() != null || stored.get().revokedAt() != null) {
            replayed(stored.get(), now, clientAddress);
            return Optional.empty();
        }
        Optional<RequestAccess.UserSession> user = access.session(presented.userId());
        if (user.isEmpty() || !user.get().active()) {
            // Refused, and left unspent; a deactivation through otpgate also moved the session version.
            return Optional.empty();
        }
        if (presented.sessionVersion() != user.get().sessionVersion()
                || !now.isBefore(presented.authTime().plus(properties.sessionMaxAge()))) {
            refreshTokens.revokeFamily(stored.get().family(), now);
            return Optional.empty();
        }
        if (!refreshTokens.spend(presented.id(), now)) {
            throw new IllegalStateException("refresh token " + presented.id() + " changed while locked");
        }
        // The second factor's time is kept: a refresh proves nothing new.
        return Optional.of(issue(presented.userId(), presented.device(), presented.methods(), presented.authTime(),
                stored.get().family(), presented.sessionVersion(), presented.otpTime(), presented.remembered()));
    }

    /**
     * Ends every session of the user ("log out everywhere"): every refresh family and every access token of the user,
     * on every instance, at once.
     */
    @Transactional
    public void endAll(long userId, String clientAddress) {
        sessions.endAll(userId, SessionVersions.LOG_OUT_EVERYWHERE, clientAddress);
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /**
     * Blacklists a refresh token (a logout). A token that was spent already is a replay and revokes its family.
     *
     * @return false if it is not a valid refresh token of this server, or was revoked already
     */
    @Transactional
    public boolean revoke(String token, String clientAddress) {
        Optional<TokenClaims> claims = codec.decodeRefresh(token);
        if (claims.isEmpty()) {
            return false;
        }
        Optional<RefreshTokenRepository.Stored> stored = refreshTokens.lock(claims.get().id());
        if (stored.isEmpty() || stored.get().revokedAt() != null) {
            return false;
        }
        Instant now = clock.instant();
        if (stored.get().usedAt() != null) {
            replayed(stored.get(), now, clientAddress);
            return true;
        }
        refreshTokens.revoke(stored.get().jti(), now);
        events.record(SecurityEventKind.LOGGED_OUT, stored.get().userId(), null, clientAddress, null);
        return true;
    }

    private void replayed(RefreshTokenRepository.Stored stored, Instant now, String clientAddress) {
        int revoked = refreshTokens.revokeFamily(stored.family(), now);
        events.record(SecurityEventKind.REFRESH_TOKEN_REPLAYED, stored.userId(), null, clientAddress,
                revoked > 0 ? "session revoked" : "session was revoked already");
    }

    /** Deletes refresh tokens that expired a day ago or more (they are refused by their signature's time anyway). */
    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
    @Transactional
    public void deleteExpired() {
        int deleted = refreshTokens.deleteExpired(clock.instant().minus(1, ChronoUnit.DAYS));
        if (deleted > 0) {
            log.info("deleted {} expired refresh tokens", deleted);
        }
    }
}
