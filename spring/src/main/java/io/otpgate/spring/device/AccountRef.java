package io.otpgate.spring.device;

/**
 * Whose devices these are: the id of the user's account ({@code otpgate_account}) and the name an authenticator
 * app shows beside the issuer (the account's user key: the login name).
 */
public interface AccountRef {

    long accountId();

    String accountName();

    /** An account by id and name. */
    static AccountRef of(long accountId, String accountName) {
        record Account(long accountId, String accountName) implements AccountRef {
        }
        return new Account(accountId, accountName);
    }
}
