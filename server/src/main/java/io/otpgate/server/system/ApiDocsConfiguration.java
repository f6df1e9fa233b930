package io.otpgate.server.system;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.Components;
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
                                + "`Authorization: Bearer <access>`. Errors are application/problem+json.")
                        .license(new License().name("otpgate")))
                .components(new Components().addSecuritySchemes("bearer", new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }
}
