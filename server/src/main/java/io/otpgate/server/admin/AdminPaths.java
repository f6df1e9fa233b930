package io.otpgate.server.admin;

/** The admin panel's fixed paths. */
final class AdminPaths {

    static final String ROOT = "/admin/";
    static final String LOGIN = "/admin/login";
    static final String LOGOUT = "/admin/logout";
    static final String DENIED = "/admin/denied";
    static final String STATIC = "/admin/static/**";
    /** The passkey login's password step (answers the request options) and its assertion step. */
    static final String LOGIN_PASSKEY_OPTIONS = "/admin/login/passkey/options";
    static final String LOGIN_PASSKEY = "/admin/login/passkey";

    private AdminPaths() {
    }
}
