package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.JsonNode;

/**
 * The optional asymmetric algorithms: tokens signed with a key pair the server makes and keeps, the public key at
 * {@code /.well-known/jwks.json}, and the seed's flow working the same.
 */
class SignatureAlgorithmsTest {

    @Nested
    @TestPropertySource(properties = "otpgate.token.algorithm=RS256")
    class Rs256 extends ApiTestBase {
        @Test
        void tokensWhenRs256ThenSignedWithThePublishedKeyAndAccepted() throws Exception {
            checkAlgorithm(this, "RS256", "RSA");
        }
    }

    @Nested
    @TestPropertySource(properties = "otpgate.token.algorithm=ES256")
    class Es256 extends ApiTestBase {
        @Test
        void tokensWhenEs256ThenSignedWithThePublishedKeyAndAccepted() throws Exception {
            checkAlgorithm(this, "ES256", "EC");
        }
    }

    static void checkAlgorithm(ApiTestBase api, String algorithm, String keyType) throws Exception {
        ApiTestBase.Enrolled enrolled = api.enrol();
        JsonNode header = ApiTestBase.JSON.readTree(Base64.getUrlDecoder()
                .decode(enrolled.verified().access().split("\\.")[0]));
        assertThat(header.get("alg").stringValue()).isEqualTo(algorithm);

        JsonNode keys = api.get("/.well-known/jwks.json", null).json().get("keys");
        assertThat(keys.size()).isEqualTo(1);
        assertThat(keys.get(0).get("kty").stringValue()).isEqualTo(keyType);
        assertThat(keys.get(0).get("kid").stringValue()).isEqualTo(header.get("kid").stringValue());
        assertThat(keys.get(0).has("d")).as("the private part is never published").isFalse();

        assertThat(api.get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);
        assertThat(api.get("/api/me", enrolled.passwordOnly().access()).status()).isEqualTo(403);
        ApiTestBase.Tokens refreshed = ApiTestBase.tokens(api.post("/api/token/refresh", null,
                ApiTestBase.json("refresh", enrolled.verified().refresh())));
        assertThat(api.get("/api/me", refreshed.access()).status()).isEqualTo(200);
    }
}
