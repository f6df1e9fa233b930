package io.otpgate.spring.factor;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;

/**
 * A code typed by a user, checked against their devices: for an application's own endpoint (one that mints tokens,
 * say) rather than otpgate's pages. The kind is told by the code's shape: digits are a TOTP or HOTP code, anything
 * else of letters, digits, spaces and dashes a recovery code; a code of no shape is refused without an attempt.
 */
public class OtpCodes {

    private final Accounts accounts;
    private final VerificationService verification;

    public OtpCodes(Accounts accounts, VerificationService verification) {
        this.accounts = accounts;
        this.verification = verification;
    }

    /**
     * Verifies a code for the user.
     *
     * @param factorProven whether the caller already proved the factor (then a pending setup of a user who has a
     *     device may be confirmed too; otherwise only while the user has none)
     * @param clientAddress for the security log, or null
     * @return the outcome: {@link VerificationOutcome.Verified} names the device whose code it was; empty if the code
     *     has no shape of a code (nothing was checked or counted)
     */
    public Optional<VerificationOutcome> verify(String userKey, String code, boolean factorProven,
            String clientAddress) {
        Optional<Set<DeviceKind>> kinds = kindsOf(code);
        if (kinds.isEmpty()) {
            return Optional.empty();
        }
        AccountRef account = accounts.forUserKey(userKey);
        PendingSetups pending = kinds.get().contains(DeviceKind.STATIC) ? PendingSetups.NONE
                : factorProven ? PendingSetups.ANY : PendingSetups.WHILE_NO_CONFIRMED_DEVICE;
        return Optional.of(verification.verify(account.accountId(), code.strip(), kinds.get(), pending,
                clientAddress));
    }

    /** Which devices a typed code may belong to, by its shape; empty for neither shape. */
    public static Optional<Set<DeviceKind>> kindsOf(String code) {
        if (code == null || code.isBlank() || code.length() > 64) {
            return Optional.empty();
        }
        if (VerificationService.oneTimeCode(code).isPresent()) {
            return Optional.of(EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP));
        }
        boolean recoveryShaped = code.strip().chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c)
                || c == '-' || c == ' '));
        return recoveryShaped ? Optional.of(EnumSet.of(DeviceKind.STATIC)) : Optional.empty();
    }
}
