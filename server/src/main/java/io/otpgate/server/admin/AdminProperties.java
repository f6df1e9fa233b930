package io.otpgate.server.admin;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The admin panel ({@code otpgate.admin.*}).
 *
 * @param siteTitle the browser title (the Django admin's {@code site_title})
 * @param siteHeader the heading on every page (the Django admin's {@code site_header})
 * @param idleTimeout a session without a request for this long ends (30 min)
 * @param absoluteTimeout a session ends this long after its login, however busy (12 h, NIST SP 800-63B AAL2)
 * @param pageSize rows per page in the lists (25)
 */
@ConfigurationProperties("otpgate.admin")
public record AdminProperties(@DefaultValue("otpgate administration") String siteTitle,
        @DefaultValue("otpgate administration") String siteHeader, @DefaultValue("30m") Duration idleTimeout,
        @DefaultValue("12h") Duration absoluteTimeout, @DefaultValue("25") int pageSize) {

    public AdminProperties {
        if (siteTitle.isBlank() || siteHeader.isBlank()) {
            throw new IllegalArgumentException("otpgate.admin.site-title and site-header must not be blank");
        }
        if (idleTimeout.toSeconds() < 60 || absoluteTimeout.compareTo(idleTimeout) < 0) {
            throw new IllegalArgumentException("otpgate.admin.idle-timeout must be at least 1 min and at most "
                    + "absolute-timeout, got " + idleTimeout + " and " + absoluteTimeout);
        }
        if (pageSize < 1 || pageSize > 500) {
            throw new IllegalArgumentException("otpgate.admin.page-size must be 1..500, got " + pageSize);
        }
    }
}
