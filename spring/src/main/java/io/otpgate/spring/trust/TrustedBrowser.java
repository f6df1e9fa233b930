package io.otpgate.spring.trust;

import java.time.Instant;

/**
 * A browser a user trusted, as listed to them and to operators; never its cookie value nor its digest.
 *
 * @param description the browser as its User-Agent named it when trusted ("Firefox on Linux"), at most
 *     {@value BrowserDescription#MAX_LENGTH} characters
 */
public record TrustedBrowser(long id, String description, Instant createdAt, Instant lastUsedAt, Instant expiresAt) {
}
