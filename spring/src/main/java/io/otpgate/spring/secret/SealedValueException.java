package io.otpgate.spring.secret;

/** A sealed value that cannot be opened: a wrong or missing key, or altered data. Its message holds no secret. */
public class SealedValueException extends RuntimeException {

    public SealedValueException(String message) {
        super(message);
    }
}
