package io.otpgate.qr;

/**
 * How {@link QrCodes#terminal(String, TerminalStyle)} draws a QR code as text.
 *
 * <p>A camera needs dark modules on a light background (a reversed code is not read by every app), so the right
 * choice depends on the colours of the terminal that shows the text.
 */
public enum TerminalStyle {

    /**
     * The default, for a terminal whose colours are unknown: each line sets a black foreground on a white background
     * ({@code ESC[30;47m}) and resets the colours at its end ({@code ESC[0m}), so the code reads the same on a dark
     * and on a light theme. Needs a terminal that understands ANSI colour codes; use a plain style for a file, a pipe
     * or a terminal that prints the escape codes literally.
     */
    ANSI,

    /**
     * No escape codes; the block characters are the dark modules and spaces the light ones. Use it for a terminal
     * with dark text on a light background, or for text written to a file or a web page.
     */
    DARK_ON_LIGHT,

    /**
     * No escape codes; the block characters are the light modules and spaces the dark ones, so that a terminal with
     * light text on a dark background shows dark modules. Wrong for a light background, where the code would come
     * out reversed.
     */
    LIGHT_ON_DARK
}
