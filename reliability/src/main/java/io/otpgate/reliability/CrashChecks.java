package io.otpgate.reliability;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.otpgate.core.RecoveryCodeDigest;
import io.otpgate.core.RecoveryCodes;
import io.otpgate.reliability.DatabaseFacts.EventRow;
import io.otpgate.reliability.DatabaseFacts.StaticRow;
import io.otpgate.reliability.DatabaseFacts.TotpRow;
import io.otpgate.reliability.DatabaseFacts.UserRow;
import io.otpgate.reliability.UserJournal.CodeSet;
import io.otpgate.reliability.UserJournal.CodeState;
import io.otpgate.reliability.UserJournal.Enrolment;
import io.otpgate.reliability.UserJournal.Op;
import io.otpgate.reliability.UserJournal.Outcome;

/**
 * The database checks of {@code crash-safety}: what the database holds after the run, compared with itself and
 * with what every client saw ({@link UserJournal}). A pure function of its inputs, so that a test can break a
 * database's facts on purpose and see each check count it. Each finding names a user, a device id, an event kind
 * or a count, never a secret or a code.
 *
 * <p>An operation that got no answer may have happened or not; the checks allow either, but not half of it: a
 * recovery code is consumed exactly when its event exists, a setup has both its TOTP device and its codes or
 * neither, and so on.
 */
public final class CrashChecks {

    /** Devices or users half created, or more of them than the workload can make. */
    public static final String HALF_CREATED = "devices half created or duplicated";
    public static final String ORPHANS = "rows without their parent row";
    /** A code a client saw accepted (200) that the database would accept again. */
    public static final String USED_STILL_VALID = "recovery codes accepted and still valid";
    /** A static device whose missing codes and OTP_VERIFIED events disagree. */
    public static final String HALF_CONSUMED = "recovery codes consumed without their event, or the reverse";
    /** An unused code of the current set missing, a code of a replaced set still present, and the like. */
    public static final String CODES_STATE = "recovery codes in a state no request explains";
    public static final String SECRETS = "device secrets that do not open or no client was shown";
    /** A 200 without its event, or a row a request made without its event. */
    public static final String CHANGE_WITHOUT_EVENT = "successes and changes without their event";
    /** An event for a success that no request can have had, or that the rows do not show. */
    public static final String EVENT_WITHOUT_CHANGE = "events the database or the clients do not bear out";
    public static final String PROFILE = "profiles whose is_otp_enabled disagrees with the devices";
    /** The state a client last saw (after an answer) is not the database's: committed work lost. */
    public static final String LOST = "states a client saw that the database lost";

    /** The checks of this class, in the order they are printed. */
    public static final List<String> CHECKS = List.of(HALF_CREATED, ORPHANS, USED_STILL_VALID, HALF_CONSUMED,
            CODES_STATE, SECRETS, CHANGE_WITHOUT_EVENT, EVENT_WITHOUT_CHANGE, PROFILE, LOST);

    /** Inconsistencies by check, each with its details (no secrets). Thread-safe. */
    public static final class Findings {
        private final Map<String, List<String>> byCheck = new LinkedHashMap<>();

        /** Registers checks so that they are printed (with 0) even when nothing was found. */
        public synchronized Findings declare(List<String> checks) {
            checks.forEach(check -> byCheck.computeIfAbsent(check, c -> new ArrayList<>()));
            return this;
        }

        public synchronized void add(String check, String detail) {
            byCheck.computeIfAbsent(check, c -> new ArrayList<>()).add(detail);
        }

        public synchronized int count(String check) {
            List<String> details = byCheck.get(check);
            return details == null ? 0 : details.size();
        }

        public synchronized List<String> details(String check) {
            return List.copyOf(byCheck.getOrDefault(check, List.of()));
        }

        public synchronized int total() {
            return byCheck.values().stream().mapToInt(List::size).sum();
        }

