package io.otpgate.bench.floor;

import java.time.Instant;
import java.util.List;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The floor of the REST benchmark (bench/load/run.sh): the server's web stack (Spring Boot, Tomcat, Spring MVC,
 * Jackson, the same JDK and JVM options) answering {@code GET /api/me} with the JSON that otpgate answers for a
 * benchmark user, built and serialized on each request, but with no security, no token and no database. otpgate's
 * rate on the same path is printed as a percentage of this one's.
 */
@SpringBootApplication
public class FloorApplication {

    public static void main(String[] args) {
        SpringApplication.run(FloorApplication.class, args);
    }

    /** The one endpoint. */
    @RestController
    static class MeController {

        // bench.py's first user as otpgate answers for it after import-django (a user without a Django profile).
        private static final Instant JOINED = Instant.parse("2024-01-01T00:00:00Z");

        @GetMapping("/api/me")
        UserView me() {
            ProfileFields profile = new ProfileFields(0, "bench-me-00000@example.invalid", "", "Bench", "Me", JOINED,
                    JOINED, 0, 0, false);
            return new UserView(1, "bench-me-00000", "bench-me-00000@example.invalid", "Bench", "Me", profile,
                    List.of());
        }
    }

    /** otpgate's {@code AccountController.UserView}: the Django REST project's {@code UserSerializer}. */
    record UserView(long id, String username, String email, @JsonProperty("first_name") String firstName,
            @JsonProperty("last_name") String lastName, ProfileFields profile,
            @JsonProperty("oauth_profiles") List<Object> oauthProfiles) {
    }

    /** otpgate's {@code AccountController.ProfileFields}: the Django project's {@code UserProfile} fields. */
    record ProfileFields(long id, String email, String phone, @JsonProperty("first_name") String firstName,
            @JsonProperty("last_name") String lastName, @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("updated_at") Instant updatedAt, @JsonProperty("power_account_id") int powerAccountId,
            @JsonProperty("power_contact_id") int powerContactId, @JsonProperty("is_otp_enabled") boolean otpEnabled) {
    }
}
