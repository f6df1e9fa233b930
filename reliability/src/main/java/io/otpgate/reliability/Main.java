package io.otpgate.reliability;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code reliability/run SCENARIO [key=value ...]}: runs one scenario, prints its figures, and exits 0 if it passed,
 * 1 if a must-be-zero figure was not 0 (or the run broke), 2 on a usage error.
 */
public final class Main {

    /** The scenarios by name, in the order the usage lists them. Add new ones here. */
    static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        SCENARIOS.put("two-instances", new TwoInstances());
        SCENARIOS.put("crash-safety", new CrashSafety());
        SCENARIOS.put("secrets-at-rest", new SecretsAtRestScenario());
        SCENARIOS.put("soak", new Soak());
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            usage();
            return args.length == 0 ? 2 : 0;
        }
        Scenario scenario = SCENARIOS.get(args[0]);
        if (scenario == null) {
            System.err.println("unknown scenario \"" + args[0] + "\"");
            usage();
            return 2;
        }
        Settings settings;
        try {
            settings = Settings.parse(Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Report report;
        try {
            report = scenario.run(settings);
        } catch (Settings.InvalidSetting e) {
            System.err.println(args[0] + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println(args[0] + " broke: " + e);
            e.printStackTrace();
            return 1;
        }
        report.print(System.out);
        return report.passed() ? 0 : 1;
    }

    private static void usage() {
        System.err.println("usage: reliability/run SCENARIO [key=value ...]");
        SCENARIOS.forEach((name, scenario) -> System.err.println("  " + name + ": " + scenario.description()));
    }
}
