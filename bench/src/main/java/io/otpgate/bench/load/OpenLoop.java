package io.otpgate.bench.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop HTTP/1.1 load generator for bench/load/run.sh (wrk2 is not in Debian): GET one path on 127.0.0.1 at a
 * fixed rate, whatever the server's answers do, and the latency of each request counted from the time it was
 * scheduled to be sent, not from when it was sent, so that a stall also counts for the requests it held back (no
 * coordinated omission).
 *
 * <p>As wrk2 does it: each of the keep-alive connections has its own fixed schedule of rate / connections requests a
 * second, the connections' schedules interleaved evenly; a connection sends its next request at its scheduled time,
 * or at once if its previous answer came late. The first {@code --warmup} seconds are sent but not recorded. Every
 * latency of the measured seconds is kept (at most rate x duration values) and sorted: the percentiles are exact.
 *
 * <pre>
 * java -cp bench/target/otpgate-benchmarks.jar io.otpgate.bench.load.OpenLoop --port 8080 --path /api/me \
 *     --rate 5000 --duration 15 [--warmup 3] [--connections 32] [--tokens me_tokens.txt]
 * </pre>
 *
 * With {@code --tokens}, each request carries {@code Authorization: Bearer} with the file's tokens (one a line) in
 * turn. It prints one line:
 * {@code RESULT requests=N seconds=S rate=R rps=A p50_ms= p90_ms= p99_ms= p999_ms= max_ms= non2xx= socket_errors=
 * late= sent=} where {@code late} counts the measured requests sent more than 1 ms after their scheduled time (their
 * connection was still waiting for the previous answer, or this client was starved of CPU) and {@code sent} all the
 * requests, the warm-up's included.
 */
public final class OpenLoop {

    private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;

    private final int port;
    private final byte[][] requests;
    private final double rate;
    private final int connections;
    private final long warmupNanos;
    private final long durationNanos;

