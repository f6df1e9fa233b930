package io.otpgate.reliability;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.otpgate.postgres.ThrowawayPostgres;
import io.otpgate.reliability.SoakSession.Kind;

/**
 * Scenario 5, {@code soak}: mixed traffic at a fixed rate for a long time against one server on the embedded H2
 * database, or one on PostgreSQL, or both at once (each with its own load at the same rate). Users come from a
 * Django dump ({@code import-django}); each simulated session logs in with the password, checks the 2FA status,
 * logs in with a TOTP code, then reads {@code /api/me} and the status and refreshes its tokens, with a step-up TOTP
 * login half-way ({@link SoakSession}). The load is open-loop ({@link SoakLoad}).
 *
 * <p>Every interval (a minute) it prints, per server, the requests sent, the answers by status class, the errors,
 * and p50, p99 and max latency; every few intervals the heap after a full GC, the committed heap and the process's
 * resident set ({@link HeapProbe}). The report ends with the error rate, which must stay under
 * {@value #ERROR_RATE_LIMIT_PERCENT} %, the 5xx (must be 0), the per-interval table, p99 of the first and last
 * windows, the heap series with its trend ({@link HeapTrend}: must not grow), and the resident set series.
 */
public final class Soak implements Scenario {

    /** The most errors per scheduled request a run may have, in percent. */
    public static final String ERROR_RATE_LIMIT_PERCENT = "0.1";
    public static final double ERROR_RATE_LIMIT = 0.001;
    /** Sessions (requests in flight at most) per server: one per request a second, within these bounds. */
    static final int MIN_SESSIONS = 10;
    static final int MAX_SESSIONS = 400;
    /** Users in each server's pool per session: a user comes back minutes after its last session. */
    static final int USERS_PER_SESSION = 5;
    private static final double MB = 1024 * 1024;

    /** Which database(s): one server each. */
    public enum Databases {
        H2, POSTGRES, BOTH;

        static Databases of(String word) {
            return valueOf(word.toUpperCase(Locale.ROOT));
        }

        boolean h2() {
            return this != POSTGRES;
        }

        boolean postgres() {
            return this != H2;
        }
    }

    /**
     * The scenario's settings.
     *
     * @param rampUp before the soak, the rate climbs from 0 to {@code rate} in this time (the servers' JIT compilers
     *        warm up); counted apart
     * @param duration the soak's length: a whole number of intervals
     * @param interval one progress line per server each interval (a minute)
     * @param heapEvery the heap is read every this many intervals (and once before the load)
     * @param rate requests per second, per server
     * @param heapBoundMbPerHour the heap may not grow faster than this (when the series is long enough to judge)
     * @param keep keep the work directory (server logs) even if the run passes
     * @param progress where the progress lines go as the run goes
     */
    public record Options(Duration rampUp, Duration duration, Duration interval, int heapEvery, int rate,
            Databases databases, double heapBoundMbPerHour, boolean keep, PrintStream progress) {

        public Options {
            if (rampUp.isNegative()) {
                throw new IllegalArgumentException("rampUp must be 0 or more, got " + rampUp);
            }
            if (interval.isNegative() || interval.isZero() || duration.toNanos() % interval.toNanos() != 0
                    || duration.compareTo(interval) < 0) {
                throw new IllegalArgumentException("duration must be a whole number (1 or more) of intervals, got "
                        + duration + " and " + interval);
            }
            if (heapEvery < 1 || rate < 1) {
                throw new IllegalArgumentException("heapEvery and rate must be 1 or more, got " + heapEvery + " and "
                        + rate);
            }
        }

        int intervals() {
            return (int) (duration.toNanos() / interval.toNanos());
        }

        int sessions() {
            return Math.max(MIN_SESSIONS, Math.min(MAX_SESSIONS, rate));
        }

        int users() {
            return USERS_PER_SESSION * sessions();
        }

        /** Intervals in the first and in the last window: the heap period, at most half the run. */
        int windowIntervals() {
            return Math.max(1, Math.min(heapEvery, intervals() / 2));
        }
    }

    /** One interval of one server, as printed. */
    record Row(long elapsedNanos, SoakTally tally, double serverCores, double runnerCores, String load) {
    }

    /** One heap reading; {@code elapsedNanos} from the start of the load (0: before it). */
    record HeapSample(long elapsedNanos, HeapProbe.Reading reading, H2Cache h2Cache) {
    }

