package io.otpgate.core;

/**
 * The counter whose code matched.
 *
 * @param counter the matched counter
 */
public record HotpMatch(long counter) {

    /** The counter to store on the device, so that this code and every earlier one are refused from now on. */
    public long nextCounter() {
        return counter + 1;
    }
}
