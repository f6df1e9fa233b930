package io.otpgate.server.api;

import java.time.Instant;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.otpgate.server.system.ApiRefusal;
import io.otpgate.server.system.JsonBodies;
import io.otpgate.server.token.ApiPrincipal;
import tools.jackson.databind.JsonNode;
import io.otpgate.server.user.AccountService;
import io.otpgate.server.user.OAuthProfile;
import io.otpgate.server.user.Profile;

/** Seed 004's account endpoints, with its serializers' field names. All need an OTP-verified session. */
@RestController
@RequestMapping("/api")
@ConditionalOnWebApplication
class AccountController {

    private final AccountService accounts;

    AccountController(AccountService accounts) {
        this.accounts = accounts;
    }

    /** Seed 004's {@code UserOauthProfileSerializer}. */
    record OAuthProfileView(long id, long user, @JsonProperty("oauth_service_name") String serviceName,
            @JsonProperty("oauth_url") String url, @JsonProperty("oauth_credentials") String credentials) {
        static OAuthProfileView of(OAuthProfile p) {
            return new OAuthProfileView(p.id(), p.userId(), p.serviceName(), p.url(), p.credentials());
        }

        @Override
        public String toString() {
            return "OAuthProfileView[" + id + ", PROTECTED]";
        }
    }

    /** Seed 004's {@code UserSerializer}, with the profile beside the OAuth profiles. */
    record UserView(long id, String username, String email, @JsonProperty("first_name") String firstName,
            @JsonProperty("last_name") String lastName, ProfileFields profile,
            @JsonProperty("oauth_profiles") List<OAuthProfileView> oauthProfiles) {
        static UserView of(AccountService.Account a) {
            return new UserView(a.user().id(), a.user().username(), a.user().email(), a.user().firstName(),
                    a.user().lastName(), ProfileFields.of(a), a.oauthProfiles().stream().map(OAuthProfileView::of)
                            .toList());
        }
    }

    /** Seed 004's {@code UserProfile} fields. */
    record ProfileFields(long id, String email, String phone, @JsonProperty("first_name") String firstName,
            @JsonProperty("last_name") String lastName, @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("updated_at") Instant updatedAt, @JsonProperty("power_account_id") int powerAccountId,
            @JsonProperty("power_contact_id") int powerContactId, @JsonProperty("is_otp_enabled") boolean otpEnabled) {
        static ProfileFields of(AccountService.Account a) {
            Profile p = a.profile();
            return new ProfileFields(a.profileId(), p.email(), p.phone(), p.firstName(), p.lastName(), p.createdAt(),
                    p.updatedAt(), p.powerAccountId(), p.powerContactId(), p.otpEnabled());
        }
    }

    /** Seed 004's {@code UserProfileSerializer}: the profile's fields and the user, nested. */
    record ProfileView(long id, UserSummary user, String email, String phone,
            @JsonProperty("first_name") String firstName, @JsonProperty("last_name") String lastName,
            @JsonProperty("created_at") Instant createdAt, @JsonProperty("updated_at") Instant updatedAt,
            @JsonProperty("power_account_id") int powerAccountId, @JsonProperty("power_contact_id") int powerContactId,
            @JsonProperty("is_otp_enabled") boolean otpEnabled) {
        static ProfileView of(AccountService.Account a) {
            ProfileFields f = ProfileFields.of(a);
            return new ProfileView(f.id(), UserSummary.of(a), f.email(), f.phone(), f.firstName(), f.lastName(),
                    f.createdAt(), f.updatedAt(), f.powerAccountId(), f.powerContactId(), f.otpEnabled());
        }
    }

    /** Seed 004's {@code UserSerializer} inside a profile. */
    record UserSummary(long id, String username, String email, @JsonProperty("first_name") String firstName,
            @JsonProperty("last_name") String lastName,
            @JsonProperty("oauth_profiles") List<OAuthProfileView> oauthProfiles) {
        static UserSummary of(AccountService.Account a) {
            return new UserSummary(a.user().id(), a.user().username(), a.user().email(), a.user().firstName(),
                    a.user().lastName(), a.oauthProfiles().stream().map(OAuthProfileView::of).toList());
        }
    }

    @GetMapping("/me")
    UserView me(@AuthenticationPrincipal ApiPrincipal me) {
        return UserView.of(accounts.account(me.userId()));
    }

    @GetMapping("/profile")
    ProfileView profile(@AuthenticationPrincipal ApiPrincipal me) {
        return ProfileView.of(accounts.account(me.userId()));
    }

    /** Changes the given fields; read-only ones ({@code is_otp_enabled}, dates, ids) and unknown ones are ignored. */
    @PatchMapping("/profile")
    ProfileView updateProfile(@AuthenticationPrincipal ApiPrincipal me, @RequestBody(required = false) JsonNode body) {
        JsonNode fields = JsonBodies.object(body);
        AccountService.ProfileChange change = new AccountService.ProfileChange(text(fields, "email", 254),
                text(fields, "phone", 64), text(fields, "first_name", 128), text(fields, "last_name", 128),
                JsonBodies.integer(fields, "power_account_id", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(null),
                JsonBodies.integer(fields, "power_contact_id", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(null));
        return ProfileView.of(accounts.updateProfile(me.userId(), change));
    }

    @GetMapping("/oauth_profiles")
    List<OAuthProfileView> oauthProfiles(@AuthenticationPrincipal ApiPrincipal me) {
        return accounts.oauthProfiles(me.userId()).stream().map(OAuthProfileView::of).toList();
    }

    @PostMapping("/oauth_profiles")
    @ResponseStatus(HttpStatus.CREATED)
    OAuthProfileView addOAuthProfile(@AuthenticationPrincipal ApiPrincipal me,
            @RequestBody(required = false) JsonNode body) {
        JsonNode fields = JsonBodies.object(body);
        return OAuthProfileView.of(accounts.addOAuthProfile(me.userId(),
                JsonBodies.text(fields, "oauth_service_name", AccountService.MAX_SERVICE_NAME).orElse(null),
                JsonBodies.text(fields, "oauth_url", AccountService.MAX_URL).orElse(null),
                JsonBodies.text(fields, "oauth_credentials", AccountService.MAX_CREDENTIALS).orElse(null)));
    }

    @DeleteMapping("/oauth_profiles/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void deleteOAuthProfile(@AuthenticationPrincipal ApiPrincipal me, @PathVariable long id) {
        accounts.deleteOAuthProfile(me.userId(), id);
    }

    /** A string field that, when present, may not be null. */
    private static String text(JsonNode fields, String field, int max) {
        if (fields.has(field) && fields.get(field).isNull()) {
            throw ApiRefusal.badRequest("`" + field + "` may not be null");
        }
        return JsonBodies.text(fields, field, max).orElse(null);
    }
}
