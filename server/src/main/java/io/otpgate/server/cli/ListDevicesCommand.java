package io.otpgate.server.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** A user's devices as a table (never a secret), and whether the account's second factor is locked. */
@Component
@Command(name = "list-devices", mixinStandardHelpOptions = true,
        description = "List a user's second-factor devices and whether the account's second factor is locked.")
class ListDevicesCommand implements OtpgateCommand {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final List<String> HEADER = List.of("DEVICE", "NAME", "CONFIRMED", "DESCRIPTION", "CREATED",
            "LAST USED", "FAILURES", "THROTTLED UNTIL");

    private final UserService users;
    private final DeviceService devices;
    private final Terminal terminal;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "The user.")
    String username;

    ListDevicesCommand(UserService users, DeviceService devices, Terminal terminal) {
        this.users = users;
        this.devices = devices;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        User user = users.require(username);
        List<DeviceSummary> list = devices.list(user.id());
        PrintStream out = terminal.out();
        if (list.isEmpty()) {
            out.println(user.username() + " has no devices.");
        } else {
            List<List<String>> rows = new ArrayList<>();
            rows.add(HEADER);
            for (DeviceSummary device : list) {
                rows.add(List.of(device.ref().persistentId(), printable(device.name()),
                        device.confirmed() ? "yes" : "no", device.description(), time(device.createdAt()),
                        time(device.lastUsedAt()), Integer.toString(device.failures()),
                        time(device.throttledUntil())));
            }
            table(out, rows);
        }
        if (user.otpLockedAt() != null) {
            out.println("Second factor: LOCKED since " + time(user.otpLockedAt()) + " after "
                    + failures(user.otpFailureCount()) + "; lift it with: otpgate unlock " + user.username());
        } else {
            out.println("Second factor: not locked, " + failures(user.otpFailureCount()) + ".");
        }
        return Commands.EXIT_OK;
    }

    private static void table(PrintStream out, List<List<String>> rows) {
        int[] widths = new int[HEADER.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
                }
            }
            out.println(line);
        }
    }

    private static String failures(int count) {
        return count + (count == 1 ? " consecutive failure" : " consecutive failures");
    }

    private static String time(Instant instant) {
        return instant == null ? "-" : TIME.format(instant);
    }

    /** A name as given by a user may hold control characters: a terminal must not interpret them. */
    private static String printable(String text) {
        StringBuilder printable = new StringBuilder(text.length());
        text.codePoints().forEach(c -> printable.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return printable.toString();
    }
}
