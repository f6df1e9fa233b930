package io.otpgate.reliability;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures a scenario prints, in order, aligned: sections, plain figures, and must-be-zero figures, each of which
 * fails the run unless it is 0 (or a {@link #require requirement} that fails it when false). Never put a secret, a
 * code or a token in it: labels and values are printed as they are. Thread-safe.
 */
public final class Report {

    private enum Kind { SECTION, FIGURE, TEXT }

    private record Row(Kind kind, String label, String value, String note) {
    }

    private final String title;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    public Report(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }

    /** Starts a section: a heading for the rows that follow. */
    public synchronized Report section(String heading) {
        rows.add(new Row(Kind.SECTION, heading, "", ""));
        return this;
    }

    /** A figure. */
    public synchronized Report figure(String label, Object value) {
        return figure(label, value, "");
    }

    /** A figure with a note after it (a unit aside, a breakdown). */
    public synchronized Report figure(String label, Object value, String note) {
        rows.add(new Row(Kind.FIGURE, label, String.valueOf(value), note));
        return this;
    }

    /** A line of text under the figure before it (a breakdown, a detail), outside the columns. */
    public synchronized Report text(String line) {
        rows.add(new Row(Kind.TEXT, line, "", ""));
        return this;
    }

    /** A figure that must be 0; any other value fails the run. */
    public synchronized Report mustBeZero(String label, long value) {
        rows.add(new Row(Kind.FIGURE, label, String.valueOf(value), value == 0 ? "must be 0" : "must be 0: FAILED"));
        if (value != 0) {
            failures.add(label + " = " + value + " (must be 0)");
        }
        return this;
    }

    /** A condition the run must meet (such as "successes = rounds"); a false one fails the run. */
    public synchronized Report require(String what, boolean met) {
        if (!met) {
            failures.add(what);
            rows.add(new Row(Kind.TEXT, "FAILED: " + what, "", ""));
        }
        return this;
    }

    /** Appends another report's rows and failures (a part of this run). */
    public synchronized Report include(Report part) {
        synchronized (part) {
            rows.add(new Row(Kind.SECTION, part.title, "", ""));
            rows.addAll(part.rows);
            failures.addAll(part.failures);
        }
        return this;
    }

    /** What failed the run (must-be-zero figures that were not, requirements not met); empty if it passed. */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    public synchronized boolean passed() {
        return failures.isEmpty();
    }

    public synchronized void print(PrintStream out) {
        out.print(this);
        out.flush();
    }

    /** Milliseconds from nanoseconds, as {@code 12.3 ms}. */
    public static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /** Seconds from nanoseconds, as {@code 12.3 s}. */
    public static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** Adds the machine as the run sees it: cores and load average (a busy machine slows a run). */
    public Report machine() {
        String load;
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            load = "load average " + fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            load = "";
        }
        return figure("machine", Runtime.getRuntime().availableProcessors() + " cores", load);
    }

    @Override
    public synchronized String toString() {
        int labelWidth = 0;
        int valueWidth = 0;
        for (Row row : rows) {
            if (row.kind == Kind.FIGURE) {
                labelWidth = Math.max(labelWidth, row.label.length());
                valueWidth = Math.max(valueWidth, row.value.length());
            }
        }
        StringBuilder text = new StringBuilder("== ").append(title).append('\n');
        for (Row row : rows) {
            if (row.kind == Kind.SECTION) {
                text.append("-- ").append(row.label).append('\n');
            } else if (row.kind == Kind.TEXT) {
                text.append("      ").append(row.label).append('\n');
            } else {
                String line = String.format(Locale.ROOT, "  %-" + labelWidth + "s  %" + valueWidth + "s  %s",
                        row.label, row.value, row.note);
                text.append(line.stripTrailing()).append('\n');
            }
        }
        text.append(failures.isEmpty() ? "PASSED" : "FAILED: " + String.join("; ", failures)).append('\n');
        return text.toString();
    }
}
