package io.otpgate.spring.trust;

import java.util.ArrayList;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The trusted-browser cookie, {@value #NAME}: path {@code /}, {@code HttpOnly} (no script reads it),
 * {@code SameSite=Strict} (no other site's page sends it), {@code Secure} when the request came over HTTPS, and
 * {@code Max-Age} the trust's duration. Its value is never logged. No bean of the library (it needs the servlet API,
 * which the library does not require): the starter and the otpgate server make one.
 */
public class TrustedBrowserCookies {

    /** The cookie's name. */
    public static final String NAME = "otpgate_trusted_browser";

    /** A request carries at most this many of our cookies that are checked (a browser sends one). */
    private static final int MAX_CHECKED = 3;

    private final TrustedBrowserProperties properties;

    public TrustedBrowserCookies(TrustedBrowserProperties properties) {
        this.properties = properties;
    }

    /** Gives the browser the value of {@link TrustedBrowsers#remember}. */
    public void set(HttpServletRequest request, HttpServletResponse response, String value) {
        response.addHeader(HttpHeaders.SET_COOKIE, cookie(value, request.isSecure())
                .maxAge(properties.duration()).build().toString());
    }

    /** Tells the browser to forget the cookie (after a revocation of all, say). */
    public void clear(HttpServletRequest request, HttpServletResponse response) {
        response.addHeader(HttpHeaders.SET_COOKIE, cookie("", request.isSecure()).maxAge(0).build().toString());
    }

    /** The values of the request's trusted-browser cookies (none, or one from a browser; a few at most). */
    public List<String> values(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        for (Cookie cookie : cookies) {
            if (NAME.equals(cookie.getName()) && cookie.getValue() != null && values.size() < MAX_CHECKED) {
                values.add(cookie.getValue());
            }
        }
        return values;
    }

    private static ResponseCookie.ResponseCookieBuilder cookie(String value, boolean secure) {
        return ResponseCookie.from(NAME, value).path("/").httpOnly(true).sameSite("Strict").secure(secure);
    }
}
