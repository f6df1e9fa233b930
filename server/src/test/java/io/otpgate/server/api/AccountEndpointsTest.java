package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.server.user.User;
import tools.jackson.databind.JsonNode;

/**
 * Seed 004's account endpoints, all behind {@code IsOtpVerified}: {@code GET /api/me}, {@code GET|PATCH /api/profile},
 * {@code GET|POST /api/oauth_profiles} and {@code DELETE /api/oauth_profiles/{id}}.
 */
class AccountEndpointsTest extends ApiTestBase {

    private static final String SECOND_FACTOR_MISSING =
            "You do not have permission to perform this action until you verify your MFA device.";
    private static final List<String> PROFILE_FIELDS = List.of("id", "email", "phone", "first_name", "last_name",
            "created_at", "updated_at", "power_account_id", "power_contact_id", "is_otp_enabled");
    private static final List<String> OAUTH_FIELDS = List.of("id", "user", "oauth_service_name", "oauth_url",
            "oauth_credentials");

    // Without a token, or without the second factor

    @ParameterizedTest
    @CsvSource(textBlock = """
            GET,    /api/me
            GET,    /api/profile
            PATCH,  /api/profile
            GET,    /api/oauth_profiles
            POST,   /api/oauth_profiles
            DELETE, /api/oauth_profiles/1
            """)
    void endpointWhenNoTokenThenUnauthorized(String method, String path) throws Exception {
        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path), null,
                method.equals("GET") || method.equals("DELETE") ? null : "{}");

        assertProblem(answer, 401, "Authentication credentials were not provided.");
        assertThat(answer.text("code")).isEqualTo("not_authenticated");
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            GET,    /api/me
            GET,    /api/profile
            PATCH,  /api/profile
            GET,    /api/oauth_profiles
            POST,   /api/oauth_profiles
            DELETE, /api/oauth_profiles/1
            """)
    void endpointWhenInvalidTokenThenUnauthorized(String method, String path) throws Exception {
        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path), "x.y.z",
                method.equals("GET") || method.equals("DELETE") ? null : "{}");

        assertProblem(answer, 401, "Given token not valid for any token type");
        assertThat(answer.text("code")).isEqualTo("token_not_valid");
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            GET,    /api/me
            GET,    /api/profile
            PATCH,  /api/profile
            GET,    /api/oauth_profiles
            POST,   /api/oauth_profiles
            DELETE, /api/oauth_profiles/1
            """)
    void endpointWhenConfirmedDeviceAndPasswordOnlyTokenThenForbidden(String method, String path) throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path),
                enrolled.passwordOnly().access(), method.equals("GET") || method.equals("DELETE") ? null : "{}");

        assertProblem(answer, 403, SECOND_FACTOR_MISSING);
    }

    // GET /api/me

    @Test
    void meWhenNoDeviceThenPasswordOnlyTokenSuffices() throws Exception {
        Answer me = get("/api/me", login().access());

        assertThat(me.status()).as("answer %s", me.json()).isEqualTo(200);
        assertThat(me.header("Cache-Control")).contains("no-store");
        assertThat(fieldNames(me.json())).containsExactlyInAnyOrder("id", "username", "email", "first_name",
                "last_name", "profile", "oauth_profiles");
        assertThat(me.json().get("id").longValue()).isEqualTo(user.id());
        assertThat(me.text("username")).isEqualTo(user.username());
        assertThat(me.text("email")).isEqualTo(user.email());
        assertThat(me.text("first_name")).isEqualTo(user.firstName());
        assertThat(me.text("last_name")).isEqualTo(user.lastName());
        JsonNode profile = me.json().get("profile");
        assertThat(fieldNames(profile)).containsExactlyInAnyOrderElementsOf(PROFILE_FIELDS);
        assertThat(profile.get("id").longValue())
                .isEqualTo(count("select id from user_profile where user_id = ?", user.id()));
        assertThat(profile.get("is_otp_enabled").booleanValue()).isFalse();
        assertThat(profile.get("power_account_id").intValue()).isZero();
        assertThat(Instant.parse(profile.get("created_at").stringValue())).isEqualTo(user.dateJoined());
        assertThat(me.json().get("oauth_profiles").isArray()).isTrue();
        assertThat(me.json().get("oauth_profiles").size()).isZero();
    }

    @Test
    void meWhenSetupPendingThenPasswordOnlyTokenStillSuffices() throws Exception {
        Tokens password = login();
        createTotp(password.access());

        assertThat(get("/api/me", password.access()).status()).isEqualTo(200);
    }

    @Test
    void meWhenConfirmedDeviceAndVerifiedTokenThenOk() throws Exception {
        Enrolled enrolled = enrol();

        Answer me = get("/api/me", enrolled.verified().access());

        assertThat(me.status()).isEqualTo(200);
        assertThat(me.text("username")).isEqualTo(user.username());
        assertThat(me.json().get("profile").get("is_otp_enabled").booleanValue()).isTrue();
    }

    @Test
    void meWhenConfirmedDeviceAndPasswordOnlyTokenThenForbiddenWithSeedMessage() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = get("/api/me", enrolled.passwordOnly().access());

        assertProblem(answer, 403, SECOND_FACTOR_MISSING);
        assertThat(answer.json().get("username")).isNull();
    }

    @Test
    void meWhenOtherUsersVerifiedTokenThenOwnAccountOnly() throws Exception {
        enrol();
        User other = newUser();

        Answer me = get("/api/me", login(other.username()).access());

        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("id").longValue()).isEqualTo(other.id());
    }

    // GET /api/profile

    @Test
    void profileWhenOtpVerifiedThenProfileWithNestedUser() throws Exception {
        Enrolled enrolled = enrol();
        String access = enrolled.verified().access();
        post("/api/oauth_profiles", access, oauthProfile("github"));

        Answer profile = get("/api/profile", access);

        assertThat(profile.status()).isEqualTo(200);
        assertThat(fieldNames(profile.json())).containsAll(PROFILE_FIELDS).contains("user");
        assertThat(profile.json().get("is_otp_enabled").booleanValue()).isTrue();
        JsonNode nested = profile.json().get("user");
        assertThat(fieldNames(nested)).contains("id", "username", "email", "first_name", "last_name",
                "oauth_profiles");
        assertThat(nested.get("id").longValue()).isEqualTo(user.id());
        assertThat(nested.get("username").stringValue()).isEqualTo(user.username());
        assertThat(nested.get("oauth_profiles").size()).isEqualTo(1);
        assertThat(nested.get("oauth_profiles").get(0).get("oauth_service_name").stringValue()).isEqualTo("github");
    }

    @Test
    void meWhenSeveralOAuthProfilesThenEachOnceInOrderWithTheProfile() throws Exception {
        Enrolled enrolled = enrol();
        String access = enrolled.verified().access();
        for (String service : List.of("github", "gitlab", "bitbucket")) {
            assertThat(post("/api/oauth_profiles", access, oauthProfile(service)).status()).isEqualTo(201);
        }
        patch("/api/profile", access, "{\"phone\":\"+41 44 000 00 00\"}");

        Answer me = get("/api/me", access);

        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("username").stringValue()).isEqualTo(user.username());
        JsonNode oauth = me.json().get("oauth_profiles");
        assertThat(oauth.size()).isEqualTo(3);
        assertThat(List.of(oauth.get(0), oauth.get(1), oauth.get(2)).stream()
                .map(o -> o.get("oauth_service_name").stringValue()).toList())
                .containsExactly("github", "gitlab", "bitbucket");
        assertThat(me.json().get("profile").get("phone").stringValue()).isEqualTo("+41 44 000 00 00");
    }

    @Test
    void meWhenUserWithTwoFactorHasNoProfileRowThenOtpEnabledAndAPatchKeepsIt() throws Exception {
        // A user imported without a profile row, who has a confirmed device: the flag follows the devices.
        Enrolled enrolled = enrol();
        String access = enrolled.verified().access();
        jdbc.sql("delete from user_profile where user_id = ?").param(user.id()).update();

        assertThat(get("/api/me", access).json().get("profile").get("is_otp_enabled").booleanValue()).isTrue();
        assertThat(get("/api/profile", access).json().get("is_otp_enabled").booleanValue()).isTrue();

        assertThat(patch("/api/profile", access, "{\"phone\":\"+41 44 000 00 01\"}").status()).isEqualTo(200);
        assertThat(jdbc.sql("select is_otp_enabled from user_profile where user_id = ?").param(user.id())
                .query(Boolean.class).single()).as("the profile row the patch made").isTrue();
    }

    // PATCH /api/profile

    @Test
    void updateProfileWhenFieldsGivenThenChangedAndUpdatedAtMoves() throws Exception {
        String access = login().access();
        Answer before = get("/api/profile", access);
        clock.advance(Duration.ofMinutes(3));

        Answer patched = patch("/api/profile", access, json("email", "ada@example.com", "phone", "+44 20 7946 0000",
                "first_name", "Ada", "last_name", "Lovelace", "power_account_id", 7, "power_contact_id", 8));

        assertThat(patched.status()).as("answer %s", patched.json()).isEqualTo(200);
        assertThat(patched.text("email")).isEqualTo("ada@example.com");
        assertThat(patched.text("phone")).isEqualTo("+44 20 7946 0000");
        assertThat(patched.text("first_name")).isEqualTo("Ada");
        assertThat(patched.text("last_name")).isEqualTo("Lovelace");
        assertThat(patched.json().get("power_account_id").intValue()).isEqualTo(7);
        assertThat(patched.json().get("power_contact_id").intValue()).isEqualTo(8);
        assertThat(Instant.parse(patched.text("updated_at"))).isEqualTo(clock.instant())
                .isAfter(Instant.parse(before.text("updated_at")));
        assertThat(patched.text("created_at")).isEqualTo(before.text("created_at"));
        assertThat(patched.json().get("id")).isEqualTo(before.json().get("id"));
        Answer after = get("/api/profile", access);
        assertThat(after.json()).isEqualTo(patched.json());
        assertThat(get("/api/me", access).json().get("profile").get("phone").stringValue())
                .isEqualTo("+44 20 7946 0000");
    }

    @Test
    void updateProfileWhenSomeFieldsGivenThenOthersKept() throws Exception {
        String access = login().access();
        patch("/api/profile", access, json("phone", "123", "first_name", "Ada"));

        Answer patched = patch("/api/profile", access, json("last_name", "Lovelace"));

        assertThat(patched.text("phone")).isEqualTo("123");
        assertThat(patched.text("first_name")).isEqualTo("Ada");
        assertThat(patched.text("last_name")).isEqualTo("Lovelace");
    }

    @Test
    void updateProfileWhenIsOtpEnabledGivenThenUnchanged() throws Exception {
        String access = login().access();

        Answer patched = patch("/api/profile", access, json("is_otp_enabled", true));

        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get("is_otp_enabled").booleanValue()).isFalse();
        assertThat(get("/api/totp/status", access).json().get("isOtpEnabled").booleanValue()).isFalse();
        assertThat(get("/api/me", access).status()).as("still no second factor required").isEqualTo(200);
        assertThat(jdbc.sql("select is_otp_enabled from user_profile where user_id = ?").param(user.id())
                .query(Boolean.class).single()).isFalse();
    }

    @Test
    void updateProfileWhenIsOtpEnabledFalseGivenByEnrolledUserThenUnchanged() throws Exception {
        Enrolled enrolled = enrol();

        Answer patched = patch("/api/profile", enrolled.verified().access(), json("is_otp_enabled", false));

        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get("is_otp_enabled").booleanValue()).isTrue();
        assertThat(get("/api/me", enrolled.passwordOnly().access()).status()).isEqualTo(403);
    }

    @Test
    void updateProfileWhenReadOnlyFieldsGivenThenIgnored() throws Exception {
        String access = login().access();
        Answer before = get("/api/profile", access);

        Answer patched = patch("/api/profile", access, json("id", 4242, "created_at", "2000-01-01T00:00:00Z",
                "updated_at", "2000-01-01T00:00:00Z", "user", 1, "unknown", "x"));

        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get("id")).isEqualTo(before.json().get("id"));
        assertThat(patched.text("created_at")).isEqualTo(before.text("created_at"));
        assertThat(patched.text("updated_at")).isNotEqualTo("2000-01-01T00:00:00Z");
        assertThat(patched.json().get("user").get("id").longValue()).isEqualTo(user.id());
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            phone,      64
            first_name, 128
            last_name,  128
            email,      254
            """)
    void updateProfileWhenFieldAtLimitThenAccepted(String field, int limit) throws Exception {
        String value = valueOfLength(field, limit);

        Answer patched = patch("/api/profile", login().access(), json(field, value));

        assertThat(patched.status()).as("answer %s", patched.json()).isEqualTo(200);
        assertThat(patched.text(field)).isEqualTo(value);
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            phone,      64
            first_name, 128
            last_name,  128
            email,      254
            """)
    void updateProfileWhenFieldTooLongThenBadRequestAndNothingChanged(String field, int limit) throws Exception {
        String access = login().access();
        Answer before = get("/api/profile", access);

        Answer answer = patch("/api/profile", access, json("phone", "555", field, valueOfLength(field, limit + 1)));

        assertProblem(answer, 400, "`" + field + "` must be at most " + limit + " characters");
        assertThat(get("/api/profile", access).json()).isEqualTo(before.json());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"phone":null}              | `phone` may not be null
            {"email":null}              | `email` may not be null
            {"first_name":5}            | `first_name` must be a string
            {"power_account_id":"7"}    | `power_account_id` must be an integer in -2147483648..2147483647
            {"power_contact_id":1.5}    | `power_contact_id` must be an integer in -2147483648..2147483647
            {"power_contact_id":3000000000} | `power_contact_id` must be an integer in -2147483648..2147483647
            [1]                         | request body must be a JSON object
            {"phone":                   | request body must be valid JSON
            """)
    void updateProfileWhenBodyInvalidThenBadRequest(String body, String message) throws Exception {
        assertProblem(patch("/api/profile", login().access(), body), 400, message);
    }

    @Test
    void updateProfileWhenPasswordOnlyTokenAndConfirmedDeviceThenForbiddenAndUnchanged() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = patch("/api/profile", enrolled.passwordOnly().access(), json("phone", "555"));

        assertProblem(answer, 403, SECOND_FACTOR_MISSING);
        assertThat(get("/api/profile", enrolled.verified().access()).text("phone")).isEmpty();
    }

    // GET|POST /api/oauth_profiles

    @Test
    void oauthProfilesWhenNoneThenEmptyList() throws Exception {
        Answer list = get("/api/oauth_profiles", login().access());

        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().isArray()).isTrue();
        assertThat(list.json().size()).isZero();
    }

    @Test
    void addOAuthProfileWhenValidThenCreatedAndListed() throws Exception {
        String access = login().access();

        Answer created = post("/api/oauth_profiles", access, json("oauth_service_name", "github",
                "oauth_url", "https://github.com/login/oauth", "oauth_credentials", "{\"token\":\"gho_x\"}"));

        assertThat(created.status()).as("answer %s", created.json()).isEqualTo(201);
        assertThat(created.header("Cache-Control")).contains("no-store");
        assertThat(fieldNames(created.json())).containsExactlyInAnyOrderElementsOf(OAUTH_FIELDS);
        assertThat(created.json().get("id").longValue()).isPositive();
        assertThat(created.json().get("user").longValue()).isEqualTo(user.id());
        assertThat(created.text("oauth_service_name")).isEqualTo("github");
        assertThat(created.text("oauth_url")).isEqualTo("https://github.com/login/oauth");
        assertThat(created.text("oauth_credentials")).isEqualTo("{\"token\":\"gho_x\"}");
        Answer list = get("/api/oauth_profiles", access);
        assertThat(list.json().size()).isEqualTo(1);
        assertThat(list.json().get(0)).isEqualTo(created.json());
        assertThat(get("/api/me", access).json().get("oauth_profiles").get(0)).isEqualTo(created.json());
    }

    @Test
    void addOAuthProfileWhenHttpUrlThenCreated() throws Exception {
        Answer created = post("/api/oauth_profiles", login().access(), json("oauth_service_name", "intranet",
                "oauth_url", "http://sso.example.com/oauth", "oauth_credentials", "c"));

        assertThat(created.status()).isEqualTo(201);
    }

    @Test
    void oauthProfilesWhenOtherUserHasSomeThenOnlyOwnListed() throws Exception {
        User other = newUser();
        post("/api/oauth_profiles", login(other.username()).access(), oauthProfile("theirs"));
        String access = login().access();
        post("/api/oauth_profiles", access, oauthProfile("mine"));

        Answer list = get("/api/oauth_profiles", access);

        assertThat(list.json().size()).isEqualTo(1);
        assertThat(list.json().get(0).get("oauth_service_name").stringValue()).isEqualTo("mine");
        assertThat(list.json().get(0).get("user").longValue()).isEqualTo(user.id());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"oauth_url":"https://a.example","oauth_credentials":"c"}                                  | `oauth_service_name` is required
            {"oauth_service_name":"  ","oauth_url":"https://a.example","oauth_credentials":"c"}        | `oauth_service_name` is required
            {"oauth_service_name":"s","oauth_credentials":"c"}                                         | `oauth_url` is required
            {"oauth_service_name":"s","oauth_url":"https://a.example"}                                 | `oauth_credentials` is required
            {"oauth_service_name":"s","oauth_url":"https://a.example","oauth_credentials":""}          | `oauth_credentials` is required
            {"oauth_service_name":"s","oauth_url":"ftp://a.example/x","oauth_credentials":"c"}         | `oauth_url` must be an http or https URL
            {"oauth_service_name":"s","oauth_url":"javascript:alert(1)","oauth_credentials":"c"}       | `oauth_url` must be an http or https URL
            {"oauth_service_name":"s","oauth_url":"not a url","oauth_credentials":"c"}                 | `oauth_url` must be an http or https URL
            {"oauth_service_name":"s","oauth_url":"https://","oauth_credentials":"c"}                  | `oauth_url` must be an http or https URL
            {"oauth_service_name":"s","oauth_url":"/relative/path","oauth_credentials":"c"}            | `oauth_url` must be an http or https URL
            {"oauth_service_name":5,"oauth_url":"https://a.example","oauth_credentials":"c"}           | `oauth_service_name` must be a string
            [1]                                                                                        | request body must be a JSON object
            """)
    void addOAuthProfileWhenInvalidThenBadRequestAndNothingStored(String body, String message) throws Exception {
        Answer answer = post("/api/oauth_profiles", login().access(), body);

        assertProblem(answer, 400, message);
        assertThat(count("select count(*) from user_oauth_profile where user_id = ?", user.id())).isZero();
    }

    @Test
    void addOAuthProfileWhenFieldsTooLongThenBadRequest() throws Exception {
        String access = login().access();

        assertProblem(post("/api/oauth_profiles", access, json("oauth_service_name", "s".repeat(101),
                "oauth_url", "https://a.example", "oauth_credentials", "c")), 400,
                "`oauth_service_name` must be at most 100 characters");
        assertProblem(post("/api/oauth_profiles", access, json("oauth_service_name", "s",
                "oauth_url", "https://a.example/" + "p".repeat(183), "oauth_credentials", "c")), 400,
                "`oauth_url` must be at most 200 characters");
        assertThat(post("/api/oauth_profiles", access, json("oauth_service_name", "s".repeat(100),
                "oauth_url", "https://a.example/" + "p".repeat(182), "oauth_credentials", "c")).status())
                .as("at the limits").isEqualTo(201);
    }

    // DELETE /api/oauth_profiles/{id}

    @Test
    void deleteOAuthProfileWhenOwnThenNoContentAndGone() throws Exception {
        String access = login().access();
        long id = post("/api/oauth_profiles", access, oauthProfile("github")).json().get("id").longValue();

        Answer answer = delete("/api/oauth_profiles/" + id, access);

        assertThat(answer.status()).isEqualTo(204);
        assertThat(answer.json()).isNull();
        assertThat(get("/api/oauth_profiles", access).json().size()).isZero();
        assertThat(count("select count(*) from user_oauth_profile where id = ?", id)).isZero();
        assertProblem(delete("/api/oauth_profiles/" + id, access), 404, "Not found.");
    }

    @Test
    void deleteOAuthProfileWhenOtherUsersThenNotFoundAndKept() throws Exception {
        User other = newUser();
        long theirs = post("/api/oauth_profiles", login(other.username()).access(), oauthProfile("theirs")).json()
                .get("id").longValue();

        Answer answer = delete("/api/oauth_profiles/" + theirs, login().access());

        assertProblem(answer, 404, "Not found.");
        assertThat(count("select count(*) from user_oauth_profile where id = ? and user_id = ?", theirs, other.id()))
                .isEqualTo(1);
    }

    @Test
    void deleteOAuthProfileWhenMissingThenNotFound() throws Exception {
        assertProblem(delete("/api/oauth_profiles/987654321", login().access()), 404, "Not found.");
    }

    @Test
    void deleteOAuthProfileWhenIdNotANumberThenNotFound() throws Exception {
        assertProblem(delete("/api/oauth_profiles/abc", login().access()), 404, "Not found.");
    }

    @Test
    void deleteOAuthProfileWhenPasswordOnlyTokenAndConfirmedDeviceThenForbiddenAndKept() throws Exception {
        Enrolled enrolled = enrol();
        long id = post("/api/oauth_profiles", enrolled.verified().access(), oauthProfile("github")).json().get("id")
                .longValue();

        Answer answer = delete("/api/oauth_profiles/" + id, enrolled.passwordOnly().access());

        assertProblem(answer, 403, SECOND_FACTOR_MISSING);
        assertThat(count("select count(*) from user_oauth_profile where id = ?", id)).isEqualTo(1);
    }

    @Test
    void oauthProfilesWhenRecoveryCodeTokenThenAllowed() throws Exception {
        Enrolled enrolled = enrol();
        Tokens recovered = tokens(post("/api/totp/recovery_code/login", login().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))));

        assertThat(post("/api/oauth_profiles", recovered.access(), oauthProfile("github")).status()).isEqualTo(201);
        assertThat(get("/api/oauth_profiles", recovered.access()).status()).isEqualTo(200);
    }

    // helpers

    private static String oauthProfile(String service) {
        return json("oauth_service_name", service, "oauth_url", "https://" + service + ".example/oauth",
                "oauth_credentials", "secret-of-" + service);
    }

    private static String valueOfLength(String field, int length) {
        if (field.equals("email")) {
            String domain = "@example.com";
            return "a".repeat(length - domain.length()) + domain;
        }
        return "x".repeat(length);
    }

    private static List<String> fieldNames(JsonNode node) {
        return node.propertyNames().stream().toList();
    }

    private static void assertProblem(Answer answer, int status, String message) {
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(status);
        assertThat(answer.response().getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.text("detail")).isEqualTo(message);
        assertThat(answer.text("message")).isEqualTo(message);
        assertThat(answer.json().get("errors").toString()).isEqualTo(JSON.writeValueAsString(List.of(message)));
        assertThat(answer.header("Cache-Control")).as("Cache-Control").contains("no-store");
    }
}
