package io.otpgate.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class MetricsPropertiesTest {

    @Test
    void tokenWhenShorterThan32CharactersThenRefusedWithoutEchoingIt() {
        assertThatIllegalArgumentException().isThrownBy(() -> new MetricsProperties("short-secret-value"))
                .withMessage("otpgate.metrics.token must be at least 32 characters, got 18");
    }

    @Test
    void tokenWhenBlankThenNone() {
        assertThat(new MetricsProperties(" ").token()).isNull();
    }

    @Test
    void toStringWhenTokenSetThenHidden() {
        String token = "x".repeat(40);
        assertThat(new MetricsProperties(token).toString()).doesNotContain(token).contains("PROTECTED");
    }
}
