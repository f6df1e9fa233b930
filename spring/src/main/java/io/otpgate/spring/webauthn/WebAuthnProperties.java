package io.otpgate.spring.webauthn;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Passkeys ({@code otpgate.webauthn.*}), checked at start-up: a misconfiguration is an error naming the property.
 *
 * @param rpId the relying party id: the site's registrable domain or host, without scheme or port (default
 *     {@code localhost}); a passkey registered under one id never works under another
 * @param rpName the name the browser shows when it asks for a passkey (default {@code otpgate})
 * @param allowedOrigins the origins ({@code https://host[:port]}) the pages that run the ceremonies are served
 *     from; each must be HTTPS (plain HTTP only for {@code localhost}) and its host the rp id or a subdomain of it.
 *     Empty means any {@code http(s)://localhost:<port>}, allowed only while the rp id is {@code localhost}
 * @param challengeLifetime how long a ceremony's options stay valid (default 5 minutes, 30 s..30 min)
 */
@ConfigurationProperties("otpgate.webauthn")
public record WebAuthnProperties(@DefaultValue("localhost") String rpId, @DefaultValue("otpgate") String rpName,
        @DefaultValue List<String> allowedOrigins, @DefaultValue("5m") Duration challengeLifetime) {

    private static final String PREFIX = "otpgate.webauthn.";
    private static final String LOCALHOST = "localhost";

    public WebAuthnProperties {
        if (rpId == null || rpId.isBlank() || rpId.length() > 253 || !rpId.equals(rpId.toLowerCase(Locale.ROOT))
                || !rpId.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
            throw new IllegalArgumentException(PREFIX + "rp-id must be a lower-case host name without scheme or "
                    + "port, such as example.com, got '" + rpId + "'");
        }
        if (rpName == null || rpName.isBlank() || rpName.length() > 64) {
            throw new IllegalArgumentException(PREFIX + "rp-name must be 1..64 characters");
        }
        List<String> origins = new ArrayList<>();
        for (String origin : allowedOrigins == null ? List.<String>of() : allowedOrigins) {
            origins.add(checkedOrigin(origin, rpId));
        }
        if (origins.isEmpty() && !LOCALHOST.equals(rpId)) {
            throw new IllegalArgumentException(PREFIX + "allowed-origins is required when " + PREFIX
                    + "rp-id is not localhost (rp-id is '" + rpId + "'): list the https origins of the site, such as "
                    + "https://" + rpId);
        }
        allowedOrigins = List.copyOf(origins);
        if (challengeLifetime == null || challengeLifetime.compareTo(Duration.ofSeconds(30)) < 0
                || challengeLifetime.compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException(PREFIX + "challenge-lifetime must be 30s..30m, got "
                    + challengeLifetime);
        }
    }

    /** An allowed origin as written in the settings, normalised ({@code scheme://host[:port]}, lower case). */
    private static String checkedOrigin(String origin, String rpId) {
        String rule = PREFIX + "allowed-origins must hold origins such as https://" + rpId;
        URI uri;
        try {
            uri = new URI(origin == null ? "" : origin.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(rule + ", got '" + origin + "'");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
        boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath()))
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
        if (scheme == null || host == null || !bare || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException(rule + " (scheme, host and port only), got '" + origin + "'");
        }
        if (scheme.equals("http") && !host.equals(LOCALHOST)) {
            throw new IllegalArgumentException(PREFIX + "allowed-origins must use https (http only for localhost), "
                    + "got '" + origin + "'");
        }
        if (!host.equals(rpId) && !host.endsWith("." + rpId)) {
            throw new IllegalArgumentException(PREFIX + "allowed-origins must be on " + PREFIX + "rp-id '" + rpId
                    + "' or a subdomain of it, got '" + origin + "'");
        }
        return scheme + "://" + host + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    /**
     * Whether a page of this origin may run a ceremony: one of {@link #allowedOrigins()} exactly, or, when none is
     * set (rp id {@code localhost}), any {@code http(s)://localhost[:port]}.
     *
     * @param origin as the browser wrote it in the client data or the {@code Origin} header; null is never allowed
     */
    public boolean allows(String origin) {
        if (origin == null || origin.length() > 255) {
            return false;
        }
        if (!allowedOrigins.isEmpty()) {
            return allowedOrigins.contains(origin);
        }
        return origin.equals("http://localhost") || origin.equals("https://localhost")
                || origin.matches("https?://localhost:[0-9]{1,5}");
    }
}
