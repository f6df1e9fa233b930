package io.otpgate.server.token;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.server.token.TokenClaims.TokenType;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;

/**
 * Issues, rotates and revokes token pairs. Access tokens are stateless; each refresh token is stored, spent by its
 * one refresh (which issues the next pair of the same family, with the same claims), and a spent or revoked one
 * presented again revokes its whole family: a stolen refresh token stops working as soon as either party uses it.
 */
public class TokenService {

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);

    private final TokenCodec codec;
    private final RefreshTokenRepository refreshTokens;
    private final UserRepository users;
    private final SecurityEvents events;
    private final TokenProperties properties;
    private final Clock clock;

    TokenService(TokenCodec codec, RefreshTokenRepository refreshTokens, UserRepository users, SecurityEvents events,
            TokenProperties properties, Clock clock) {
        this.codec = codec;
        this.refreshTokens = refreshTokens;
        this.users = users;
        this.events = events;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * A new pair for a new session (a new refresh family).
     *
     * @param device the device whose code the user just proved, or null for password only
     * @param authTime when the password was checked
     */
    @Transactional
    public TokenPair issue(long userId, DeviceRef device, Instant authTime) {
        return issue(userId, device, TokenClaims.methodsFor(device), authTime, UUID.randomUUID().toString());
    }

    private TokenPair issue(long userId, DeviceRef device, java.util.List<String> methods, Instant authTime,
            String family) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant authSecond = authTime.truncatedTo(ChronoUnit.SECONDS);
        TokenClaims access = new TokenClaims(TokenType.ACCESS, UUID.randomUUID().toString(), userId, now,
                now.plus(properties.accessLifetime()), device, methods, authSecond);
        TokenClaims refresh = new TokenClaims(TokenType.REFRESH, UUID.randomUUID().toString(), userId, now,
                now.plus(properties.refreshLifetime()), device, methods, authSecond);
        refreshTokens.insert(refresh.id(), family, userId, now, refresh.expiresAt());
        return new TokenPair(codec.encode(access), codec.encode(refresh));
    }

    /**
     * Spends a refresh token for a new pair with the same claims (simplejwt's {@code ROTATE_REFRESH_TOKENS} with
     * {@code BLACKLIST_AFTER_ROTATION}). A token that was spent or revoked already revokes its family; the
     * revocation is kept although the answer is a refusal.
     *
     * @return empty if the token is not a valid, live refresh token of an active user
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
        Optional<User> user = users.findById(presented.userId());
        if (user.isEmpty() || !user.get().active()) {
            // Refused, and left unspent: a user made active again keeps the session.
            return Optional.empty();
        }
        if (!refreshTokens.spend(presented.id(), now)) {
            throw new IllegalStateException("refresh token " + presented.id() + " changed while locked");
        }
        return Optional.of(issue(presented.userId(), presented.device(), presented.methods(), presented.authTime(),
                stored.get().family()));
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
