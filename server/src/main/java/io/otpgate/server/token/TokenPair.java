package io.otpgate.server.token;

/**
 * An access and a refresh token, as simplejwt answers them ({@code {"access": ..., "refresh": ...}}).
 * {@link #toString()} hides them: tokens are never logged.
 */
public record TokenPair(String access, String refresh) {

    @Override
    public String toString() {
        return "TokenPair[PROTECTED]";
    }
}
