package io.otpgate.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import io.otpgate.postgres.ThrowawayPostgres;
import io.otpgate.reliability.DatabaseFacts.TotpRow;
import io.otpgate.reliability.UserJournal.Op;
import io.otpgate.reliability.UserJournal.Outcome;

/**
 * Scenario 2, {@code crash-safety}: one server under a steady load of enrolments, confirmations, recovery-code logins
 * and deletions ({@link CrashClient}, several client threads with users of their own), killed with SIGKILL at random
 * moments and restarted each time ({@link CrashLoad}). When the load is over the server is killed once more, right
 * after the last answers, and the database is read as that crash left it (H2: the file opened over JDBC with the
 * server dead; PostgreSQL: JDBC) and checked against itself and against what every client saw
 * ({@link CrashChecks}). Last, the server is started again and a code of every confirmed device is sent through the
 * API: each sealed secret must open in the server too.
 */
public final class CrashSafety implements Scenario {

    /** Recovery codes in each set: the server's default ({@code otpgate.recovery.count}), and the dump's. */
    public static final int CODES_PER_SET = 5;
    /** Recovery-code logins a cycle, between the confirmation and the deletion. */
    public static final int RECOVERIES_PER_CYCLE = 2;
    /** The check made through the API after the run. */
    public static final String API_CHECK = "confirmed devices whose code the restarted server refused";

    /**
     * The scenario's settings.
     *
     * @param h2WriteDelay H2's {@code WRITE_DELAY} in ms for this run, or -1 for the server's own URL (a demonstration:
     *     500, H2's default, loses acknowledged commits)
     */
    public record Options(int kills, int clients, int usersPerClient, Duration gapMin, Duration gapMax,
            boolean postgres, long seed, boolean keep, int h2WriteDelay) {

        /** With the server's own database settings. */
        public Options(int kills, int clients, int usersPerClient, Duration gapMin, Duration gapMax, boolean postgres,
                long seed, boolean keep) {
            this(kills, clients, usersPerClient, gapMin, gapMax, postgres, seed, keep, -1);
        }

        public Options {
            if (postgres && h2WriteDelay >= 0) {
                throw new Settings.InvalidSetting("h2-write-delay is for db=h2 only");
            }
            if (gapMax.compareTo(gapMin) < 0) {
                throw new Settings.InvalidSetting("gap-max must be at least gap-min, got " + gapMax.toMillis()
                        + " < " + gapMin.toMillis());
            }
        }
    }

    /** Everything a run measured; {@code report} has it as printed. */
    public record Result(CrashLoad.Outcome load, List<UserJournal> journals, CrashChecks.Findings findings,
            Report report) {

        /** Operations of a kind with an outcome, over all users. */
        public int count(Op op, Outcome outcome) {
            return journals.stream().mapToInt(j -> j.count(op, outcome)).sum();
        }
    }

    @Override
    public String description() {
        return "SIGKILL at random moments under enrolments, confirmations, recovery-code logins and deletions, "
                + "then the database checked (kills=20 clients=4 users=8 gap-min=500 gap-max=3000 db=h2|postgres "
                + "seed=0 keep=false; h2-write-delay=500 shows what H2's default did)";
    }

    @Override
    public Report run(Settings settings) throws IOException, SQLException, InterruptedException {
        int seed = settings.integer("seed", 0, 0, Integer.MAX_VALUE);
        Options options = new Options(settings.integer("kills", 20, 0, 10_000),
                settings.integer("clients", 4, 1, 64), settings.integer("users", 8, 1, 1000),
                Duration.ofMillis(settings.integer("gap-min", 500, 0, 600_000)),
                Duration.ofMillis(settings.integer("gap-max", 3000, 0, 600_000)),
                settings.choice("db", "h2", "h2", "postgres").equals("postgres"),
                seed != 0 ? seed : new SecureRandom().nextInt(Integer.MAX_VALUE - 1) + 1,
                settings.flag("keep", false), settings.integer("h2-write-delay", -1, -1, 60_000));
        settings.checkAllUsed();
        return execute(options).report();
    }

