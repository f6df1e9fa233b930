package io.otpgate.server.token;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;

import io.otpgate.spring.secret.ServerKey;
import io.otpgate.spring.secret.ServerKeys;
import io.otpgate.server.token.TokenClaims.TokenType;

/**
 * Signs and checks otpgate's JWTs with Spring Security's Nimbus encoder and decoder. The algorithm is pinned: a
 * token signed with any other ({@code none} included) is refused, and so is an access token offered as a refresh
 * token and the other way round.
 */
public final class TokenCodec {


    private final TokenProperties.Algorithm algorithm;
    private final JwtEncoder encoder;
    private final JwtDecoder accessDecoder;
    private final JwtDecoder refreshDecoder;
    private final JWKSet publicKeys;
    private final String keyId;

    /**
     * @param keys where a generated key is kept (used when no HS256 secret is configured)
     * @param clock the clock that {@code exp} is checked against
     */
    public TokenCodec(TokenProperties properties, ServerKeys keys, Clock clock) {
        this.algorithm = properties.algorithm();
        // Each kind of token gets a decoder of its own: their validators differ in the token type they accept.
        Supplier<NimbusJwtDecoder> decoders;
        switch (algorithm) {
            case HS256 -> {
                byte[] configured = properties.secretBytes();
                byte[] bytes = configured != null ? configured : keys.get(ServerKey.JWT_SIGNING).exposeBytes();
                SecretKey key = new SecretKeySpec(bytes, "HmacSHA256");
                this.keyId = null;
                this.publicKeys = new JWKSet();
                // A fixed key id: the default, a thumbprint of the secret key, is nothing a client needs.
                this.encoder = NimbusJwtEncoder.withSecretKey(key).algorithm(MacAlgorithm.HS256)
                        .jwkPostProcessor(b -> b.keyID("otpgate-hs256")).build();
                decoders = () -> NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
            }
            case RS256 -> {
                KeyPair pair = keyPair(keys.material(ServerKey.JWT_RS256, r -> generate("RSA", r)), "RSA");
                RSAPublicKey publicKey = (RSAPublicKey) pair.getPublic();
                RSAKey jwk = withThumbprint(new RSAKey.Builder(publicKey).keyUse(KeyUse.SIGNATURE)
                        .algorithm(com.nimbusds.jose.JWSAlgorithm.RS256).build());
                this.keyId = jwk.getKeyID();
                this.publicKeys = new JWKSet(jwk);
                this.encoder = NimbusJwtEncoder.withKeyPair(publicKey, (RSAPrivateKey) pair.getPrivate())
                        .algorithm(SignatureAlgorithm.RS256).jwkPostProcessor(b -> b.keyID(keyId)).build();
                decoders = () -> NimbusJwtDecoder.withPublicKey(publicKey).signatureAlgorithm(SignatureAlgorithm.RS256)
                        .build();
            }
            case ES256 -> {
                KeyPair pair = keyPair(keys.material(ServerKey.JWT_ES256, r -> generate("EC", r)), "EC");
                ECPublicKey publicKey = (ECPublicKey) pair.getPublic();
                ECKey jwk = withThumbprint(new ECKey.Builder(Curve.P_256, publicKey).keyUse(KeyUse.SIGNATURE)
                        .algorithm(com.nimbusds.jose.JWSAlgorithm.ES256).build());
                this.keyId = jwk.getKeyID();
                this.publicKeys = new JWKSet(jwk);
                this.encoder = NimbusJwtEncoder.withKeyPair(publicKey, (ECPrivateKey) pair.getPrivate())
                        .jwkPostProcessor(b -> b.keyID(keyId)).build();
                ImmutableJWKSet<com.nimbusds.jose.proc.SecurityContext> source = new ImmutableJWKSet<>(publicKeys);
                decoders = () -> NimbusJwtDecoder.withJwkSource(source).jwsAlgorithm(SignatureAlgorithm.ES256).build();
            }
            default -> throw new IllegalStateException("unexpected algorithm " + algorithm);
        }
        this.accessDecoder = new VerifiedTokens(validating(decoders.get(), TokenType.ACCESS, clock), clock);
        this.refreshDecoder = validating(decoders.get(), TokenType.REFRESH, clock);
    }

