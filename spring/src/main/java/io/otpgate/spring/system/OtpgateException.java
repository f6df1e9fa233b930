package io.otpgate.spring.system;

/**
 * A request that a service refuses: the one domain exception, mapped to an HTTP status or an exit code in one
 * place each. Its message is meant for the person who asked (an operator, or an API client) and never contains a
 * secret, a code or a password.
 */
public class OtpgateException extends RuntimeException {

    /** Why the request was refused. */
    public enum Reason {
        /** The input breaks a rule (HTTP 400). */
        INVALID(400),
        /** The one who asked may not do this (HTTP 403), such as a staff user acting on a superuser. */
        FORBIDDEN(403),
        /** What the request names does not exist (HTTP 404). */
        NOT_FOUND(404),
        /** The request conflicts with the current state (HTTP 409). */
        CONFLICT(409);

        private final int httpStatus;

        Reason(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Reason reason;

    public OtpgateException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public static OtpgateException notFound(String message) {
        return new OtpgateException(Reason.NOT_FOUND, message);
    }

    public static OtpgateException conflict(String message) {
        return new OtpgateException(Reason.CONFLICT, message);
    }

    public static OtpgateException forbidden(String message) {
        return new OtpgateException(Reason.FORBIDDEN, message);
    }

    public static OtpgateException invalid(String message) {
        return new OtpgateException(Reason.INVALID, message);
    }

    public Reason reason() {
        return reason;
    }
}
