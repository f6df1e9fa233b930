package io.otpgate.server.django;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import io.otpgate.spring.device.PendingSetups;
import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.audit.SecurityEvent;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.OAuthProfile;
import io.otpgate.server.user.OAuthProfileRepository;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;
import io.otpgate.server.user.UserService;

/**
 * The import of the shared fixture (a dump made by the seed's own Django system, with its passwords and secrets in
 * {@code known.json}), run on each database by a subclass: every user logs in with the old password and the
 * authenticator app they already have; the import is all or nothing, idempotent, and leaves no secret in clear.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@Import(TestClock.Config.class)
abstract class DjangoImportContract {

    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    static final Set<DeviceKind> TOTP = EnumSet.of(DeviceKind.TOTP);
    static final Set<DeviceKind> HOTP = EnumSet.of(DeviceKind.HOTP);
    static final Set<DeviceKind> STATIC = EnumSet.of(DeviceKind.STATIC);
    /** Every table an import writes, children first; and the server's keys, made on first use. */
    static final List<String> TABLES = List.of("otpgate_security_event", "otpgate_static_token", "otpgate_static_device", "otpgate_totp_device",
            "otpgate_hotp_device", "user_oauth_profile", "user_profile", "auth_user");

    static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired DjangoImport djangoImport;
    @Autowired UserService userService;
    @Autowired UserRepository users;
    @Autowired OAuthProfileRepository oauthProfiles;
    @Autowired VerificationService verification;
    @Autowired SecurityEvents events;
    @Autowired JdbcClient jdbc;
    @Autowired TestClock clock;

    @TempDir Path temporary;

    /** The whole database as text: H2's SCRIPT, or pg_dump. */
    abstract String databaseDump();

    @BeforeEach
    void emptyDatabase() {
        clock.set(NOW);
        TABLES.forEach(table -> jdbc.sql("delete from " + table).update());
    }

    // --- the fixture -------------------------------------------------------------------------------------------

    static Path fixture(String name) {
        try {
            return Path.of(DjangoImportContract.class.getResource("/django-seed/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path seedDump() {
        return fixture("dumpdata.json");
    }

    /** A user of known.json: password, TOTP parameters and key, static tokens. */
    record Known(String username, String password, String oauthCredentials, JsonNode totp, List<String> tokens) {

        boolean hasTotp() {
            return totp != null;
        }

        OtpSecret key() {
            return OtpSecret.fromBase32(totp.get("base32").stringValue());
        }

        Totp settings() {
            return Totp.builder().digits(totp.get("digits").intValue())
                    .period(Duration.ofSeconds(totp.get("step").intValue())).t0(totp.get("t0").longValue()).build();
        }

        boolean confirmed() {
            return totp.get("confirmed").booleanValue();
        }
    }

    static List<Known> known() throws IOException {
        JsonNode root = JSON.readTree(Files.readString(fixture("known.json"), StandardCharsets.UTF_8));
        List<Known> known = new ArrayList<>();
        for (JsonNode user : root.get("users")) {
            List<String> tokens = new ArrayList<>();
            if (user.has("static_tokens")) {
                user.get("static_tokens").forEach(t -> tokens.add(t.stringValue()));
            }
            known.add(new Known(user.get("username").stringValue(), user.get("password").stringValue(),
                    user.get("oauth_credentials").stringValue(), user.get("totp"), tokens));
        }
        return known;
    }

    /** The seed dump, changed, in a new file. */
    Path dumpWith(Consumer<ArrayNode> change) throws IOException {
        ArrayNode dump = (ArrayNode) JSON.readTree(Files.readString(seedDump(), StandardCharsets.UTF_8));
        change.accept(dump);
        Path file = Files.createTempFile(temporary, "dump", ".json");
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(dump));
        return file;
    }

    static ObjectNode fieldsOf(ArrayNode dump, String model, long pk) {
        for (JsonNode object : dump) {
            if (object.get("model").stringValue().equals(model) && object.get("pk").longValue() == pk) {
                return (ObjectNode) object.get("fields");
            }
        }
        throw new AssertionError("no " + model + " pk " + pk + " in the fixture");
    }

    static ObjectNode add(ArrayNode dump, String model, long pk) {
        ObjectNode object = dump.addObject();
        object.put("model", model);
        object.put("pk", pk);
        return object.putObject("fields");
    }

    DjangoImport.Summary importSeed() {
        return djangoImport.importFile(seedDump(), false, read -> { });
    }

    Map<String, Long> rowCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TABLES) {
            counts.put(table, jdbc.sql("select count(*) from " + table).query(Long.class).single());
        }
        return counts;
    }

    User user(String username) {
        return users.findByUsername(username).orElseThrow();
    }

    VerificationOutcome verify(String username, String code, Set<DeviceKind> kinds) {
        return verification.verify(user(username).id(), code, kinds, PendingSetups.NONE, null);
    }

    /** Expects the import of the file to be refused with a message holding each fragment, and nothing written. */
    OtpgateException assertRefused(Path file, OtpgateException.Reason reason, String... fragments) {
        Map<String, Long> before = rowCounts();
        OtpgateException refused = catchThrowableOfType(OtpgateException.class,
                () -> djangoImport.importFile(file, false, read -> { }));
        assertThat(refused).as("the import is refused").isNotNull();
        assertThat(refused.reason()).isEqualTo(reason);
        assertThat(refused.getMessage()).contains(fragments).doesNotContain("\n");
        assertThat(rowCounts()).as("nothing written").isEqualTo(before);
        return refused;
    }

    // --- a good import -----------------------------------------------------------------------------------------

    @Test
    void importWhenSeedDumpThenSummaryCountsEverythingAndOneEventPerUser() {
        DjangoImport.Summary summary = importSeed();

        assertThat(summary).isEqualTo(new DjangoImport.Summary(false, 32, 6, 0, 0, 5, 0, 3, 6, 6, 6, Map.of()));
        assertThat(rowCounts()).containsEntry("auth_user", 6L).containsEntry("otpgate_totp_device", 5L)
                .containsEntry("otpgate_static_device", 3L).containsEntry("otpgate_static_token", 6L)
                .containsEntry("user_profile", 6L).containsEntry("user_oauth_profile", 6L);
        assertThat(jdbc.sql("select django_id from auth_user where username = 'acme-cy'").query(Long.class)
                .single()).isEqualTo(3L);
        List<SecurityEvent> imported = events.list(null, SecurityEventKind.DJANGO_IMPORTED, null, null, 100);
        assertThat(imported).hasSize(6);
        assertThat(imported).filteredOn(e -> "acme-ana".equals(e.username())).singleElement()
                .extracting(SecurityEvent::detail).asString()
                .contains("from Django user 1", "1 TOTP", "1 static device(s) with 3 token(s)", "1 profile(s)",
                        "1 OAuth profile(s)");
    }

    @Test
    void importWhenSeedDumpThenUsersKeepTheirFieldsAndProfiles() {
        importSeed();

        User ana = user("acme-ana");
        assertThat(ana.email()).isEqualTo("acme-ana@example.invalid");
        assertThat(ana.firstName()).isEqualTo("Ana");
        assertThat(ana.staff()).isTrue();
        assertThat(ana.superuser()).isFalse();
        assertThat(ana.active()).isTrue();
        assertThat(ana.dateJoined()).isEqualTo(Instant.parse("2026-11-22T04:48:16.709Z"));
        assertThat(ana.lastLogin()).isNull();
        assertThat(users.findProfile(ana.id()).orElseThrow())
                .satisfies(p -> {
                    assertThat(p.phone()).isEqualTo("+1 555 0100");
                    assertThat(p.powerAccountId()).isEqualTo(100);
                    assertThat(p.powerContactId()).isEqualTo(200);
                    assertThat(p.otpEnabled()).isTrue();
                    assertThat(p.createdAt()).isEqualTo(Instant.parse("2026-11-22T04:48:16.780Z"));
                });
        assertThat(users.findProfile(user("acme-eve").id()).orElseThrow().otpEnabled()).isFalse();
    }

    @Test
    void importWhenSeedDumpThenEachUserLogsInWithTheOldPasswordAndTheHashIsUpgraded() throws IOException {
        importSeed();

        for (Known known : known()) {
            assertThat(userService.checkPassword(known.username(), known.password(), null))
                    .as("password of %s", known.username()).isPresent();
            assertThat(users.passwordHash(user(known.username()).id()).orElseThrow()).startsWith("{argon2}");
            assertThat(userService.checkPassword(known.username(), known.password() + "x", null)).isEmpty();
        }
    }

    @Test
    void importWhenSeedDumpThenCurrentCodesOfConfirmedDevicesVerify() throws IOException {
        importSeed();

        for (Known known : known()) {
            if (!known.hasTotp() || !known.confirmed()) {
                continue;
            }
            String code = known.settings().generate(known.key(), clock.instant());
            assertThat(verify(known.username(), code, TOTP)).as("code of %s", known.username())
                    .isInstanceOf(VerificationOutcome.Verified.class);
            assertThat(verify(known.username(), code, TOTP)).as("replay of %s", known.username())
                    .isInstanceOf(VerificationOutcome.Replayed.class);
        }
    }

    @Test
    void importWhenUnconfirmedDeviceThenItsCodeCountsOnlyWithPendingDevices() throws IOException {
        importSeed();
        Known dee = known().stream().filter(k -> k.username().equals("acme-dee")).findFirst().orElseThrow();
        assertThat(dee.confirmed()).isFalse();
        String code = dee.settings().generate(dee.key(), clock.instant());

        assertThat(verify("acme-dee", code, TOTP)).isInstanceOf(VerificationOutcome.NoDevice.class);
        assertThat(verification.verify(user("acme-dee").id(), code, TOTP, PendingSetups.ANY, null))
                .isEqualTo(new VerificationOutcome.Verified(
                        new io.otpgate.spring.device.DeviceRef(DeviceKind.TOTP, jdbc.sql(
                                "select id from otpgate_totp_device where account_id = ?").param(user("acme-dee").id())
                                .query(Long.class).single()), true));
    }

    @Test
    void importWhenCodeOfAStepAtOrBelowLastTThenRefused() throws IOException {
        importSeed();

        for (Known known : known()) {
            if (!known.hasTotp() || !known.confirmed()) {
                continue;
            }
            long lastT = known.totp().get("last_t").longValue();
            long period = known.totp().get("step").longValue();
            Totp totp = known.settings();
            // The clock at step last_t: its code, and the one before, are inside the window but already used.
            clock.set(Instant.ofEpochSecond(lastT * period + 1));
            assertThat(verify(known.username(), totp.generateAtStep(known.key(), lastT), TOTP))
                    .as("code of step last_t for %s", known.username())
                    .isInstanceOf(VerificationOutcome.Replayed.class);
            clock.advance(Duration.ofSeconds(2));
            assertThat(verify(known.username(), totp.generateAtStep(known.key(), lastT - 1), TOTP))
                    .as("code of step last_t - 1 for %s", known.username())
                    .isInstanceOf(VerificationOutcome.Replayed.class);
            // The next step's code is the first that counts.
            clock.set(Instant.ofEpochSecond((lastT + 1) * period + 10));
            assertThat(verify(known.username(), totp.generateAtStep(known.key(), lastT + 1), TOTP))
                    .as("code of step last_t + 1 for %s", known.username())
                    .isInstanceOf(VerificationOutcome.Verified.class);
        }
    }

    @Test
    void importWhenSeedDumpThenEachStaticTokenWorksOnce() throws IOException {
        importSeed();

        int tokens = 0;
        for (Known known : known()) {
            for (String token : known.tokens()) {
                assertThat(verify(known.username(), token, STATIC)).as("token of %s", known.username())
                        .isInstanceOf(VerificationOutcome.Verified.class);
                assertThat(verify(known.username(), token, STATIC)).as("token of %s again", known.username())
                        .isInstanceOf(VerificationOutcome.Rejected.class);
                clock.advance(Duration.ofSeconds(10));
                tokens++;
            }
        }
        assertThat(tokens).isEqualTo(6);
        assertThat(rowCounts()).containsEntry("otpgate_static_token", 0L);
    }

    @Test
    void importWhenSeedDumpThenOAuthCredentialsReadBackAsInDjango() throws IOException {
        importSeed();

        for (Known known : known()) {
            assertThat(oauthProfiles.findByUser(user(known.username()).id())).singleElement()
                    .satisfies(p -> {
                        assertThat(p.credentials()).isEqualTo(known.oauthCredentials());
                        assertThat(p.serviceName()).isEqualTo("github");
                        assertThat(p.url()).isEqualTo("https://example.invalid/oauth");
                        assertThat(p.toString()).doesNotContain(known.oauthCredentials());
                    });
        }
    }

    @Test
    void importWhenSeedDumpThenADatabaseDumpHoldsNoSecretInClear() throws IOException {
        importSeed();

        String dump = databaseDump();
        String lowerCase = dump.toLowerCase(Locale.ROOT);
        assertThat(dump).contains("acme-ana").contains("pbkdf2_sha256$260000$");
        for (Known known : known()) {
            assertThat(dump).doesNotContain(known.oauthCredentials());
            assertThat(dump).doesNotContain(known.password());
            for (String token : known.tokens()) {
                assertThat(lowerCase).doesNotContain(token);
            }
            if (known.hasTotp()) {
                byte[] key = known.key().exposeBytes();
                assertThat(lowerCase).doesNotContain(known.totp().get("hex").stringValue().toLowerCase(Locale.ROOT));
                assertThat(lowerCase).doesNotContain(known.totp().get("base32").stringValue().toLowerCase(Locale.ROOT));
                assertThat(dump).doesNotContain(Base64.getEncoder().withoutPadding().encodeToString(key));
                assertThat(dump).doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(key));
            }
        }
    }

    // --- idempotence and conflicts -----------------------------------------------------------------------------

    @Test
    void importWhenRunTwiceThenTheSecondSkipsEverythingAndChangesNothing() {
        importSeed();
        Map<String, Long> before = rowCounts();
        List<String> hashes = jdbc.sql("select password from auth_user order by id").query(String.class).list();

        DjangoImport.Summary again = importSeed();

        assertThat(again).isEqualTo(new DjangoImport.Summary(false, 32, 0, 6, 0, 0, 0, 0, 0, 0, 0, Map.of()));
        assertThat(rowCounts()).isEqualTo(before);
        assertThat(jdbc.sql("select password from auth_user order by id").query(String.class).list())
                .isEqualTo(hashes);
    }

    @Test
    void importWhenAUsernameExistsWithoutItsDjangoIdThenConflictAndNothingWritten() {
        userService.create(NewUser.named("acme-cy"), "a password of otpgate");

        OtpgateException refused = assertRefused(seedDump(), OtpgateException.Reason.CONFLICT, "\"acme-cy\"",
                "nothing was imported");

        assertThat(refused.getMessage()).doesNotContain("acme-ana");
        assertThat(rowCounts()).containsEntry("auth_user", 1L).containsEntry("otpgate_totp_device", 0L);
    }

    @Test
    void importWhenDryRunThenTheSummaryAndNothingWritten() {
        DjangoImport.Summary summary = djangoImport.importFile(seedDump(), true, read -> { });

        assertThat(summary).isEqualTo(new DjangoImport.Summary(true, 32, 6, 0, 0, 5, 0, 3, 6, 6, 6, Map.of()));
        assertThat(rowCounts()).allSatisfy((table, count) -> assertThat(count).as(table).isZero());
    }

    // --- what a dump may also hold -----------------------------------------------------------------------------

    /**
     * Django's dates are Python datetimes, years 1 to 9999; a file with others was not written by Django. Found by
     * DjangoImportFuzzTest on H2, which stored year 999999999; PostgreSQL refused it in the middle of the import.
     */
    @ParameterizedTest
    @ValueSource(strings = { "+999999999-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "0000-12-31T00:00:00Z",
        "-0044-03-15T12:00:00+01:00", "+300000-01-01T00:00:00" })
    void importWhenDateOutsideDjangosYearsThenInvalidAndNothingWritten(String date) throws IOException {
        Path joined = dumpWith(dump -> fieldsOf(dump, "auth.user", 2).put("date_joined", date));
        Path created = dumpWith(dump -> fieldsOf(dump, "accounts.userprofile", 3).put("created_at", date));
        Path throttled = dumpWith(dump -> fieldsOf(dump, "otp_totp.totpdevice", 1)
                .put("throttling_failure_timestamp", date));

        assertRefused(joined, OtpgateException.Reason.INVALID, "auth.user pk 2", "date_joined");
        assertRefused(created, OtpgateException.Reason.INVALID, "accounts.userprofile pk 3", "created_at");
        assertRefused(throttled, OtpgateException.Reason.INVALID, "otp_totp.totpdevice pk 1",
                "throttling_failure_timestamp");
    }

    @ParameterizedTest
    @ValueSource(strings = { "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00" })
    void importWhenDateAtDjangosLimitsThenImported(String date) throws IOException {
        Path file = dumpWith(dump -> fieldsOf(dump, "auth.user", 2).put("date_joined", date));

        assertThat(djangoImport.importFile(file, false, read -> { }).usersImported()).isEqualTo(6);
    }

    @Test
    void importWhenUnusablePasswordThenTheUserIsImportedAndNoPasswordMatches() throws IOException {
        String unusable = "!zY3kP0lLq9XbVtR8mNcD4sWfG7hJ2aE6uIoT1yQx";
        Path file = dumpWith(dump -> fieldsOf(dump, "auth.user", 5).put("password", unusable));

        DjangoImport.Summary summary = djangoImport.importFile(file, false, read -> { });

        assertThat(summary.unusablePasswords()).isEqualTo(1);
        assertThat(userService.checkPassword("acme-eve", "eve-acme-5", null)).isEmpty();
        assertThat(userService.checkPassword("acme-eve", unusable, null)).isEmpty();
        assertThat(userService.checkPassword("acme-eve", unusable.substring(1), null)).isEmpty();
        assertThat(users.passwordHash(user("acme-eve").id())).contains(unusable);
        assertThat(userService.checkPassword("acme-fay", "fay-acme-6 éè", null)).isPresent();
    }

    @Test
    void importWhenHotpDeviceGroupsAndOtherModelsThenHotpVerifiesAndTheRestIsCountedAsIgnored() throws IOException {
        OtpSecret key = OtpSecret.fromHex("3132333435363738393031323334353637383930");
        Path file = dumpWith(dump -> {
            ObjectNode hotp = add(dump, "otp_hotp.hotpdevice", 1);
            hotp.put("user", 5);
            hotp.put("name", "token");
            hotp.put("confirmed", true);
            hotp.putNull("throttling_failure_timestamp");
            hotp.put("throttling_failure_count", 0);
            hotp.put("key", key.exposeHex());
            hotp.put("digits", 6);
            hotp.put("tolerance", 5);
            hotp.put("counter", 7);
            ObjectNode email = add(dump, "otp_email.emaildevice", 1);
            email.put("user", 1);
            email.put("name", "mail");
            add(dump, "otp_email.emaildevice", 2).put("user", 2);
            fieldsOf(dump, "auth.user", 1).putArray("groups").add(1).add(2);
        });

        DjangoImport.Summary summary = djangoImport.importFile(file, false, read -> { });

        assertThat(summary.hotpDevices()).isEqualTo(1);
        assertThat(summary.objectsRead()).isEqualTo(35);
        assertThat(summary.ignored()).containsExactly(Map.entry("auth.user.groups", 2L),
                Map.entry("otp_email.emaildevice", 2L));
        String code = Hotp.of(HmacAlgorithm.SHA1, 6).generate(key, 9);
        assertThat(verify("acme-eve", code, HOTP)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(jdbc.sql("select counter from otpgate_hotp_device").query(Long.class).single()).isEqualTo(10L);
    }

    @Test
    void importWhenDeviceWasThrottledInDjangoThenItStaysThrottled() throws IOException {
        Path file = dumpWith(dump -> {
            ObjectNode device = fieldsOf(dump, "otp_totp.totpdevice", 1);
            device.put("throttling_failure_count", 3);
            device.put("throttling_failure_timestamp", NOW.minusSeconds(1).toString());
        });
        djangoImport.importFile(file, false, read -> { });
        Known ana = known().get(0);
        String code = ana.settings().generate(ana.key(), clock.instant());

        // Three failures: a delay of 4 s from the last one, a second ago.
        assertThat(verify("acme-ana", code, TOTP)).isEqualTo(new VerificationOutcome.Throttled(Duration.ofSeconds(3)));
        clock.advance(Duration.ofSeconds(3));
        assertThat(verify("acme-ana", code, TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
    }

    // --- refused dumps -----------------------------------------------------------------------------------------

    @Test
    void importWhenJsonTruncatedThenRefusedWithThePosition() throws IOException {
        byte[] whole = Files.readAllBytes(seedDump());
        Path file = temporary.resolve("truncated.json");
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));

        assertRefused(file, OtpgateException.Reason.INVALID, "truncated.json", "ends early", "at line ",
                "truncated");
    }

    @Test
    void importWhenJsonMalformedThenRefusedWithThePositionButNotTheText() throws IOException {
        Path file = temporary.resolve("malformed.json");
        Files.writeString(file, "[\n{\"model\": \"otp_totp.totpdevice\", \"pk\": 1, \"fields\": {\"key\": "
                + "fadff360fc5a95d20a9fc0adeb1bf29385ae4606}}\n]");

        OtpgateException refused = assertRefused(file, OtpgateException.Reason.INVALID, "not valid JSON",
                "at line 2, column ");
        assertThat(refused.getMessage()).doesNotContain("fadff360");
    }

    @Test
    void importWhenFileLargerThanTheLimitThenRefusedBeforeReading() throws IOException {
        Path file = temporary.resolve("huge.json");
        try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(DjangoDumpReader.MAX_BYTES + 1);
        }

        assertRefused(file, OtpgateException.Reason.INVALID, "huge.json is larger than 256 MB");
    }

    @Test
    void importWhenNotAnArrayThenRefused() throws IOException {
        Path file = temporary.resolve("object.json");
        Files.writeString(file, "{\"model\": \"auth.user\"}");

        assertRefused(file, OtpgateException.Reason.INVALID, "must hold a JSON array of objects");
    }

    @Test
    void importWhenFileMissingThenRefused() {
        assertRefused(temporary.resolve("missing.json"), OtpgateException.Reason.INVALID, "missing.json",
                "no such file");
    }

    @Test
    void importWhenTotpKeyIsNotHexThenRefusedWithoutTheKey() throws IOException {
        String badKey = "302d700e2b1ab89d9179434889976e1306d3543z";
        Path file = dumpWith(dump -> fieldsOf(dump, "otp_totp.totpdevice", 3).put("key", badKey));

        OtpgateException refused = assertRefused(file, OtpgateException.Reason.INVALID,
                "otp_totp.totpdevice pk 3: key must be 1..64 bytes in hex");
        assertThat(refused.getMessage()).doesNotContain(badKey).doesNotContain("302d700e");
    }

    @Test
    void importWhenTotpKeyIsTooLongThenRefusedWithoutTheKey() throws IOException {
        String longKey = "ab".repeat(65);
        Path file = dumpWith(dump -> fieldsOf(dump, "otp_totp.totpdevice", 2).put("key", longKey));

        OtpgateException refused = assertRefused(file, OtpgateException.Reason.INVALID,
                "otp_totp.totpdevice pk 2: field \"key\" must be at most 128 characters");
        assertThat(refused.getMessage()).doesNotContain("abab");
    }

    @Test
    void importWhenDigitsOutOfRangeThenRefusedNamingTheRule() throws IOException {
        Path file = dumpWith(dump -> fieldsOf(dump, "otp_totp.totpdevice", 1).put("digits", 9));

        assertRefused(file, OtpgateException.Reason.INVALID, "otp_totp.totpdevice pk 1: digits must be 6..8, got 9");
    }

    @Test
    void importWhenTokenOfAnUnknownDeviceThenRefusedWithoutTheToken() throws IOException {
        Path file = dumpWith(dump -> {
            ObjectNode token = add(dump, "otp_static.statictoken", 99);
            token.put("device", 42);
            token.put("token", "secretxy");
        });

        OtpgateException refused = assertRefused(file, OtpgateException.Reason.INVALID,
                "otp_static.statictoken pk 99: device 42 is not an otp_static.staticdevice of the dump");
        assertThat(refused.getMessage()).doesNotContain("secretxy");
    }

    @Test
    void importWhenProfileOfAnUnknownUserThenRefused() throws IOException {
        Path file = dumpWith(dump -> fieldsOf(dump, "accounts.userprofile", 2).put("user", 77));

        assertRefused(file, OtpgateException.Reason.INVALID,
                "accounts.userprofile pk 2: user 77 is not an auth.user of the dump");
    }

    @Test
    void importWhenOAuthProfileOfAnUnknownUserThenRefusedWithoutTheCredentials() throws IOException {
        Path file = dumpWith(dump -> fieldsOf(dump, "accounts.useroauthprofile", 4).put("user", 78));

        OtpgateException refused = assertRefused(file, OtpgateException.Reason.INVALID,
                "accounts.useroauthprofile pk 4: user 78 is not an auth.user of the dump");
        assertThat(refused.getMessage()).doesNotContain("gho_secret");
    }

    @Test
    void importWhenDevicePkAppearsTwiceThenRefused() throws IOException {
        Path file = dumpWith(dump -> {
            ObjectNode copy = dump.addObject();
            copy.put("model", "otp_static.staticdevice");
            copy.put("pk", 2);
            copy.set("fields", fieldsOf(dump, "otp_static.staticdevice", 2).deepCopy());
        });

        assertRefused(file, OtpgateException.Reason.INVALID, "otp_static.staticdevice pk 2 appears twice");
    }

    @Test
    void importWhenTwoUsersShareAUsernameThenRefused() throws IOException {
        Path file = dumpWith(dump -> fieldsOf(dump, "auth.user", 6).put("username", "acme-ana"));

        assertRefused(file, OtpgateException.Reason.INVALID, "auth.user pk 6: username \"acme-ana\" is also the "
                + "username of pk 1");
    }

    @Test
    void importWhenPasswordHashOfAnotherAlgorithmThenRefusedWithoutTheHash() throws IOException {
        String hash = "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$Q2PMPRaHxFSyGFrVr1tAwA";
        Path file = dumpWith(dump -> fieldsOf(dump, "auth.user", 2).put("password", hash));

        OtpgateException refused = assertRefused(file, OtpgateException.Reason.INVALID,
                "auth.user pk 2 (\"acme-ben\"): the password hash of algorithm \"argon2\" is not one otpgate can "
                        + "check");
        assertThat(refused.getMessage()).doesNotContain("c29tZXNhbHQ");
    }

    @Test
    void importWhenNaturalForeignKeysThenRefusedSayingWhy() throws IOException {
        Path file = dumpWith(dump -> fieldsOf(dump, "otp_totp.totpdevice", 1).putArray("user").add("acme-ana"));

        assertRefused(file, OtpgateException.Reason.INVALID, "otp_totp.totpdevice pk 1: field \"user\"",
                "--natural-foreign");
    }

    @Test
    void importWhenAnEarlierUserIsValidAndALaterDeviceIsNotThenNothingIsWritten() throws IOException {
        // The last object of the dump is at fault: every user before it was valid, and none is written.
        Path file = dumpWith(dump -> {
            ObjectNode device = add(dump, "otp_totp.totpdevice", 6);
            device.put("user", 1);
            device.put("name", "second phone");
            device.put("key", "00");
            device.put("step", 0);
        });

        assertRefused(file, OtpgateException.Reason.INVALID, "otp_totp.totpdevice pk 6: step must be 1..3600, got 0");
        assertThat(rowCounts()).allSatisfy((table, count) -> assertThat(count).as(table).isZero());
    }

    @Test
    void importWhenProgressAskedThenReportedEveryTenThousandObjects() throws IOException {
        Path file = dumpWith(dump -> {
            for (int i = 0; i < 20_000; i++) {
                add(dump, "contenttypes.contenttype", i);
            }
        });
        List<Long> progress = new ArrayList<>();

        DjangoImport.Summary summary = djangoImport.importFile(file, true, progress::add);

        assertThat(progress).containsExactly(10_000L, 20_000L);
        assertThat(summary.ignored()).containsExactly(Map.entry("contenttypes.contenttype", 20_000L));
        assertThatThrownBy(() -> summary.ignored().put("x", 1L)).isInstanceOf(UnsupportedOperationException.class);
    }
}
