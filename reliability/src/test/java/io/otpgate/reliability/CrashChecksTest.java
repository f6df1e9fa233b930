package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.RecoveryCodeDigest;
import io.otpgate.core.RecoveryCodes;
import io.otpgate.reliability.DatabaseFacts.EventRow;
import io.otpgate.reliability.DatabaseFacts.StaticRow;
import io.otpgate.reliability.DatabaseFacts.TotpRow;
import io.otpgate.reliability.DatabaseFacts.UserRow;
import io.otpgate.reliability.UserJournal.CodeState;
import io.otpgate.reliability.UserJournal.Enrolment;
import io.otpgate.reliability.UserJournal.Op;
import io.otpgate.reliability.UserJournal.Outcome;
import io.otpgate.reliability.UserJournal.Seen;

/**
 * {@link CrashChecks} on facts made by hand: a database that agrees with what the client saw passes, with either
 * outcome of a request that got no answer; each way of breaking it (an event deleted, a used code planted, half a
 * setup, a lost commit, ...) is counted by its check.
 *
 * <p>The world: user {@code u} (id 1) had an imported TOTP device (totp/1) and recovery codes (static/1). Its client
 * logged in, verified a code of totp/1, deleted its devices, enrolled totp/11 with codes static/21, saw a pending code
 * refused, confirmed totp/11, used code 2 of static/21 (200) and sent code 3 without an answer.
 */
class CrashChecksTest {

    static final SecureRandom RANDOM = new SecureRandom();
    static final DatabaseFacts.Watermark SINCE = new DatabaseFacts.Watermark(100, 10, 20);

    RecoveryCodeDigest digest;
    OtpSecret importedSecret;
    OtpSecret secret;
    List<String> codes;
    UserJournal journal;
    Map<String, UserRow> users;
    List<TotpRow> totp;
    List<StaticRow> statics;
    List<EventRow> events;

    @BeforeEach
    void world() {
        digest = new RecoveryCodeDigest(OtpSecret.generate(32, RANDOM));
        importedSecret = OtpSecret.generate(20, RANDOM);
        secret = OtpSecret.generate(20, RANDOM);
        codes = RecoveryCodes.defaults().generate(5, RANDOM);

        journal = UserJournal.of("u");
        Enrolment imported = journal.imported(importedSecret, RecoveryCodes.defaults().generate(5, RANDOM));
        journal.record(Op.LOGIN, Outcome.OK);
        journal.record(Op.STATUS, Outcome.OK);
        journal.record(Op.TOTP_LOGIN, Outcome.OK);
        imported.totpOutcome(Outcome.OK);
        journal.record(Op.DELETE, Outcome.OK);
        journal.record(Op.CREATE, Outcome.OK);
        Enrolment enrolment = journal.created(secret, codes);
        journal.record(Op.PROBE_PENDING, Outcome.REFUSED);
        enrolment.sets().get(0).set(0, CodeState.REFUSED_WHILE_PENDING);
        journal.record(Op.CONFIRM, Outcome.OK);
        enrolment.totpOutcome(Outcome.OK);
        journal.record(Op.RECOVERY_LOGIN, Outcome.OK);
        enrolment.sets().get(0).set(1, CodeState.ACCEPTED);
        journal.record(Op.RECOVERY_LOGIN, Outcome.NO_ANSWER);
        enrolment.sets().get(0).set(2, CodeState.UNANSWERED);
        journal.seen(Seen.ENABLED, enrolment);

        users = new LinkedHashMap<>(Map.of("u", new UserRow(1, "u", true)));
        totp = new ArrayList<>(List.of(new TotpRow(11, 1, true, secret, 5)));
        // Code 2 consumed; code 3 (no answer) not consumed: 4 codes left, one OTP_VERIFIED on static/21.
        statics = new ArrayList<>(List.of(new StaticRow(21, 1, true, digests(0, 2, 3, 4))));
        events = new ArrayList<>(List.of(
                new EventRow(101, "PASSWORD_HASH_UPGRADED", 1L, null),
                new EventRow(102, "LOGIN_SUCCEEDED", 1L, null),
                new EventRow(103, "OTP_VERIFIED", 1L, "totp/1"),
                new EventRow(104, "SECOND_FACTOR_RESET", 1L, null),
                new EventRow(105, "DEVICE_ADDED", 1L, "totp/11"),
                new EventRow(106, "RECOVERY_CODES_ISSUED", 1L, "static/21"),
                new EventRow(107, "DEVICE_CONFIRMED", 1L, "totp/11"),
                new EventRow(108, "OTP_VERIFIED", 1L, "totp/11"),
                new EventRow(109, "OTP_VERIFIED", 1L, "static/21")));
    }

