package io.otpgate.reliability;

import java.time.Instant;
import java.util.List;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;

/**
 * A user a scenario made (through {@link DjangoDump}) and whose secrets it therefore knows, as its client would:
 * the password, the TOTP secret of its confirmed device (SHA-1, 6 digits, 30 s, as authenticator apps), its
 * recovery codes ({@code xxxx-xxxx-xxxx-xxxx}) and the credentials of its OAuth profile. Never printed.
 *
 * @param pk the Django primary key in the dump (not otpgate's id)
 */
public record KnownUser(long pk, String username, String password, OtpSecret totpSecret, List<String> recoveryCodes,
        String oauthCredentials) {

    /** The TOTP settings of every device in the dump. */
    public static final Totp TOTP = Totp.defaults();

    public KnownUser {
        recoveryCodes = List.copyOf(recoveryCodes);
    }

    /** The code the user's authenticator shows at {@code at}. */
    public String totpCode(Instant at) {
        return TOTP.generate(totpSecret, at);
    }

    /** The code of a time step (30-s steps since the Unix epoch). */
    public String totpCodeAtStep(long step) {
        return TOTP.generateAtStep(totpSecret, step);
    }

    @Override
    public String toString() {
        return "KnownUser[" + username + ", secrets PROTECTED]";
    }
}
