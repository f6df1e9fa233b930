package io.otpgate.spring.factor;

import org.springframework.context.ApplicationContext;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.web.access.intercept.AuthorizationFilter;

/**
 * Applies otpgate's factor to one {@code SecurityFilterChain}: {@code http.with(OtpgateConfigurer.otpgate(),
 * Customizer.withDefaults())}. The starter applies it to every chain unless {@code otpgate.security.automatic=false};
 * an application that wants it on chosen chains only sets that and calls this on them.
 */
public final class OtpgateConfigurer extends AbstractHttpConfigurer<OtpgateConfigurer, HttpSecurity> {

    /** A configurer to pass to {@code HttpSecurity.with}. */
    public static OtpgateConfigurer otpgate() {
        return new OtpgateConfigurer();
    }

    @Override
    public void configure(HttpSecurity http) {
        ApplicationContext context = http.getSharedObject(ApplicationContext.class);
        http.addFilterBefore(context.getBean(OtpFactorFilters.class).newFilter(), AuthorizationFilter.class);
    }
}
