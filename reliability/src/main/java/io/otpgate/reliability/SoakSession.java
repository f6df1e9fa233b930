package io.otpgate.reliability;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * One simulated user's session in the soak, {@value #LENGTH} requests long, as a frontend of the API would make
 * them: the password login, the 2FA status, the TOTP login with the code of the moment; then the user's pages
 * ({@code GET /api/me} with the OTP-verified token, the status now and then), a refresh every tenth request (the
 * refresh token rotates: the session always uses the newest pair), and half-way a second TOTP login with the
 * verified token (a step-up before a sensitive action). See {@link #kindAt(int)} for the exact order.
 *
 * <p>A code is sent at most once per 30-s step per user: a TOTP login whose user already sent a code in this step is
 * replaced by {@code GET /api/totp/status} (before the first TOTP login: the session stays where it is and tries
 * again at its next request) or {@code GET /api/me} (the step-up), and counted. A refused code would throttle the
 * device, and the throttle would refuse the next good code.
 *
 * <p>Not thread-safe: a session has at most one request in flight, and whoever handles its answer owns it.
 */
final class SoakSession {

    /** Requests in a session. */
    static final int LENGTH = 120;
    /** Where the step-up TOTP login is. */
    static final int STEP_UP = 60;
    /** The first position after the logins. */
    static final int BODY = 3;

    /** The kinds of request, with their expected answer (every one is a 200 in this workload). */
    enum Kind {
        TOKEN("POST /api/token"),
        STATUS("GET /api/totp/status"),
        TOTP_LOGIN("POST /api/totp/login"),
        ME("GET /api/me"),
        REFRESH("POST /api/token/refresh");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** A user of the pool, and the last 30-s step for which its client sent a code (-1 before any). */
    static final class User {
        final KnownUser known;
        long lastCodeStep = -1;

        User(KnownUser known) {
            this.known = known;
        }

        @Override
        public String toString() {
            return "User[" + known.username() + "]";
        }
    }

    /** What a request carries; {@code substituted} when a TOTP login gave way to another request. */
    record Planned(Kind kind, HttpRequest request, boolean substituted) {

        @Override
        public String toString() {
            return "Planned[" + kind + (substituted ? ", substituted" : "") + "]";
        }
    }

    private final User user;
    private final URI base;
    private final Duration timeout;
    private int position;
    private String access;
    private String refresh;
    private boolean advanceOnSuccess;

    SoakSession(User user, URI base, Duration timeout) {
        this.user = user;
        this.base = base;
        this.timeout = timeout;
    }

    /**
     * The kind of request at a position: 0 the password login, 1 the status, 2 the TOTP login, {@value #STEP_UP} the
     * step-up TOTP login; from {@value #BODY} on, every tenth a refresh, every fourth of the others the status, the
     * rest {@code GET /api/me}. Over a session: 1 password login, 2 TOTP logins, 10 refreshes, 25 statuses, 82
     * {@code /api/me}.
     */
    static Kind kindAt(int position) {
        if (position < 0 || position >= LENGTH) {
            throw new IllegalArgumentException("position must be 0.." + (LENGTH - 1) + ", got " + position);
        }
        if (position == 0) {
            return Kind.TOKEN;
        }
        if (position == 1) {
            return Kind.STATUS;
        }
        if (position == 2 || position == STEP_UP) {
            return Kind.TOTP_LOGIN;
        }
        if (position % 10 == 0) {
            return Kind.REFRESH;
        }
        return position % 4 == 0 ? Kind.STATUS : Kind.ME;
    }

    User user() {
        return user;
    }

    boolean finished() {
        return position >= LENGTH;
    }

    int position() {
        return position;
    }

    /**
     * Moves a session that has logged in (position {@value #BODY}) further on: the soak's first sessions, logged in
     * during the warm-up, start at staggered positions so that sessions end, and new ones log in, at an even pace.
     */
    void skipTo(int start) {
        if (position != BODY || start < BODY || start >= LENGTH) {
            throw new IllegalStateException("a logged-in session skips to " + BODY + ".." + (LENGTH - 1)
                    + ", not from " + position + " to " + start);
        }
        position = start;
    }

    /**
     * The next request.
     *
     * @param now for the TOTP code
     */
    Planned next(Instant now) {
        Kind kind = kindAt(position);
        advanceOnSuccess = true;
        if (kind == Kind.TOTP_LOGIN) {
            long step = KnownUser.TOTP.step(now);
            if (step <= user.lastCodeStep) {
                // This user's client sent a code in this step already: never send it twice.
                if (position == 2) {
                    advanceOnSuccess = false;
                    return new Planned(Kind.STATUS, get("/api/totp/status"), true);
                }
                return new Planned(Kind.ME, get("/api/me"), true);
            }
            user.lastCodeStep = step;
            return new Planned(kind, post("/api/totp/login", access, Map.of("token", user.known.totpCodeAtStep(step))),
                    false);
        }
        switch (kind) {
            case TOKEN:
                return new Planned(kind, post("/api/token", null,
                        Map.of("username", user.known.username(), "password", user.known.password())), false);
            case STATUS:
                return new Planned(kind, get("/api/totp/status"), false);
            case ME:
                return new Planned(kind, get("/api/me"), false);
            case REFRESH:
                return new Planned(kind, post("/api/token/refresh", null, Map.of("refresh", refresh)), false);
            default:
                throw new IllegalStateException("no request for " + kind);
        }
    }

    /**
     * Takes a 200 answer: keeps the new tokens, checks what the body says, and moves on.
     *
     * @return false if the body is not what this request must answer (the session cannot go on)
     */
    boolean answered(Kind kind, JsonNode body) {
        boolean good;
        switch (kind) {
            case TOKEN:
            case TOTP_LOGIN:
            case REFRESH:
                String newAccess = text(body, "access");
                String newRefresh = text(body, "refresh");
                good = newAccess != null && newRefresh != null;
                if (good) {
                    access = newAccess;
                    refresh = newRefresh;
                }
                break;
            case STATUS:
                JsonNode enabled = body.get("isOtpEnabled");
                good = enabled != null && enabled.isBoolean() && enabled.booleanValue();
                break;
            case ME:
                good = user.known.username().equals(text(body, "username"));
                break;
            default:
                good = false;
        }
        if (good && advanceOnSuccess) {
            position++;
        }
        return good;
    }

    private HttpRequest get(String path) {
        return builder(path, access).GET().build();
    }

    private HttpRequest post(String path, String bearer, Map<String, String> body) {
        return builder(path, bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Api.JSON.writeValueAsString(body))).build();
    }

    private HttpRequest.Builder builder(String path, String bearer) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Accept", "application/json");
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        return builder;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value != null && value.isString() ? value.stringValue() : null;
    }

    @Override
    public String toString() {
        return "SoakSession[" + user + " at " + position + ", tokens PROTECTED]";
    }
}
