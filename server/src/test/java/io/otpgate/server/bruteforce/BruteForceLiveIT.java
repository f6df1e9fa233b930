package io.otpgate.server.bruteforce;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.spring.totp.TotpDevice;
import io.otpgate.spring.totp.TotpDeviceRepository;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.UserService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Brute force against a real server over HTTP with the real clock (issue 6, scenario 4): the application on a random
 * loopback port, on its own embedded database (an H2 file in a fresh directory), with default settings.
 *
 * <p>Four attacker threads holding the first victim's password-only token send wrong codes to
 * {@code POST /api/totp/login} as fast as the answers come; four more send wrong passwords for a second victim to
 * {@code POST /api/token} (several at once, so that each wait of the login throttle is raced for). Meanwhile legitimate users log in (password, then a valid TOTP code) every 2 seconds, in
 * turn over 20 accounts (a TOTP code is good once per 30-second step, so one account cannot log in every few
 * seconds), and their latencies are compared with the same flow measured before the attack.
 *
 * <p>The attack lasts {@code -Dbruteforce.seconds} (20 by default, the form {@code ./mvnw verify} runs; the
 * documented run, {@code reliability/brute-force}, gives 600). The figures are printed and kept in
 * {@code target/brute-force/live.txt}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "logging.level.otpgate.security=WARN")
// Closed after the class, before its data directory is deleted.
@DirtiesContext
class BruteForceLiveIT {

    static final String PASSWORD = "correct horse battery";
    static final int CODE_ATTACKERS = 4;
    static final int PASSWORD_ATTACKERS = 4;
    static final int LEGITIMATE_ACCOUNTS = 20;
    static final Duration LEGITIMATE_EVERY = Duration.ofSeconds(2);
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dataDir;

