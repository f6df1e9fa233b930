package io.otpgate.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One otpgate server as a separate OS process ({@code java -jar otpgate-server.jar --server.port=P}) of a
 * {@link ServerSetup}, on 127.0.0.1 and a port of its own that it keeps across restarts. Its output goes to its log
 * file (appended to on each start). Made by {@link ServerSetup#start}, which waits until it answers UP.
 *
 * <p>{@link #stop()} ends it gracefully (SIGTERM, then SIGKILL after 30 s), {@link #kill()} with SIGKILL at once,
 * as a crash would; {@link #restart()} starts it again on the same port and waits for UP. A shutdown hook kills every
 * server still running when the JVM ends.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Set<ServerProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ServerProcess::killQuietly),
                "otpgate-servers-kill"));
    }

    private final ServerSetup setup;
    private final String name;
    private final int port;
    private final Path log;
    private final Path directory;
    private final Api api;
    private Process process;
    private long launchedAt;
    private long logOffset;
    private Duration startupTime;
    private int starts;

    ServerProcess(ServerSetup setup, String name, int port, Path log) {
        this.setup = setup;
        this.name = name;
        this.port = port;
        this.log = log;
        this.directory = setup.processDirectory(name);
        this.api = new Api(URI.create("http://127.0.0.1:" + port));
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT} */
    public URI baseUri() {
        return api.base();
    }

    /** A client of this server (the same one across restarts). */
    public Api api() {
        return api;
    }

    /** The log file: the server's standard output and error, every start appended. */
    public Path log() {
        return log;
    }

    /** The process id of the current (or last) start. */
    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** From the last start to its first UP answer. */
    public synchronized Duration startupTime() {
        return startupTime;
    }

    /** How many times it was started (1 after {@link ServerSetup#start}). */
    public synchronized int starts() {
        return starts;
    }

    /** Starts the process, without waiting for it to be ready. */
    synchronized void launch() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        starts++;
        try {
            Files.writeString(log, "=== " + name + ": start " + starts + " at " + Instant.now() + " on port " + port
                    + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            logOffset = Files.size(log);
            ProcessBuilder builder = new ProcessBuilder(setup.serverCommand(port)).directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            setup.environment(builder.environment(), directory);
            launchedAt = System.nanoTime();
            startupTime = null;
            process = builder.start();
            RUNNING.add(this);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /**
     * Waits until {@code GET /actuator/health} answers {@code "status":"UP"}.
     *
     * @throws IllegalStateException if the process ends or the time runs out (with the tail of this start's log)
     */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Process current;
            synchronized (this) {
                current = process;
            }
            if (!current.isAlive()) {
                throw new IllegalStateException(name + " stopped during start-up (exit " + current.exitValue()
                        + "); its log ends with:\n" + logTail(40));
            }
            try {
                Api.Response health = api.get("/actuator/health", null);
                if (health.status() == 200 && "UP".equals(health.text("status"))) {
                    synchronized (this) {
                        startupTime = Duration.ofNanos(System.nanoTime() - launchedAt);
                    }
                    return;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            sleep(100);
        }
        kill();
        throw new IllegalStateException(name + " was not UP within " + timeout.toSeconds() + " s; its log ends with:\n"
                + logTail(40));
    }

    /** Ends the server gracefully (SIGTERM), or with SIGKILL if it has not ended within 30 s. Idempotent. */
    public synchronized void stop() {
        if (process == null || !process.isAlive()) {
            RUNNING.remove(this);
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        RUNNING.remove(this);
    }

    /** Kills the server at once with SIGKILL ({@link Process#destroyForcibly()}), as a crash, and waits for it to end. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RUNNING.remove(this);
    }

    /** Stops the server if it runs, starts it again on the same port, and waits until it answers UP. */
    public void restart() {
        restart(ServerSetup.START_TIMEOUT);
    }

    public void restart(Duration timeout) {
        stop();
        launch();
        awaitReady(timeout);
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** The last lines of this start's log (the server logs no secret). */
    public String logTail(int lines) {
        try (InputStream in = Files.newInputStream(log)) {
            in.skipNBytes(Math.min(logOffset, Files.size(log)));
            List<String> all = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void killQuietly() {
        Process current = process;
        if (current != null) {
            current.destroyForcibly();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "ServerProcess[" + name + " on " + api.base() + "]";
    }
}
