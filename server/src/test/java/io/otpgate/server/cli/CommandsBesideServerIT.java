package io.otpgate.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar: a server on the embedded database, and commands run beside it as separate processes on the same
 * data directory (given to the server as {@code --otpgate.data-dir}, to the commands as {@code OTPGATE_DATA_DIR}),
 * which H2's AUTO_SERVER mode lets share the database file, as {@code manage.py} beside a running Django.
 */
class CommandsBesideServerIT {

    static final String PASSWORD = "correct horse battery";
    static final Duration SERVER_START = Duration.ofSeconds(60);
    static final Duration COMMAND = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    Process server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void commandsWhenServerHoldsTheDatabaseThenTheyWorkBesideIt() throws Exception {
        int port = freePort();
        Path serverLog = directory.resolve("server.log");
        server = new ProcessBuilder(java(), "-jar", jar().toString(), "--server.port=" + port,
                "--otpgate.data-dir=" + directory)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(serverLog.toFile())
                .start();
        awaitHealthy(port, serverLog);

        Run created = command(PASSWORD + "\n", "createuser", "alice", "--password-stdin");
        Run added = command("", "add-otp-device", "alice");
        Run listed = command("", "list-devices", "alice");
        Run unknown = command("", "list-devices", "nobody");

        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.out()).isEqualTo("User \"alice\" created.\n");
        assertThat(added.exitCode()).as(added.toString()).isZero();
        assertThat(added.out()).startsWith("OTP device created for alice. QR code saved to alice_qrcode.png\n");
        assertThat(directory.resolve("alice_qrcode.png")).isNotEmptyFile();
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.out()).containsPattern("totp/1 +Default +yes +SHA1, 6 digits, 30 s")
                .endsWith("Second factor: not locked, 0 consecutive failures.\n");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("User \"nobody\" does not exist\n");
        for (Run run : List.of(created, added, listed, unknown)) {
            assertThat(run.all()).as(run.toString()).doesNotContain(PASSWORD).doesNotContain("Exception");
        }
        // The server still holds its database and answers.
        assertThat(server.isAlive()).isTrue();
        assertThat(health(port)).contains("\"status\":\"UP\"");
    }

    private Run command(String stdin, String... args) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(java(), "-jar", jar().toString()));
        line.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(line).directory(directory.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("OTPGATE_") || name.startsWith("SPRING_"));
        environment.put("OTPGATE_DATA_DIR", directory.toString());
        Path out = Files.createTempFile(directory, "out", ".txt");
        Path err = Files.createTempFile(directory, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        assertThat(process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)).as(String.join(" ", args) + " finished")
                .isTrue();
        return new Run(String.join(" ", args), process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private void awaitHealthy(int port, Path serverLog) throws Exception {
        Instant deadline = Instant.now().plus(SERVER_START);
        while (Instant.now().isBefore(deadline)) {
            if (!server.isAlive()) {
                throw new AssertionError("the server stopped (exit " + server.exitValue() + "):\n"
                        + Files.readString(serverLog));
            }
            try {
                if (health(port).contains("\"status\":\"UP\"")) {
                    return;
                }
            } catch (ConnectException e) {
                // Not listening yet.
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the server was not healthy within " + SERVER_START.toSeconds() + " s:\n"
                + Files.readString(serverLog));
    }

    private static String health(int port) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("basedir", "."), "target", "otpgate-server.jar").toAbsolutePath();
        assertThat(jar).as("the server jar (made by package, before integration-test)").isRegularFile();
        return jar;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A finished command. */
    record Run(String command, int exitCode, String out, String err) {

        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return command + ": exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