    @LocalServerPort int port;
    @Autowired UserService users;
    @Autowired TotpDeviceRepository totpDevices;
    @Autowired JdbcClient jdbc;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @DynamicPropertySource
    static void embeddedDatabase(DynamicPropertyRegistry registry) {
        // The embedded default, minus AUTO_SERVER: no command shares this database, so H2 opens no port.
        registry.add("otpgate.data-dir", () -> dataDir.toString());
        registry.add("spring.datasource.url", () -> "jdbc:h2:file:" + dataDir.resolve("otpgate")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
    }

    static Duration attackLength() {
        return Duration.ofSeconds(Long.getLong("bruteforce.seconds", 20));
    }

    @Test
    void attackWhenCodesAndPasswordsAreHammeredThenOnlyThrottledAndOtherUsersUnaffected() throws Exception {
        Duration length = attackLength();
        Account codeVictim = enrolled("code-victim");
        String passwordVictim = "password-victim";
        users.create(NewUser.named(passwordVictim), PASSWORD);
        AccountPool legitimate = new AccountPool();
        for (int i = 0; i < LEGITIMATE_ACCOUNTS; i++) {
            legitimate.add(enrolled("legit-" + i));
        }
        // Every account's code of the current step was spent confirming its device: start at the next step.
        legitimate.awaitFreshStep();
        Duration baselineLength = Duration.ofSeconds(Math.max(10, length.toSeconds() / 10));
        Legitimate baseline = new Legitimate(legitimate);
        baseline.run(Instant.now().plus(baselineLength));
        long lastEventBefore = lastEvent();

        Instant start = Instant.now();
        Instant deadline = start.plus(length);
        CodeAttack codes = new CodeAttack(codeVictim, start);
        Counts passwords = new Counts();
        Legitimate during = new Legitimate(legitimate);
        ExecutorService pool = Executors.newFixedThreadPool(CODE_ATTACKERS + PASSWORD_ATTACKERS + 1);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int i = 0; i < CODE_ATTACKERS; i++) {
                int seed = i;
                running.add(pool.submit(() -> {
                    go.await();
                    codes.run(deadline, new Random(seed));
                    return null;
                }));
            }
            for (int i = 0; i < PASSWORD_ATTACKERS; i++) {
                int thread = i;
                running.add(pool.submit(() -> {
                    go.await();
                    guessPasswords(passwordVictim, thread, deadline, passwords);
                    return null;
                }));
            }
            running.add(pool.submit(() -> {
                go.await();
                during.run(deadline);
                return null;
            }));
            go.countDown();
            for (Future<?> future : running) {
                future.get(length.toSeconds() + 120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.between(start, Instant.now());
        Map<String, Long> eventsDuring = eventsSince(lastEventBefore);

        report(length, took, codes, passwords, baseline, during, eventsDuring);
        assertThat(codes.counts.serverErrors()).as("5xx to wrong codes").isZero();
        assertThat(passwords.serverErrors()).as("5xx to wrong passwords").isZero();
        assertThat(codes.counts.other()).as("answers to wrong codes other than 400, 401, 429").isZero();
        assertThat(passwords.other()).as("answers to wrong passwords other than 401, 429").isZero();
        assertThat(codes.hits.get()).as("guesses that hit (chance %s)", codes.odds().success()).isZero();
        assertThat(codes.counts.throttled()).as("wrong codes refused by the throttle").isPositive();
        assertThat(passwords.throttled()).as("wrong passwords refused by the throttle").isPositive();
        assertThat(codes.odds().success()).isLessThan(BruteForceSimulationTest.BOUND);
        assertThat(during.refused()).as("legitimate logins refused").isEmpty();
        assertThat(baseline.refused()).as("legitimate logins refused before the attack").isEmpty();
        assertThat(during.latencies()).as("legitimate logins during the attack").isNotEmpty();
    }

    // The attack on the second factor

    /** The counts of one kind of attack, shared by its threads. */
    static final class Counts {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong checked = new AtomicLong();
        final AtomicLong throttled = new AtomicLong();
        final AtomicLong sessionExpired = new AtomicLong();
        final AtomicLong serverErrors = new AtomicLong();
        final Map<Integer, AtomicLong> others = new ConcurrentHashMap<>();

        long throttled() {
            return throttled.get();
        }

        long serverErrors() {
            return serverErrors.get();
        }

        long other() {
            return others.values().stream().mapToLong(AtomicLong::get).sum();
        }

        void count(int status, int checkedStatus) {
            sent.incrementAndGet();
            if (status == checkedStatus) {
                checked.incrementAndGet();
            } else if (status == 429) {
                throttled.incrementAndGet();
            } else if (status >= 500) {
                serverErrors.incrementAndGet();
            } else if (status != 401) {
                others.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
            }
        }
    }

    /** Wrong codes for one victim from several threads; the chance of the checked ones is summed as they come. */
    final class CodeAttack {
        final Account victim;
        final TotpDevice device;
        final Instant start;
        final Counts counts = new Counts();
        final AtomicLong hits = new AtomicLong();
        final AtomicReference<Duration> toLock = new AtomicReference<>();
        private final GuessOdds odds = new GuessOdds();
        private final AtomicReference<Tokens> session = new AtomicReference<>();

        CodeAttack(Account victim, Instant start) {
            this.victim = victim;
            // The victim does not log in during the attack, and no guess is right: the device's last step and
            // drift stay as they are, so the codes it accepts follow from the time alone.
            this.device = totpDevices.findByUser(victim.userId()).get(0);
            this.start = start;
        }

        synchronized GuessOdds odds() {
            return odds;
        }

        void run(Instant deadline, Random random) throws Exception {
            while (Instant.now().isBefore(deadline)) {
                Tokens tokens = session.get();
                if (tokens == null) {
                    tokens = passwordLogin(victim.username());
                    session.set(tokens);
                }
                Set<String> accepted = AcceptedCodes.of(device, victim.secret(), Instant.now());
                String code = wrongCode(random, device.digits(), accepted);
                Answer answer = post("/api/totp/login", tokens.access(), "{\"token\":\"" + code + "\"}");
                counts.count(answer.status(), 400);
                if (answer.status() == 400) {
                    synchronized (this) {
                        odds.add(accepted.size(), device.digits());
                    }
                } else if (answer.status() == 401) {
                    counts.sessionExpired.incrementAndGet();
                    session.compareAndSet(tokens, null);
                } else if (answer.status() == 429 && toLock.get() == null
                        && answer.json().get("detail").stringValue().contains("locked")) {
                    toLock.compareAndSet(null, Duration.between(start, Instant.now()));
                } else if (answer.status() == 200) {
                    hits.incrementAndGet();
                    return;
                }
            }
        }
    }

    private static String wrongCode(Random random, int digits, Set<String> accepted) {
        int bound = (int) Math.pow(10, digits);
        String code;
        do {
            code = String.format(Locale.ROOT, "%0" + digits + "d", random.nextInt(bound));
        } while (accepted.contains(code));
        return code;
    }

    // Password guessing

    private void guessPasswords(String username, int thread, Instant deadline, Counts counts) throws Exception {
        for (long guess = 0; Instant.now().isBefore(deadline); guess++) {
            Answer answer = post("/api/token", null, "{\"username\":\"" + username
                    + "\",\"password\":\"wrong guess " + thread + "-" + guess + "\"}");
            counts.count(answer.status(), 401);
        }
    }

    // Legitimate users

    /**
     * The legitimate accounts, taken in turn. A TOTP code is good once per 30-second step, so an account whose code
     * of this step was used (at its enrolment, or by its last login) is passed over until the next step.
     */
    static final class AccountPool {
        private final List<Account> accounts = new ArrayList<>();
        private final Map<String, Long> lastStep = new ConcurrentHashMap<>();
        private int next;

        /** Adds an account; the step of the code that confirmed its device counts as used. */
        void add(Account account) {
            accounts.add(account);
            lastStep.put(account.username(), account.device().lastStep());
        }

        /** Sleeps until every account may log in: the step after the latest one used. */
        void awaitFreshStep() throws InterruptedException {
            long latest = lastStep.values().stream().mapToLong(Long::longValue).max().orElse(0);
            Duration period = accounts.get(0).device().totp().period();
            Instant fresh = Instant.ofEpochSecond((latest + 1) * period.toSeconds()
                    + accounts.get(0).device().totp().t0());
            Duration left = Duration.between(Instant.now(), fresh);
            if (!left.isNegative()) {
                Thread.sleep(left.toMillis() + 1);
            }
        }

        /** The next account that may log in at {@code now}, its step marked as used; null if none may. */
        synchronized Account take(Instant now) {
            for (int i = 0; i < accounts.size(); i++) {
                Account account = accounts.get(next++ % accounts.size());
                long step = account.device().totp().step(now);
                if (lastStep.get(account.username()) < step) {
                    lastStep.put(account.username(), step);
                    return account;
                }
            }
            return null;
        }
    }

    /** Logins of the legitimate accounts in turn, one every 2 seconds, each timed from password to tokens. */
    final class Legitimate {
        private final AccountPool accounts;
        private final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        private final List<String> refused = Collections.synchronizedList(new ArrayList<>());

        Legitimate(AccountPool accounts) {
            this.accounts = accounts;
        }

        void run(Instant deadline) throws Exception {
            Instant next = Instant.now();
            while (next.isBefore(deadline)) {
                Duration pause = Duration.between(Instant.now(), next);
                if (!pause.isNegative()) {
                    Thread.sleep(pause.toMillis());
                }
                login();
                next = next.plus(LEGITIMATE_EVERY);
            }
        }

        private void login() throws Exception {
            long began = System.nanoTime();
            Instant now = Instant.now();
            Account account = accounts.take(now);
            if (account == null) {
                refused.add("no account whose code is unused in this step (the test's own mistake)");
                return;
            }
            Answer password = post("/api/token", null,
                    "{\"username\":\"" + account.username() + "\",\"password\":\"" + PASSWORD + "\"}");
            if (password.status() != 200) {
                refused.add("password: " + password.status());
                return;
            }
            Answer code = post("/api/totp/login", password.json().get("access").stringValue(),
                    "{\"token\":\"" + account.device().totp().generate(account.secret(), now) + "\"}");
            if (code.status() != 200) {
                refused.add("code: " + code.status());
                return;
            }
            nanos.add(System.nanoTime() - began);
        }

        List<Long> latencies() {
            synchronized (nanos) {
                return List.copyOf(nanos);
            }
        }

        List<String> refused() {
            synchronized (refused) {
                return List.copyOf(refused);
            }
        }
    }

    // Accounts and HTTP

    /** A user with a confirmed TOTP device set up through the API. */
    record Account(String username, long userId, OtpSecret secret, TotpDevice device) {
    }

    record Tokens(String access, String refresh) {
    }

    record Answer(int status, JsonNode json) {
    }

    private Account enrolled(String username) throws Exception {
        long id = users.create(NewUser.named(username), PASSWORD).id();
        Tokens password = passwordLogin(username);
        Answer created = post("/api/totp/create", password.access(), null);
        assertThat(created.status()).isEqualTo(201);
        OtpSecret secret = OtpAuthUri.parse(created.json().get("otpUrl").stringValue()).secret();
        TotpDevice pending = totpDevices.findByUser(id).get(0);
        Answer confirmed = post("/api/totp/login", password.access(),
                "{\"token\":\"" + pending.totp().generate(secret, Instant.now()) + "\"}");
        assertThat(confirmed.status()).isEqualTo(200);
        return new Account(username, id, secret, totpDevices.findByUser(id).get(0));
    }

    private Tokens passwordLogin(String username) throws Exception {
        Answer answer = post("/api/token", null,
                "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(answer.status()).as("the password login of %s", username).isEqualTo(200);
        return new Tokens(answer.json().get("access").stringValue(), answer.json().get("refresh").stringValue());
    }

    private Answer post(String path, String bearer, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String content = response.body();
        return new Answer(response.statusCode(), content.isEmpty() ? null : JSON.readTree(content));
    }

    private long lastEvent() {
        return jdbc.sql("select coalesce(max(id), 0) from otpgate_security_event").query(Long.class).single();
    }

    /** The security log rows written after the given one, by kind. */
    private Map<String, Long> eventsSince(long id) {
        Map<String, Long> kinds = new java.util.TreeMap<>();
        jdbc.sql("select kind, count(*) from otpgate_security_event where id > ? group by kind").param(id)
                .query((rs, n) -> kinds.put(rs.getString(1), rs.getLong(2))).list();
        return kinds;
    }

    // Figures

    private void report(Duration length, Duration took, CodeAttack codes, Counts passwords, Legitimate baseline,
            Legitimate during, Map<String, Long> events) {
        List<String> lines = new ArrayList<>();
        lines.add("attack: " + Report.human(length) + " (took " + Report.human(took) + "), " + CODE_ATTACKERS
                + " threads on codes, " + PASSWORD_ATTACKERS + " on passwords; " + Runtime.getRuntime().availableProcessors()
                + " processors shared by server and clients; Java " + Runtime.version().feature());
        Counts c = codes.counts;
        lines.add(String.format(Locale.ROOT, "codes (POST /api/totp/login): sent %d (%.0f/s), checked (400) %d, "
                + "throttled (429) %d, session expired (401, then a new password login) %d, 5xx %d, other %s",
                c.sent.get(), c.sent.get() / Math.max(1.0, took.toSeconds()), c.checked.get(), c.throttled.get(),
                c.sessionExpired.get(), c.serverErrors.get(), c.others));
        lines.add("account lock: " + (codes.toLock.get() == null ? "not reached (the device's waits double after "
                + "each failure: 1 s, 2 s, 4 s ...)" : "reached after " + Report.human(codes.toLock.get())));
        lines.add("codes accepted per checked attempt: " + codes.odds().fewestCodes() + " to "
                + codes.odds().mostCodes() + " of 10^" + codes.device.digits() + "; guesses that hit: "
                + codes.hits.get());
        lines.add("success probability of the checked attempts: " + Report.probability(codes.odds().success()));
        lines.add(String.format(Locale.ROOT, "passwords (POST /api/token): sent %d (%.0f/s), checked (401) %d, "
                + "throttled (429) %d, 5xx %d, other %s", passwords.sent.get(),
                passwords.sent.get() / Math.max(1.0, took.toSeconds()), passwords.checked.get(),
                passwords.throttled.get(), passwords.serverErrors.get(), passwords.others));
        lines.add("security log rows written during the attack: "
                + events.values().stream().mapToLong(Long::longValue).sum() + " " + events);
        lines.add("legitimate logins (password + code) before the attack: " + latencies(baseline));
        lines.add("legitimate logins (password + code) during the attack: " + latencies(during));
        lines.add("legitimate logins refused (any 429 or other): before " + baseline.refused().size() + ", during "
                + during.refused().size() + (during.refused().isEmpty() ? "" : " " + during.refused()));
        Report.write("live", "Brute force against a live server over HTTP, real clock", lines);
    }

    private static String latencies(Legitimate legitimate) {
        List<Long> sorted = new ArrayList<>(legitimate.latencies());
        if (sorted.isEmpty()) {
            return "none";
        }
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "%d, p50 %.0f ms, p99 %.0f ms, max %.0f ms", sorted.size(),
                percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6);
    }

    private static double percentile(List<Long> sorted, double q) {
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1e6;
    }
}