        /** One must-be-zero figure a check, the first details of each under it, and the total. */
        public synchronized void addTo(Report report, int detailsEach) {
            byCheck.forEach((check, details) -> {
                report.mustBeZero(check, details.size());
                details.stream().limit(detailsEach).forEach(report::text);
                if (details.size() > detailsEach) {
                    report.text("... and " + (details.size() - detailsEach) + " more");
                }
            });
            report.mustBeZero("inconsistencies in all", total());
        }

        @Override
        public synchronized String toString() {
            Map<String, Integer> counts = new LinkedHashMap<>();
            byCheck.forEach((check, details) -> counts.put(check, details.size()));
            return "Findings" + counts;
        }
    }

    private static final RecoveryCodes CODES = RecoveryCodes.defaults();
    private static final int MAX_DJANGO_TOKEN = 16;

    private final DatabaseFacts db;
    private final DatabaseFacts.Watermark since;
    private final int codesPerSet;
    private final Findings findings;

    private CrashChecks(DatabaseFacts db, DatabaseFacts.Watermark since, int codesPerSet, Findings findings) {
        this.db = db;
        this.since = since;
        this.codesPerSet = codesPerSet;
        this.findings = findings;
    }

    /**
     * Runs every check.
     *
     * @param since the ids before the load: rows at or below are imported, events at or below are ignored
     * @param codesPerSet recovery codes in each set (imported and issued)
     * @return the findings of {@link #CHECKS} (each declared, so printed even when 0)
     */
    public static Findings check(DatabaseFacts db, List<UserJournal> journals, DatabaseFacts.Watermark since,
            int codesPerSet) {
        return check(db, journals, since, codesPerSet, new Findings());
    }

    /** As {@link #check(DatabaseFacts, List, DatabaseFacts.Watermark, int)}, adding to findings of a run. */
    public static Findings check(DatabaseFacts db, List<UserJournal> journals, DatabaseFacts.Watermark since,
            int codesPerSet, Findings into) {
        into.declare(CHECKS);
        new CrashChecks(db, since, codesPerSet, into).run(journals);
        return into;
    }

    private void run(List<UserJournal> journals) {
        if (db.orphans() > 0) {
            for (int i = 0; i < db.orphans(); i++) {
                findings.add(ORPHANS, "a row whose user or device is missing (" + db.orphans() + " in all)");
            }
        }
        if (db.hotpDevices() > 0) {
            findings.add(HALF_CREATED, db.hotpDevices() + " HOTP devices, which the workload never makes");
        }
        if (db.recoveryDigest() == null) {
            findings.add(SECRETS, "the recovery-digest key (otpgate_server_key 1) does not open");
        }
        for (UserJournal journal : journals) {
            UserRow user = db.users().get(journal.username());
            if (user == null) {
                findings.add(LOST, journal.username() + ": the user is missing");
                continue;
            }
            new UserCheck(journal, user).run();
        }
    }

    /** The checks of one user. */
    private final class UserCheck {
        private final UserJournal journal;
        private final UserRow user;
        private final String name;
        private final List<TotpRow> totp = new ArrayList<>();
        private final List<StaticRow> statics = new ArrayList<>();
        private final List<EventRow> events = new ArrayList<>();

        UserCheck(UserJournal journal, UserRow user) {
            this.journal = journal;
            this.user = user;
            this.name = journal.username();
            db.totpDevices().stream().filter(d -> d.userId() == user.id()).forEach(totp::add);
            db.staticDevices().stream().filter(d -> d.userId() == user.id()).forEach(statics::add);
            db.events().stream().filter(e -> e.userId() != null && e.userId() == user.id()).forEach(events::add);
        }

        void run() {
            devices();
            profile();
            secrets();
            if (db.recoveryDigest() != null) {
                codes(db.recoveryDigest());
            }
            consumption();
            eventsAgainstClients();
            eventsAgainstRows();
            rowsAgainstEvents();
            lastSeenState();
        }

        private List<TotpRow> totp(boolean confirmed) {
            return totp.stream().filter(d -> d.confirmed() == confirmed).toList();
        }

