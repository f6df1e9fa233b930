package io.otpgate.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Scenario 6, {@code secrets-at-rest}: after a workload, a dump of the database holds none of the secrets the clients
 * knew, in any encoding ({@link SecretsAtRest}). Twice: on PostgreSQL ({@link #onPostgres}: a short
 * {@link TwoInstances} run, whose {@code pg_dump} is checked), and on the embedded H2 database ({@link #onH2}: the same
 * workload against one server, stopped, then dumped with H2's {@code SCRIPT TO}).
 */
public final class SecretsAtRestScenario implements Scenario {

    /** The scenario's settings: the workload's size on each database. */
    public record Options(int rounds, int deletions, boolean keep) {
    }

    /** What the H2 half measured. */
    public record H2Result(TwoServerWorkload.Outcome workload, SecretsAtRest.Result secrets, Report report) {
    }

    /** What a run measured. */
    public record Result(TwoInstances.Result postgres, H2Result h2, Report report) {
    }

    @Override
    public String description() {
        return "no secret the clients knew in a pg_dump or an H2 SCRIPT after a workload, in any encoding"
                + " (rounds=50 deletions=6 keep=false)";
    }

    @Override
    public Report run(Settings settings) throws IOException {
        Options options = new Options(settings.integer("rounds", 50, 1, 100_000),
                settings.integer("deletions", 6, 0, 10_000), settings.flag("keep", false));
        settings.checkAllUsed();
        return execute(options).report();
    }

    /** Both halves, and the figures of both. */
    public static Result execute(Options options) throws IOException {
        long started = System.nanoTime();
        Report report = new Report("secrets-at-rest: database dumps after a workload (rounds=" + options.rounds()
                + ", deletions=" + options.deletions() + " on each database)");
        TwoInstances.Result postgres = onPostgres(options);
        report.include(postgres.report());
        H2Result h2 = onH2(options);
        report.include(h2.report());
        report.section("both");
        report.figure("values checked", postgres.secrets().values() + h2.secrets().values(),
                postgres.secrets().values() + " on PostgreSQL, " + h2.secrets().values() + " on H2");
        report.figure("bytes of dumps scanned", postgres.secrets().bytesScanned() + h2.secrets().bytesScanned());
        report.mustBeZero("secrets found in a dump", postgres.secrets().findings().size()
                + h2.secrets().findings().size());
        report.figure("wall time", Report.seconds(System.nanoTime() - started));
        return new Result(postgres, h2, report);
    }

    /** The PostgreSQL half: {@link TwoInstances} with this scenario's sizes (it checks its pg_dump itself). */
    public static TwoInstances.Result onPostgres(Options options) throws IOException {
        return TwoInstances.execute(new TwoInstances.Options(options.rounds(), options.deletions(), 10,
                options.keep()));
    }

    /** The H2 half: import, one server, the workload, stop, {@code SCRIPT TO}, check. */
    public static H2Result onH2(Options options) throws IOException {
        long started = System.nanoTime();
        Report report = new Report("the same workload on the embedded H2 database, one server, dumped with SCRIPT TO");
        Path work = Files.createTempDirectory("otpgate-secrets-h2-");
        boolean passed = false;
        try {
            ServerSetup setup = ServerSetup.onH2(work).property("otpgate.token.access-lifetime", "3h");
            TwoServerWorkload.Options workload = new TwoServerWorkload.Options(options.rounds(), options.deletions(), 10);
            report.section("set-up");
            report.machine();
            Path dumpFile = work.resolve("django-dump.json");
            long importStarted = System.nanoTime();
            List<KnownUser> users = DjangoDump.write(dumpFile, "h2", workload.users(), 5);
            String imported = setup.importDjango(dumpFile);
            Files.delete(dumpFile);
            report.figure("import-django", Report.seconds(System.nanoTime() - importStarted), imported);
            TwoServerWorkload.Outcome outcome;
            try (ServerProcess server = setup.start("h2")) {
                report.figure("server start-up", Report.seconds(server.startupTime().toNanos()),
                        "to UP on " + server.baseUri() + ", " + setup.jvm());
                outcome = TwoServerWorkload.run(server.api(), server.api(), users, workload);
            }
            outcome.addTo(report);
            report.section("secrets at rest: H2 SCRIPT TO of the database after the run, the server stopped");
            String dump = setup.dump();
            SecretsAtRest.Result secrets = SecretsAtRest.check(dump,
                    TwoInstances.knownSecrets(setup, users, outcome.deletions().issuedSecrets()));
            secrets.addTo(report, "");
            TwoInstances.requireRows(report, dump, users);
            report.figure("wall time", Report.seconds(System.nanoTime() - started));
            passed = report.passed();
            return new H2Result(outcome, secrets, report);
        } finally {
            if (passed && !options.keep()) {
                ServerSetup.deleteWork(work);
            } else {
                System.err.println("secrets-at-rest: H2 data and logs kept in " + work);
            }
        }
    }
}
