package io.otpgate.spring.notify;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The subject and plain-text body of a notification e-mail: what happened, when and from which address, and what to
 * do if it was not the user. No secret, no code, no link.
 */
final class MailTexts {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String NOT_YOU = "If this was not you, someone else may know your password: change it, "
            + "and tell your administrator.";

    private final String subjectPrefix;

    MailTexts(String subjectPrefix) {
        this.subjectPrefix = subjectPrefix.isEmpty() ? "" : subjectPrefix + " ";
    }

    String subject(SecurityNotification n) {
        return subjectPrefix + switch (n.kind()) {
            case SECOND_FACTOR_ADDED -> "Two-factor authentication was turned on for your account";
            case SECOND_FACTOR_OFF -> "Two-factor authentication was turned off for your account";
            case RECOVERY_CODE_USED -> "A recovery code was used to sign in to your account";
            case WRONG_CODES -> "Wrong codes were tried after your password";
            case PASSKEY_ADDED -> "A passkey was added to your account";
            case TRUSTED_BROWSER_ADDED -> "A browser was remembered for your account";
        };
    }

    String body(SecurityNotification n) {
        String what = switch (n.kind()) {
            case SECOND_FACTOR_ADDED -> "A second factor (an authenticator) was added to your account";
            case SECOND_FACTOR_OFF -> "Two-factor authentication was turned off or reset for your account: "
                    + "your password alone now signs you in";
            case RECOVERY_CODE_USED -> "A recovery code was used to sign in to your account";
            case WRONG_CODES -> plural(n.count(), "wrong code was", "wrong codes were")
                    + " tried after the right password for your account, before this sign-in";
            case PASSKEY_ADDED -> "A passkey was added to your account";
            case TRUSTED_BROWSER_ADDED -> "A browser was remembered for your account: it will not be asked for a "
                    + "code for a while";
        };
        StringBuilder text = new StringBuilder("Hello ").append(n.userKey()).append(",\n\n").append(what)
                .append(" on ").append(TIME.format(n.occurredAt()));
        if (n.clientAddress() != null) {
            text.append(", from the address ").append(n.clientAddress());
        }
        text.append(".\n");
        if (n.kind() == SecurityNotification.Kind.RECOVERY_CODE_USED) {
            text.append("You have ").append(plural(n.count(), "recovery code", "recovery codes")).append(" left.")
                    .append(n.count() <= 2 ? " Make new ones soon." : "").append('\n');
        }
        return text.append('\n').append(NOT_YOU).append('\n').toString();
    }

    private static String plural(int count, String one, String many) {
        return count + " " + (count == 1 ? one : many);
    }
}