    Set<String> digests(int... indexes) {
        Set<String> set = new TreeSet<>();
        for (int index : indexes) {
            set.add(digestOf(codes.get(index)));
        }
        return set;
    }

    String digestOf(String code) {
        String canonical = RecoveryCodes.defaults().normalize(code).orElseThrow();
        return HexFormat.of().formatHex(digest.digest("otpgate:" + canonical));
    }

    CrashChecks.Findings check() {
        DatabaseFacts facts = new DatabaseFacts(users, totp, 0, statics, events, 0, digest);
        return CrashChecks.check(facts, List.of(journal), SINCE, 5);
    }

    @Test
    void checkWhenDatabaseAgreesWithClientThenNothingFound() {
        CrashChecks.Findings findings = check();

        assertThat(findings.total()).as(findings.toString()).isZero();
        assertThat(findings.details(CrashChecks.HALF_CONSUMED)).isEmpty();
    }

    @Test
    void checkWhenUnansweredCodeWasConsumedWithItsEventThenNothingFound() {
        statics.set(0, new StaticRow(21, 1, true, digests(0, 3, 4)));
        events.add(new EventRow(110, "OTP_VERIFIED", 1L, "static/21"));

        assertThat(check().total()).as(check().toString()).isZero();
    }

    @Test
    void checkWhenUnansweredCodeWasConsumedWithoutItsEventThenHalfConsumed() {
        statics.set(0, new StaticRow(21, 1, true, digests(0, 3, 4)));

        CrashChecks.Findings findings = check();

        assertThat(findings.count(CrashChecks.HALF_CONSUMED)).isEqualTo(1);
        assertThat(findings.details(CrashChecks.HALF_CONSUMED).get(0)).contains("static/21")
                .doesNotContain(codes.get(2));
    }

    @Test
    void checkWhenEventOfAcceptedCodeDeletedThenSuccessWithoutEventAndHalfConsumed() {
        events.removeIf(e -> e.id() == 109);

        CrashChecks.Findings findings = check();

        assertThat(findings.count(CrashChecks.CHANGE_WITHOUT_EVENT)).isEqualTo(1);
        assertThat(findings.count(CrashChecks.HALF_CONSUMED)).isEqualTo(1);
    }

    @Test
    void checkWhenUsedCodePlantedBackThenUsedAndStillValid() {
        statics.set(0, new StaticRow(21, 1, true, digests(0, 1, 2, 3, 4)));

        CrashChecks.Findings findings = check();

        assertThat(findings.count(CrashChecks.USED_STILL_VALID)).isEqualTo(1);
        assertThat(findings.details(CrashChecks.USED_STILL_VALID).get(0)).contains("code 2 of set 1")
                .doesNotContain(codes.get(1));
    }

    @Test
    void checkWhenUnusedCodeMissingThenCodesState() {
        statics.set(0, new StaticRow(21, 1, true, digests(2, 3, 4)));
        events.add(new EventRow(110, "OTP_VERIFIED", 1L, "static/21"));

        CrashChecks.Findings findings = check();

        // Code 1 was refused while pending, never accepted: it must still be there.
        assertThat(findings.count(CrashChecks.CODES_STATE)).isEqualTo(1);
    }

    @Test
    void checkWhenPendingSetupHalfMadeThenHalfCreated() {
        totp.add(new TotpRow(12, 1, false, secret, -1));

        assertThat(check().count(CrashChecks.HALF_CREATED)).isEqualTo(1);
    }

    @Test
    void checkWhenCodesConfirmedWithoutTheirDeviceThenHalfCreated() {
        totp.clear();
        users.put("u", new UserRow(1, "u", false));

        CrashChecks.Findings findings = check();

        assertThat(findings.count(CrashChecks.HALF_CREATED)).isEqualTo(1);
        assertThat(findings.count(CrashChecks.LOST)).isEqualTo(1);
    }

    @Test
    void checkWhenConfirmationLostThenLostAndEventWithoutChange() {
        totp.set(0, new TotpRow(11, 1, false, secret, -1));
        statics.set(0, new StaticRow(21, 1, false, digests(0, 2, 3, 4)));
        users.put("u", new UserRow(1, "u", false));

        CrashChecks.Findings findings = check();

        assertThat(findings.count(CrashChecks.LOST)).isEqualTo(1);
        // DEVICE_CONFIRMED and OTP_VERIFIED name a pending device; static/21 pending with 4 codes.
        assertThat(findings.count(CrashChecks.EVENT_WITHOUT_CHANGE)).isGreaterThanOrEqualTo(2);
        assertThat(findings.count(CrashChecks.HALF_CREATED)).isEqualTo(1);
    }

