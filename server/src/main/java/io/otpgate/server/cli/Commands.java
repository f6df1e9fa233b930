package io.otpgate.server.cli;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.dao.DataAccessException;
import org.springframework.util.ClassUtils;

import io.otpgate.server.OtpgateApplication;
import io.otpgate.spring.system.OtpgateException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The management commands: {@code java -jar otpgate-server.jar COMMAND [OPTIONS]}, Django's {@code manage.py}.
 *
 * <p>A command runs in its own Spring context without a web server, with quiet logging, and with every Spring bean
 * of type {@link OtpgateCommand} as a subcommand of {@code otpgate}. Its arguments are never Spring properties:
 * configuration comes from the environment, as for the server. {@code OTPGATE_DATA_DIR} names the directory of the
 * embedded database and its key file (default {@code ./data}, relative to the current directory), so a command
 * beside a server started with {@code --otpgate.data-dir=DIR} needs {@code OTPGATE_DATA_DIR=DIR}; on PostgreSQL,
 * {@code SPRING_DATASOURCE_URL} and the others, as for the server. A command works while the server holds the
 * embedded database (H2's {@code AUTO_SERVER} mode).
 *
 * <p>Exit codes: 0 success, 1 a refused request (one line on standard error: an unknown user, a bad value) or a
 * failure to start (a database that cannot be opened), 2 a usage error (the message and the usage).
 *
 * <p>Start-up is kept short: beans are made lazily, the server's auto-configurations are left out (see
 * {@link CommandAutoConfigurationFilter}), and only the command that runs is made, so that {@code --help} and usage
 * errors open no database.
 */
public final class Commands {

    static final int EXIT_OK = 0;
    static final int EXIT_REFUSED = 1;
    static final int EXIT_USAGE = 2;

    /** The first arguments that ask the command line, not the server, for help. */
    private static final Set<String> HELP_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    private Commands() {
    }

    /** Whether the arguments name a command (or ask for the commands' help) rather than start the server. */
    public static boolean isCommand(String[] args) {
        return args.length > 0 && (!args[0].startsWith("-") || HELP_OPTIONS.contains(args[0]));
    }