    /** One server's run: its process, its load and what was measured. */
    static final class Run {
        final String name;
        final ServerSetup setup;
        final ServerProcess server;
        final SoakLoad load;
        final String imported;
        final long importNanos;
        final List<Row> rows = new ArrayList<>();
        final List<HeapSample> heap = new ArrayList<>();
        SoakLoad.WarmUp warmUp;
        int unfinished;
        long lastCpuNanos;

        Run(String name, ServerSetup setup, ServerProcess server, SoakLoad load, String imported, long importNanos) {
            this.name = name;
            this.setup = setup;
            this.server = server;
            this.load = load;
            this.imported = imported;
            this.importNanos = importNanos;
        }

        HeapTrend trend(double boundMbPerHour) {
            // The samples under load: the one before it is a baseline (nothing warmed yet), not part of the trend.
            List<HeapTrend.Sample> series = new ArrayList<>();
            for (HeapSample sample : heap) {
                if (sample.elapsedNanos() > 0) {
                    series.add(new HeapTrend.Sample(sample.elapsedNanos() / 60e9,
                            sample.reading().heapWithoutHashes()));
                }
            }
            return HeapTrend.of(series, boundMbPerHour);
        }
    }

    /** Everything a run measured; {@code report} has it as printed. */
    public record Result(Report report, List<Run> runs) {
    }

    @Override
    public String description() {
        return "mixed traffic at a fixed rate against H2, PostgreSQL or both at once: errors, p99 over time, heap"
                + " after GC every 5 min (minutes=30 rate=200 db=h2|postgres|both ramp=1 heap-every=5 keep=false)";
    }

    @Override
    public Report run(Settings settings) throws IOException {
        int minutes = settings.integer("minutes", 30, 1, 24 * 60);
        int rampUp = settings.integer("ramp", 1, 0, 10);
        int rate = settings.integer("rate", 200, 1, 5000);
        Databases databases = Databases.of(settings.choice("db", "h2", "h2", "postgres", "both"));
        int heapEvery = settings.integer("heap-every", 5, 1, 24 * 60);
        boolean keep = settings.flag("keep", false);
        settings.checkAllUsed();
        return execute(new Options(Duration.ofMinutes(rampUp), Duration.ofMinutes(minutes), Duration.ofMinutes(1),
                heapEvery, rate, databases, HeapTrend.DEFAULT_BOUND_MB_PER_HOUR, keep, System.out)).report();
    }

    /** Runs the scenario: starts the database(s) and server(s), the warm-up, the load, and reads the heap. */
    public static Result execute(Options options) throws IOException {
        long started = System.nanoTime();
        String names = options.databases() == Databases.BOTH ? "H2 and PostgreSQL, one server each, at once"
                : options.databases() == Databases.H2 ? "H2" : "PostgreSQL";
        Report report = new Report("soak: " + minutes(options.duration()) + " of mixed traffic at " + options.rate()
                + " requests/s per server, on " + names);
        Path work = Files.createTempDirectory("otpgate-soak-");
        PrintStream out = options.progress();
        List<Run> runs = new ArrayList<>();
        ThrowawayPostgres postgres = null;
        boolean passed = false;
        try {
            report.section("set-up");
            report.machine();
            List<ServerSetup> setups = new ArrayList<>();
            if (options.databases().h2()) {
                setups.add(ServerSetup.onH2(work.resolve("h2-run")));
            }
            if (options.databases().postgres()) {
                postgres = ThrowawayPostgres.start();
                setups.add(ServerSetup.onPostgres(postgres, postgres.newDatabase("otpgate"),
                        work.resolve("postgres-run")));
            }
            HeapProbe probe = new HeapProbe(setups.get(0).java());
            if (!probe.available()) {
                throw new IllegalStateException(probe.unavailableReason());
            }
            for (ServerSetup setup : setups) {
                String name = setup.onPostgres() ? "postgres" : "h2";
                Path dumpFile = setup.work().resolve("django-dump.json");
                long importStarted = System.nanoTime();
                List<KnownUser> users = DjangoDump.write(dumpFile, "soak", options.users(), 1);
                String imported = setup.importDjango(dumpFile);
                Files.delete(dumpFile);
                long importNanos = System.nanoTime() - importStarted;
                ServerProcess server = setup.start(name);
                runs.add(new Run(name, setup, server, new SoakLoad(name, server.baseUri(), users, options.rate(),
                        options.sessions()), imported, importNanos));
            }
            report.text("server JDK: " + setups.get(0).java());
            for (Run run : runs) {
                report.figure(run.name + ": import-django", Report.seconds(run.importNanos), run.imported);
                report.figure(run.name + ": server start-up", Report.seconds(run.server.startupTime().toNanos()),
                        "to UP on " + run.server.baseUri() + ", pid " + run.server.pid());
            }
            report.figure("sessions per server", options.sessions(), "at a time: the most requests in flight; "
                    + SoakSession.LENGTH + " requests each, " + options.users() + " users in turn");
            out.println("soak: " + minutes(options.duration()) + " at " + options.rate() + " requests/s per server, "
                    + options.sessions() + " sessions each; heap read every " + minutes(options.interval()
                            .multipliedBy(options.heapEvery())) + "; load average " + loadAverages());
            for (Run run : runs) {
                run.warmUp = run.load.warmUp();
                out.println(label(run) + " warm-up: " + run.warmUp.sessions() + " sessions logged in (password, status,"
                        + " code) in " + Report.seconds(run.warmUp.nanos()) + ", " + run.warmUp.failures()
                        + " failures");
                sampleHeap(probe, run, 0, out);
            }
            out.flush();
            soak(options, runs, probe, out);
            report.figure("load average at the end", loadAverages(), "1, 5 and 15 minutes; the machine is shared");
            addTo(report, options, runs);
            report.figure("wall time", Report.seconds(System.nanoTime() - started));
            passed = report.passed();
            return new Result(report, runs);
        } finally {
            for (Run run : runs) {
                run.load.close();
                run.server.stop();
            }
            if (postgres != null) {
                postgres.close();
            }
            if (passed && !options.keep()) {
                ServerSetup.deleteWork(work);
            } else {
                System.err.println("soak: logs kept in " + work);
            }
        }
    }