    /**
     * Signs a token with these claims; a null device leaves {@code otp_device_id} out, a null second-factor time
     * {@code otp_time}.
     */
    public String encode(TokenClaims claims) {
        JwtClaimsSet.Builder set = JwtClaimsSet.builder().id(claims.id()).issuedAt(claims.issuedAt())
                .expiresAt(claims.expiresAt()).claim(TokenClaims.TOKEN_TYPE, claims.type().claim())
                .claim(TokenClaims.USER_ID, claims.userId()).claim(TokenClaims.METHODS, claims.methods())
                .claim(TokenClaims.AUTH_TIME, claims.authTime().getEpochSecond())
                .claim(TokenClaims.SESSION_VERSION, claims.sessionVersion());
        if (claims.device() != null) {
            set.claim(TokenClaims.DEVICE, claims.device().persistentId());
        }
        if (claims.otpTime() != null) {
            set.claim(TokenClaims.OTP_TIME, claims.otpTime().getEpochSecond());
        }
        if (claims.remembered()) {
            set.claim(TokenClaims.REMEMBERED, true);
        }
        JwsHeader.Builder header = switch (algorithm) {
            case HS256 -> JwsHeader.with(MacAlgorithm.HS256);
            case RS256 -> JwsHeader.with(SignatureAlgorithm.RS256).keyId(keyId);
            case ES256 -> JwsHeader.with(SignatureAlgorithm.ES256).keyId(keyId);
        };
        return encoder.encode(JwtEncoderParameters.from(header.type("JWT").build(), set.build())).getTokenValue();
    }

    /** The decoder of access tokens (the resource server's). */
    public JwtDecoder accessDecoder() {
        return accessDecoder;
    }

    /**
     * Checks a refresh token: signature, algorithm, expiry, claims, and type.
     *
     * @return empty if it is not a valid refresh token
     */
    public Optional<TokenClaims> decodeRefresh(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        try {
            return TokenClaims.of(refreshDecoder.decode(token));
        } catch (JwtException e) {
            return Optional.empty();
        }
    }

    /** The public keys as a JWK Set (empty for HS256, whose key is never published). */
    public Map<String, Object> publicJwks() {
        return publicKeys.toJSONObject(true);
    }

