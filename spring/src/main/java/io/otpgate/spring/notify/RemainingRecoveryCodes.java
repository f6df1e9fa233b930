package io.otpgate.spring.notify;

/** How many recovery codes a user has left (the recovery-code plug-in answers; the notifications ask). */
public interface RemainingRecoveryCodes {

    /** The unused recovery codes of the account's confirmed recovery-code devices, in the caller's transaction. */
    int count(long accountId);
}