    /** The timed part: starts every load at once and prints each interval's line, and the heap when due. */
    private static void soak(Options options, List<Run> runs, HeapProbe probe, PrintStream out) {
        int intervals = options.intervals();
        long intervalNanos = options.interval().toNanos();
        long rampStart = System.nanoTime() + 200_000_000L;
        for (Run run : runs) {
            run.load.start(rampStart, options.rampUp(), options.duration(), intervals, options.windowIntervals());
        }
        long start = rampStart + options.rampUp().toNanos();
        if (!options.rampUp().isZero()) {
            sleepUntil(start);
            for (Run run : runs) {
                SoakTally ramp = run.load.rampUp();
                synchronized (run.load) {
                    out.println(label(run) + " ramp-up " + minutes(options.rampUp()) + " from 0 to " + options.rate()
                            + "/s: sent " + ramp.sent + ", errors so far " + ramp.errors() + ", p99 "
                            + Report.millis(ramp.latencies.percentile(99)) + " (not counted below)");
                }
            }
            out.flush();
        }
        for (Run run : runs) {
            run.lastCpuNanos = cpuNanos(run.server.pid());
        }
        long runnerCpu = cpuNanos(ProcessHandle.current().pid());
        for (int k = 1; k <= intervals; k++) {
            sleepUntil(start + k * intervalNanos);
            if (k == intervals) {
                for (Run run : runs) {
                    run.unfinished = run.load.finish();
                }
            }
            long runnerNow = cpuNanos(ProcessHandle.current().pid());
            double runnerCores = (runnerNow - runnerCpu) / (double) intervalNanos;
            runnerCpu = runnerNow;
            String load = loadAverage();
            for (Run run : runs) {
                long cpu = cpuNanos(run.server.pid());
                Row row = new Row(k * intervalNanos, run.load.closeInterval(),
                        (cpu - run.lastCpuNanos) / (double) intervalNanos, runnerCores, load);
                run.lastCpuNanos = cpu;
                run.rows.add(row);
                out.println(label(run) + " " + line(row, intervals * intervalNanos));
            }
            if (k % options.heapEvery() == 0 || k == intervals) {
                for (Run run : runs) {
                    sampleHeap(probe, run, k * intervalNanos, out);
                }
            }
            out.flush();
        }
    }

