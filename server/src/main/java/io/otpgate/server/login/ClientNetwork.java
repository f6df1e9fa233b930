package io.otpgate.server.login;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What the password throttle counts as one client: an IPv4 address as it is, an IPv6 address as its /64 network. A
 * single IPv6 host is normally given a whole /64 (RFC 6177; privacy addresses rotate inside it, RFC 8981), so counting
 * per IPv6 address would give an attacker 2^64 fresh "addresses" of free failures; the /64 is what one client can
 * change at will, and what an owner's own device keeps while its address rotates.
 */
final class ClientNetwork {

    private ClientNetwork() {
    }

    /**
     * The key of the client's network: the address itself for IPv4 (and an IPv4 address mapped into IPv6),
     * {@code 2001:db8:1:2::/64} for IPv6, the text unchanged for anything that is not an address literal.
     *
     * @param address as the servlet container reports it (an IPv6 literal may carry a {@code %zone}); null stays null
     */
    static String of(String address) {
        if (address == null || address.indexOf(':') < 0 || !literal(address)) {
            return address;
        }
        int zone = address.indexOf('%');
        String bare = zone < 0 ? address : address.substring(0, zone);
        if (bare.startsWith("[") && bare.endsWith("]")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        InetAddress parsed;
        try {
            // A literal of hex digits, colons and dots: parsed, never looked up.
            parsed = InetAddress.getByName(bare);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return address;
        }
        if (parsed instanceof Inet4Address mapped) {
            return mapped.getHostAddress();
        }
        if (!(parsed instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = parsed.getAddress();
        StringBuilder network = new StringBuilder(24);
        for (int i = 0; i < 8; i += 2) {
            network.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
        }
        return network.append(":/64").toString();
    }

    private static boolean literal(String address) {
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            boolean allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
                    || c == '.' || c == '%' || c == '[' || c == ']' || (address.indexOf('%') >= 0
                            && i > address.indexOf('%') && (Character.isLetterOrDigit(c) || c == '_' || c == '-'));
            if (!allowed) {
                return false;
            }
        }
        return true;
    }
}
