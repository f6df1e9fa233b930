package io.otpgate.reliability;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory of a server process, from outside: the heap after a full GC ({@code jcmd PID GC.class_histogram},
 * which collects first and then counts only live objects: its {@code Total} line is the live heap, whatever the
 * collector), the committed heap ({@code jvm_memory_committed_bytes{area="heap"}} of {@code /actuator/prometheus})
 * and the resident set ({@code VmRSS} of {@code /proc/PID/status}). jcmd must be the one of the server's JDK.
 *
 * <p>A password hash in progress at the moment of the reading holds argon2id's working memory, 16 MiB (Spring
 * Security's defaults), as 16 384 BouncyCastle {@code Argon2BytesGenerator$Block} objects of one {@code long[128]}
 * each: live, but gone a fraction of a second later. The histogram counts them, so the reading also gives the heap
 * without them ({@link Reading#heapWithoutHashes()}): a series of that does not jump by 17 MB whenever a login happens
 * to be hashing.
 */
public final class HeapProbe {

    private static final long TIMEOUT_SECONDS = 60;
    private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)\\s*$");
    private static final Pattern COMMITTED = Pattern.compile(
            "(?m)^jvm_memory_committed_bytes\\{area=\"heap\"[^}]*}\\s+([0-9.Ee+]+)\\s*$");
    private static final Pattern RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB\\s*$");
    private static final Pattern ARGON2_BLOCKS = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+"
            + "org\\.bouncycastle\\.crypto\\.generators\\.Argon2BytesGenerator\\$Block\\b");
    /** A {@code long[128]}: 16 bytes of header and length, 1024 of values. */
    static final long ARGON2_BLOCK_ARRAY_BYTES = 16 + 128 * 8;
    /** Blocks of one hash: 16 MiB of 1 KiB blocks. */
    static final long ARGON2_BLOCKS_PER_HASH = 16 * 1024;

    /**
     * One reading.
     *
     * @param heapAfterGc bytes of live objects after a full GC
     * @param argon2Bytes of these, the bytes of argon2id blocks (password hashes in progress)
     * @param heapCommitted bytes the JVM holds for its heap, or -1 if the server did not say
     * @param rss resident bytes of the whole process
     * @param gcNanos how long the jcmd call took (attach, full GC, histogram)
     */
    public record Reading(long heapAfterGc, long argon2Bytes, long heapCommitted, long rss, long gcNanos) {

        /** The live heap without argon2id's working memory of password hashes in progress. */
        public long heapWithoutHashes() {
            return heapAfterGc - argon2Bytes;
        }

        /** Password hashes in progress at the reading (rounded: 16 384 blocks each). */
        public long hashesInProgress() {
            return Math.round((double) argon2Bytes / (ARGON2_BLOCKS_PER_HASH * (ARGON2_BLOCK_ARRAY_BYTES + 16)));
        }
    }

    private final Path jcmd;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** @param java the server's java program; jcmd is beside it */
    public HeapProbe(String java) {
        this.jcmd = Path.of(java).toAbsolutePath().resolveSibling("jcmd");
    }

    /** Whether jcmd is there; else {@link #unavailableReason()}. */
    public boolean available() {
        return Files.isExecutable(jcmd);
    }

    public String unavailableReason() {
        return jcmd + " is missing: the heap is read with the server JDK's jcmd (a JDK, not a JRE, must run the "
                + "servers)";
    }

    /**
     * Reads the server's memory; forces a full GC in it.
     *
     * @param metricsToken the server's {@code otpgate.metrics.token}, for its Prometheus page
     *
     * @throws IllegalStateException if jcmd fails or prints no total
     */
    public Reading read(long pid, URI server, String metricsToken) {
        long started = System.nanoTime();
        String histogram = jcmd(pid, "GC.class_histogram");
        long gcNanos = System.nanoTime() - started;
        return new Reading(liveBytes(histogram), argon2Bytes(histogram), committedHeap(server, metricsToken),
                rss(pid), gcNanos);
    }

    /**
     * The bytes of the {@code Total} line of {@code GC.class_histogram}.
     *
     * @throws IllegalStateException if there is none
     */
    static long liveBytes(String histogram) {
        Matcher total = TOTAL.matcher(histogram);
        if (!total.find()) {
            throw new IllegalStateException("GC.class_histogram printed no Total line");
        }
        return Long.parseLong(total.group(2));
    }

    /**
     * The bytes of argon2id's blocks in a histogram: the {@code Argon2BytesGenerator$Block} objects and, for each,
     * its {@code long[128]} (counted under {@code [J} with every other long array); 0 if there are none.
     */
    static long argon2Bytes(String histogram) {
        Matcher blocks = ARGON2_BLOCKS.matcher(histogram);
        if (!blocks.find()) {
            return 0;
        }
        long instances = Long.parseLong(blocks.group(1));
        return Long.parseLong(blocks.group(2)) + instances * ARGON2_BLOCK_ARRAY_BYTES;
    }

    /** {@code VmRSS} of {@code /proc/PID/status}, bytes; -1 if it cannot be read. */
    public static long rss(long pid) {
        try {
            Matcher rss = RSS.matcher(Files.readString(Path.of("/proc", String.valueOf(pid), "status")));
            return rss.find() ? Long.parseLong(rss.group(1)) * 1024 : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The sum of the heap pools' committed bytes from the server's Prometheus page; -1 if unavailable. */
    long committedHeap(URI server, String metricsToken) {
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.resolve("/actuator/prometheus"))
                    .header("Authorization", "Bearer " + metricsToken).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                return -1;
            }
            return sumCommittedHeap(answer.body());
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static long sumCommittedHeap(String prometheusText) {
        Matcher pool = COMMITTED.matcher(prometheusText);
        double sum = 0;
        boolean any = false;
        while (pool.find()) {
            sum += Double.parseDouble(pool.group(1));
            any = true;
        }
        return any ? (long) sum : -1;
    }

    private String jcmd(long pid, String command) {
        Path out = null;
        try {
            out = Files.createTempFile("otpgate-jcmd-", ".txt");
            Process process = new ProcessBuilder(List.of(jcmd.toString(), String.valueOf(pid), command))
                    .redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("jcmd " + pid + " " + command + " did not finish within "
                        + TIMEOUT_SECONDS + " s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + pid + " " + command + " failed (exit " + process.exitValue()
                        + "): " + text.lines().limit(3).reduce("", (a, b) -> a + b + " ").strip());
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during jcmd", e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // best effort
                }
            }
        }
    }
}