    private static JwtDecoder validating(NimbusJwtDecoder decoder, TokenType type, Clock clock) {
        JwtTimestampValidator timestamps = new JwtTimestampValidator(Duration.ZERO);
        timestamps.setClock(clock);
        OAuth2Error expired = new OAuth2Error("invalid_token", "Token is expired", null);
        // RFC 7519 4.1.4: not accepted on or after exp (the timestamp validator accepts a token at exp itself).
        OAuth2TokenValidator<Jwt> beforeExpiry = jwt -> jwt.getExpiresAt() != null
                && clock.instant().isBefore(jwt.getExpiresAt()) ? OAuth2TokenValidatorResult.success()
                        : OAuth2TokenValidatorResult.failure(expired);
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(List.of(timestamps, beforeExpiry,
                claimsOf(type))));
        // Spring fills a missing iat in from exp; otpgate's tokens always have one, so one without is refused.
        MappedJwtClaimSetConverter defaults = MappedJwtClaimSetConverter.withDefaults(Map.of());
        decoder.setClaimSetConverter(claims -> {
            Map<String, Object> converted = defaults.convert(claims);
            if (!claims.containsKey(JwtClaimNames.IAT)) {
                converted.remove(JwtClaimNames.IAT);
            }
            return converted;
        });
        // Nimbus skips characters outside Base64url, and Base64 decoders ignore the unused low bits of a part's last
        // character: a token string is accepted only in its one exact spelling, the one the encoder wrote.
        return token -> {
            if (!isCompactJws(token)) {
                throw new BadJwtException("Malformed token");
            }
            return decoder.decode(token);
        };
    }

    /**
     * Whether the text is a JWS in compact form in its one spelling: three non-empty unpadded Base64url parts joined
     * by two dots, each part's last character without unused bits set (a Base64 decoder ignores those bits, so
     * another spelling would decode to the same bytes). A loop rather than a regular expression and a re-encoding:
     * it runs on every request whose token is not in the cache of verified ones.
     */
    static boolean isCompactJws(String token) {
        if (token == null) {
            return false;
        }
        int dots = 0;
        int partLength = 0;
        for (int i = 0; i <= token.length(); i++) {
            char c = i < token.length() ? token.charAt(i) : '.';
            if (c == '.') {
                if (partLength == 0 || !canonicalEnd(token.charAt(i - 1), partLength) || ++dots > 3) {
                    return false;
                }
                partLength = 0;
            } else if (base64Url(c) >= 0) {
                partLength++;
            } else {
                return false;
            }
        }
        return dots == 3;
    }

    /** Whether a part of this length may end with this character: no length of 1 mod 4, no unused bits set. */
    private static boolean canonicalEnd(char last, int partLength) {
        int value = base64Url(last);
        switch (partLength % 4) {
            case 1:
                return false;
            case 2:
                return (value & 0x0F) == 0;
            case 3:
                return (value & 0x03) == 0;
            default:
                return true;
        }
    }

    /** The 6-bit value of a Base64url character, or -1. */
    private static int base64Url(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }

    private static OAuth2TokenValidator<Jwt> claimsOf(TokenType type) {
        OAuth2Error wrongType = new OAuth2Error("invalid_token", "Token has wrong type", null);
        OAuth2Error malformed = new OAuth2Error("invalid_token", "Token has no or malformed otpgate claims", null);
        return jwt -> TokenClaims.of(jwt).map(c -> c.type() == type ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(wrongType)).orElse(OAuth2TokenValidatorResult.failure(malformed));
    }

    /** The key with its RFC 7638 thumbprint as key id. */
    @SuppressWarnings("unchecked")
    private static <K extends com.nimbusds.jose.jwk.JWK> K withThumbprint(K key) {
        try {
            String thumbprint = key.computeThumbprint().toString();
            if (key instanceof RSAKey rsa) {
                return (K) new RSAKey.Builder(rsa).keyID(thumbprint).build();
            }
            return (K) new ECKey.Builder((ECKey) key).keyID(thumbprint).build();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("cannot compute the key's thumbprint", e);
        }
    }

    /** A new key pair, encoded: private key length (4 bytes), private key (PKCS#8), public key (X.509). */
    private static byte[] generate(String kind, SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(kind);
            if (kind.equals("RSA")) {
                generator.initialize(2048, random);
            } else {
                generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            }
            KeyPair pair = generator.generateKeyPair();
            byte[] privateKey = pair.getPrivate().getEncoded();
            byte[] publicKey = pair.getPublic().getEncoded();
            return ByteBuffer.allocate(4 + privateKey.length + publicKey.length).putInt(privateKey.length)
                    .put(privateKey).put(publicKey).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a " + kind + " key pair", e);
        }
    }

    private static KeyPair keyPair(byte[] encoded, String kind) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(encoded);
            byte[] privateKey = new byte[buffer.getInt()];
            buffer.get(privateKey);
            byte[] publicKey = new byte[buffer.remaining()];
            buffer.get(publicKey);
            KeyFactory factory = KeyFactory.getInstance(kind);
            return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(publicKey)),
                    factory.generatePrivate(new PKCS8EncodedKeySpec(privateKey)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("the stored " + kind + " JWT key pair cannot be read", e);
        }
    }

}
