package io.otpgate.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.otpgate.postgres.ThrowawayPostgres;

/**
 * Scenario 1, {@code two-instances}: two server processes on two loopback ports sharing one PostgreSQL. Users come
 * from a Django dump ({@code import-django}); then {@link TwoServerWorkload}: the same TOTP code, and the same
 * recovery code, sent to both servers at once in every round (exactly one 200 a round), and deletions seen at once by
 * the other server. At the end the servers stop, PostgreSQL is dumped with {@code pg_dump}, and the dump is checked
 * for every secret the clients knew ({@link SecretsAtRest}).
 */
public final class TwoInstances implements Scenario {

    /** The scenario's settings. */
    public record Options(int rounds, int deletions, int requestsPerServer, boolean keep) {

        TwoServerWorkload.Options workload() {
            return new TwoServerWorkload.Options(rounds, deletions, requestsPerServer);
        }
    }

    /** Everything a run measured; {@code report} has it as printed. */
    public record Result(TwoServerWorkload.Outcome outcome, SecretsAtRest.Result secrets, Report report) {
    }

    @Override
    public String description() {
        return "two servers on one PostgreSQL: the same code to both at once, deletion seen at once, secrets at rest"
                + " (rounds=1000 deletions=20 requests=10 keep=false)";
    }

    @Override
    public Report run(Settings settings) throws IOException {
        Options options = new Options(settings.integer("rounds", 1000, 1, 100_000),
                settings.integer("deletions", 20, 0, 10_000), settings.integer("requests", 10, 1, 50),
                settings.flag("keep", false));
        settings.checkAllUsed();
        return execute(options).report();
    }

    /** Runs the scenario: starts PostgreSQL and two servers, runs the workload, stops all, checks the dump. */
    public static Result execute(Options options) throws IOException {
        long started = System.nanoTime();
        Report report = new Report("two-instances: two servers sharing one PostgreSQL (rounds=" + options.rounds()
                + ", deletions=" + options.deletions() + ", requests=" + options.requestsPerServer() + "+"
                + options.requestsPerServer() + " a round)");
        Path work = Files.createTempDirectory("otpgate-two-instances-");
        boolean passed = false;
        try (ThrowawayPostgres postgres = ThrowawayPostgres.start()) {
            ThrowawayPostgres.Database database = postgres.newDatabase("otpgate");
            ServerSetup setup = ServerSetup.onPostgres(postgres, database, work)
                    // Tokens from the first logins must outlive a long run.
                    .property("otpgate.token.access-lifetime", "3h");
            report.section("set-up");
            report.machine();
            Path dumpFile = work.resolve("django-dump.json");
            long importStarted = System.nanoTime();
            List<KnownUser> users = DjangoDump.write(dumpFile, "two", options.workload().users(), 5);
            String imported = setup.importDjango(dumpFile);
            Files.delete(dumpFile);
            report.figure("import-django", Report.seconds(System.nanoTime() - importStarted), imported);
            List<ServerProcess> servers = setup.startAll("a", "b");
            TwoServerWorkload.Outcome outcome;
            try {
                for (ServerProcess server : servers) {
                    report.figure("server " + server.name().toUpperCase(Locale.ROOT) + " start-up",
                            Report.seconds(server.startupTime().toNanos()), "to UP on " + server.baseUri()
                                    + ", " + setup.jvm());
                }
                outcome = TwoServerWorkload.run(servers.get(0).api(), servers.get(1).api(), users,
                        options.workload());
            } finally {
                servers.forEach(ServerProcess::stop);
            }
            outcome.addTo(report);

            report.section("secrets at rest: pg_dump of the database after the run");
            List<SecretsAtRest.Secret> known = knownSecrets(setup, users.subList(0, options.workload().users()),
                    outcome.deletions().issuedSecrets());
            String dump = setup.dump();
            SecretsAtRest.Result secrets = SecretsAtRest.check(dump, known);
            secrets.addTo(report, "");
            requireRows(report, dump, users);
            report.figure("wall time", Report.seconds(System.nanoTime() - started));
            passed = report.passed();
            return new Result(outcome, secrets, report);
        } finally {
            if (passed && !options.keep()) {
                ServerSetup.deleteWork(work);
            } else {
                System.err.println("two-instances: logs kept in " + work);
            }
        }
    }

    /** Fails the report unless the dump holds the run's users (usernames are stored in clear): not an empty dump. */
    static void requireRows(Report report, String dump, List<KnownUser> users) {
        report.require("the dump holds the run's users and devices", dump.contains("otpgate_totp_device")
                && dump.contains(users.get(0).username()) && dump.contains(users.get(users.size() - 1).username()));
    }

    /** What the clients and the operator knew: every user's secrets, what the API issued, the two keys. */
    static List<SecretsAtRest.Secret> knownSecrets(ServerSetup setup, List<KnownUser> users,
            List<SecretsAtRest.Secret> issued) {
        List<SecretsAtRest.Secret> known = new ArrayList<>();
        for (KnownUser user : users) {
            known.addAll(SecretsAtRest.secretsOf(user));
        }
        known.addAll(issued);
        known.add(SecretsAtRest.Secret.ofBytes("the token signing key (otpgate.token.secret)", setup.tokenSecret()));
        known.add(SecretsAtRest.Secret.ofBytes("the key ring's key (OTPGATE_SECRETS_KEYS)", setup.secretsKey()));
        return known;
    }
}
