package io.otpgate.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;

/**
 * The embedded database keeps every commit when the server process is killed (SIGKILL, an out-of-memory kill, a
 * crash) right after it: a client that was told "200" must never see the change undone after a restart. H2 writes a
 * commit to its file at once only with {@code WRITE_DELAY=0}; its default (500 ms) keeps recent commits in memory,
 * and a kill loses them (a recovery code accepted twice, a TOTP code replayable, a deletion undone).
 *
 * <p>A child JVM opens the database with the URL of {@code application.properties}, commits rows one transaction
 * at a time, says so, and is killed at once; then every row must be in the file.
 */
class EmbeddedDatabaseDurabilityTest {

    static final int COMMITS = 20;

    @TempDir
    Path directory;

    @Test
    void commitsWhenProcessKilledRightAfterThenAllKept() throws Exception {
        String url = configuredUrl(directory);
        String here = url.replace(";AUTO_SERVER=TRUE", "");
        try (Connection connection = DriverManager.getConnection(here, "sa", "");
                Statement statement = connection.createStatement()) {
            statement.execute("create table committed_row (id integer primary key)");
        }
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dh2.bindAddress=127.0.0.1", "-cp", System.getProperty("java.class.path"),
                CommitThenWait.class.getName(), url, String.valueOf(COMMITS))
                .redirectErrorStream(true).start();
        String last = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                last = line;
                if (line.equals("committed " + COMMITS)) {
                    child.destroyForcibly();
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(last).as("the child's last line").isEqualTo("committed " + COMMITS);

        // This process opens the file itself (no AUTO_SERVER: nothing else holds it before or after the child).
        try (Connection connection = DriverManager.getConnection(here, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select count(*) from committed_row")) {
            rows.next();
            assertThat(rows.getInt(1)).as("rows committed before the kill that are still there").isEqualTo(COMMITS);
        }
    }

    /** The server's embedded URL, with its data directory. */
    static String configuredUrl(Path dataDirectory) throws Exception {
        Properties properties = PropertiesLoaderUtils.loadProperties(new ClassPathResource("application.properties"));
        String url = properties.getProperty("spring.datasource.url");
        assertThat(url).startsWith("jdbc:h2:file:${otpgate.data-dir}/");
        return url.replace("${otpgate.data-dir}", dataDirectory.toString());
    }

    /** The child: commits rows one transaction each, prints after each commit, then waits to be killed. */
    public static final class CommitThenWait {

        public static void main(String[] args) throws Exception {
            int commits = Integer.parseInt(args[1]);
            try (Connection connection = DriverManager.getConnection(args[0], "sa", "");
                    Statement statement = connection.createStatement()) {
                for (int i = 1; i <= commits; i++) {
                    statement.executeUpdate("insert into committed_row (id) values (" + i + ")");
                    System.out.println("committed " + i);
                    System.out.flush();
                }
                Thread.sleep(TimeUnit.SECONDS.toMillis(60));
            }
        }
    }
}
