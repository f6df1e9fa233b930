package io.otpgate.reliability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.otpgate.core.OtpSecret;

/**
 * What the client of one user saw during a {@code crash-safety} run: each operation it sent and its outcome (an
 * answer that succeeded, an answer that refused, or no answer because the server was killed), every TOTP secret
 * and recovery code it was given, what became of each code, and the state it last saw. {@link CrashChecks} compares
 * it with the database. Holds secrets: never printed ({@link #toString()} names the user only).
 *
 * <p>Written by one client thread, read after the load has ended.
 */
public final class UserJournal {

    /** The operations of the load. */
    public enum Op {
        LOGIN("password login", "POST /api/token"),
        STATUS("status", "GET /api/totp/status"),
        CREATE("enrolment", "POST /api/totp/create"),
        PROBE_PENDING("pending code probe", "POST /api/totp/recovery_code/login, a code of a pending setup"),
        CONFIRM("confirmation", "POST /api/totp/login, the first code of a pending device"),
        TOTP_LOGIN("totp login", "POST /api/totp/login, a confirmed device (after no answer)"),
        RECOVERY_LOGIN("recovery login", "POST /api/totp/recovery_code/login, an unused code"),
        PROBE_UNANSWERED("unanswered code probe", "POST /api/totp/recovery_code/login, a code sent without answer"),
        PROBE_REPLAY("replay probe", "POST /api/totp/recovery_code/login, a code accepted before"),
        DELETE("deletion", "DELETE /api/totp/delete");

        private final String label;
        private final String request;

        Op(String label, String request) {
            this.label = label;
            this.request = request;
        }

        public String label() {
            return label;
        }

        public String request() {
            return request;
        }
    }

    /** What an operation got. */
    public enum Outcome {
        /** A 2xx answer. */
        OK,
        /** A 4xx or 5xx answer. */
        REFUSED,
        /** No answer: the server died before answering (the operation may or may not have happened). */
        NO_ANSWER
    }

    /** What became of a recovery code, as far as the client knows. */
    public enum CodeState {
        /** Never sent. */
        NOT_SENT,
        /** Sent while its setup was pending, and refused (400), as it must be: still to become valid. */
        REFUSED_WHILE_PENDING,
        /** Accepted (200): used, must never be accepted again. */
        ACCEPTED,
        /** Sent without an answer: either consumed or still valid. */
        UNANSWERED,
        /** Sent without an answer, then sent again and refused (400): the unanswered request consumed it. */
        CONSUMED_UNANSWERED,
        /** Refused (400) although the client had every reason to think it valid: a surprise, counted as such. */
        REFUSED
    }

    /** The state of the user's second factor as the client last saw it. */
    public enum Seen {
        /** A confirmed device: the {@linkplain #finalEnrolment() last enrolment}'s. */
        ENABLED,
        /** A pending setup: the last enrolment's device, unconfirmed. */
        PENDING,
        /** No device. */
        DISABLED,
        /** Not known: the client's last operation got no answer and it could not find out. */
        UNKNOWN
    }

    /** A set of recovery codes from one answer, and what became of each. */
    public static final class CodeSet {
        private final List<String> codes;
        private final CodeState[] states;

        CodeSet(List<String> codes) {
            this.codes = List.copyOf(codes);
            this.states = new CodeState[codes.size()];
            Arrays.fill(states, CodeState.NOT_SENT);
        }

        public List<String> codes() {
            return codes;
        }

        public CodeState state(int index) {
            return states[index];
        }

        void set(int index, CodeState state) {
            states[index] = state;
        }