    private static void sampleHeap(HeapProbe probe, Run run, long elapsedNanos, PrintStream out) {
        HeapProbe.Reading reading = probe.read(run.server.pid(), run.server.baseUri(), run.setup.metricsToken());
        H2Cache h2Cache = H2Cache.read(run.setup);
        run.heap.add(new HeapSample(elapsedNanos, reading, h2Cache));
        out.println(label(run) + " " + clock(elapsedNanos) + " heap after full GC " + mb(reading.heapWithoutHashes())
                + hashes(reading) + ", committed " + mb(reading.heapCommitted()) + ", RSS " + mb(reading.rss())
                + " (jcmd " + Report.seconds(reading.gcNanos()) + ")" + (h2Cache.known() ? "; " + h2Cache : ""));
    }

    /** {@code 05:00/30:00  sent 12000  2xx 12000  4xx 0  5xx 0  errors 0  p50 ... } */
    static String line(Row row, long totalNanos) {
        SoakTally t = row.tally();
        return String.format(Locale.ROOT, "%s/%s  sent %6d  2xx %6d  4xx %d  5xx %d  errors %d  p50 %s  p99 %s  "
                        + "max %s  cpu server %.2f runner %.2f  load %s",
                clock(row.elapsedNanos()), clock(totalNanos), t.sent, t.status2xx, t.status4xx,
                t.status5xx + t.statusOther, t.errors(), Report.millis(t.latencies.percentile(50)),
                Report.millis(t.latencies.percentile(99)), Report.millis(t.latencies.percentile(100)),
                row.serverCores(), row.runnerCores(), row.load());
    }

    private static void addTo(Report report, Options options, List<Run> runs) {
        for (Run run : runs) {
            SoakTally total = run.load.total();
            report.section(run.name + ": warm-up and ramp-up (not counted below)");
            report.figure("sessions logged in", run.warmUp.sessions(), "password, status, code, "
                    + SoakLoad.WARM_UP_THREADS + " at a time, in " + Report.seconds(run.warmUp.nanos()));
            report.mustBeZero("warm-up failures", run.warmUp.failures());

            SoakTally ramp = run.load.rampUp();
            if (ramp.requests() > 0) {
                report.figure("ramp-up requests", ramp.requests(), "in " + minutes(options.rampUp()) + ", from 0 to "
                        + options.rate() + "/s: errors " + ramp.errors() + ", p99 "
                        + Report.millis(ramp.latencies.percentile(99)));
                report.mustBeZero("ramp-up 5xx", ramp.status5xx);
            }

            report.section(run.name + ": requests (every one must be answered 200 with the body it promises)");
            report.figure("scheduled", total.requests(), options.rate() + "/s for " + minutes(options.duration()));
            report.figure("sent", total.sent, total.substituted + " TOTP logins replaced by a status or me (a code "
                    + "already sent in that step)");
            for (Kind kind : Kind.values()) {
                long sent = total.sentByKind.getOrDefault(kind, 0L);
                report.text(String.format(Locale.ROOT, "%-22s %8d  %5.1f %%  errors %d", kind.label(), sent,
                        total.sent == 0 ? 0 : 100.0 * sent / total.sent, total.errorsByKind.getOrDefault(kind, 0L)));
            }
            report.figure("answers 2xx / 4xx / 5xx / other", total.status2xx + " / " + total.status4xx + " / "
                    + total.status5xx + " / " + total.statusOther);
            report.figure("errors", total.errors(), "non-2xx " + total.unexpectedStatus() + ", bad 200 bodies "
                    + total.badAnswers + ", no answer " + total.noAnswer + ", timeouts (" + SoakLoad.REQUEST_TIMEOUT_SECONDS
                    + " s) " + total.timeouts + ", not sent " + total.unsent);
            report.figure("error rate", percent(total.errorRate()), "errors / scheduled; at most "
                    + ERROR_RATE_LIMIT_PERCENT + " %");
            report.mustBeZero("requests without an outcome at the end", run.unfinished);

            report.section(run.name + ": latency from the scheduled time");
            report.figure("all requests: p99", Report.millis(total.latencies.percentile(99)),
                    total.latencies.summary());
            for (Map.Entry<Kind, Latencies> kind : total.latenciesByKind.entrySet()) {
                report.text(String.format(Locale.ROOT, "%-22s %s", kind.getKey().label(), kind.getValue().summary()));
            }
            report.figure("send lag (scheduled to sent)", "p99 " + Report.millis(total.sendLags.percentile(99)),
                    "max " + Report.millis(total.sendLags.percentile(100)) + ": the runner's own delay");
            String window = minutes(options.interval().multipliedBy(options.windowIntervals()));
            report.figure("p99, first " + window, Report.millis(run.load.firstWindow().percentile(99)),
                    run.load.firstWindow().count() + " requests");
            report.figure("p99, last " + window, Report.millis(run.load.lastWindow().percentile(99)),
                    run.load.lastWindow().count() + " requests");
            report.text("per interval:");
            for (Row row : run.rows) {
                report.text("  " + line(row, options.duration().toNanos()));
            }

            report.section(run.name + ": memory (live heap after a full GC, jcmd GC.class_histogram, less argon2id"
                    + " blocks of hashes in progress)");
            for (HeapSample sample : run.heap) {
                report.text(String.format(Locale.ROOT, "  %s  heap after GC %10s%s  committed %10s  RSS %10s%s%s",
                        clock(sample.elapsedNanos()), mb(sample.reading().heapWithoutHashes()),
                        hashes(sample.reading()), mb(sample.reading().heapCommitted()), mb(sample.reading().rss()),
                        sample.h2Cache().known() ? "  " + sample.h2Cache() : "",
                        sample.elapsedNanos() == 0 ? "  (before the load: not in the trend)" : ""));
            }
            HeapTrend trend = run.trend(options.heapBoundMbPerHour());
            report.figure("heap trend", trend.verdict(), trend.describe());
            report.figure("growth bound", String.format(Locale.ROOT, "%.0f MB/hour", trend.boundMbPerHour()),
                    "growth = slope over the bound and over 2 standard errors; judged from " + HeapTrend.MIN_SAMPLES
                            + " samples over " + (int) HeapTrend.MIN_SPAN_MINUTES + " min");
            if (run.heap.size() >= 2) {
                long first = run.heap.get(1).reading().rss();
                long last = run.heap.get(run.heap.size() - 1).reading().rss();
                report.figure("RSS under load, first to last", mb(first) + " -> " + mb(last),
                        String.format(Locale.ROOT, "%+.1f MB", (last - first) / MB));
            }
            report.section(run.name + ": verdict");
            judge(report, run.name, total, trend);
        }
    }