        private List<StaticRow> statics(boolean confirmed) {
            return statics.stream().filter(d -> d.confirmed() == confirmed).toList();
        }

        private void devices() {
            int pendingTotp = totp(false).size();
            int confirmedTotp = totp(true).size();
            int pendingStatic = statics(false).size();
            int confirmedStatic = statics(true).size();
            if (pendingTotp > 1 || confirmedTotp > 1 || pendingStatic > 1 || confirmedStatic > 1) {
                findings.add(HALF_CREATED, name + ": " + pendingTotp + " pending and " + confirmedTotp
                        + " confirmed TOTP devices, " + pendingStatic + " pending and " + confirmedStatic
                        + " confirmed static devices (at most one of each)");
            }
            if (pendingTotp != pendingStatic) {
                findings.add(HALF_CREATED, name + ": a pending setup half made: " + pendingTotp
                        + " pending TOTP devices, " + pendingStatic + " pending static devices");
            }
            if (confirmedTotp > 0 && confirmedStatic == 0) {
                findings.add(HALF_CREATED, name + ": a confirmed TOTP device without its recovery codes");
            }
            if (confirmedStatic > 0 && confirmedTotp == 0) {
                findings.add(HALF_CREATED, name + ": recovery codes valid without a confirmed TOTP device "
                        + "(static/" + statics(true).get(0).id() + ")");
            }
            for (StaticRow device : statics) {
                if (!device.confirmed() && device.digests().size() != codesPerSet) {
                    findings.add(HALF_CREATED, name + ": pending static/" + device.id() + " has "
                            + device.digests().size() + " codes, not " + codesPerSet);
                }
                if (device.digests().size() > codesPerSet) {
                    findings.add(HALF_CREATED, name + ": static/" + device.id() + " has " + device.digests().size()
                            + " codes, more than the " + codesPerSet + " issued");
                }
            }
            if (user.otpEnabled() == null) {
                findings.add(HALF_CREATED, name + ": the user has no profile");
            }
        }

        private void profile() {
            boolean confirmed = !totp(true).isEmpty();
            if (user.otpEnabled() != null && user.otpEnabled() != confirmed) {
                findings.add(PROFILE, name + ": is_otp_enabled " + user.otpEnabled() + " with "
                        + (confirmed ? "a" : "no") + " confirmed TOTP device");
            }
        }

        private void secrets() {
            for (TotpRow device : totp) {
                if (device.secret() == null) {
                    findings.add(SECRETS, name + ": the secret of " + state(device) + " totp/" + device.id()
                            + " does not open");
                } else if (journal.enrolments().stream().noneMatch(e -> e.secret().equals(device.secret()))
                        && !(journal.createUnanswered() && !device.confirmed())) {
                    findings.add(SECRETS, name + ": " + state(device) + " totp/" + device.id()
                            + " holds a secret no answer showed the client");
                }
            }
        }

        private void codes(RecoveryCodeDigest digest) {
            Set<String> present = new TreeSet<>();
            statics.forEach(device -> present.addAll(device.digests()));
            boolean stateKnown = journal.seen() != UserJournal.Seen.UNKNOWN && !journal.createUnanswered();
            CodeSet current = journal.seen() == UserJournal.Seen.ENABLED || journal.seen() == UserJournal.Seen.PENDING
                    ? journal.finalEnrolment().sets().get(journal.finalEnrolment().sets().size() - 1) : null;
            int enrolmentNumber = 0;
            for (Enrolment enrolment : journal.enrolments()) {
                enrolmentNumber++;
                int setNumber = 0;
                for (CodeSet set : enrolment.sets()) {
                    setNumber++;
                    boolean isCurrent = set == current;
                    for (int i = 0; i < set.codes().size(); i++) {
                        String where = name + ": code " + (i + 1) + " of set " + setNumber + " of enrolment "
                                + enrolmentNumber + (enrolment.imported() ? " (imported)" : "");
                        boolean isPresent = candidates(digest, set.codes().get(i)).stream().anyMatch(present::contains);
                        CodeState state = set.state(i);
                        if (state == CodeState.ACCEPTED && isPresent) {
                            findings.add(USED_STILL_VALID, where + " was accepted (200) and is still stored");
                        } else if (state == CodeState.CONSUMED_UNANSWERED && isPresent) {
                            findings.add(CODES_STATE, where + " was refused as used when sent again, yet is stored");
                        } else if (stateKnown && isCurrent && !isPresent
                                && (state == CodeState.NOT_SENT || state == CodeState.REFUSED_WHILE_PENDING)) {
                            findings.add(CODES_STATE, where + " (the current set) was never used, yet is missing");
                        } else if (stateKnown && !isCurrent && isPresent) {
                            findings.add(CODES_STATE, where + " belongs to a replaced or deleted set, yet is stored");
                        }
                    }
                }
            }
        }

