package io.otpgate.reliability;

import java.util.EnumMap;
import java.util.Map;

import io.otpgate.reliability.SoakSession.Kind;

/**
 * What the soak's requests to one server gave, over one interval (a progress line) or the whole run. Every request
 * of the workload must be answered 200 with the body it promises; anything else is an error: another status (a 4xx
 * or a 5xx), a 200 with a wrong body, no answer (refused, reset), a timeout, or a request that could not be sent
 * before the run ended. Latency runs from the time the request was scheduled, not sent. Not thread-safe:
 * {@link SoakLoad} guards it.
 */
final class SoakTally {

    long sent;
    long unsent;
    long substituted;
    long status2xx;
    long status4xx;
    long status5xx;
    long statusOther;
    long badAnswers;
    long noAnswer;
    long timeouts;
    final Map<Kind, Long> sentByKind = new EnumMap<>(Kind.class);
    final Map<Kind, Long> errorsByKind = new EnumMap<>(Kind.class);
    final Latencies latencies = new Latencies();
    /** Per kind, when this tally keeps them (the whole run's). */
    final Map<Kind, Latencies> latenciesByKind;
    /** From a request's scheduled time to its sending, when this tally keeps them (the whole run's). */
    final Latencies sendLags;

    SoakTally(boolean detailed) {
        latenciesByKind = new EnumMap<>(Kind.class);
        if (detailed) {
            for (Kind kind : Kind.values()) {
                latenciesByKind.put(kind, new Latencies());
            }
            sendLags = new Latencies();
        } else {
            sendLags = null;
        }
    }

    void sent(Kind kind, boolean wasSubstituted, long lagNanos) {
        sent++;
        sentByKind.merge(kind, 1L, Long::sum);
        if (wasSubstituted) {
            substituted++;
        }
        if (sendLags != null) {
            sendLags.add(lagNanos);
        }
    }

    /** An HTTP answer; {@code good} if it was a 200 with the promised body (a 2xx that is not is a bad answer). */
    void answered(Kind kind, int status, boolean good, long latencyNanos) {
        if (status >= 200 && status <= 299) {
            status2xx++;
        } else if (status >= 400 && status <= 499) {
            status4xx++;
        } else if (status >= 500 && status <= 599) {
            status5xx++;
        } else {
            statusOther++;
        }
        if (!good && status >= 200 && status <= 299) {
            badAnswers++;
        }
        if (!good) {
            errorsByKind.merge(kind, 1L, Long::sum);
        }
        latency(kind, latencyNanos);
    }

    /** No HTTP answer: {@code timeout} if the request's time ran out, else refused, reset and the like. */
    void failed(Kind kind, boolean timeout, long latencyNanos) {
        if (timeout) {
            timeouts++;
        } else {
            noAnswer++;
        }
        errorsByKind.merge(kind, 1L, Long::sum);
        latency(kind, latencyNanos);
    }

    void unsent(long count) {
        unsent += count;
    }

    private void latency(Kind kind, long nanos) {
        latencies.add(nanos);
        Latencies ofKind = latenciesByKind.get(kind);
        if (ofKind != null) {
            ofKind.add(nanos);
        }
    }

    /** Scheduled requests: sent, and not sent before the end. */
    long requests() {
        return sent + unsent;
    }

    long answers() {
        return status2xx + status4xx + status5xx + statusOther;
    }

    /** Answers that are not a 2xx. */
    long unexpectedStatus() {
        return status4xx + status5xx + statusOther;
    }

    long errors() {
        return unexpectedStatus() + badAnswers + noAnswer + timeouts + unsent;
    }

    /** Errors per scheduled request, 0..1 (0 if none was scheduled). */
    double errorRate() {
        return requests() == 0 ? 0 : (double) errors() / requests();
    }
}
