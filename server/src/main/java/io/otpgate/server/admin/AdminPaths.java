package io.otpgate.server.admin;

/** The admin panel's fixed paths. */
final class AdminPaths {

    static final String ROOT = "/admin/";
    static final String LOGIN = "/admin/login";
    static final String LOGOUT = "/admin/logout";
    static final String DENIED = "/admin/denied";
    static final String STATIC = "/admin/static/**";

    private AdminPaths() {
    }
}