        private void consumption() {
            for (StaticRow device : statics) {
                long verified = events.stream().filter(e -> e.kind().equals("OTP_VERIFIED")
                        && ("static/" + device.id()).equals(e.device())).count();
                int gone = codesPerSet - device.digests().size();
                if (gone != verified) {
                    findings.add(HALF_CONSUMED, name + ": static/" + device.id() + " has lost " + gone
                            + " of its codes and has " + verified + " OTP_VERIFIED events");
                }
            }
        }

        private long events(String kind) {
            return events.stream().filter(e -> e.kind().equals(kind)).count();
        }

        private long verifiedOn(String prefix) {
            return events.stream().filter(e -> e.kind().equals("OTP_VERIFIED") && e.device() != null
                    && e.device().startsWith(prefix + "/")).count();
        }

        private int ok(Op... ops) {
            int sum = 0;
            for (Op op : ops) {
                sum += journal.count(op, Outcome.OK);
            }
            return sum;
        }

        private int unanswered(Op... ops) {
            int sum = 0;
            for (Op op : ops) {
                sum += journal.count(op, Outcome.NO_ANSWER);
            }
            return sum;
        }

        /** Each kind of success event between what the clients saw succeed and that plus what got no answer. */
        private void eventsAgainstClients() {
            List<Enrolment> fromApi = journal.enrolments().stream().filter(e -> !e.imported()).toList();
            long confirmedSeen = fromApi.stream().filter(Enrolment::codeAccepted).count();
            long confirmedMaybe = fromApi.stream().filter(e -> !e.codeAccepted() && e.codeUnanswered()).count();
            Op[] recovery = {Op.RECOVERY_LOGIN, Op.PROBE_UNANSWERED, Op.PROBE_REPLAY, Op.PROBE_PENDING};
            bounds("LOGIN_SUCCEEDED", events("LOGIN_SUCCEEDED"), ok(Op.LOGIN), unanswered(Op.LOGIN),
                    "password logins");
            bounds("DEVICE_ADDED", events("DEVICE_ADDED"), fromApi.size(), unanswered(Op.CREATE),
                    "devices shown by enrolments");
            bounds("RECOVERY_CODES_ISSUED", events("RECOVERY_CODES_ISSUED"), ok(Op.CREATE), unanswered(Op.CREATE),
                    "enrolments");
            bounds("DEVICE_CONFIRMED", events("DEVICE_CONFIRMED"), confirmedSeen, confirmedMaybe,
                    "devices with a code accepted");
            bounds("OTP_VERIFIED on totp", verifiedOn("totp"), ok(Op.CONFIRM, Op.TOTP_LOGIN),
                    unanswered(Op.CONFIRM, Op.TOTP_LOGIN), "TOTP codes accepted");
            bounds("OTP_VERIFIED on static", verifiedOn("static"), ok(recovery), unanswered(recovery),
                    "recovery codes accepted");
            bounds("SECOND_FACTOR_RESET", events("SECOND_FACTOR_RESET"), ok(Op.DELETE), unanswered(Op.DELETE),
                    "deletions");
        }

