package io.otpgate.server.user;

/**
 * Seed 004's {@code UserOauthProfile}. The credentials are sealed at rest; {@link #toString()} hides them.
 */
public record OAuthProfile(long id, long userId, String serviceName, String url, String credentials) {

    @Override
    public String toString() {
        return "OAuthProfile[id=" + id + ", userId=" + userId + ", serviceName=" + serviceName + ", url=" + url
                + ", credentials PROTECTED]";
    }
}
