package io.otpgate.spring.secret;

/** The keys the server makes for itself and keeps sealed in the {@code server_key} table. */
public enum ServerKey {
    /** The HMAC-SHA-256 key of recovery-code digests (32 bytes). */
    RECOVERY_DIGEST(1, "recovery-digest", 32),
    /** The JWT signing key (HS256, 32 bytes). */
    JWT_SIGNING(2, "jwt-signing", 32),
    /** The JWT signing key pair for RS256 (RSA 2048, encoded; made by the token package). */
    JWT_RS256(3, "jwt-rs256", 0),
    /** The JWT signing key pair for ES256 (P-256, encoded; made by the token package). */
    JWT_ES256(4, "jwt-es256", 0),
    /** The HMAC-SHA-256 key that names the rows of failed logins by username and address (32 bytes). */
    LOGIN_THROTTLE(5, "login-throttle", 32),
    /** The HMAC-SHA-256 key of trusted-browser cookie digests (32 bytes). */
    TRUSTED_BROWSER(6, "trusted-browser", 32);

    private final int id;
    private final String keyName;
    private final int length;

    ServerKey(int id, String keyName, int length) {
        this.id = id;
        this.keyName = keyName;
        this.length = length;
    }

    public int id() {
        return id;
    }

    public String keyName() {
        return keyName;
    }

    public int length() {
        return length;
    }
}