    /**
     * What fails a server's run: a 5xx; an error rate over {@value #ERROR_RATE_LIMIT_PERCENT} % (or nothing sent);
     * a heap that grows ({@link HeapTrend.Verdict#GROWTH}).
     */
    static void judge(Report report, String name, SoakTally total, HeapTrend trend) {
        report.mustBeZero(name + ": 5xx", total.status5xx);
        report.figure(name + ": error rate", percent(total.errorRate()), total.errors() + " errors in "
                + total.requests() + " requests; at most " + ERROR_RATE_LIMIT_PERCENT + " %");
        report.require(name + ": requests were sent", total.sent > 0);
        report.require(name + ": error rate " + percent(total.errorRate()) + " <= " + ERROR_RATE_LIMIT_PERCENT
                + " %", total.errorRate() <= ERROR_RATE_LIMIT);
        report.figure(name + ": heap", trend.verdict(), trend.describe());
        report.require(name + ": the heap does not grow (" + trend.describe() + ")",
                trend.verdict() != HeapTrend.Verdict.GROWTH);
    }

    /** {@code  (+ 16.8 MB: 1 password hash in progress)}, or nothing. */
    private static String hashes(HeapProbe.Reading reading) {
        return reading.argon2Bytes() == 0 ? "" : " (+ " + mb(reading.argon2Bytes()) + ": "
                + reading.hashesInProgress() + " password hash(es) in progress)";
    }

    private static String label(Run run) {
        return String.format(Locale.ROOT, "[%-8s]", run.name);
    }

    /** {@code 05:00} */
    static String clock(long nanos) {
        long seconds = Math.round(nanos / 1e9);
        return String.format(Locale.ROOT, "%02d:%02d", seconds / 60, seconds % 60);
    }

    private static String minutes(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
    }

    static String mb(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MB", bytes / MB);
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.3f %%", 100 * fraction);
    }

    /** CPU time of a process (user and system), nanoseconds; 0 if unknown. */
    private static long cpuNanos(long pid) {
        return ProcessHandle.of(pid).flatMap(process -> process.info().totalCpuDuration()).map(Duration::toNanos)
                .orElse(0L);
    }

    /** The 1-minute load average. */
    private static String loadAverage() {
        return loadAverages().split(" ")[0];
    }

    /** The 1-, 5- and 15-minute load averages: the machine is shared, and a busy one slows a run. */
    static String loadAverages() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static void sleepUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            try {
                Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
