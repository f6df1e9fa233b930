package io.otpgate.server.system;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springdoc.core.customizers.OpenApiCustomizer;

import io.otpgate.spring.factor.StepUp;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

/**
 * The OpenAPI 3 description of the REST API (springdoc, from the controllers): {@code /v3/api-docs}, and Swagger UI
 * at {@code /api/docs}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class ApiDocsConfiguration {

    /** The operations that need a fresh second factor, and what may prove it. */
    private static final Map<String, String> STEP_UP_PATHS = Map.of(
            "/api/totp/delete", "by a device (a recovery code is not enough)",
            "/api/totp/create", "by a device or a recovery code",
            "/api/totp/recovery_code/create", "by a device or a recovery code");

    @Bean
    OpenAPI otpgateOpenApi() {
        return new OpenAPI()
                .info(new Info().title("otpgate REST API").version("1")
                        .description("JWT login with optional TOTP two-factor authentication and recovery codes "
                                + "(the API of a Django REST framework project with django-otp). Log in with "
                                + "POST /api/token, then send "
                                + "`Authorization: Bearer <access>`. Errors are application/problem+json. "
                                + "Turning 2FA off, new recovery codes and a new device while one exists need a "
                                + "second factor proven within otpgate.policy.step-up-within (the token's otp_time; "
                                + "turning 2FA off by a device, not a recovery code): otherwise 401 with "
                                + "`WWW-Authenticate: Bearer error=\"insufficient_user_authentication\", "
                                + "error_description=\"...\", max_age=N` (RFC 9470); verify a code again with "
                                + "POST /api/totp/login and repeat the request with the new access token.")
                        .license(new License().name("otpgate")))
                .components(new Components().addSecuritySchemes("bearer", new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }

    /** The step-up answer on each sensitive operation (RFC 9470), with the window from the settings. */
    @Bean
    OpenApiCustomizer stepUpResponses(StepUp stepUp) {
        long maxAge = stepUp.maxAgeSeconds();
        return openApi -> STEP_UP_PATHS.forEach((path, proof) -> {
            PathItem item = openApi.getPaths() == null ? null : openApi.getPaths().get(path);
            if (item == null) {
                return;
            }
            ApiResponse stale = new ApiResponse()
                    .description("No token, an invalid one, or (step-up) a second factor not proven " + proof
                            + " in the last " + maxAge + " seconds: verify a code with POST /api/totp/login, then "
                            + "repeat the request with the new access token")
                    .addHeaderObject("WWW-Authenticate", new Header().schema(new StringSchema().example(
                            "Bearer error=\"insufficient_user_authentication\", error_description=\"...\", max_age="
                                    + maxAge)));
            item.readOperations().forEach(operation -> {
                if (operation.getResponses() == null) {
                    operation.setResponses(new ApiResponses());
                }
                operation.getResponses().addApiResponse("401", stale);
            });
        });
    }
}