        private void bounds(String kind, long events, long seen, long maybe, String what) {
            if (events < seen) {
                findings.add(CHANGE_WITHOUT_EVENT, name + ": " + seen + " " + what + " answered 200, only " + events
                        + " " + kind + " events");
            } else if (events > seen + maybe) {
                findings.add(EVENT_WITHOUT_CHANGE, name + ": " + events + " " + kind + " events, but " + seen + " "
                        + what + " answered 200 and " + maybe + " got no answer");
            }
        }

        /** Each success event is borne out by the rows: its device is there in that state, or was removed after. */
        private void eventsAgainstRows() {
            for (EventRow event : events) {
                String device = event.device() == null ? "" : event.device();
                switch (event.kind()) {
                    // A new setup removes a pending one (a client that got no answer enrols again), and new
                    // recovery codes replace the old ones; a confirmed device goes only with a reset.
                    case "DEVICE_ADDED" -> deviceThere(event, device, false, "DEVICE_ADDED");
                    case "DEVICE_CONFIRMED", "OTP_VERIFIED" -> deviceThere(event, device, true, null);
                    case "RECOVERY_CODES_ISSUED" -> deviceThere(event, device, false, "RECOVERY_CODES_ISSUED");
                    case "SECOND_FACTOR_RESET" -> resetBorneOut(event);
                    default -> {
                        // Refusals, logins: nothing in the device rows to compare.
                    }
                }
            }
        }

        /** @param replacedBy the kind of a later event that removes this device too, or null */
        private void deviceThere(EventRow event, String device, boolean mustBeConfirmed, String replacedBy) {
            Boolean confirmed = null;
            if (device.startsWith("totp/")) {
                long id = Long.parseLong(device.substring(5));
                confirmed = totp.stream().filter(d -> d.id() == id).map(TotpRow::confirmed).findFirst().orElse(null);
            } else if (device.startsWith("static/")) {
                long id = Long.parseLong(device.substring(7));
                confirmed = statics.stream().filter(d -> d.id() == id).map(StaticRow::confirmed).findFirst()
                        .orElse(null);
            } else {
                findings.add(EVENT_WITHOUT_CHANGE, name + ": " + event.kind() + " event " + event.id()
                        + " names no device (\"" + device + "\")");
                return;
            }
            if (confirmed == null) {
                boolean removedAfter = later(event, "SECOND_FACTOR_RESET")
                        || (replacedBy != null && later(event, replacedBy));
                if (!removedAfter) {
                    findings.add(EVENT_WITHOUT_CHANGE, name + ": " + event.kind() + " event " + event.id() + " names "
                            + device + ", which is gone, and nothing removed it after");
                }
            } else if (mustBeConfirmed && !confirmed) {
                findings.add(EVENT_WITHOUT_CHANGE, name + ": " + event.kind() + " event " + event.id() + " names "
                        + device + ", which is still pending");
            }
        }

        private boolean later(EventRow event, String kind) {
            return events.stream().anyMatch(e -> e.id() > event.id() && e.kind().equals(kind));
        }

        /** After a reset, every device of the user was made after it. */
        private void resetBorneOut(EventRow reset) {
            for (TotpRow device : totp) {
                long added = addedBy(device.id() <= since.totpId(), "DEVICE_ADDED", "totp/" + device.id());
                if (added < reset.id()) {
                    findings.add(EVENT_WITHOUT_CHANGE, name + ": SECOND_FACTOR_RESET event " + reset.id()
                            + ", yet totp/" + device.id() + " from before it is still there");
                }
            }
            for (StaticRow device : statics) {
                long added = addedBy(device.id() <= since.staticId(), "RECOVERY_CODES_ISSUED",
                        "static/" + device.id());
                if (added < reset.id()) {
                    findings.add(EVENT_WITHOUT_CHANGE, name + ": SECOND_FACTOR_RESET event " + reset.id()
                            + ", yet static/" + device.id() + " from before it is still there");
                }
            }
        }

