package io.otpgate.server.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * The per-request fast paths of the API's token handling agree with what they replace: the bearer header check with
 * Spring Security's resolver, the compact-JWS check with the regular expression it replaced, and the cache of
 * verified tokens with the decoder behind it.
 */
class FastPathsTest {

    private static final String ALPHABET = "Bb eEaArR=-._~+/09zZ!\"\t,%";

    @Test
    void bearerHeaderAgreesWithSpringSecurityOnRandomHeaders() {
        Random random = new Random(42);
        DefaultBearerTokenResolver spring = new DefaultBearerTokenResolver();
        List<String> headers = new ArrayList<>(List.of("Bearer abc", "bearer abc", "BEARER a.b.c", "Bearer abc==",
                "Bearer =", "Bearer  abc", "Bearer a b", "Bearerabc", "Basic abc", "Bearer ", "Bearer a=b",
                "Bearer a~b+c/d-e_f.g=", "Bearer é", "Bearer abc\t"));
        for (int i = 0; i < 20_000; i++) {
            StringBuilder header = new StringBuilder(random.nextInt(3) == 0 ? "" : "Bearer ");
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                header.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            headers.add(header.toString());
        }
        int accepted = 0;
        for (String header : headers) {
            String expected = springResult(spring, header);
            String fast = BearerTokenHeader.token(header);
            if (fast != null) {
                accepted++;
                assertThat(fast).as(header).isEqualTo(expected);
            } else {
                assertThat(expected).as("the fast path refused %s, which Spring accepts", header).isNull();
            }
            assertThat(springResult(new BearerTokenHeader(), header)).as(header).isEqualTo(expected);
        }
        assertThat(accepted).isGreaterThan(1000);
    }

    @Test
    void aTokenThatMightAlsoComeAsAParameterGoesToSpringSecurity() {
        for (String method : List.of("GET", "POST")) {
            MockHttpServletRequest request = new MockHttpServletRequest(method, "/api/me");
            request.addHeader("Authorization", "Bearer abc");
            request.setQueryString("access_token=def");
            request.addParameter("access_token", "def");
            assertThat(outcome(new BearerTokenHeader(), request))
                    .isEqualTo(outcome(new DefaultBearerTokenResolver(), request));
            MockHttpServletRequest form = new MockHttpServletRequest(method, "/api/me");
            form.addHeader("Authorization", "Bearer abc");
            form.setContentType("application/x-www-form-urlencoded");
            form.addParameter("access_token", "def");
            assertThat(outcome(new BearerTokenHeader(), form))
                    .isEqualTo(outcome(new DefaultBearerTokenResolver(), form));
        }
        MockHttpServletRequest plain = new MockHttpServletRequest("GET", "/api/me");
        plain.addHeader("Authorization", "Bearer abc");
        assertThat(new BearerTokenHeader().resolve(plain)).isEqualTo("abc");
    }

    private static String outcome(org.springframework.security.oauth2.server.resource.web.BearerTokenResolver r,
            MockHttpServletRequest request) {
        try {
            return "token " + r.resolve(request);
        } catch (OAuth2AuthenticationException e) {
            return "refused: " + e.getError().getDescription();
        }
    }

    @Test
    void compactJwsCheckAgreesWithTheRegularExpressionAndTheReEncoding() {
        Pattern shape = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        Random random = new Random(7);
        String base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        String junk = "..=+/ %";
        int matches = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder();
            int parts = 1 + random.nextInt(4);
            for (int part = 0; part < parts; part++) {
                if (part > 0) {
                    text.append('.');
                }
                int length = random.nextInt(7);
                for (int j = 0; j < length; j++) {
                    text.append(random.nextInt(20) == 0 ? junk.charAt(random.nextInt(junk.length()))
                            : base64Url.charAt(random.nextInt(base64Url.length())));
                }
            }
            boolean expected = shape.matcher(text).matches() && canonical(text.toString());
            matches += expected ? 1 : 0;
            assertThat(TokenCodec.isCompactJws(text.toString())).as(text.toString()).isEqualTo(expected);
        }
        assertThat(matches).isGreaterThan(100);
        assertThat(TokenCodec.isCompactJws(null)).isFalse();
    }

    @Test
    void verifiedTokensDecodeOnceUntilExpiryThenAskTheDecoderAgain() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(start);
        Clock clock = new Clock() {
            @Override
            public Instant instant() {
                return now.get();
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        AtomicInteger calls = new AtomicInteger();
        JwtDecoder decoder = token -> {
            calls.incrementAndGet();
            if (!token.startsWith("good") || !now.get().isBefore(start.plusSeconds(300))) {
                throw new BadJwtException("refused by the decoder");
            }
            return Jwt.withTokenValue(token).header("alg", "HS256").claim("sub", token).issuedAt(start)
                    .expiresAt(start.plusSeconds(300)).build();
        };
        VerifiedTokens tokens = new VerifiedTokens(decoder, clock);

        assertThat(tokens.decode("good-1").getClaims()).containsEntry("sub", "good-1");
        assertThat(tokens.decode("good-1").getTokenValue()).isEqualTo("good-1");
        assertThat(calls).hasValue(1);
        assertThatThrownBy(() -> tokens.decode("bad")).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> tokens.decode("bad")).isInstanceOf(BadJwtException.class);
        assertThat(calls).hasValue(3);
        assertThat(tokens.size()).isEqualTo(1);

        now.set(start.plus(Duration.ofSeconds(300)));
        assertThatThrownBy(() -> tokens.decode("good-1")).isInstanceOf(BadJwtException.class)
                .hasMessage("refused by the decoder");
        assertThat(calls).hasValue(4);
        assertThat(tokens.size()).isZero();
    }

    @Test
    void verifiedTokensStayBounded() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        Clock clock = Clock.fixed(start, ZoneOffset.UTC);
        JwtDecoder decoder = token -> new Jwt(token, start, start.plusSeconds(60), Map.of("alg", "HS256"),
                Map.of("sub", token));
        VerifiedTokens tokens = new VerifiedTokens(decoder, clock);
        for (int i = 0; i < VerifiedTokens.CAPACITY * 3; i++) {
            tokens.decode("token-" + i);
            assertThat(tokens.size()).isLessThanOrEqualTo(VerifiedTokens.CAPACITY);
        }
    }

    /** The spelling an encoder writes for the bytes each part decodes to, as the check before it did. */
    private static boolean canonical(String token) {
        for (String part : token.split("\\.")) {
            try {
                byte[] bytes = Base64.getUrlDecoder().decode(part);
                if (!Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(part)) {
                    return false;
                }
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return true;
    }

    private static String springResult(org.springframework.security.oauth2.server.resource.web.BearerTokenResolver r,
            String header) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/me");
        request.addHeader("Authorization", header);
        try {
            return r.resolve(request);
        } catch (OAuth2AuthenticationException e) {
            return null;
        }
    }
}
