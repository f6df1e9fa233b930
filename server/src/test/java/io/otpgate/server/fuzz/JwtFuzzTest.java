package io.otpgate.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.core.fuzz.FuzzBytes;
import io.otpgate.server.fuzz.FuzzServer.Answer;
import tools.jackson.databind.node.ObjectNode;

/**
 * JWT parsing: arbitrary strings, and valid tokens with bytes flipped, parts replaced, {@code alg: none}, another
 * {@code kid} or algorithm, signatures swapped, cut or extended, presented as bearer tokens and as refresh tokens.
 * Never a 5xx, the checks of {@link ApiChecks}, and a token is accepted (a 200 on an authenticated endpoint, or a
 * refresh or logout) only if it is byte for byte a token the server issued.
 */
class JwtFuzzTest {

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder BASE64URL_DECODER = Base64.getUrlDecoder();

    private final FuzzServer server = FuzzServer.get();

    /**
     * Layout ({@link FuzzBytes}): where the text goes (bearer, raw Authorization header, refresh body, logout body),
     * then the text as UTF-8, with the placeholders {@code ${access}} and {@code ${refresh}}.
     */
    @FuzzTest
    void arbitraryTokens(byte[] input) throws Exception {
        FuzzBytes in = new FuzzBytes(input);
        int where = in.u8();
        String token = new String(server.fill(in.rest()), StandardCharsets.UTF_8);
        present(where, token);
    }

    /**
     * Layout: which valid token (verified access, password-only access, access without a device, refresh), where it
     * goes (as for {@link #arbitraryTokens}), the mutation, and what the mutation needs.
     */
    @FuzzTest
    void mutatedValidTokens(byte[] input) throws Exception {
        FuzzBytes in = new FuzzBytes(input);
        String valid = in.pick(server.enrolledVerified.access(), server.enrolledPasswordOnly.access(),
                server.plain.access(), server.enrolledVerified.refresh());
        int where = in.u8();
        String[] parts = valid.split("\\.", -1);
        String mutated = switch (in.u8() % 9) {
            case 0 -> flipBytes(valid, in);
            case 1 -> join(encode(in.utf16(200)), parts[1], parts[2]);
            case 2 -> join(parts[0], encode(in.utf16(255)), parts[2]);
            case 3 -> join(encode("{\"alg\":\"none\"" + in.utf16(40) + "}"), parts[1], in.bool() ? "" : parts[2]);
            case 4 -> join(withHeader(parts[0], "kid", in.utf16(64)), parts[1], parts[2]);
            case 5 -> join(withHeader(parts[0], "alg", in.pick("none", "None", "HS384", "HS512", "RS256", "ES256",
                    "PS256", "hs256", "")), parts[1], parts[2]);
            case 6 -> join(parts[0], parts[1], in.pick(server.enrolledPasswordOnly.access(), server.plain.access(),
                    server.enrolledVerified.refresh()).split("\\.")[2]);
            case 7 -> valid.substring(0, Math.floorMod(in.i32(), valid.length() + 1))
                    + new String(in.rest(), StandardCharsets.ISO_8859_1);
            default -> join(parts[0], parts[1], BASE64URL.encodeToString(flipBytes(BASE64URL_DECODER.decode(parts[2]),
                    in)));
        };
        present(where, mutated);
    }

    /** Presents a token where the selector says, and checks the answer. */
    private void present(int where, String token) throws Exception {
        Map<String, String> before = server.snapshot();
        String request;
        String path;
        Answer answer;
        switch (where % 4) {
            case 0, 1 -> {
                path = "/api/totp/status";
                request = "GET " + path + (where % 4 == 0 ? " (Bearer token)" : " (raw Authorization header)");
                answer = server.send(HttpMethod.GET, path, null, where % 4 == 0 ? "Bearer " + token : token,
                        new byte[0]);
            }
            default -> {
                path = where % 4 == 2 ? "/api/token/refresh" : "/api/token/blacklist";
                request = "POST " + path;
                ObjectNode body = FuzzServer.JSON.createObjectNode().put("refresh", token);
                answer = server.send(HttpMethod.POST, path, MediaType.APPLICATION_JSON_VALUE, null,
                        FuzzServer.JSON.writeValueAsBytes(body));
            }
        }
        if (answer.status() / 100 == 2) {
            String presented = where % 4 == 1 ? token.replaceFirst("^(?i)bearer +", "") : token;
            assertThat(server.issuedTokens.contains(presented))
                    .as("%s accepted a token (%d chars) that the server never issued", request, presented.length())
                    .isTrue();
        }
        ApiChecks.check(server, request, path, answer, before);
    }

    private static String flipBytes(String token, FuzzBytes in) {
        return new String(flipBytes(token.getBytes(StandardCharsets.ISO_8859_1), in), StandardCharsets.ISO_8859_1);
    }

    private static byte[] flipBytes(byte[] bytes, FuzzBytes in) {
        byte[] flipped = bytes.clone();
        int flips = 1 + in.u8() % 4;
        for (int i = 0; i < flips && flipped.length > 0; i++) {
            int at = Math.floorMod(in.i32(), flipped.length);
            flipped[at] ^= (byte) in.u8();
        }
        return flipped;
    }

    private static String withHeader(String header, String field, String value) {
        ObjectNode json = (ObjectNode) FuzzServer.JSON.readTree(BASE64URL_DECODER.decode(header));
        json.put(field, value);
        return BASE64URL.encodeToString(FuzzServer.JSON.writeValueAsBytes(json));
    }

    private static String encode(String json) {
        return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String join(String header, String payload, String signature) {
        return header + "." + payload + "." + signature;
    }
}
