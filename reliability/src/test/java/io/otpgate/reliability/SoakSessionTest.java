package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import io.otpgate.reliability.SoakSession.Kind;

/**
 * The soak session's mix, its use of the newest tokens, and its rule for codes: never two codes of one user in one
 * 30-s step (the second would be refused, and the refusal would throttle the device).
 */
class SoakSessionTest {

    static final URI BASE = URI.create("http://127.0.0.1:9");
    static final Instant STEP_START = Instant.ofEpochSecond(30L * 56_000_000);

    @TempDir
    Path directory;

    @Test
    void kindAtWhenWholeSessionThenMixIsOneLoginTwoCodesTenRefreshes() {
        Map<Kind, Integer> mix = new EnumMap<>(Kind.class);
        for (int position = 0; position < SoakSession.LENGTH; position++) {
            mix.merge(SoakSession.kindAt(position), 1, Integer::sum);
        }

        assertThat(mix).containsExactlyInAnyOrderEntriesOf(Map.of(Kind.TOKEN, 1, Kind.TOTP_LOGIN, 2,
                Kind.REFRESH, 10, Kind.STATUS, 25, Kind.ME, 82));
        assertThat(List.of(SoakSession.kindAt(0), SoakSession.kindAt(1), SoakSession.kindAt(2),
                SoakSession.kindAt(SoakSession.STEP_UP))).containsExactly(Kind.TOKEN, Kind.STATUS, Kind.TOTP_LOGIN,
                        Kind.TOTP_LOGIN);
    }

    @Test
    void nextWhenCodeAlreadySentInThisStepThenStatusInsteadAndSessionWaits() {
        SoakSession.User user = user();
        SoakSession session = loggedInAtCode(user);
        user.lastCodeStep = KnownUser.TOTP.step(STEP_START);

        SoakSession.Planned planned = session.next(STEP_START.plusSeconds(29));
        assertThat(planned.kind()).isEqualTo(Kind.STATUS);
        assertThat(planned.substituted()).isTrue();
        assertThat(session.answered(Kind.STATUS, json("{\"isOtpEnabled\":true}"))).isTrue();
        assertThat(session.position()).isEqualTo(2);

        SoakSession.Planned nextStep = session.next(STEP_START.plusSeconds(30));
        assertThat(nextStep.kind()).isEqualTo(Kind.TOTP_LOGIN);
        assertThat(nextStep.substituted()).isFalse();
        assertThat(user.lastCodeStep).isEqualTo(KnownUser.TOTP.step(STEP_START) + 1);
    }

    @Test
    void nextWhenStepUpInTheStepOfTheLoginCodeThenMeInsteadAndSessionMovesOn() {
        SoakSession.User user = user();
        SoakSession session = loggedInAtCode(user);
        assertThat(session.next(STEP_START).kind()).isEqualTo(Kind.TOTP_LOGIN);
        assertThat(session.answered(Kind.TOTP_LOGIN, json("{\"access\":\"a2\",\"refresh\":\"r2\"}"))).isTrue();
        session.skipTo(SoakSession.STEP_UP);

        SoakSession.Planned planned = session.next(STEP_START.plusSeconds(20));
        assertThat(planned.kind()).isEqualTo(Kind.ME);
        assertThat(planned.substituted()).isTrue();
        assertThat(planned.request().headers().firstValue("Authorization")).hasValue("Bearer a2");
        assertThat(session.answered(Kind.ME, json("{\"username\":\"" + user.known.username() + "\"}"))).isTrue();
        assertThat(session.position()).isEqualTo(SoakSession.STEP_UP + 1);
    }

    @Test
    void answeredWhenRefreshedThenNextRequestsUseTheNewPair() {
        SoakSession session = loggedInAtCode(user());
        session.next(STEP_START);
        session.answered(Kind.TOTP_LOGIN, json("{\"access\":\"a2\",\"refresh\":\"r2\"}"));
        session.skipTo(10);

        SoakSession.Planned refresh = session.next(STEP_START);
        assertThat(refresh.kind()).isEqualTo(Kind.REFRESH);
        assertThat(refresh.request().headers().firstValue("Authorization")).isEmpty();
        assertThat(session.answered(Kind.REFRESH, json("{\"access\":\"a3\",\"refresh\":\"r3\"}"))).isTrue();

        SoakSession.Planned me = session.next(STEP_START);
        assertThat(me.kind()).isEqualTo(Kind.ME);
        assertThat(me.request().headers().firstValue("Authorization")).hasValue("Bearer a3");
    }

    @Test
    void answeredWhenBodyIsNotThePromisedOneThenFalseAndSessionStays() {
        SoakSession.User user = user();
        SoakSession session = loggedInAtCode(user);
        session.next(STEP_START);
        session.answered(Kind.TOTP_LOGIN, json("{\"access\":\"a2\",\"refresh\":\"r2\"}"));

        assertThat(session.next(STEP_START).kind()).isEqualTo(Kind.ME);
        assertThat(session.answered(Kind.ME, json("{\"username\":\"somebody-else\"}"))).isFalse();
        assertThat(session.answered(Kind.STATUS, json("{\"isOtpEnabled\":false}"))).isFalse();
        assertThat(session.answered(Kind.REFRESH, json("{\"access\":\"a3\"}"))).isFalse();
        assertThat(session.position()).isEqualTo(SoakSession.BODY);
    }

    /** A session that logged in with the password and checked the status: its next request is the TOTP login. */
    SoakSession loggedInAtCode(SoakSession.User user) {
        SoakSession session = new SoakSession(user, BASE, Duration.ofSeconds(1));
        assertThat(session.next(STEP_START).kind()).isEqualTo(Kind.TOKEN);
        assertThat(session.answered(Kind.TOKEN, json("{\"access\":\"a1\",\"refresh\":\"r1\"}"))).isTrue();
        assertThat(session.next(STEP_START).kind()).isEqualTo(Kind.STATUS);
        assertThat(session.answered(Kind.STATUS, json("{\"isOtpEnabled\":true}"))).isTrue();
        assertThat(session.position()).isEqualTo(2);
        return session;
    }

    SoakSession.User user() {
        return new SoakSession.User(DjangoDump.write(directory.resolve("dump.json"), "t", 1, 1).get(0));
    }

    static JsonNode json(String text) {
        return Api.JSON.readTree(text);
    }
}
