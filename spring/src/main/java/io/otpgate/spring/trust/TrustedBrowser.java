package io.otpgate.spring.trust;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A browser a user trusted, as listed to them and to operators; never its cookie value nor its digest.
 *
 * @param description the browser as its User-Agent named it when trusted ("Firefox on Linux"), at most
 *     {@value BrowserDescription#MAX_LENGTH} characters
 */
public record TrustedBrowser(long id, String description, Instant createdAt, Instant lastUsedAt, Instant expiresAt) {

    /**
     * The row the JSON APIs list (the starter's {@code trusted_browsers} and the server's
     * {@code /api/trusted_browsers}): {@code id}, {@code description}, {@code created_at}, {@code last_used_at},
     * {@code expires_at} (ISO-8601 instants), in that order.
     */
    public Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("description", description);
        json.put("created_at", createdAt.toString());
        json.put("last_used_at", lastUsedAt.toString());
        json.put("expires_at", expiresAt.toString());
        return json;
    }
}
