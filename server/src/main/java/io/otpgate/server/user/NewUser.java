package io.otpgate.server.user;

import java.util.regex.Pattern;

import io.otpgate.server.system.Texts;

/**
 * What is needed to create a user. The username follows Django's rule: 1..150 letters, digits and {@code @.+-_}.
 *
 * @param email may be empty, at most 254 characters
 */
public record NewUser(String username, String email, String firstName, String lastName, boolean staff,
        boolean superuser) {

    private static final Pattern USERNAME = Pattern.compile("[\\w.@+-]{1,150}", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

    public NewUser {
        checkUsername(username);
        email = email == null ? "" : email.strip();
        if (email.length() > 254 || (!email.isEmpty() && !EMAIL.matcher(email).matches())) {
            throw new IllegalArgumentException("email must be an address like name@example.com, at most 254 characters");
        }
        firstName = checkName(firstName, "first name");
        lastName = checkName(lastName, "last name");
        if (superuser && !staff) {
            throw new IllegalArgumentException("a superuser must also be staff");
        }
    }

    /** A plain user with a username only. */
    public static NewUser named(String username) {
        return new NewUser(username, "", "", "", false, false);
    }

    /**
     * @throws IllegalArgumentException naming the rule, when the username breaks it
     */
    public static void checkUsername(String username) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new IllegalArgumentException(
                    "username must be 1..150 letters, digits and @ . + - _, got " + Texts.quote(username));
        }
    }

    private static String checkName(String name, String field) {
        String value = name == null ? "" : name.strip();
        if (value.length() > 150) {
            throw new IllegalArgumentException(field + " must be at most 150 characters");
        }
        return value;
    }
}
