package io.otpgate.server.cli;

/** Placeholder: the management commands are being written. */
public final class Commands {

    private Commands() {
    }

    public static boolean isCommand(String[] args) {
        return args.length > 0 && !args[0].startsWith("-");
    }

    public static int run(String[] args) {
        System.err.println("otpgate: commands are not available yet");
        return 2;
    }
}
