package io.otpgate.spring.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.springframework.stereotype.Component;

import io.otpgate.core.RecoveryCodeDigest;
import io.otpgate.core.RecoveryCodes;
import io.otpgate.spring.secret.ServerKey;
import io.otpgate.spring.secret.ServerKeys;

/**
 * The digests under which recovery codes are stored and looked up. Two forms live side by side, each in its own
 * namespace: otpgate's codes ({@code xxxx-xxxx-xxxx-xxxx}, typed with any case, spaces, dashes or look-alikes),
 * and tokens imported from django-otp (8 lower-case RFC 4648 base32 characters, which may contain i, l and o, so
 * they are matched as typed, ignoring case, spaces and dashes).
 */
@Component
public class RecoveryCodeDigests {

    /** django-otp's {@code StaticToken.token} is at most 16 characters. */
    static final int MAX_DJANGO_TOKEN = 16;

    private final ServerKeys keys;
    private final RecoveryCodes codes = RecoveryCodes.defaults();
    private volatile RecoveryCodeDigest digest;

    RecoveryCodeDigests(ServerKeys keys) {
        this.keys = keys;
    }

    /** The format of new codes. */
    public RecoveryCodes codes() {
        return codes;
    }

    /** The digest of a new otpgate code (canonical or formatted). */
    public byte[] ofCode(String code) {
        String canonical = codes.normalize(code).orElseThrow(
                () -> new IllegalArgumentException("not a recovery code of " + codes.length() + " symbols"));
        return digest().digest("otpgate:" + canonical);
    }

    /**
     * The digest of a token imported from django-otp.
     *
     * @throws IllegalArgumentException if it is empty, longer than 16 characters or not printable ASCII
     */
    public byte[] ofDjangoToken(String token) {
        return digest().digest("django:" + djangoForm(token).orElseThrow(() -> new IllegalArgumentException(
                "a django-otp static token must be 1.." + MAX_DJANGO_TOKEN + " printable ASCII characters")));
    }

    /** Every digest that what a user typed may be stored under (none if it cannot be a code). */
    public List<byte[]> candidates(String typed) {
        List<byte[]> candidates = new ArrayList<>(2);
        codes.normalize(typed).ifPresent(canonical -> candidates.add(digest().digest("otpgate:" + canonical)));
        djangoForm(typed).ifPresent(token -> candidates.add(digest().digest("django:" + token)));
        return candidates;
    }

    private static Optional<String> djangoForm(String typed) {
        if (typed == null || typed.length() > 4 * MAX_DJANGO_TOKEN) {
            return Optional.empty();
        }
        StringBuilder token = new StringBuilder(MAX_DJANGO_TOKEN);
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (c == ' ' || c == '-' || c == '\t') {
                continue;
            }
            if (c <= 0x20 || c >= 0x7f || token.length() == MAX_DJANGO_TOKEN) {
                return Optional.empty();
            }
            token.append(Character.toLowerCase(c));
        }
        return token.isEmpty() ? Optional.empty() : Optional.of(token.toString());
    }

    private RecoveryCodeDigest digest() {
        RecoveryCodeDigest current = digest;
        if (current == null) {
            current = new RecoveryCodeDigest(keys.get(ServerKey.RECOVERY_DIGEST));
            digest = current;
        }
        return current;
    }
}
