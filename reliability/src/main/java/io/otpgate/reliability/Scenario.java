package io.otpgate.reliability;

/** A runnable scenario: reads its settings, runs to its end by itself, and returns its figures. */
public interface Scenario {

    /** One line for the usage text: what it checks and its settings with their defaults. */
    String description();

    /**
     * Runs the scenario.
     *
     * @param settings read with defaults; the scenario calls {@link Settings#checkAllUsed()} before it starts work
     * @return the figures; a run whose report has failures exits non-zero
     */
    Report run(Settings settings) throws Exception;
}