    @Test
    void checkWhenProfileDisagreesThenProfile() {
        users.put("u", new UserRow(1, "u", false));

        assertThat(check().count(CrashChecks.PROFILE)).isEqualTo(1);
    }

    @Test
    void checkWhenSecretDoesNotOpenOrIsUnknownThenSecrets() {
        totp.set(0, new TotpRow(11, 1, true, null, 5));
        assertThat(check().count(CrashChecks.SECRETS)).isEqualTo(1);

        totp.set(0, new TotpRow(11, 1, true, OtpSecret.generate(20, RANDOM), 5));
        CrashChecks.Findings findings = check();
        assertThat(findings.count(CrashChecks.SECRETS)).isEqualTo(1);
        assertThat(findings.count(CrashChecks.LOST)).isEqualTo(1);
    }

    @Test
    void checkWhenResetDidNotRemoveTheImportedDeviceThenEventWithoutChange() {
        totp.add(new TotpRow(1, 1, true, importedSecret, -1));

        CrashChecks.Findings findings = check();

        assertThat(findings.count(CrashChecks.EVENT_WITHOUT_CHANGE)).isEqualTo(1);
        assertThat(findings.details(CrashChecks.EVENT_WITHOUT_CHANGE).get(0)).contains("totp/1 from before");
    }

    @Test
    void checkWhenEventClaimsMoreThanTheClientsCouldHaveDoneThenEventWithoutChange() {
        events.add(new EventRow(110, "SECOND_FACTOR_RESET", 1L, null));

        CrashChecks.Findings findings = check();

        // One deletion answered 200 and none unanswered, two events; and the devices made before the second remain.
        assertThat(findings.count(CrashChecks.EVENT_WITHOUT_CHANGE)).isEqualTo(3);
    }

    @Test
    void checkWhenUnansweredSetupWasReplacedBySetupAgainThenNothingFound() {
        // A setup committed but unanswered (the kill), then the client enrolled again: the new setup removed the
        // pending device, so its DEVICE_ADDED names a device that is gone, explained by the later DEVICE_ADDED.
        journal.record(Op.CREATE, Outcome.NO_ANSWER);
        events = new ArrayList<>(List.of(
                new EventRow(101, "PASSWORD_HASH_UPGRADED", 1L, null),
                new EventRow(102, "LOGIN_SUCCEEDED", 1L, null),
                new EventRow(103, "OTP_VERIFIED", 1L, "totp/1"),
                new EventRow(104, "SECOND_FACTOR_RESET", 1L, null),
                new EventRow(105, "DEVICE_ADDED", 1L, "totp/10"),
                new EventRow(106, "DEVICE_ADDED", 1L, "totp/11"),
                new EventRow(107, "RECOVERY_CODES_ISSUED", 1L, "static/21"),
                new EventRow(108, "DEVICE_CONFIRMED", 1L, "totp/11"),
                new EventRow(109, "OTP_VERIFIED", 1L, "totp/11"),
                new EventRow(110, "OTP_VERIFIED", 1L, "static/21")));

        CrashChecks.Findings findings = check();

        assertThat(findings.count(CrashChecks.EVENT_WITHOUT_CHANGE)).as(findings.toString()).isZero();
    }

    @Test
    void checkWhenPendingDeviceGoneWithoutLaterSetupOrResetThenEventWithoutChange() {
        journal.record(Op.CREATE, Outcome.NO_ANSWER);
        events.add(new EventRow(110, "DEVICE_ADDED", 1L, "totp/12"));

        CrashChecks.Findings findings = check();

        assertThat(findings.details(CrashChecks.EVENT_WITHOUT_CHANGE))
                .anyMatch(detail -> detail.contains("totp/12, which is gone, and nothing removed it after"));
    }

    @Test
    void checkWhenOrphanRowsThenOrphans() {
        DatabaseFacts facts = new DatabaseFacts(users, totp, 0, statics, events, 2, digest);

        assertThat(CrashChecks.check(facts, List.of(journal), SINCE, 5).count(CrashChecks.ORPHANS)).isEqualTo(2);
    }

    @Test
    void candidatesWhenImportedCodeThenDjangoFormAmongThem() {
        String code = RecoveryCodes.defaults().generate(1, RANDOM).get(0);
        String django = HexFormat.of().formatHex(digest.digest("django:" + code.replace("-", "")));

        assertThat(CrashChecks.candidates(digest, code.toUpperCase(java.util.Locale.ROOT))).contains(django)
                .contains(digestOf(code)).hasSize(2);
    }
}
