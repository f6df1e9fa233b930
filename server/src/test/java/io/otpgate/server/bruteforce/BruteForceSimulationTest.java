package io.otpgate.server.bruteforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.MockMvcPrint;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Throttle;
import io.otpgate.spring.device.VerificationProperties;
import io.otpgate.server.system.ApiRefusal;
import io.otpgate.spring.system.SqlTime;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.login.LoginProperties;
import io.otpgate.server.token.PasswordLogin;
import io.otpgate.spring.totp.TotpDevice;
import io.otpgate.spring.totp.TotpDeviceRepository;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Brute force in simulated time (issue 6, scenario 4): the real server (the whole REST API through MockMvc, the
 * verification service, the login throttle) on a fresh H2 database with default settings, and a {@link TestClock}
 * that the attacker moves forward by exactly the wait the server names. An attacker who knows the password sends a
 * random wrong code as soon as the server lets it, for 30 days and for 10 minutes; the chance that such guesses hit
 * is {@code 1 - prod(1 - accepted/10^digits)}, with the codes accepted counted at each guess from the device's state.
 * It must stay under 1 in 10 000 per 30 days. Password guessing is simulated the same way through
 * {@link PasswordLogin}: one username from one address, from a new address each time, and many usernames from one
 * address. The figures are printed and kept in {@code target/brute-force/}.
 */
@SpringBootTest(properties = "logging.level.otpgate.security=WARN")
// Never print requests: they carry tokens and codes.
@AutoConfigureMockMvc(print = MockMvcPrint.NONE, printOnlyOnFailure = false)
@Import(TestClock.Config.class)
class BruteForceSimulationTest {

    static final double BOUND = 1e-4;
    static final Duration DAYS_30 = Duration.ofDays(30);
    static final Duration MINUTES_10 = Duration.ofMinutes(10);
    static final String PASSWORD = "correct horse battery";
    static final String ATTACKER = "203.0.113.66";
    static final String VICTIM_ADDRESS = "192.0.2.44";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final AtomicInteger USERS = new AtomicInteger();

    @Autowired MockMvc mvc;
    @Autowired TestClock clock;
    @Autowired UserService users;
    @Autowired TotpDeviceRepository totpDevices;
    @Autowired PasswordLogin passwordLogin;
    @Autowired VerificationProperties verification;
    @Autowired LoginProperties login;
    @Autowired JdbcClient jdbc;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    // The second factor