    /**
     * Runs a command on the process's console and returns its exit code. While it runs, {@code System.out} points to
     * standard error, so that log lines and library chatter never mix with what the command prints (codes, tables).
     */
    public static int run(String[] args) {
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            return run(args, Map.of(), Terminal.system(stdout, System.err));
        } finally {
            stdout.flush();
            System.setOut(stdout);
        }
    }

    /**
     * Runs a command on the given streams, as if standard input were not a terminal (no question is asked, no QR code
     * drawn unless asked for), with the process's environment variables.
     *
     * @param properties Spring properties that take precedence over every other source (a test's datasource)
     */
    public static int run(String[] args, Map<String, Object> properties, InputStream in, PrintStream out,
            PrintStream err) {
        return run(args, properties, Terminal.of(in, out, err, false, System.getenv()));
    }

    static int run(String[] args, Map<String, Object> properties, Terminal terminal) {
        ConfigurableApplicationContext context = null;
        try {
            CommandLine commandLine;
            try {
                context = start(properties, terminal);
                commandLine = commandLine(context, terminal, args);
            } catch (RuntimeException e) {
                // A database that cannot be opened, a malformed key file: the context (or, with lazy beans, the first
                // command bean) fails. One line names the cause; OTPGATE_DEBUG shows the whole chain.
                terminal.err().println("otpgate: cannot start: " + describe(e));
                if (terminal.environment("OTPGATE_DEBUG") != null) {
                    e.printStackTrace(terminal.err());
                }
                return EXIT_REFUSED;
            }
            return commandLine.execute(args);
        } finally {
            if (context != null) {
                context.close();
            }
            terminal.flush();
        }
    }

    private static ConfigurableApplicationContext start(Map<String, Object> properties, Terminal terminal) {
        StandardEnvironment environment = new StandardEnvironment();
        // Above application.properties, below system properties and environment variables (so LOGGING_LEVEL_ROOT=INFO
        // still shows what happens); the caller's properties above all.
        environment.getPropertySources().addLast(new MapPropertySource("otpgateCommand", commandSettings()));
        if (!properties.isEmpty()) {
            environment.getPropertySources().addFirst(new MapPropertySource("otpgateCommandCaller",
                    new LinkedHashMap<>(properties)));
        }
        return new SpringApplicationBuilder(OtpgateApplication.class)
                .web(WebApplicationType.NONE)
                .environment(environment)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .initializers(context -> context.getBeanFactory().registerSingleton(Terminal.BEAN_NAME, terminal))
                .run();
    }

    /** What a command changes from the server's configuration. */
    private static Map<String, Object> commandSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("spring.main.web-application-type", "none");
        // Only the beans the command uses are made (SPRING_MAIN_LAZY_INITIALIZATION=false to compare).
        settings.put("spring.main.lazy-initialization", "true");
        settings.put("logging.level.root", "WARN");
        // Security events are recorded in the database; their log lines would only clutter the command's output.
        settings.put("logging.level.otpgate.security", "OFF");
        // A failure to start is reported in one line by run(); Spring's report would repeat it as a stack trace.
        settings.put("logging.level.org.springframework.boot.SpringApplication", "OFF");
        settings.put("logging.level.org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter", "OFF");
        // One connection is all a command uses; beside a server in H2's AUTO_SERVER mode each is a TCP connection.
        settings.put("spring.datasource.hikari.maximum-pool-size", "2");
        settings.put("spring.datasource.hikari.minimum-idle", "1");
        settings.put(CommandAutoConfigurationFilter.COMMAND_CONTEXT, "true");
        // Flyway warns that it has not been verified with this H2 version, on every start.
        settings.put("logging.level.org.flywaydb.core.internal.database.base.Database", "ERROR");
        return settings;
    }

    private static CommandLine commandLine(ConfigurableApplicationContext context, Terminal terminal, String[] args) {
        CommandLine commandLine = new CommandLine(new Otpgate(), context.getBean(IFactory.class));
        // The other commands are added by class, and the one asked for as its bean: picocli gets no bean (no
        // services, no database) for help and usage errors, and a bean that cannot be made (a database that cannot be
        // opened) fails here, where run() reports it in one line.
        String requested = args.length > 0 ? args[0] : null;
        Map<String, Object> commands = new TreeMap<>();
        for (String bean : context.getBeanNamesForType(OtpgateCommand.class)) {
            Class<?> type = context.getType(bean);
            Command command = AnnotationUtils.findAnnotation(ClassUtils.getUserClass(type), Command.class);
            if (command == null) {
                throw new IllegalStateException("the command bean " + type.getName() + " has no @Command");
            }
            boolean asked = command.name().equals(requested) || Arrays.asList(command.aliases()).contains(requested);
            commands.put(command.name(), asked ? context.getBean(bean) : type);
        }
        commands.forEach(commandLine::addSubcommand);
        commandLine.addSubcommand("help", new CommandLine.HelpCommand());
        commandLine.setOut(new PrintWriter(new OutputStreamWriter(terminal.out(), terminal.charset()), true));
        commandLine.setErr(new PrintWriter(new OutputStreamWriter(terminal.err(), terminal.charset()), true));
        commandLine.setExecutionExceptionHandler(Commands::handle);
        return commandLine;
    }

    /**
     * The one place where a command's exception becomes an exit code: a refused request is one line on standard
     * error; anything else is a bug, shown with its stack trace.
     */
    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof UsageError) {
            err.println(e.getMessage());
            commandLine.usage(err);
            return EXIT_USAGE;
        }
        if (e instanceof OtpgateException || e instanceof IllegalArgumentException
                || e instanceof UncheckedIOException) {
            err.println(e.getMessage());
            return EXIT_REFUSED;
        }
        if (e instanceof DataAccessException dataAccess) {
            err.println("database error: " + describe(dataAccess));
            return EXIT_REFUSED;
        }
        err.println("otpgate " + commandLine.getCommandName() + ": unexpected error: " + e);
        e.printStackTrace(err);
        return EXIT_REFUSED;
    }

    /**
     * The cause of a failure in one line: the first exception that is not one of Spring's wrappers, and the root
     * cause if it adds something (an I/O error's message is often a bare path).
     */
    static String describe(Throwable e) {
        Throwable first = e;
        while (first.getCause() != null && first.getClass().getName().startsWith("org.springframework.")) {
            first = first.getCause();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String description = message(first);
        String rootMessage = message(root);
        if (root != first && !description.contains(rootMessage)) {
            description += " (" + root.getClass().getSimpleName() + ": " + rootMessage + ")";
        }
        return description;
    }

    private static String message(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName()
                : message.strip().lines().findFirst().orElse(message);
    }

    /** The top command: usage, version, and the management commands as subcommands. */
    @Command(name = "otpgate", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "otpgate's management commands. Without a command, otpgate starts the server.",
            synopsisSubcommandLabel = "COMMAND",
            footerHeading = "%nEnvironment:%n",
            footer = {
                "  OTPGATE_DATA_DIR   the embedded database and its key file (default ./data):",
                "                     the same as the server's when run beside it",
                "  OTPGATE_PASSWORD   createsuperuser's and createuser's password, if no",
                "                     other source is given",
                "  SPRING_DATASOURCE_URL, _USERNAME, _PASSWORD, OTPGATE_SECRETS_KEYS",
                "                     PostgreSQL and its key ring, as for the server",
                "  OTPGATE_DEBUG      set: the stack trace when a command cannot start",
                "",
                "Exit codes: 0 success, 1 refused (the reason on standard error),",
                "2 usage error."})
    static final class Otpgate implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return EXIT_USAGE;
        }
    }

    /** The version in the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = OtpgateApplication.class.getPackage().getImplementationVersion();
            return new String[] {"otpgate " + (version == null ? "(development build)" : version)};
        }
    }
}
