package io.otpgate.spring.trust;

import java.util.Locale;

/**
 * A short description of a browser from its {@code User-Agent} header ("Chrome on Linux"), for the user to tell
 * their trusted browsers apart. Only known names are kept, never the header itself: it may carry anything.
 */
public final class BrowserDescription {

    /** The longest description ({@code otpgate_trusted_browser.description}). */
    public static final int MAX_LENGTH = 64;

    static final String UNKNOWN = "Unknown browser";

    /** Browser names, the more specific first (Edge and Opera also say Chrome; Chrome also says Safari). */
    private static final String[][] BROWSERS = { { "edg/", "Edge" }, { "edga/", "Edge" }, { "edgios/", "Edge" },
        { "opr/", "Opera" }, { "opera", "Opera" }, { "samsungbrowser/", "Samsung Internet" },
        { "firefox/", "Firefox" }, { "fxios/", "Firefox" }, { "chromium/", "Chromium" }, { "crios/", "Chrome" },
        { "chrome/", "Chrome" }, { "safari/", "Safari" }, { "curl/", "curl" } };

    /** Systems, the more specific first (Android also says Linux; iOS also says Mac OS X). */
    private static final String[][] SYSTEMS = { { "android", "Android" }, { "iphone", "iOS" }, { "ipad", "iPadOS" },
        { "cros", "ChromeOS" }, { "windows", "Windows" }, { "mac os x", "macOS" }, { "macintosh", "macOS" },
        { "linux", "Linux" } };

    private BrowserDescription() {
    }

    /**
     * @param userAgent the header as sent, or null
     * @return "browser on system", the browser alone, or {@value #UNKNOWN}; at most {@value #MAX_LENGTH} characters
     */
    public static String of(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return UNKNOWN;
        }
        // Only a prefix is read: a header of megabytes costs no more than one of a line.
        String agent = userAgent.substring(0, Math.min(userAgent.length(), 512)).toLowerCase(Locale.ROOT);
        String browser = find(BROWSERS, agent);
        String system = find(SYSTEMS, agent);
        if (browser == null) {
            return system == null ? UNKNOWN : "Browser on " + system;
        }
        return system == null ? browser : browser + " on " + system;
    }

    private static String find(String[][] names, String agent) {
        for (String[] name : names) {
            if (agent.contains(name[0])) {
                return name[1];
            }
        }
        return null;
    }
}
