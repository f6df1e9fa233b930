package io.otpgate.server.token;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Access tokens that passed every check of the decoder, by their exact text, until they expire. A client sends the
 * same access token with every request of its session, and checking it again (signature, JSON, claim conversion)
 * was about a fifth of the server's work per {@code GET /api/me}.
 *
 * <p>Only tokens the decoder accepted are added, so a hit is a string the decoder accepted byte for byte; it is still
 * checked against the clock, and a token that has expired since is decoded again, to be refused with the decoder's
 * own error. The user and device checks are not cached: they run on every request. Bounded: when full, the cache
 * starts over (a flood of distinct valid tokens only makes every request a miss).
 */
final class VerifiedTokens implements JwtDecoder {

    /** About 1.5 KiB each: at most a few MiB. */
    static final int CAPACITY = 4096;

    private final JwtDecoder decoder;
    private final Clock clock;
    private final ConcurrentHashMap<String, Jwt> tokens = new ConcurrentHashMap<>();

    VerifiedTokens(JwtDecoder decoder, Clock clock) {
        this.decoder = decoder;
        this.clock = clock;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        if (token != null) {
            Jwt known = tokens.get(token);
            if (known != null) {
                if (clock.instant().isBefore(known.getExpiresAt())) {
                    return known;
                }
                tokens.remove(token);
            }
        }
        Jwt jwt = decoder.decode(token);
        if (tokens.size() >= CAPACITY) {
            tokens.clear();
        }
        tokens.put(token, jwt);
        return jwt;
    }

    int size() {
        return tokens.size();
    }
}