    private OpenLoop(int port, byte[][] requests, double rate, int connections, long warmupNanos,
            long durationNanos) {
        this.port = port;
        this.requests = requests;
        this.rate = rate;
        this.connections = connections;
        this.warmupNanos = warmupNanos;
        this.durationNanos = durationNanos;
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        String path = null;
        double rate = 0;
        double duration = 0;
        double warmup = 3;
        int connections = 32;
        Path tokens = null;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw usage(name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--port" -> port = Integer.parseInt(value);
                case "--path" -> path = value;
                case "--rate" -> rate = Double.parseDouble(value);
                case "--duration" -> duration = Double.parseDouble(value);
                case "--warmup" -> warmup = Double.parseDouble(value);
                case "--connections" -> connections = Integer.parseInt(value);
                case "--tokens" -> tokens = Path.of(value);
                default -> throw usage("unknown option " + name);
            }
        }
        if (port < 1 || port > 65535) {
            throw usage("--port must be 1..65535, got " + port);
        }
        if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
            throw usage("--path must be an absolute path without spaces, got " + path);
        }
        if (!(rate >= 1 && rate <= 200_000)) {
            throw usage("--rate must be 1..200000 requests a second, got " + rate);
        }
        if (!(duration > 0 && duration <= 300) || !(warmup >= 0 && warmup <= 120)) {
            throw usage("--duration must be in (0, 300] s and --warmup in [0, 120] s, got " + duration + " and "
                    + warmup);
        }
        if (connections < 1 || connections > 1024) {
            throw usage("--connections must be 1..1024, got " + connections);
        }
        List<String> bearers = new ArrayList<>();
        if (tokens != null) {
            for (String line : Files.readAllLines(tokens, StandardCharsets.US_ASCII)) {
                if (!line.isBlank()) {
                    bearers.add(line.strip());
                }
            }
            if (bearers.isEmpty()) {
                throw usage("no tokens in " + tokens);
            }
        }
        byte[][] requests = requests(port, path, bearers);
        OpenLoop load = new OpenLoop(port, requests, rate, connections, seconds(warmup), seconds(duration));
        System.out.println(load.run());
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem + "; usage: OpenLoop --port P --path /p --rate R --duration S "
                + "[--warmup S] [--connections N] [--tokens FILE]");
    }

    private static long seconds(double seconds) {
        return (long) (seconds * 1e9);
    }

    /** The requests as wrk formats them: one a token, or one without a token. */
    private static byte[][] requests(int port, String path, List<String> bearers) {
        List<String> authorizations = bearers.isEmpty() ? List.of("")
                : bearers.stream().map(t -> "Authorization: Bearer " + t + "\r\n").toList();
        byte[][] requests = new byte[authorizations.size()][];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + authorizations.get(i)
                    + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        return requests;
    }

    private String run() throws InterruptedException {
        double gapNanos = 1e9 / rate;
        int perConnection = (int) Math.ceil(durationNanos / 1e9 * rate / connections) + 2;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        Connection[] all = new Connection[connections];
        Thread[] threads = new Thread[connections];
        for (int k = 0; k < connections; k++) {
            all[k] = new Connection(k, start, gapNanos, perConnection);
            threads[k] = new Thread(all[k], "open-loop-" + k);
            threads[k].setDaemon(true);
            threads[k].start();
        }
        long deadline = start + warmupNanos + durationNanos + TimeUnit.SECONDS.toNanos(30);
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        int total = 0;
        long non2xx = 0;
        long errors = 0;
        long late = 0;
        long sent = 0;
        String firstError = null;
        for (Connection c : all) {
            if (firstError == null && c.firstError != null) {
                firstError = c.firstError;
            }
            total += c.count;
            non2xx += c.non2xx;
            errors += c.errors;
            late += c.late;
            sent += c.sent;
        }
        long[] latencies = new long[total];
        int at = 0;
        for (Connection c : all) {
            System.arraycopy(c.latencies, 0, latencies, at, c.count);
            at += c.count;
        }
        Arrays.sort(latencies);
        if (firstError != null) {
            System.err.println("open loop: a socket error: " + firstError);
        }
        double seconds = durationNanos / 1e9;
        return String.format(Locale.ROOT, "RESULT requests=%d seconds=%.2f rate=%.0f rps=%.0f p50_ms=%.3f p90_ms=%.3f"
                + " p99_ms=%.3f p999_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d late=%d sent=%d", total, seconds,
                rate, total / seconds, millis(latencies, 0.50), millis(latencies, 0.90), millis(latencies, 0.99),
                millis(latencies, 0.999), total == 0 ? 0 : latencies[total - 1] / 1e6, non2xx, errors, late, sent);
    }

    /** The q-quantile of sorted values, in milliseconds (nearest rank). */
    private static double millis(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1e6;
    }

    /** One keep-alive connection and its schedule; its counters are read after its thread ended (join). */
    private final class Connection implements Runnable {

        private final int index;
        private final long start;
        private final double gapNanos;
        private final long[] latencies;
        private int count;
        private long non2xx;
        private long errors;
        private long late;
        private long sent;
        private String firstError;
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        Connection(int index, long start, double gapNanos, int capacity) {
            this.index = index;
            this.start = start;
            this.gapNanos = gapNanos;
            this.latencies = new long[capacity];
        }

        @Override
        public void run() {
            long measureFrom = start + warmupNanos;
            long end = measureFrom + durationNanos;
            int next = index % requests.length;
            try {
                for (long j = 0; ; j++) {
                    long due = start + (long) ((index + j * (double) connections) * gapNanos);
                    if (due >= end) {
                        break;
                    }
                    long now;
                    while ((now = System.nanoTime()) < due) {
                        LockSupport.parkNanos(due - now);
                    }
                    if (now - due > LATE_NANOS && due >= measureFrom) {
                        late++;
                    }
                    int status = exchange(requests[next]);
                    sent++;
                    long done = System.nanoTime();
                    next = (next + 1) % requests.length;
                    if (due < measureFrom) {
                        continue;
                    }
                    if (status < 0) {
                        errors++;
                        continue;
                    }
                    if (status < 200 || status > 299) {
                        non2xx++;
                    }
                    if (count < latencies.length) {
                        latencies[count++] = done - due;
                    }
                }
            } finally {
                close();
            }
        }

        /**
         * Sends one request and reads its answer; the status, or -1 when the exchange failed even on a new socket (or
         * the answer was not HTTP/1.x).
         */
        private int exchange(byte[] request) {
            for (int attempt = 0; attempt < 2; attempt++) {
                boolean fresh = socket == null;
                try {
                    if (fresh) {
                        open();
                    }
                    out.write(request);
                    out.flush();
                    return readResponse();
                } catch (IOException | NumberFormatException e) {
                    if (firstError == null) {
                        firstError = e.toString();
                    }
                    close();
                    if (fresh) {
                        return -1;
                    }
                    // A kept-alive socket the server had closed: once more on a new one.
                }
            }
            return -1;
        }

        private void open() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SOCKET_TIMEOUT_MILLIS);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        private void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Nothing more to do with it.
                }
            }
            socket = null;
            in = null;
            out = null;
        }

        /** Reads one HTTP/1.1 response (Content-Length or chunked body); closes the socket when the server asks. */
        private int readResponse() throws IOException {
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.x status line");
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean closeAfter = statusLine.startsWith("HTTP/1.0");
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> closeAfter = value.contains("close");
                    default -> { }
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(line().split(";", 2)[0].trim(), 16); size > 0;
                        size = Long.parseLong(line().split(";", 2)[0].trim(), 16)) {
                    skip(size);
                    line();
                }
                while (!line().isEmpty()) {
                    // Trailers.
                }
            } else if (length >= 0) {
                skip(length);
            } else if (status >= 200 && status != 204 && status != 304) {
                closeAfter = true; // A body up to the end of the connection: not this benchmark's servers.
            }
            if (closeAfter) {
                close();
            }
            return status;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new EOFException();
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        private void skip(long bytes) throws IOException {
            for (long left = bytes; left > 0; ) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException();
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }
    }
}