    /** Runs the scenario and checks the database. */
    public static Result execute(Options options) throws IOException, SQLException, InterruptedException {
        long started = System.nanoTime();
        String database = options.postgres() ? "PostgreSQL" : "the embedded H2 database";
        Report report = new Report("crash-safety: SIGKILL under load on " + database + " (kills=" + options.kills()
                + ", clients=" + options.clients() + ", users=" + options.usersPerClient() + " a client, gap "
                + options.gapMin().toMillis() + ".." + options.gapMax().toMillis() + " ms, seed=" + options.seed()
                + ")");
        Path work = Files.createTempDirectory("otpgate-crash-");
        boolean passed = false;
        ThrowawayPostgres postgres = null;
        try {
            ServerSetup setup;
            if (options.postgres()) {
                postgres = ThrowawayPostgres.start();
                setup = ServerSetup.onPostgres(postgres, postgres.newDatabase("otpgate"), work);
            } else {
                setup = ServerSetup.onH2(work);
            }
            // Tokens from the first logins must outlive the run (they stay valid across restarts: same key).
            setup.property("otpgate.token.access-lifetime", "3h");
            if (options.h2WriteDelay() >= 0) {
                setup.property("spring.datasource.url", "jdbc:h2:file:${otpgate.data-dir}/otpgate;AUTO_SERVER=TRUE;"
                        + "WRITE_DELAY=" + options.h2WriteDelay()
                        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
            }
            Result result = load(options, setup, report);
            report.figure("wall time", Report.seconds(System.nanoTime() - started));
            passed = report.passed();
            return result;
        } finally {
            if (postgres != null) {
                postgres.close();
            }
            if (passed && !options.keep()) {
                ServerSetup.deleteWork(work);
            } else {
                System.err.println("crash-safety: server logs" + (options.postgres() ? "" : " and the H2 database")
                        + " kept in " + work);
            }
        }
    }

    private static Result load(Options options, ServerSetup setup, Report report)
            throws IOException, SQLException, InterruptedException {
        report.section("set-up");
        report.machine();
        if (options.h2WriteDelay() >= 0) {
            report.figure("H2 WRITE_DELAY", options.h2WriteDelay() + " ms", "instead of the server's own URL (a "
                    + "demonstration)");
        }
        Path dumpFile = setup.work().resolve("django-dump.json");
        long importStarted = System.nanoTime();
        List<KnownUser> users = DjangoDump.write(dumpFile, "crash", options.clients() * options.usersPerClient(),
                CODES_PER_SET);
        String imported = setup.importDjango(dumpFile);
        Files.delete(dumpFile);
        report.figure("import-django", Report.seconds(System.nanoTime() - importStarted), imported);
        DatabaseFacts.Watermark watermark;
        try (Connection connection = inspect(setup)) {
            watermark = DatabaseFacts.watermark(connection);
        }

        CrashChecks.Findings findings = new CrashChecks.Findings().declare(CrashChecks.CHECKS)
                .declare(List.of(API_CHECK)).declare(CrashLoad.LIVE_CHECKS);
        CrashLoad.Statuses statuses = new CrashLoad.Statuses();
        List<CrashClient> clients = new ArrayList<>();
        users.forEach(user -> clients.add(new CrashClient(user, findings, statuses, RECOVERIES_PER_CYCLE)));

        ServerProcess server = setup.start("server");
        CrashLoad.Outcome outcome;
        DatabaseFacts facts;
        try {
            report.figure("server start-up", Report.seconds(server.startupTime().toNanos()), "to UP on "
                    + server.baseUri() + ", " + setup.java());
            outcome = CrashLoad.run(server, clients, new CrashLoad.Options(options.kills(), options.clients(),
                    options.gapMin(), options.gapMax(), options.seed()), statuses, findings);
            // Once more, right after the last answers: what a client saw last must have been kept too.
            server.kill();
            try (Connection connection = inspect(setup)) {
                facts = DatabaseFacts.read(connection, new SealedValues(1, setup.secretsKey()), watermark);
            }
            List<UserJournal> journals = clients.stream().map(CrashClient::journal).toList();
            CrashChecks.check(facts, journals, watermark, CODES_PER_SET, findings);
            server.restart();
            int verified = verifyThroughApi(server, clients, facts, findings);
            server.stop();
            addLoad(report, options, outcome, journals);
            addDatabase(report, setup, facts, verified);
            findings.addTo(report, 5);
            for (Op op : CrashLoad.CYCLE) {
                int ok = journals.stream().mapToInt(j -> j.count(op, Outcome.OK)).sum();
                report.require("some " + op.label() + "s succeeded (" + op.request() + ")", ok > 0);
            }
            report.require(options.kills() + " kills under load", outcome.kills() == options.kills());
            return new Result(outcome, journals, findings, report);
        } finally {
            server.kill();
        }
    }

    /** A code of each device the database holds confirmed, through the restarted server: must be 200. */
    private static int verifyThroughApi(ServerProcess server, List<CrashClient> clients, DatabaseFacts facts,
            CrashChecks.Findings findings) {
        int checked = 0;
        for (CrashClient client : clients) {
            DatabaseFacts.UserRow user = facts.users().get(client.username());
            if (user == null) {
                continue;
            }
            for (TotpRow device : facts.totpDevices()) {
                boolean known = device.secret() != null && client.journal().enrolments().stream()
                        .anyMatch(e -> e.secret().equals(device.secret()));
                if (device.userId() != user.id() || !device.confirmed() || !known) {
                    continue;
                }
                checked++;
                int status = client.verifyThroughApi(server.api(), device.secret());
                if (status != 200) {
                    findings.add(API_CHECK, client.username() + ": a code of confirmed totp/" + device.id()
                            + " answered " + (status < 0 ? "nothing" : String.valueOf(status)));
                }
            }
        }
        return checked;
    }

    private static void addLoad(Report report, Options options, CrashLoad.Outcome outcome,
            List<UserJournal> journals) {
        report.section("load: " + options.clients() + " client threads, " + journals.size() + " users");
        report.figure("kills under load (SIGKILL)", outcome.kills(), "and one more after the load, before the "
                + "database is read");
        report.figure("restarts", outcome.restartNanos().size());
        long sum = outcome.restartNanos().stream().mapToLong(Long::longValue).sum();
        long max = outcome.restartNanos().stream().mapToLong(Long::longValue).max().orElse(0);
        report.figure("mean restart time", outcome.restartNanos().isEmpty() ? "-"
                : Report.seconds(sum / outcome.restartNanos().size()), "SIGKILL to UP; max " + Report.seconds(max));
        report.figure("load time", Report.seconds(outcome.loadNanos()));
        int sent = 0;
        int unanswered = 0;
        for (UserJournal journal : journals) {
            for (Op op : Op.values()) {
                for (Outcome result : Outcome.values()) {
                    sent += journal.count(op, result);
                }
                unanswered += journal.count(op, Outcome.NO_ANSWER);
            }
        }
        report.figure("operations sent", sent);
        StringJoiner byStatus = new StringJoiner(", ");
        int answered = 0;
        for (Map.Entry<Integer, Integer> status : outcome.statuses().entrySet()) {
            byStatus.add(status.getValue() + " x " + status.getKey());
            answered += status.getValue();
        }
        report.figure("answered", answered, byStatus.toString());
        report.figure("unanswered", unanswered, "the server was killed before answering");
        for (Op op : Op.values()) {
            int ok = journals.stream().mapToInt(j -> j.count(op, Outcome.OK)).sum();
            int refused = journals.stream().mapToInt(j -> j.count(op, Outcome.REFUSED)).sum();
            int none = journals.stream().mapToInt(j -> j.count(op, Outcome.NO_ANSWER)).sum();
            report.figure("  " + op.label(), ok + refused + none, ok + " succeeded, " + refused + " refused, " + none
                    + " unanswered");
        }
    }

    private static void addDatabase(Report report, ServerSetup setup, DatabaseFacts facts, int verified) {
        report.section("the database after a final SIGKILL, read with the server dead"
                + (setup.onPostgres() ? " (PostgreSQL over JDBC)" : " (the H2 file over JDBC)"));
        long confirmed = facts.totpDevices().stream().filter(TotpRow::confirmed).count();
        report.figure("users", facts.users().size());
        report.figure("TOTP devices", facts.totpDevices().size(), confirmed + " confirmed, "
                + (facts.totpDevices().size() - confirmed) + " pending");
        report.figure("static devices", facts.staticDevices().size(), facts.staticDevices().stream()
                .mapToInt(d -> d.digests().size()).sum() + " recovery codes stored");
        report.figure("security events of the run", facts.events().size());
        report.figure("confirmed devices checked through the API", verified, "a TOTP code each, after a restart");
        report.section("checks");
    }

    /**
     * A connection for reading the database with no server running. H2: the server's URL (application.properties)
     * without AUTO_SERVER, so that this process opens the file itself and listens on no port.
     */
    static Connection inspect(ServerSetup setup) throws SQLException {
        if (setup.onPostgres()) {
            return setup.connect();
        }
        Path file = setup.work().resolve("h2").resolve("otpgate");
        return DriverManager.getConnection("jdbc:h2:file:" + file
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH", "sa", "");
    }
}