        /** The id of the event that made a device; 0 for an imported one (older than every event of the run). */
        private long addedBy(boolean imported, String kind, String device) {
            if (imported) {
                return 0;
            }
            return events.stream().filter(e -> e.kind().equals(kind) && device.equals(e.device()))
                    .mapToLong(EventRow::id).min().orElse(Long.MAX_VALUE);
        }

        /** Each row the run made has the event that made it, and a confirmed device the event that confirmed it. */
        private void rowsAgainstEvents() {
            for (TotpRow device : totp) {
                if (device.id() <= since.totpId()) {
                    continue;
                }
                String ref = "totp/" + device.id();
                long added = count("DEVICE_ADDED", ref);
                long confirmed = count("DEVICE_CONFIRMED", ref);
                if (added != 1) {
                    findings.add(CHANGE_WITHOUT_EVENT, name + ": " + ref + " has " + added + " DEVICE_ADDED events");
                }
                if (device.confirmed() && confirmed != 1) {
                    findings.add(CHANGE_WITHOUT_EVENT, name + ": confirmed " + ref + " has " + confirmed
                            + " DEVICE_CONFIRMED events");
                }
                if (!device.confirmed() && confirmed != 0) {
                    findings.add(EVENT_WITHOUT_CHANGE, name + ": pending " + ref + " has " + confirmed
                            + " DEVICE_CONFIRMED events");
                }
            }
            for (StaticRow device : statics) {
                if (device.id() > since.staticId() && count("RECOVERY_CODES_ISSUED", "static/" + device.id()) != 1) {
                    findings.add(CHANGE_WITHOUT_EVENT, name + ": static/" + device.id() + " has "
                            + count("RECOVERY_CODES_ISSUED", "static/" + device.id()) + " RECOVERY_CODES_ISSUED events");
                }
            }
        }

        private long count(String kind, String device) {
            return events.stream().filter(e -> e.kind().equals(kind) && device.equals(e.device())).count();
        }

        /** The state the client saw last, from an answer, is the database's. */
        private void lastSeenState() {
            List<TotpRow> confirmed = totp(true);
            List<TotpRow> pending = totp(false);
            switch (journal.seen()) {
                case ENABLED -> {
                    if (confirmed.size() != 1 || !pending.isEmpty()
                            || !journal.finalEnrolment().secret().equals(confirmed.get(0).secret())) {
                        findings.add(LOST, name + ": the client last saw its device confirmed; the database has "
                                + describe());
                    }
                }
                case PENDING -> {
                    if (pending.size() != 1 || !confirmed.isEmpty()
                            || !journal.finalEnrolment().secret().equals(pending.get(0).secret())) {
                        findings.add(LOST, name + ": the client last saw a pending setup; the database has "
                                + describe());
                    }
                }
                case DISABLED -> {
                    if (!totp.isEmpty() || !statics.isEmpty()) {
                        findings.add(LOST, name + ": the client last saw its devices deleted; the database has "
                                + describe());
                    }
                }
                case UNKNOWN -> {
                    // The scenario counts clients that lost track of their user.
                }
            }
        }

        private String describe() {
            return totp(true).size() + " confirmed and " + totp(false).size() + " pending TOTP devices, "
                    + statics.size() + " static devices";
        }

        private String state(TotpRow device) {
            return device.confirmed() ? "confirmed" : "pending";
        }
    }

    /** The digests a typed code may be stored under, as the server computes them (its RecoveryCodeDigests). */
    static List<String> candidates(RecoveryCodeDigest digest, String typed) {
        List<String> candidates = new ArrayList<>(2);
        CODES.normalize(typed).ifPresent(canonical -> candidates.add(hex(digest.digest("otpgate:" + canonical))));
        String django = typed.replace(" ", "").replace("-", "").replace("\t", "").toLowerCase(java.util.Locale.ROOT);
        if (!django.isEmpty() && django.length() <= MAX_DJANGO_TOKEN) {
            candidates.add(hex(digest.digest("django:" + django)));
        }
        return candidates;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
