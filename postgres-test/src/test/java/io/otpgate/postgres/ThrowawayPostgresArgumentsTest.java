package io.otpgate.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no PostgreSQL: argument checks, the command line's refusals, quoting. */
class ThrowawayPostgresArgumentsTest {

    @TempDir
    Path temp;

    @Test
    void settingWhenFixedOrShellUnsafeThenRefused() {
        ThrowawayPostgres.Builder builder = ThrowawayPostgres.builder();

        assertThatThrownBy(() -> builder.setting("port", "5432")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.setting("listen_addresses", "*")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.setting("Work Mem", "4MB")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.setting("work_mem", "4MB' -c fsync='on"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.setting("work_mem", "$(id)")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.directory(temp.resolve("it's")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(builder.setting("log_line_prefix", "%m [%p] ")).isSameAs(builder);
    }

    @Test
    void runWhenUsageWrongThenExitTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(run("start")).isEqualTo(2);
        assertThat(run("start", temp.toString(), "--setting", "novalue")).isEqualTo(2);
        assertThat(run("start", temp.toString(), "--database", "Bad-Name")).isEqualTo(2);
        assertThat(run("start", temp.toString(), "--frobnicate")).isEqualTo(2);
        assertThat(run("stop")).isEqualTo(2);
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run("help")).isZero();
    }

    @Test
    void stopWhenDirectoryIsNotAClustersThenLeftAlone() throws Exception {
        Path other = Files.createDirectory(temp.resolve("other"));
        Path file = Files.writeString(other.resolve("keep.txt"), "keep");

        assertThat(run("stop", other.toString())).isEqualTo(1);
        assertThat(file).hasContent("keep");
        assertThat(run("stop", temp.resolve("missing").toString())).as("nothing to stop").isZero();
    }

    @Test
    void shellQuoteWhenQuoteInsideThenClosedEscapedReopened() {
        assertThat(ThrowawayPostgres.shellQuote("it's")).isEqualTo("'it'\\''s'");
        assertThat(ThrowawayPostgres.shellQuote("")).isEqualTo("''");
    }

    @Test
    void compareVersionsWhenDottedThenNumeric() {
        assertThat(ThrowawayPostgres.compareVersions("9.6", "15")).isNegative();
        assertThat(ThrowawayPostgres.compareVersions("16", "15")).isPositive();
        assertThat(ThrowawayPostgres.compareVersions("15", "15.0")).isZero();
    }

    private static int run(String... args) {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return ThrowawayPostgres.run(args, sink, sink);
    }
}
