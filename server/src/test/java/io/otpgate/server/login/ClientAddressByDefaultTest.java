package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import io.otpgate.server.user.User;

/** By default no proxy is trusted: a forged {@code X-Forwarded-For} changes nothing. */
class ClientAddressByDefaultTest extends ClientAddressContract {

    @Test
    void loginWhenForwardedForForgedThenTheConnectionsAddressCountsAndTheThrottleHolds() throws Exception {
        User user = newUser();
        failFourTimes(user.username(), "198.51.100.1");

        HttpResponse<String> next = login(user.username(), PASSWORD, "198.51.100.2");

        assertThat(next.statusCode()).as("the same client, whatever the header says").isEqualTo(429);
        assertThat(lastAddress(user)).isEqualTo("127.0.0.1");
    }
}
