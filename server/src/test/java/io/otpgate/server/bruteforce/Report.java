package io.otpgate.server.bruteforce;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Prints a block of figures and keeps it in {@code target/brute-force/NAME.txt} (the directory is
 * {@code -Dbruteforce.report.dir}), where {@code reliability/brute-force} reads it back. Figures only: never a code,
 * a password or a token.
 */
final class Report {

    private Report() {
    }

    static void write(String name, String title, List<String> lines) {
        StringBuilder text = new StringBuilder("== ").append(title).append(" ==\n");
        lines.forEach(line -> text.append("  ").append(line).append('\n'));
        System.out.print(text);
        System.out.flush();
        Path dir = Path.of(System.getProperty("bruteforce.report.dir", "target/brute-force"));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".txt"), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the figures to " + dir, e);
        }
    }

    /** A duration as a reader takes it in: "42 s", "7.3 min", "5.1 h", "24.3 days" or "3.1e+04 years". */
    static String human(Duration duration) {
        double seconds = duration.getSeconds() + duration.getNano() / 1e9;
        if (seconds < 120) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        if (seconds < 7200) {
            return String.format(Locale.ROOT, "%.1f min", seconds / 60);
        }
        if (seconds < 3 * 86400) {
            return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
        }
        if (seconds < 3 * 365.25 * 86400) {
            return String.format(Locale.ROOT, "%.1f days", seconds / 86400);
        }
        return String.format(Locale.ROOT, "%.2g years", seconds / (365.25 * 86400));
    }

    static String probability(double p) {
        return String.format(Locale.ROOT, "%.3e", p);
    }
}
