package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.TestDatabases;

/**
 * Bodies that are not JSON, on a real Tomcat (where multipart and form parsing happen): 415 with the API's problem
 * body before anything reads them, never a 500, never a stack trace in the log, and never more read than was sent
 * before the answer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.tomcat.accesslog.enabled=false")
@ExtendWith(OutputCaptureExtension.class)
class NonJsonBodiesOnTomcatTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    @ParameterizedTest
    @ValueSource(strings = { "multipart/form-data", "multipart/form-data; boundary=x", "multipart/mixed",
        "application/x-www-form-urlencoded", "text/plain", "application/xml", "no type at all" })
    void passwordLoginWhenBodyNotJsonThenUnsupportedMediaTypeAndNoStackTrace(String type, CapturedOutput output)
            throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/token"))
                .timeout(ANSWER).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString("--x\r\nContent-Disposition: form-data; name=\"username\""
                        + "\r\n\r\nalice\r\n--x--\r\n"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(415);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(answer.body()).contains("\"detail\":\"request body must be application/json\"");
        assertThat(output.getAll()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void multipartWithoutBodyOnAnyApiPathThenUnsupportedMediaType() throws Exception {
        for (String path : new String[] { "/api/token", "/api/me", "/api/totp/status" }) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base() + path))
                    .timeout(ANSWER).header("Content-Type", "multipart/form-data").GET().build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(415);
        }
    }

    /**
     * A chunked multipart upload: the answer comes after the first chunk, without waiting for the rest, so the server
     * read at most that chunk (it used to read on, past the 64 KiB limit, and answer 500 after 1.5 MB).
     */
    @Test
    void chunkedMultipartWhenFirstChunkSentThenAnsweredBeforeTheRest(CapturedOutput output) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) ANSWER.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(chunk("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"
                    + "a".repeat(1024)));
            out.flush();

            String statusLine;
            try {
                statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within " + ANSWER.toSeconds()
                        + " s after the first chunk: the server waits for the rest of the body", e);
            }
            assertThat(statusLine).isEqualTo("HTTP/1.1 415 ");
        }
        assertThat(output.getAll()).doesNotContain("Exception");
    }

    /** The same upload sent whole (1.5 MB, as fast as the server takes it): 415, never a 500. */
    @Test
    void chunkedMultipartOfOneAndAHalfMegabytesThenUnsupportedMediaType(CapturedOutput output) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) ANSWER.toMillis());
            OutputStream out = socket.getOutputStream();
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            + "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"));
                    byte[] piece = chunk("a".repeat(16 * 1024));
                    for (int i = 0; i < 96; i++) {
                        out.write(piece);
                    }
                    out.write(chunk("\r\n--x--\r\n"));
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // The server closed the connection after answering: the rest was never read.
                }
            });

            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertThat(statusLine).isEqualTo("HTTP/1.1 415 ");
            socket.shutdownInput();
            upload.get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(output.getAll()).doesNotContain("Exception");
    }

    private static byte[] chunk(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.US_ASCII);
        byte[] head = (Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[head.length + bytes.length + 2];
        System.arraycopy(head, 0, chunk, 0, head.length);
        System.arraycopy(bytes, 0, chunk, head.length, bytes.length);
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }
}