        /** The first code in a state, or -1. */
        int first(CodeState state) {
            for (int i = 0; i < states.length; i++) {
                if (states[i] == state) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public String toString() {
            return "CodeSet[" + codes.size() + " codes PROTECTED]";
        }
    }

    /**
     * One TOTP device the client knows the secret of: the imported one, or one a {@code create} answer showed (a
     * second {@code create} answer with the same secret, the pending setup shown again, adds a code set to it).
     */
    public static final class Enrolment {
        private final OtpSecret secret;
        private final boolean imported;
        private final List<CodeSet> sets = new ArrayList<>();
        private boolean codeAccepted;
        private boolean codeUnanswered;
        private long lastStepSent = -1;

        Enrolment(OtpSecret secret, boolean imported, List<String> codes) {
            this.secret = secret;
            this.imported = imported;
            sets.add(new CodeSet(codes));
        }

        public OtpSecret secret() {
            return secret;
        }

        /** From the Django dump (recovery codes stored in django-otp's form), not from the API. */
        public boolean imported() {
            return imported;
        }

        /** The code sets shown with it, oldest first; only the last can be valid. */
        public List<CodeSet> sets() {
            return List.copyOf(sets);
        }

        CodeSet currentSet() {
            return sets.get(sets.size() - 1);
        }

        void addSet(List<String> codes) {
            sets.add(new CodeSet(codes));
        }

        /** Whether a TOTP code of it was accepted (200). */
        public boolean codeAccepted() {
            return codeAccepted;
        }

        /** Whether a TOTP code of it was sent without an answer. */
        public boolean codeUnanswered() {
            return codeUnanswered;
        }

        void totpOutcome(Outcome outcome) {
            codeAccepted |= outcome == Outcome.OK;
            codeUnanswered |= outcome == Outcome.NO_ANSWER;
        }

        long lastStepSent() {
            return lastStepSent;
        }

        void stepSent(long step) {
            lastStepSent = Math.max(lastStepSent, step);
        }

        @Override
        public String toString() {
            return "Enrolment[" + (imported ? "imported" : "from the API") + ", secret PROTECTED]";
        }
    }

    private final String username;
    private final List<Enrolment> enrolments = new ArrayList<>();
    private final Map<Op, int[]> counts = new EnumMap<>(Op.class);
    private Seen seen = Seen.UNKNOWN;
    private Enrolment finalEnrolment;
    private boolean createUnanswered;

    UserJournal(String username) {
        this.username = username;
        for (Op op : Op.values()) {
            counts.put(op, new int[Outcome.values().length]);
        }
    }

    /** A journal for tests of the checks. */
    public static UserJournal of(String username) {
        return new UserJournal(username);
    }

    public String username() {
        return username;
    }

    /** Oldest first. */
    public List<Enrolment> enrolments() {
        return List.copyOf(enrolments);
    }

    /** How many operations of a kind got an outcome. */
    public int count(Op op, Outcome outcome) {
        return counts.get(op)[outcome.ordinal()];
    }

    /** The state the client last saw, and the enrolment it concerns (null when {@link Seen#DISABLED}). */
    public Seen seen() {
        return seen;
    }

    public Enrolment finalEnrolment() {
        return finalEnrolment;
    }

    /** Whether the last {@code create} got no answer and none answered after it (a setup it may not know). */
    public boolean createUnanswered() {
        return createUnanswered;
    }

    // --- written by the client (and by tests) ---------------------------------------------------------------------

    public void record(Op op, Outcome outcome) {
        counts.get(op)[outcome.ordinal()]++;
        if (op == Op.CREATE) {
            createUnanswered = outcome == Outcome.NO_ANSWER || (createUnanswered && outcome != Outcome.OK);
        }
    }

    /** The imported device and its recovery codes. */
    public Enrolment imported(OtpSecret secret, List<String> codes) {
        Enrolment enrolment = new Enrolment(secret, true, codes);
        enrolments.add(enrolment);
        return enrolment;
    }

    /** A {@code create} answer: a new enrolment, or a new code set of the pending one if the secret is the same. */
    public Enrolment created(OtpSecret secret, List<String> codes) {
        for (Enrolment enrolment : enrolments) {
            if (!enrolment.imported && enrolment.secret.equals(secret)) {
                enrolment.addSet(codes);
                return enrolment;
            }
        }
        Enrolment enrolment = new Enrolment(secret, false, codes);
        enrolments.add(enrolment);
        return enrolment;
    }

    public void seen(Seen state, Enrolment enrolment) {
        this.seen = state;
        this.finalEnrolment = state == Seen.DISABLED ? null : enrolment;
    }

    @Override
    public String toString() {
        return "UserJournal[" + username + ", secrets PROTECTED]";
    }
}
