package io.otpgate.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/**
 * JSON calls to one otpgate server over HTTP/1.1 (the JDK's {@link HttpClient}, one per {@code Api}, thread-safe).
 * Every call is bounded ({@value #TIMEOUT_SECONDS} s). A call that gets no HTTP answer (refused connection,
 * timeout, reset) throws {@link UncheckedIOException}, so that a scenario can count it.
 */
public final class Api {

    /** The most any call waits for its answer. */
    public static final int TIMEOUT_SECONDS = 30;

    static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * An answer.
     *
     * @param body the JSON body, or a {@link MissingNode} if it was empty or not JSON
     * @param nanos from sending the request to having read the whole answer
     */
    public record Response(int status, HttpHeaders headers, JsonNode body, long nanos) {

        /** A text field of the body, or null. */
        public String text(String field) {
            JsonNode value = body.get(field);
            return value != null && value.isString() ? value.stringValue() : null;
        }

        public boolean is5xx() {
            return status >= 500 && status <= 599;
        }

        @Override
        public String toString() {
            // The body may hold tokens, codes or an otpauth URI: the status only.
            return "Response[" + status + "]";
        }
    }

    /** An access and a refresh token from {@code /api/token}, {@code /api/totp/login} and the like. */
    public record Tokens(String access, String refresh) {

        static Tokens of(Response response) {
            String access = response.text("access");
            String refresh = response.text("refresh");
            if (access == null || refresh == null) {
                throw new IllegalStateException("a " + response.status() + " answer without access and refresh tokens");
            }
            return new Tokens(access, refresh);
        }

        @Override
        public String toString() {
            return "Tokens[PROTECTED]";
        }
    }

    private final URI base;
    private final HttpClient client;

    /** @param base such as {@code http://127.0.0.1:8080} */
    public Api(URI base) {
        this.base = base;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI base() {
        return base;
    }

    public Response get(String path, String bearer) {
        return send("GET", path, bearer, null);
    }

    /** @param body a value Jackson writes as JSON ({@code Map.of("token", code)}, a JsonNode), or null for none */
    public Response post(String path, String bearer, Object body) {
        return send("POST", path, bearer, body);
    }

    public Response delete(String path, String bearer) {
        return send("DELETE", path, bearer, null);
    }

    /**
     * One request.
     *
     * @param path such as {@code /api/totp/login}
     * @param bearer an access token, or null for none
     * @param body a value Jackson writes as JSON, or null for no body
     * @throws UncheckedIOException if no HTTP answer came
     */
    public Response send(String method, String path, String bearer, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(TIMEOUT_SECONDS))
                .header("Accept", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        long started = System.nanoTime();
        HttpResponse<String> answer;
        try {
            answer = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " got no answer from " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
        long nanos = System.nanoTime() - started;
        return new Response(answer.statusCode(), answer.headers(), parse(answer.body()), nanos);
    }

    /**
     * {@code POST /api/token}: the password login.
     *
     * @throws IllegalStateException unless the answer is 200 (the message has the status only)
     */
    public Tokens login(String username, String password) {
        Response response = post("/api/token", null, Map.of("username", username, "password", password));
        if (response.status() != 200) {
            throw new IllegalStateException("POST /api/token answered " + response.status() + " on " + base);
        }
        return Tokens.of(response);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            return MissingNode.getInstance();
        }
    }

    @Override
    public String toString() {
        return "Api[" + base + "]";
    }
}