    @Test
    void codesFor30DaysWhenDefaultsThenSuccessUnderOneIn10000() throws Exception {
        Victim victim = enrolledVictim();

        CodeAttack attack = attackCodes(victim, DAYS_30, null);

        attack.report("codes-30-days", "Second factor, 30 simulated days, default settings");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.checked()).isPositive();
        assertUnderBound(attack);
    }

    @Test
    void codesFor10MinutesWhenDefaultsThenSuccessUnderOneIn10000() throws Exception {
        Victim victim = enrolledVictim();

        CodeAttack attack = attackCodes(victim, MINUTES_10, null);

        attack.report("codes-10-minutes", "Second factor, first 10 simulated minutes, default settings");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.checked()).isPositive();
        assertUnderBound(attack);
    }

    /**
     * The check can fail: a device whose window is 2 steps either side ({@code otpgate.totp.tolerance=2}, 5 codes
     * per guess instead of 3) gives the same attacker more than 1 in 10 000 over 30 days.
     */
    @Test
    void codesFor30DaysWhenDeviceWindowIsTwoStepsThenTheBoundIsExceeded() throws Exception {
        Victim victim = enrolledVictim();
        jdbc.sql("update otpgate_totp_device set tolerance = 2 where account_id = ?").param(victim.user().id()).update();

        CodeAttack attack = attackCodes(victim, DAYS_30, null);

        attack.report("codes-30-days-tolerance-2", "Second factor, 30 simulated days, a device with tolerance 2 "
                + "(too lax: the bound check must fail)");
        assertThat(attack.odds().mostCodes()).isEqualTo(5);
        assertThatThrownBy(() -> assertUnderBound(attack)).isInstanceOf(AssertionError.class);
    }

    /**
     * The attacked user logs in (password and a valid code) once a day from the address they enrolled from, and
     * waits as told. Before issue 14 each of the owner's successes cleared the waits and the attacker's were back to
     * 1 s: about 16 checked codes a day, 1.0e-3 in 30 days. Now the owner's address is familiar and waits only on
     * familiar failures, while the attacker's (unfamiliar) failures keep counting for 30 days whatever the owner does.
     */
    @Test
    void codesFor30DaysWhenVictimLogsInDailyThenSuccessUnderOneIn10000() throws Exception {
        Victim victim = enrolledVictim();

        CodeAttack attack = attackCodes(victim, DAYS_30, Duration.ofDays(1), i -> ATTACKER, day -> VICTIM_ADDRESS);

        attack.report("codes-30-days-victim-daily", "Second factor, 30 simulated days, default settings, the "
                + "attacked user logging in once a day from their usual address");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.victimLogins()).as("the owner gets in every day").isEqualTo(30);
        assertThat(attack.victimLongestWait()).as("the owner's longest wait").isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertUnderBound(attack);
    }

    /** The attacker sends each guess from a new address: nothing is familiar, the account's wait holds. */
    @Test
    void codesFor30DaysWhenANewAddressEachGuessAndVictimDailyThenSuccessUnderOneIn10000() throws Exception {
        Victim victim = enrolledVictim();

        CodeAttack attack = attackCodes(victim, DAYS_30, Duration.ofDays(1),
                i -> "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), day -> VICTIM_ADDRESS);

        attack.report("codes-30-days-many-addresses", "Second factor, 30 simulated days, a new attacker address at "
                + "each guess, the attacked user logging in daily from their usual address");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.victimLogins()).isEqualTo(30);
        assertUnderBound(attack);
    }

    /**
     * The cost of the rule: an owner who logs in from a new address every day (never familiar) waits with the
     * attacker on the account's wait. The bound still holds; the owner's waits are printed, not bounded.
     */
    @Test
    void codesFor30DaysWhenVictimLogsInDailyFromANewAddressThenBoundHoldsAndTheOwnerWaits() throws Exception {
        Victim victim = enrolledVictim();

        CodeAttack attack = attackCodes(victim, DAYS_30, Duration.ofDays(1), i -> ATTACKER,
                day -> "198.18." + (day >> 8 & 255) + "." + (day & 255));

        attack.report("codes-30-days-victim-travelling", "Second factor, 30 simulated days, the attacked user logging "
                + "in once a day from a new address each day (the cost of the rule: the owner waits)");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.victimLogins()).isPositive();
        assertUnderBound(attack);
    }

    /**
     * No attacker: the owner logs in once a day for a year and mistypes the code about once a week (and, one time in
     * seven, mistypes the retyped code too). The owner never waits more than a few seconds: each success forgives the
     * owner's mistypes.
     */
    @Test
    void ownerAloneFor365DaysMistypingWeeklyThenWaitsAtMostAFewSeconds() throws Exception {
        Victim victim = enrolledVictim();
        Random random = new Random(7L + victim.user().id());
        List<Duration> waits = new ArrayList<>();
        int mistypes = 0;
        for (int day = 0; day < 365; day++) {
            clock.advance(Duration.ofDays(1));
            Instant due = clock.instant();
            Tokens session = session(victim.user().username(), null, VICTIM_ADDRESS);
            boolean wrong = random.nextInt(7) == 0;
            boolean retyped = false;
            while (true) {
                TotpDevice device = device(victim);
                String code = wrong ? wrongCode(random, device.digits(),
                        AcceptedCodes.of(device, victim.secret(), clock.instant()))
                        : device.totp().generate(victim.secret(), clock.instant());
                Answer answer = post("/api/totp/login", session.access(), body("token", code), VICTIM_ADDRESS);
                if (answer.status() == 200) {
                    break;
                }
                assertThat(answer.status()).as("the owner's attempt: %s", answer.json()).isIn(400, 429);
                if (answer.status() == 400) {
                    // Typed again at once (a 429 then says how long to wait); wrong again one time in seven, never
                    // a third time.
                    mistypes++;
                    wrong = !retyped && random.nextInt(7) == 0;
                    retyped = true;
                } else {
                    clock.advance(answer.retryAfter());
                }
            }
            waits.add(Duration.between(due, clock.instant()));
        }
        Duration longest = waits.stream().max(Duration::compareTo).orElseThrow();
        long waited = waits.stream().filter(w -> !w.isZero()).count();
        Report.write("owner-alone-365-days", "No attacker: the owner logs in daily for a year, mistyping about once "
                + "a week", List.of("logins: " + waits.size() + "; mistyped codes: " + mistypes,
                        "logins that waited: " + waited + "; longest wait: " + Report.human(longest)));
        assertThat(mistypes).as("the owner did mistype").isGreaterThan(30);
        assertThat(longest).as("the owner's longest wait").isLessThanOrEqualTo(Duration.ofSeconds(4));
    }

    // Passwords

    @Test
    void passwordsFor30DaysWhenOneUsernameFromOneAddressThenAboutOneGuessEveryFiveMinutes() {
        String name = cheapUser();

        PasswordAttack attack = attackPasswords(DAYS_30, i -> name, i -> "198.51.100.7", null);

        attack.report("passwords-one-username-one-address", "Password guessing, 30 simulated days, one username "
                + "from one address");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.steadyPerDay()).isLessThanOrEqualTo(maxPerDay());
    }

    @Test
    void passwordsFor30DaysWhenOneUsernameFromANewAddressEachTimeThenTheUsernameLimitHolds() {
        String name = cheapUser();

        PasswordAttack attack = attackPasswords(DAYS_30, i -> name, BruteForceSimulationTest::newAddress, null);

        attack.report("passwords-one-username-many-addresses", "Password guessing, 30 simulated days, one username "
                + "from a new address at each guess");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.steadyPerDay()).isLessThanOrEqualTo(maxPerDay());
    }

    /**
     * The same spread attack while the owner logs in with the right password once a day from the address they
     * logged in from before: a familiar address answers only to its own (username, address) count, so the owner
     * never waits; and the owner's successes do not clear the username's count over all addresses, so the attacker
     * gets no more guesses than without the owner.
     */
    @Test
    void passwordsFor30DaysWhenSpreadOverAddressesAndOwnerDailyFromAFamiliarAddressThenOwnerNeverWaits() {
        Owner owner = owner(day -> VICTIM_ADDRESS);

        PasswordAttack attack = attackPasswords(DAYS_30, i -> owner.name(), BruteForceSimulationTest::newAddress,
                owner);

        attack.report("passwords-one-username-many-addresses-owner-familiar", "Password guessing, 30 simulated "
                + "days, one username from a new address at each guess, the owner logging in daily from their usual "
                + "address");
        assertThat(attack.serverErrors()).isZero();
        assertThat(owner.logins()).as("the owner got in each day").isEqualTo(30);
        assertThat(owner.refused()).as("the owner's 429s").isZero();
        assertThat(attack.steadyPerDay()).isLessThanOrEqualTo(maxPerDay());
    }

    /**
     * The limit of the rule, measured: the owner logs in once a day from a new address each time (never familiar)
     * during the spread attack, and waits as told. The looser per-username bound applies to them as to the
     * attacker: they get in each day, after at most {@code max-delay}.
     */
    @Test
    void passwordsFor30DaysWhenSpreadOverAddressesAndOwnerDailyFromANewAddressThenOwnerWaitsAtMostMaxDelay() {
        Owner owner = owner(day -> "172.16." + day + ".1");

        PasswordAttack attack = attackPasswords(DAYS_30, i -> owner.name(), BruteForceSimulationTest::newAddress,
                owner);

        attack.report("passwords-one-username-many-addresses-owner-new-address", "Password guessing, 30 simulated "
                + "days, one username from a new address at each guess, the owner logging in daily from a new "
                + "address (the rule's limit)");
        assertThat(attack.serverErrors()).isZero();
        assertThat(owner.logins()).as("the owner got in each day").isEqualTo(30);
        assertThat(owner.longestWait()).isLessThanOrEqualTo(login.maxDelay());
        assertThat(attack.steadyPerDay()).isLessThanOrEqualTo(maxPerDay());
    }

    @Test
    void passwordsFor30DaysWhenManyUsernamesFromOneAddressThenTheAddressLimitHolds() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            names.add(cheapUser());
        }

        PasswordAttack attack = attackPasswords(DAYS_30, i -> names.get((int) (i % names.size())),
                i -> "198.51.100.8", null);

        attack.report("passwords-many-usernames-one-address", "Password guessing, 30 simulated days, 300 usernames "
                + "in turn from one address");
        assertThat(attack.serverErrors()).isZero();
        assertThat(attack.steadyPerDay()).isLessThanOrEqualTo(maxPerDay());
    }

    // The bound

    static void assertUnderBound(CodeAttack attack) {
        assertThat(attack.odds().success()).as("chance that one of %d guesses hit", attack.checked())
                .isLessThan(BOUND);
    }

    /** At the longest wait, one guess per max-delay: 288 a day with 5 minutes, plus one for rounding. */
    private long maxPerDay() {
        return Duration.ofDays(1).dividedBy(login.maxDelay()) + 1;
    }

    // The attack on the second factor

    /** A user with the password {@link #PASSWORD}, a confirmed TOTP device (set up through the API) and 5 recovery codes. */
    record Victim(User user, OtpSecret secret) {
    }

    /**
     * What one simulated attack on the second factor did.
     *
     * @param toLock time from the start to the account lock, or null if it was never locked
     * @param failures the account's consecutive failures at the end
     * @param nextWait the wait the device imposed at the end (the wait before the guess that time did not allow)
     */
    record CodeAttack(Duration length, GuessOdds odds, long refused, long serverErrors, long otherAnswers,
            long sessions, Duration toLock, int failures, Duration nextWait, boolean victimTried, long victimLogins,
            Duration victimWaited, Duration victimLongestWait, VerificationProperties settings, int tolerance,
            int digits) {

        long checked() {
            return odds.guesses();
        }

        void report(String name, String title) {
            List<String> lines = new ArrayList<>();
            lines.add(String.format(Locale.ROOT, "settings: TOTP %d digits, tolerance %d, throttle factor %s, "
                    + "account lock after %d failures for %s; unfamiliar failures count for %s, an address stays "
                    + "familiar for %s, a success forgives its address's failures of the last %s", digits, tolerance,
                    Report.human(settings.throttleFactor()), settings.accountFailureLimit(),
                    Report.human(settings.accountLockDuration()), Report.human(settings.failureMemory()),
                    Report.human(settings.familiarFor()), Report.human(settings.forgiveWithin())));
            lines.add("simulated time: " + Report.human(length));
            lines.add("attempts checked (400): " + checked());
            lines.add("attempts refused by the throttle (429): " + refused);
            lines.add("5xx answers: " + serverErrors + "; other answers: " + otherAnswers);
            lines.add("password logins and refreshes of the attacker: " + sessions);
            lines.add("codes accepted per attempt: " + (odds.fewestCodes() == odds.mostCodes() ? odds.fewestCodes()
                    : odds.fewestCodes() + " to " + odds.mostCodes()) + " of 10^" + digits);
            if (toLock != null) {
                lines.add("account lock: reached after " + Report.human(toLock));
            } else {
                Duration toLimit = timeToLimit(settings, failures);
                lines.add("account lock: never reached: " + failures + " of " + settings.accountFailureLimit()
                        + " consecutive failures at the end; the device's wait had grown to "
                        + Report.human(nextWait) + ", and the failures still missing would take at least "
                        + Report.human(toLimit) + " of waits");
            }
            if (victimTried) {
                lines.add("the attacked user, logging in once a day and waiting as told: got in " + victimLogins
                        + " times; kept waiting by the throttle: " + Report.human(victimWaited) + " in all, "
                        + Report.human(victimLongestWait) + " at the longest");
            }
            lines.add("success probability 1 - prod(1 - accepted/10^" + digits + "): "
                    + Report.probability(odds.success()) + " (bound " + Report.probability(BOUND) + ")");
            Report.write(name, title, lines);
        }

        /** The sum of the device's waits from {@code failures} to the account's limit. */
        static Duration timeToLimit(VerificationProperties settings, int failures) {
            Throttle throttle = settings.throttle();
            Duration total = Duration.ZERO;
            for (int n = Math.max(failures, 1); n < settings.accountFailureLimit(); n++) {
                total = total.plus(throttle.delayAfter(n));
            }
            return total;
        }
    }

    /**
     * The attacker logs in with the password (and refreshes its tokens as a client does), then sends a random wrong
     * code whenever the server lets it: at once after a 400, after exactly the {@code Retry-After} it is told after a
     * 429. With {@code victimEvery}, the account's owner logs in with the password and a valid code that often,
     * waiting as told when the attacker's failures throttle it.
     */
    CodeAttack attackCodes(Victim victim, Duration length, Duration victimEvery) throws Exception {
        return attackCodes(victim, length, victimEvery, i -> ATTACKER, day -> VICTIM_ADDRESS);
    }

    /**
     * As above, the attacker's guess {@code i} sent from {@code attackerAddress.at(i)} (with a new password session
     * when the address changes), the owner's login of day {@code d} from {@code victimAddress.at(d)}.
     */
    CodeAttack attackCodes(Victim victim, Duration length, Duration victimEvery, ByGuess<String> attackerAddress,
            ByGuess<String> victimAddress) throws Exception {
        Random random = new Random(20260101L + victim.user().id());
        Instant start = clock.instant();
        Instant end = start.plus(length);
        GuessOdds odds = new GuessOdds();
        long refused = 0;
        long serverErrors = 0;
        long other = 0;
        long sessions = 0;
        long victimLogins = 0;
        Duration victimWaited = Duration.ZERO;
        Duration victimLongest = Duration.ZERO;
        long guess = 0;
        String attackerAt = null;
        Duration toLock = null;
        Duration lastWait = Duration.ZERO;
        Tokens attacker = null;
        Tokens[] owner = {null};
        Instant nextAttack = start;
        Instant nextVictim = victimEvery == null ? null : start.plus(Duration.ofHours(1));
        Instant victimDue = nextVictim;
        int digits = device(victim).digits();
        int tolerance = device(victim).tolerance();
        while (true) {
            boolean victimTurn = nextVictim != null && (nextVictim.isBefore(nextAttack)
                    || nextVictim.equals(nextAttack) && random.nextBoolean());
            Instant next = victimTurn ? nextVictim : nextAttack;
            if (!next.isBefore(end)) {
                break;
            }
            assertThat(next).as("simulated time only moves forward").isAfterOrEqualTo(clock.instant());
            clock.set(next);
            if (victimTurn) {
                Answer answer = victimLogin(victim, owner, victimAddress.at(victimLogins));
                if (answer.status() == 200) {
                    victimLogins++;
                    owner[0] = null;
                    Duration waited = Duration.between(victimDue, clock.instant());
                    victimWaited = victimWaited.plus(waited);
                    victimLongest = waited.compareTo(victimLongest) > 0 ? waited : victimLongest;
                    // The next login is due at the same time of day, on the first day still to come.
                    while (!victimDue.isAfter(clock.instant())) {
                        victimDue = victimDue.plus(victimEvery);
                    }
                    nextVictim = victimDue;
                } else {
                    assertThat(answer.status()).as("the attacked user's login: %s", answer.json()).isEqualTo(429);
                    nextVictim = clock.instant().plus(answer.retryAfter());
                }
                continue;
            }
            String address = attackerAddress.at(guess);
            if (attacker == null || !address.equals(attackerAt)) {
                attacker = session(victim.user().username(), null, address);
                attackerAt = address;
                sessions++;
            }
            TotpDevice device = device(victim);
            Set<String> accepted = AcceptedCodes.of(device, victim.secret(), clock.instant());
            Answer answer = post("/api/totp/login", attacker.access(), body("token",
                    wrongCode(random, device.digits(), accepted)), address);
            if (answer.status() == 400) {
                odds.add(accepted.size(), device.digits());
                guess++;
            } else if (answer.status() == 429) {
                refused++;
                lastWait = answer.retryAfter();
                if (toLock == null && answer.json().get("detail").stringValue().contains("locked")) {
                    toLock = Duration.between(start, clock.instant());
                }
                nextAttack = clock.instant().plus(answer.retryAfter());
            } else if (answer.status() == 401) {
                attacker = session(victim.user().username(), attacker.refresh(), address);
                sessions++;
            } else if (answer.status() >= 500) {
                serverErrors++;
                nextAttack = clock.instant().plusSeconds(1);
            } else {
                assertThat(answer.status()).as("a wrong code was accepted: %s", answer.json()).isNotEqualTo(200);
                other++;
                nextAttack = clock.instant().plusSeconds(1);
            }
        }
        if (victimDue != null && victimDue.isBefore(end) && nextVictim.isAfter(victimDue)) {
            // Still waiting at the end.
            Duration waited = Duration.between(victimDue, end);
            victimWaited = victimWaited.plus(waited);
            victimLongest = waited.compareTo(victimLongest) > 0 ? waited : victimLongest;
        }
        clock.set(end);
        int failures = jdbc.sql("select failure_count from otpgate_account where id = ?").param(victim.user().id())
                .query(Integer.class).single();
        return new CodeAttack(length, odds, refused, serverErrors, other, sessions, toLock, failures, lastWait,
                victimEvery != null, victimLogins, victimWaited, victimLongest, verification, tolerance, digits);
    }

    /** A code of the right shape that the device would not accept now: a guess that happens to be wrong. */
    private static String wrongCode(Random random, int digits, Set<String> accepted) {
        int bound = (int) Math.pow(10, digits);
        String code;
        do {
            code = String.format(Locale.ROOT, "%0" + digits + "d", random.nextInt(bound));
        } while (accepted.contains(code));
        return code;
    }

    private TotpDevice device(Victim victim) {
        return totpDevices.findByUser(victim.user().id()).get(0);
    }

    /**
     * The owner's login: a password-only session (kept while the owner is told to wait, and refreshed as a client
     * does), then the code the app shows now.
     */
    private Answer victimLogin(Victim victim, Tokens[] owner, String address) throws Exception {
        TotpDevice device = device(victim);
        String code = device.totp().generate(victim.secret(), clock.instant());
        for (int i = 0; i < 2; i++) {
            if (owner[0] == null) {
                owner[0] = session(victim.user().username(), null, address);
            }
            Answer answer = post("/api/totp/login", owner[0].access(), body("token", code), address);
            if (answer.status() != 401) {
                return answer;
            }
            owner[0] = session(victim.user().username(), owner[0].refresh(), address);
        }
        throw new AssertionError("the owner's fresh session was refused");
    }

    /** New password-only tokens: by refresh when the refresh token still works, else by the password. */
    private Tokens session(String username, String refresh, String address) throws Exception {
        if (refresh != null) {
            Answer refreshed = post("/api/token/refresh", null, body("refresh", refresh), address);
            if (refreshed.status() == 200) {
                return tokens(refreshed);
            }
        }
        return tokens(post("/api/token", null, body("username", username, "password", PASSWORD), address));
    }

    /** A new user who sets up TOTP through the API, as seed 004's frontend does, and keeps the recovery codes. */
    private Victim enrolledVictim() throws Exception {
        clock.advance(Duration.ofDays(1));
        User user = users.create(NewUser.named("victim-" + USERS.incrementAndGet()), PASSWORD);
        Tokens password = tokens(post("/api/token", null, body("username", user.username(), "password", PASSWORD),
                VICTIM_ADDRESS));
        Answer created = post("/api/totp/create", password.access(), null, VICTIM_ADDRESS);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("recoveryCodes").size()).isEqualTo(5);
        OtpSecret secret = OtpAuthUri.parse(created.json().get("otpUrl").stringValue()).secret();
        String code = totpDevices.findByUser(user.id()).get(0).totp().generate(secret, clock.instant());
        tokens(post("/api/totp/login", password.access(), body("token", code), VICTIM_ADDRESS));
        assertThat(device(new Victim(user, secret)).confirmed()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        return new Victim(user, secret);
    }

    // Password guessing

    /**
     * What one simulated password-guessing attack did.
     *
     * @param checkedByDay the guesses whose password was checked (401), day by day
     */
    record PasswordAttack(Duration length, long[] checkedByDay, long refused, long serverErrors,
            LoginProperties settings, Owner owner) {

        long checked() {
            long total = 0;
            for (long day : checkedByDay) {
                total += day;
            }
            return total;
        }

        /** The most guesses checked on one day after the first. */
        long steadyPerDay() {
            long most = 0;
            for (int day = 1; day < checkedByDay.length; day++) {
                most = Math.max(most, checkedByDay[day]);
            }
            return most;
        }

        void report(String name, String title) {
            List<String> lines = new ArrayList<>();
            lines.add(String.format(Locale.ROOT, "settings: %d free failures per username and address, %d per "
                    + "username overall, %d per address, then %s doubling up to %s; an address familiar for %s "
                    + "after a login", settings.freeFailuresPerUsername(), settings.freeFailuresPerUsernameOverall(),
                    settings.freeFailuresPerAddress(), Report.human(settings.throttleFactor()),
                    Report.human(settings.maxDelay()), Report.human(settings.familiarFor())));
            lines.add("simulated time: " + Report.human(length));
            lines.add("passwords checked (401): day 1: " + checkedByDay[0] + "; each later day: at most "
                    + steadyPerDay() + String.format(Locale.ROOT, " (%.1f on average)",
                            (checked() - checkedByDay[0]) / (double) Math.max(1, checkedByDay.length - 1))
                    + "; 30 days: " + checked());
            lines.add("attempts refused by the throttle (429): " + refused);
            lines.add("5xx answers: " + serverErrors);
            if (owner != null) {
                lines.add("the owner's daily logins: " + owner.logins() + " of 30; refused by the throttle (429): "
                        + owner.refused() + "; longest wait from the planned time: "
                        + Report.human(owner.longestWait()));
            }
            Report.write(name, title, lines);
        }
    }

    interface ByGuess<T> {
        T at(long guess);
    }

    /**
     * The owner of the attacked username: a real password hash, one login from {@code address.at(0)} before the
     * attack, then one a day at the same time (days 1 to 30), from {@code address.at(day)}, retried as soon as a 429
     * says.
     */
    static final class Owner {

        private final String name;
        private final ByGuess<String> address;
        private Instant due;
        private Instant planned;
        private long day = 1;
        private int logins;
        private int refused;
        private Duration longestWait = Duration.ZERO;

        Owner(String name, ByGuess<String> address, Instant firstDue) {
            this.name = name;
            this.address = address;
            this.due = firstDue;
            this.planned = firstDue;
        }

        String name() {
            return name;
        }

        int logins() {
            return logins;
        }

        int refused() {
            return refused;
        }

        Duration longestWait() {
            return longestWait;
        }
    }

    /**
     * A user with the password {@link #PASSWORD} who logged in once from the address of day 0. Like
     * {@link #cheapUser()}, the stored hash is Django's PBKDF2 with one iteration (here of the right password), put
     * back after each login (a login replaces it with argon2id), so that the attacker's guesses stay cheap.
     */
    Owner owner(ByGuess<String> address) {
        String name = cheapUser();
        cheapHashOfPassword(name);
        Owner owner = new Owner(name, address, clock.instant().plus(Duration.ofHours(12)));
        passwordLogin.login(name, PASSWORD, address.at(0));
        cheapHashOfPassword(name);
        return owner;
    }

    private void cheapHashOfPassword(String name) {
        try {
            byte[] hash = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new javax.crypto.spec.PBEKeySpec(PASSWORD.toCharArray(),
                            "simulation".getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, 256))
                    .getEncoded();
            jdbc.sql("update auth_user set password = ? where username = ?")
                    .params("pbkdf2_sha256$1$simulation$" + Base64.getEncoder().encodeToString(hash), name).update();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The owner's login when it is due: the right password; a 429 moves it to the end of the wait. */
    private void ownerLogsInIfDue(Owner owner, Instant end) {
        if (owner == null || clock.instant().isBefore(owner.due) || !owner.due.isBefore(end)) {
            return;
        }
        try {
            passwordLogin.login(owner.name, PASSWORD, owner.address.at(owner.day));
            cheapHashOfPassword(owner.name);
            owner.logins++;
            Duration waited = Duration.between(owner.planned, clock.instant());
            owner.longestWait = waited.compareTo(owner.longestWait) > 0 ? waited : owner.longestWait;
            owner.day++;
            owner.planned = owner.planned.plus(Duration.ofDays(1));
            owner.due = owner.planned;
        } catch (ApiRefusal refusal) {
            assertThat(refusal.status().value()).as("the owner's right password").isEqualTo(429);
            owner.refused++;
            owner.due = clock.instant().plusSeconds(seconds(refusal.retryAfter()));
        }
    }

    /** An address of 10.0.0.0/8 for each guess: the attacker never comes from the same one twice. */
    static String newAddress(long guess) {
        return "10." + (guess >> 16 & 255) + "." + (guess >> 8 & 255) + "." + (guess & 255);
    }

    /**
     * Wrong passwords through {@link PasswordLogin}, each as soon as the throttle lets it; the owner, if any, logs in
     * when due, before the attacker's next guess.
     */
    PasswordAttack attackPasswords(Duration length, ByGuess<String> username, ByGuess<String> address,
            Owner owner) {
        Instant start = clock.instant();
        Instant end = start.plus(length);
        long[] byDay = new long[(int) length.toDays()];
        long refused = 0;
        long serverErrors = 0;
        for (long guess = 0; clock.instant().isBefore(end); guess++) {
            ownerLogsInIfDue(owner, end);
            try {
                passwordLogin.login(username.at(guess), "wrong guess " + guess, address.at(guess));
                throw new AssertionError("a wrong password was accepted");
            } catch (ApiRefusal refusal) {
                int status = refusal.status().value();
                if (status == 401) {
                    byDay[(int) Duration.between(start, clock.instant()).toDays()]++;
                } else if (status == 429) {
                    refused++;
                    Instant retry = clock.instant().plusSeconds(seconds(refusal.retryAfter()));
                    // The owner's login, if due first, comes first (the attacker would only have waited).
                    clock.set(owner != null && owner.due.isBefore(retry) ? owner.due : retry);
                } else {
                    serverErrors++;
                    clock.advance(Duration.ofSeconds(1));
                }
            }
        }
        return new PasswordAttack(length, byDay, refused, serverErrors, login, owner);
    }

    /** {@code Retry-After} as the API writes it: whole seconds, rounded up, at least 1. */
    private static long seconds(Duration wait) {
        return Math.max(1, wait.getNano() > 0 ? wait.getSeconds() + 1 : wait.getSeconds());
    }

    /**
     * A user whose stored hash is Django's PBKDF2 with one iteration and a random hash that no password matches: a
     * wrong guess costs microseconds instead of argon2's tens of milliseconds, so 30 days of guesses take seconds.
     * The throttle under test does not look at the hash.
     */
    private String cheapUser() {
        String name = "guessed-" + USERS.incrementAndGet();
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        jdbc.sql("insert into auth_user (username, password, date_joined) values (?, ?, ?)")
                .params(name, "pbkdf2_sha256$1$simulation$" + Base64.getEncoder().encodeToString(hash),
                        SqlTime.of(clock.instant()))
                .update();
        // Every server user has a second-factor account of the same id (the security log names it).
        jdbc.sql("insert into otpgate_account (id, user_key, created_at) select id, username, date_joined "
                + "from auth_user where username = ?").param(name).update();
        return name;
    }

    // HTTP through MockMvc

    record Tokens(String access, String refresh) {
    }

    record Answer(int status, JsonNode json, MockHttpServletResponse response) {
        Duration retryAfter() {
            return Duration.ofSeconds(Long.parseLong(response.getHeader(HttpHeaders.RETRY_AFTER)));
        }
    }

    private static Tokens tokens(Answer answer) {
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(200);
        return new Tokens(answer.json().get("access").stringValue(), answer.json().get("refresh").stringValue());
    }

    private Answer post(String path, String bearer, String body, String address) throws Exception {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.post(path);
        if (bearer != null) {
            request.header(HttpHeaders.AUTHORIZATION, "Bearer " + bearer);
        }
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        request.with(r -> {
            r.setRemoteAddr(address);
            return r;
        });
        MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
        String content = response.getContentAsString();
        return new Answer(response.getStatus(), content.isEmpty() ? null : JSON.readTree(content), response);
    }

    private static String body(String... keysAndValues) {
        java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return JSON.writeValueAsString(map);
    }
}
