package io.otpgate.server.bruteforce;

/**
 * The chance that at least one of a series of independent guesses was right, {@code 1 - prod(1 - p_i)}, where
 * {@code p_i} is the share of all codes that the server would have accepted at guess {@code i}. Summed as logarithms,
 * so that a million tiny chances lose no precision. Not thread-safe.
 */
final class GuessOdds {

    private double logMiss;
    private long guesses;
    private int fewestCodes = Integer.MAX_VALUE;
    private int mostCodes;

    /**
     * Adds one checked guess.
     *
     * @param acceptedCodes how many distinct codes would have been accepted at that moment
     * @param digits the length of a code
     */
    void add(int acceptedCodes, int digits) {
        logMiss += Math.log1p(-acceptedCodes / Math.pow(10, digits));
        guesses++;
        fewestCodes = Math.min(fewestCodes, acceptedCodes);
        mostCodes = Math.max(mostCodes, acceptedCodes);
    }

    /** The chance that at least one guess was right. */
    double success() {
        return -Math.expm1(logMiss);
    }

    long guesses() {
        return guesses;
    }

    /** The fewest codes accepted at one guess (0 before any guess). */
    int fewestCodes() {
        return guesses == 0 ? 0 : fewestCodes;
    }

    int mostCodes() {
        return mostCodes;
    }
}
