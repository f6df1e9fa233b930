package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.secret.ServerKey;
import io.otpgate.spring.secret.ServerKeys;
import io.otpgate.server.token.TokenClaims;
import io.otpgate.server.token.TokenCodec;
import tools.jackson.databind.node.ObjectNode;

/**
 * Attacks on the API's JWTs: unsigned, re-signed, tampered and mistyped tokens, expiry, refresh rotation and replay,
 * logout, devices that no longer prove the second factor, and users that are gone. Every refusal is a 401 with a
 * problem+json body and simplejwt's {@code code}.
 */
class JwtAttacksTest extends ApiTestBase {

    private static final String SECOND_FACTOR_MISSING =
            "You do not have permission to perform this action until you verify your MFA device.";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    @Autowired private ServerKeys serverKeys;
    @Autowired private TokenCodec codec;

    // ---------------------------------------------------------------------------------------------------------------
    // Forged tokens: no key, another key, another algorithm, a changed payload

    /** What a forger starts from: a user's real tokens of one type (access or refresh). */
    record Victim(String verified, String passwordOnly, byte[] serverKey) {
    }

    @FunctionalInterface
    interface Forge {
        String from(Victim victim) throws Exception;
    }

    /** Tokens a client could make without the server's key (and two made with it, under a refused algorithm). */
    enum Forgery {
        /** The verified token's claims, unsigned: {@code {"alg":"none"}}. */
        ALG_NONE(v -> new PlainJWT(new PlainHeader.Builder().type(JOSEObjectType.JWT).build(), claims(v.verified()))
                .serialize()),
        /** The same with {@code "None"}, which some libraries compare case-insensitively. */
        ALG_NONE_CAPITALISED(v -> raw("{\"alg\":\"None\",\"typ\":\"JWT\"}", part(v.verified(), 1), "")),
        /** {@code alg: none} in the header, the original signature kept. */
        ALG_NONE_KEEPING_SIGNATURE(v -> raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", part(v.verified(), 1),
                part(v.verified(), 2))),
        /** The algorithm otpgate uses, with a key of the forger's. */
        HS256_OTHER_KEY(v -> sign(JWSAlgorithm.HS256, new MACSigner(randomBytes(32)), claims(v.verified()))),
        HS384_OTHER_KEY(v -> sign(JWSAlgorithm.HS384, new MACSigner(randomBytes(48)), claims(v.verified()))),
        HS512_OTHER_KEY(v -> sign(JWSAlgorithm.HS512, new MACSigner(randomBytes(64)), claims(v.verified()))),
        /** A valid HMAC under the server's own key, but with an algorithm the server does not use. */
        HS384_SERVER_KEY(v -> hmac("HS384", "HmacSHA384", v.serverKey(), part(v.verified(), 1))),
        HS512_SERVER_KEY(v -> hmac("HS512", "HmacSHA512", v.serverKey(), part(v.verified(), 1))),
        /** An all-zero key, named by a {@code kid} that points at an empty file. */
        HS256_ZERO_KEY_KID_TRAVERSAL(v -> sign(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT)
                .keyID("../../../../../../../dev/null").build(), new MACSigner(new byte[32]), claims(v.verified()))),
        /** RS256 with a fresh RSA key. */
        RS256_FRESH_KEY(v -> sign(JWSAlgorithm.RS256, new RSASSASigner(rsaKey()), claims(v.verified()))),
        /** RS256 with a fresh key whose public half rides in the header ({@code jwk}, CVE-2018-0114). */
        RS256_EMBEDDED_JWK(v -> {
            RSAKey key = rsaKey();
            return sign(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).jwk(key.toPublicJWK())
                    .build(), new RSASSASigner(key), claims(v.verified()));
        }),
        ES256_FRESH_KEY(v -> {
            ECKey key = new ECKeyGenerator(Curve.P_256).generate();
            return sign(JWSAlgorithm.ES256, new ECDSASigner(key), claims(v.verified()));
        }),
        /** Another user's id in the payload, the signature kept. */
        TAMPERED_USER_ID(v -> tampered(v.verified(), p -> p.put("user_id", p.get("user_id").longValue() + 1))),
        /** A password-only token that claims the device of the verified one, the signature kept. */
        TAMPERED_DEVICE_ADDED(v -> tampered(v.passwordOnly(), p -> p.put("otp_device_id",
                payload(v.verified()).get("otp_device_id").stringValue()))),
        /** A later expiry, the signature kept. */
        TAMPERED_EXPIRY(v -> tampered(v.verified(), p -> p.put("exp", p.get("exp").longValue() + 86_400))),
        /** The other token type, the signature kept. */
        TAMPERED_TOKEN_TYPE(v -> tampered(v.verified(), p -> p.put("token_type",
                p.get("token_type").stringValue().equals("access") ? "refresh" : "access"))),
        /** Header and payload, no signature. */
        SIGNATURE_STRIPPED(v -> part(v.verified(), 0) + "." + part(v.verified(), 1) + "."),
        /** Header and payload only. */
        TWO_PARTS(v -> part(v.verified(), 0) + "." + part(v.verified(), 1)),
        /** The password-only token's header and payload with the verified token's signature. */
        SIGNATURE_OF_ANOTHER_TOKEN(v -> part(v.passwordOnly(), 0) + "." + part(v.passwordOnly(), 1) + "."
                + part(v.verified(), 2)),
        /**
         * The same signature bytes spelled with another last character (one of its unused low bits set), which
         * Base64 decoders read alike: found by JwtFuzzTest, accepted before.
         */
        SIGNATURE_WITH_OTHER_TRAILING_BITS(v -> part(v.verified(), 0) + "." + part(v.verified(), 1) + "."
                + otherSpelling(part(v.verified(), 2))),
        /** The token with a character outside base64url appended to its signature (RFC 7515 section 2 allows none). */
        SIGNATURE_WITH_TRAILING_TILDE(v -> v.verified() + "~"),
        /** The signature split by one more dot. */
        SIGNATURE_WITH_INNER_DOT(v -> part(v.verified(), 0) + "." + part(v.verified(), 1) + "."
                + part(v.verified(), 2).substring(0, 10) + "." + part(v.verified(), 2).substring(10)),
        /** A JWE-shaped token (five parts, {@code dir}/{@code A256GCM}) that no decrypter is configured for. */
        JWE_SHAPED(v -> B64.encodeToString("{\"alg\":\"dir\",\"enc\":\"A256GCM\"}".getBytes(StandardCharsets.UTF_8))
                + ".." + B64.encodeToString(randomBytes(12)) + "." + part(v.verified(), 1) + "."
                + B64.encodeToString(randomBytes(16)));

        private final Forge forge;

        Forgery(Forge forge) {
            this.forge = forge;
        }
    }

    @ParameterizedTest
    @EnumSource(Forgery.class)
    void accessWhenForgedThenUnauthorized(Forgery forgery) throws Exception {
        Enrolled enrolled = enrol();
        String forged = forgery.forge.from(new Victim(enrolled.verified().access(), enrolled.passwordOnly().access(),
                serverKey()));
        assertThat(forged).isNotEqualTo(enrolled.verified().access());

        assertTokenRefused(get("/api/me", forged), "token_not_valid");
        assertTokenRefused(get("/api/totp/status", forged), "token_not_valid");
        assertThat(get("/api/me", enrolled.verified().access()).status()).as("the real token still works")
                .isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(Forgery.class)
    void refreshWhenForgedThenUnauthorizedAndNothingSpent(Forgery forgery) throws Exception {
        Enrolled enrolled = enrol();
        String forged = forgery.forge.from(new Victim(enrolled.verified().refresh(),
                enrolled.passwordOnly().refresh(), serverKey()));
        String before = refreshTokenRows();

        assertTokenRefused(post("/api/token/refresh", null, json("refresh", forged)), "token_not_valid");
        assertTokenRefused(post("/api/token/blacklist", null, json("refresh", forged)), "token_not_valid");

        assertThat(refreshTokenRows()).as("no refresh token spent or revoked").isEqualTo(before);
        assertThat(events("REFRESH_TOKEN_REPLAYED")).isZero();
        assertThat(post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh())).status())
                .as("the real refresh token still works").isEqualTo(200);
    }

    /** The control of the forgeries: the helpers that make them make tokens the server accepts when they should. */
    @Test
    void accessWhenResignedWithServerKeyOrReassembledUnchangedThenAccepted() throws Exception {
        Enrolled enrolled = enrol();
        String access = enrolled.verified().access();

        assertThat(get("/api/me", hmac("HS256", "HmacSHA256", serverKey(), part(access, 1))).status())
                .isEqualTo(200);
        assertThat(get("/api/me", tampered(access, p -> { })).status()).isEqualTo(200);
        assertThat(get("/api/me", sign(JWSAlgorithm.HS256, new MACSigner(serverKey()), claims(access))).status())
                .isEqualTo(200);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Signed with the server's key, but with claims otpgate never issues

    record BadClaims(String name, Consumer<ObjectNode> change, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadClaims> badClaims() {
        return Stream.of(
                new BadClaims("user_id a string", p -> p.put("user_id", p.get("user_id").asString()),
                        "token_not_valid"),
                new BadClaims("user_id zero", p -> p.put("user_id", 0), "token_not_valid"),
                new BadClaims("user_id negative", p -> p.put("user_id", -p.get("user_id").longValue()),
                        "token_not_valid"),
                new BadClaims("user_id fractional", p -> p.put("user_id", p.get("user_id").longValue() + 0.5),
                        "token_not_valid"),
                new BadClaims("user_id beyond a long", p -> p.put("user_id",
                        BigInteger.TWO.pow(64).add(BigInteger.valueOf(p.get("user_id").longValue()))),
                        "token_not_valid"),
                new BadClaims("user_id missing", p -> p.remove("user_id"), "token_not_valid"),
                new BadClaims("user_id of no user", p -> p.put("user_id", 987_654_321L), "user_not_found"),
                new BadClaims("jti missing", p -> p.remove("jti"), "token_not_valid"),
                new BadClaims("jti empty", p -> p.put("jti", ""), "token_not_valid"),
                new BadClaims("exp missing", p -> p.remove("exp"), "token_not_valid"),
                new BadClaims("exp a string", p -> p.put("exp", "tomorrow"), "token_not_valid"),
                new BadClaims("exp in the past", p -> p.put("exp", p.get("iat").longValue() - 1), "token_not_valid"),
                new BadClaims("iat missing", p -> p.remove("iat"), "token_not_valid"),
                new BadClaims("token_type missing", p -> p.remove("token_type"), "token_not_valid"),
                new BadClaims("token_type upper case", p -> p.put("token_type", "ACCESS"), "token_not_valid"),
                new BadClaims("token_type refresh", p -> p.put("token_type", "refresh"), "token_not_valid"),
                new BadClaims("amr missing", p -> p.remove("amr"), "token_not_valid"),
                new BadClaims("amr a string", p -> p.put("amr", "pwd otp mfa"), "token_not_valid"),
                new BadClaims("amr holding a number", p -> p.putArray("amr").add("pwd").add(2), "token_not_valid"),
                new BadClaims("auth_time missing", p -> p.remove("auth_time"), "token_not_valid"),
                new BadClaims("sv a string", p -> p.put("sv", "0"), "token_not_valid"),
                new BadClaims("sv negative", p -> p.put("sv", -1), "token_not_valid"),
                new BadClaims("sv a fraction", p -> p.put("sv", 0.5), "token_not_valid"),
                new BadClaims("sv ahead of the user's", p -> p.put("sv", 1), "token_not_valid"),
                new BadClaims("auth_time a string", p -> p.put("auth_time", "yesterday"), "token_not_valid"),
                new BadClaims("otp_device_id without a number", p -> p.put("otp_device_id", "totp/abc"),
                        "token_not_valid"),
                new BadClaims("otp_device_id of an unknown kind", p -> p.put("otp_device_id", "sms/1"),
                        "token_not_valid"),
                new BadClaims("otp_device_id a number", p -> p.put("otp_device_id", 1), "token_not_valid"),
                new BadClaims("otp_device_id too long", p -> p.put("otp_device_id", "totp/" + "9".repeat(40)),
                        "token_not_valid"));
    }

    /** Defence in depth: even with the signing key, a token whose claims otpgate would never write is refused. */
    @ParameterizedTest
    @MethodSource("badClaims")
    void accessWhenSignedWithServerKeyButClaimsMalformedThenUnauthorized(BadClaims bad) throws Exception {
        Enrolled enrolled = enrol();
        ObjectNode claims = (ObjectNode) payload(enrolled.verified().access());
        bad.change().accept(claims);
        String token = hmac("HS256", "HmacSHA256", serverKey(), b64(JSON.writeValueAsString(claims)));

        assertTokenRefused(get("/api/me", token), bad.code());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Token types

    @Test
    void accessWhenRefreshTokenSentAsBearerThenUnauthorized() throws Exception {
        Tokens tokens = login();

        assertTokenRefused(get("/api/me", tokens.refresh()), "token_not_valid");
        assertTokenRefused(get("/api/totp/status", tokens.refresh()), "token_not_valid");
        assertTokenRefused(post("/api/totp/create", tokens.refresh(), null), "token_not_valid");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isZero();
    }

    @Test
    void refreshWhenAccessTokenSentThenUnauthorizedAndNothingSpent() throws Exception {
        Tokens tokens = login();
        String before = refreshTokenRows();

        assertTokenRefused(post("/api/token/refresh", null, json("refresh", tokens.access())), "token_not_valid");
        assertTokenRefused(post("/api/token/blacklist", null, json("refresh", tokens.access())), "token_not_valid");

        assertThat(refreshTokenRows()).isEqualTo(before);
        assertThat(post("/api/token/refresh", null, json("refresh", tokens.refresh())).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = { "abc", "a.b.c", "..", "...", "eyJhbGciOiJub25lIn0", "eyJhbGciOiJub25lIn0.e30.",
        "a b", "ünïcødé", "", "Bearer", "a*b.c.d" })
    void accessWhenBearerIsJunkThenUnauthorized(String junk) throws Exception {
        login();

        assertTokenRefused(get("/api/totp/status", junk), "token_not_valid");
    }

    @Test
    void accessWhenBearerIsTenThousandCharactersThenUnauthorized() throws Exception {
        String access = login().access();
        String padded = access + "A".repeat(10_000);

        assertTokenRefused(get("/api/totp/status", padded), "token_not_valid");
    }

    @Test
    void accessWhenTokenOnlyInQueryParameterThenUnauthorized() throws Exception {
        String access = login().access();

        Answer answer = call(MockMvcRequestBuilders.get("/api/totp/status").param("access_token", access), null,
                null);

        assertTokenRefused(answer, "not_authenticated");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Expiry

    @Test
    void accessWhenExpiredThenUnauthorized() throws Exception {
        Tokens tokens = login();
        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(get("/api/totp/status", tokens.access()).status()).as("valid a second before").isEqualTo(200);

        clock.advance(Duration.ofSeconds(2));

        assertTokenRefused(get("/api/totp/status", tokens.access()), "token_not_valid");
        assertThat(get("/api/totp/status", tokens.access()).header("WWW-Authenticate"))
                .contains("error=\"invalid_token\"");
    }

    /** RFC 7519 4.1.4: a token "MUST NOT be accepted for processing" on or after its {@code exp}. */
    @Test
    void accessWhenClockReachesExpThenUnauthorized() throws Exception {
        Tokens tokens = login();
        clock.set(Instant.ofEpochSecond(payload(tokens.access()).get("exp").longValue()));

        assertTokenRefused(get("/api/totp/status", tokens.access()), "token_not_valid");
    }

    @Test
    void refreshWhenExpiredThenUnauthorized() throws Exception {
        Tokens early = login();
        Tokens late = login();
        clock.advance(Duration.ofDays(1).minusSeconds(1));
        assertThat(post("/api/token/refresh", null, json("refresh", early.refresh())).status())
                .as("valid a second before").isEqualTo(200);

        clock.advance(Duration.ofSeconds(2));

        assertTokenRefused(post("/api/token/refresh", null, json("refresh", late.refresh())), "token_not_valid");
        assertTokenRefused(post("/api/token/blacklist", null, json("refresh", late.refresh())), "token_not_valid");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Rotation, replay and logout

    @Test
    void refreshWhenOldTokenReplayedThenRefusedAndWholeFamilyRevoked() throws Exception {
        Tokens first = login();
        Tokens otherSession = login();

        Tokens second = tokens(post("/api/token/refresh", null, json("refresh", first.refresh())));
        assertThat(second.refresh()).isNotEqualTo(first.refresh());
        assertThat(second.access()).isNotEqualTo(first.access());
        assertThat(payload(second.refresh()).get("jti")).isNotEqualTo(payload(first.refresh()).get("jti"));
        assertThat(get("/api/totp/status", second.access()).status()).isEqualTo(200);

        assertTokenRefused(post("/api/token/refresh", null, json("refresh", first.refresh())), "token_not_valid");
        assertTokenRefused(post("/api/token/refresh", null, json("refresh", second.refresh())), "token_not_valid");
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = ? and detail = ?",
                user.id(), "REFRESH_TOKEN_REPLAYED", "session revoked")).as("one session revoked").isEqualTo(1);
        assertThat(post("/api/token/refresh", null, json("refresh", otherSession.refresh())).status())
                .as("another session of the same user is not touched").isEqualTo(200);
    }

    @Test
    void refreshWhenRotatedTwiceThenEachNewTokenWorksOnce() throws Exception {
        Tokens first = login();

        Tokens second = tokens(post("/api/token/refresh", null, json("refresh", first.refresh())));
        Tokens third = tokens(post("/api/token/refresh", null, json("refresh", second.refresh())));

        assertThat(List.of(first.refresh(), second.refresh(), third.refresh())).doesNotHaveDuplicates();
        assertTokenRefused(post("/api/token/refresh", null, json("refresh", second.refresh())), "token_not_valid");
        assertTokenRefused(post("/api/token/refresh", null, json("refresh", third.refresh())), "token_not_valid");
    }

    @Test
    void blacklistWhenRefreshTokenLoggedOutThenRefused() throws Exception {
        Tokens session = login();
        Tokens otherSession = login();

        Answer loggedOut = post("/api/token/blacklist", null, json("refresh", session.refresh()));

        assertThat(loggedOut.status()).as("answer %s", loggedOut.json()).isEqualTo(200);
        assertThat(events("LOGGED_OUT")).isEqualTo(1);
        assertTokenRefused(post("/api/token/refresh", null, json("refresh", session.refresh())), "token_not_valid");
        assertTokenRefused(post("/api/token/blacklist", null, json("refresh", session.refresh())), "token_not_valid");
        assertThat(post("/api/token/refresh", null, json("refresh", otherSession.refresh())).status())
                .isEqualTo(200);
    }

    @Test
    void blacklistWhenTokenAlreadyRotatedThenItsSuccessorIsRefusedToo() throws Exception {
        Tokens first = login();
        Tokens second = tokens(post("/api/token/refresh", null, json("refresh", first.refresh())));

        Answer replayedLogout = post("/api/token/blacklist", null, json("refresh", first.refresh()));

        assertThat(replayedLogout.status()).isIn(200, 401);
        assertTokenRefused(post("/api/token/refresh", null, json("refresh", second.refresh())), "token_not_valid");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Devices that no longer prove the second factor

    @Test
    void accessWhenDeviceDeletedAndUserEnrolsAgainThenOldVerifiedTokenForbidden() throws Exception {
        Enrolled first = enrol();
        Tokens old = first.verified();
        Tokens reset = tokens(delete("/api/totp/delete", old.access()));
        assertThat(get("/api/me", reset.access()).status()).as("no device: the password is enough").isEqualTo(200);
        assertThat(get("/api/me", old.access()).status()).as("turning 2FA off ended the other sessions")
                .isEqualTo(401);

        Setup second = createTotp(reset.access());
        Tokens fresh = tokens(post("/api/totp/login", reset.access(), json("token", code(second.secret()))));
        assertThat(payload(fresh.access()).get("otp_device_id"))
                .isNotEqualTo(payload(old.access()).get("otp_device_id"));

        Answer stale = get("/api/me", old.access());
        assertThat(stale.status()).as("answer %s", stale.json()).isEqualTo(401);
        assertThat(stale.response().getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(stale.text("code")).isEqualTo("token_not_valid");
        Answer refreshed = post("/api/token/refresh", null, json("refresh", old.refresh()));
        if (refreshed.status() == 200) {
            assertThat(get("/api/me", refreshed.text("access")).status())
                    .as("a refresh of the old session does not prove the new device").isEqualTo(403);
        } else {
            assertTokenRefused(refreshed, "token_not_valid");
        }
        assertThat(get("/api/me", fresh.access()).status()).isEqualTo(200);
    }

    /** A validly signed token (minted with the server's codec) that names a device of another user. */
    @Test
    void accessWhenTokenNamesAnotherUsersDeviceThenForbidden() throws Exception {
        Enrolled alice = enrol();
        String aliceName = user.username();
        DeviceRef aliceDevice = DeviceRef.parse(payload(alice.verified().access()).get("otp_device_id")
                .stringValue()).orElseThrow();
        user = newUser();
        Enrolled bob = enrol();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        String bobWithAliceDevice = codec.encode(new TokenClaims(TokenClaims.TokenType.ACCESS,
                UUID.randomUUID().toString(), user.id(), now, now.plus(Duration.ofMinutes(5)), aliceDevice,
                List.of("pwd", "otp", "mfa"), now, 0, now));

        Answer forbidden = get("/api/me", bobWithAliceDevice);

        assertThat(forbidden.status()).as("answer %s", forbidden.json()).isEqualTo(403);
        assertThat(forbidden.text("detail")).isEqualTo(SECOND_FACTOR_MISSING);
        assertThat(get("/api/me", bob.verified().access()).text("username")).isEqualTo(user.username());
        assertThat(get("/api/me", alice.verified().access()).text("username")).isEqualTo(aliceName);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Users that are gone

    @Test
    void accessWhenUserDeactivatedThenUnauthorized() throws Exception {
        Enrolled enrolled = enrol();
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);

        jdbc.sql("update auth_user set is_active = false where id = ?").param(user.id()).update();

        assertTokenRefused(get("/api/me", enrolled.verified().access()), "user_inactive");
        assertTokenRefused(get("/api/totp/status", enrolled.passwordOnly().access()), "user_inactive");
        assertTokenRefused(post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh())),
                "token_not_valid");
    }

    /** A refused refresh changes nothing: once the user is active again, the session goes on. */
    @Test
    void refreshWhenUserDeactivatedThenRefusedWithoutSpendingToken() throws Exception {
        Tokens tokens = login();
        String before = refreshTokenRows();
        jdbc.sql("update auth_user set is_active = false where id = ?").param(user.id()).update();

        assertTokenRefused(post("/api/token/refresh", null, json("refresh", tokens.refresh())), "token_not_valid");

        assertThat(refreshTokenRows()).as("the refused refresh spent nothing").isEqualTo(before);
        jdbc.sql("update auth_user set is_active = true where id = ?").param(user.id()).update();
        assertThat(post("/api/token/refresh", null, json("refresh", tokens.refresh())).status()).isEqualTo(200);
        assertThat(events("REFRESH_TOKEN_REPLAYED")).isZero();
    }

    @Test
    void accessWhenUserDeletedThenUnauthorized() throws Exception {
        Enrolled enrolled = enrol();

        jdbc.sql("delete from auth_user where id = ?").param(user.id()).update();

        assertTokenRefused(get("/api/me", enrolled.verified().access()), "user_not_found");
        assertTokenRefused(get("/api/totp/status", enrolled.passwordOnly().access()), "user_not_found");
        assertTokenRefused(post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh())),
                "token_not_valid");
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void assertTokenRefused(Answer answer, String code) throws Exception {
        assertThat(answer.status()).as("answer %s", answer.response().getContentAsString()).isEqualTo(401);
        assertThat(answer.response().getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.json()).isNotNull();
        assertThat(answer.json().path("detail").isString()).as("detail in %s", answer.json()).isTrue();
        assertThat(answer.text("detail")).isNotBlank();
        assertThat(answer.json().path("code").isString()).as("code in %s", answer.json()).isTrue();
        assertThat(answer.text("code")).isEqualTo(code);
    }

    private byte[] serverKey() {
        return serverKeys.get(ServerKey.JWT_SIGNING).exposeBytes();
    }

    private String refreshTokenRows() {
        return jdbc.sql("select jti, used_at, revoked_at from refresh_token where user_id = ? order by jti")
                .param(user.id()).query().listOfRows().toString();
    }

    private long events(String kind) {
        return count("select count(*) from otpgate_security_event where account_id = ? and kind = ?", user.id(), kind);
    }

    /** Part {@code index} (0 header, 1 payload, 2 signature) of a compact JWS, as sent. */
    /**
     * The same bytes as a Base64url part, spelled with another last character: the lowest of its unused bits set
     * (an HS256 signature, 43 characters, has two).
     */
    private static String otherSpelling(String part) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        assertThat(part.length() % 4).as("the part's last character has unused bits").isNotZero();
        char last = part.charAt(part.length() - 1);
        String other = part.substring(0, part.length() - 1) + alphabet.charAt(alphabet.indexOf(last) ^ 1);
        assertThat(Base64.getUrlDecoder().decode(other)).isEqualTo(Base64.getUrlDecoder().decode(part));
        return other;
    }

    private static String part(String jwt, int index) {
        return jwt.split("\\.", -1)[index];
    }

    private static String b64(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JWTClaimsSet claims(String jwt) throws java.text.ParseException {
        return JWTClaimsSet.parse(payload(jwt).toString());
    }

    private static String raw(String headerJson, String payloadPart, String signaturePart) {
        return b64(headerJson) + "." + payloadPart + "." + signaturePart;
    }

    private static String sign(JWSAlgorithm algorithm, JWSSigner signer, JWTClaimsSet claims) throws Exception {
        return sign(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(), signer, claims);
    }

    private static String sign(JWSHeader header, JWSSigner signer, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** An HMAC JWS computed by hand, so that any algorithm can be used with any key length. */
    private static String hmac(String alg, String macAlgorithm, byte[] key, String payloadPart) throws Exception {
        String signingInput = b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + payloadPart;
        Mac mac = Mac.getInstance(macAlgorithm);
        mac.init(new SecretKeySpec(key, macAlgorithm));
        return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The token with its payload changed and its header and signature kept. */
    private static String tampered(String jwt, Consumer<ObjectNode> change) {
        ObjectNode claims = (ObjectNode) payload(jwt);
        change.accept(claims);
        return part(jwt, 0) + "." + b64(JSON.writeValueAsString(claims)) + "." + part(jwt, 2);
    }

    private static RSAKey rsaKey() throws Exception {
        return new RSAKeyGenerator(2048).generate();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
