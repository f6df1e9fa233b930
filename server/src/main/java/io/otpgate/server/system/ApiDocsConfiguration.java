package io.otpgate.server.system;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springdoc.core.customizers.OpenApiCustomizer;

import io.otpgate.spring.factor.PolicyProperties;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
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
    OpenApiCustomizer stepUpResponses(PolicyProperties policy) {
        long maxAge = Math.max(1, policy.stepUpWithin().toSeconds());
        return openApi -> {
            for (String path : STEP_UP_PATHS) {
                PathItem item = openApi.getPaths() == null ? null : openApi.getPaths().get(path);
                if (item == null) {
                    continue;
                }
                item.readOperations().forEach(operation -> operation.getResponses().addApiResponse("401",
                        new ApiResponse().description("No token, an invalid one, or (step-up) a second factor not "
                                + "proven in the last " + maxAge + " seconds (for " + path.substring(5)
                                + (path.equals("/api/totp/delete") ? ", by a device rather than a recovery code"
                                        : "")
                                + "): verify a code with POST /api/totp/login, then repeat the request")
                                .addHeaderObject("WWW-Authenticate", new Header().schema(new StringSchema()
                                        .example("Bearer error=\"insufficient_user_authentication\", "
                                                + "error_description=\"...\", max_age=" + maxAge)))));
            }
        };
    }

    /** The operations that need a fresh second factor. */
    private static final java.util.List<String> STEP_UP_PATHS = java.util.List.of("/api/totp/delete",
            "/api/totp/create", "/api/totp/recovery_code/create");
}
