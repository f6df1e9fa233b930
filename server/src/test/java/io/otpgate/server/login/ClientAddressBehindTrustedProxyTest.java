package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.otpgate.server.user.User;

/**
 * Behind a trusted reverse proxy (here the test client on 127.0.0.1), each client keeps its own address: the one
 * the proxy appends to {@code X-Forwarded-For}.
 */
@TestPropertySource(properties = {"server.forward-headers-strategy=native",
        "server.tomcat.remoteip.internal-proxies=127.0.0.1/32"})
class ClientAddressBehindTrustedProxyTest extends ClientAddressContract {

    @Test
    void loginWhenAnotherClientFailedForTheUsernameThenTheOwnersRightPasswordIsAccepted() throws Exception {
        User user = newUser();
        failFourTimes(user.username(), "198.51.100.1");
        assertThat(login(user.username(), PASSWORD, "198.51.100.1").statusCode()).as("the failing client waits")
                .isEqualTo(429);

        HttpResponse<String> owner = login(user.username(), PASSWORD, "198.51.100.2");

        assertThat(owner.statusCode()).as(owner.body()).isEqualTo(200);
        assertThat(lastAddress(user)).isEqualTo("198.51.100.2");
    }

    @Test
    void loginWhenAnotherClientFailedForManyUsernamesThenOtherClientsAreNotSlowed() throws Exception {
        User user = newUser();
        for (int i = 0; i < 21; i++) {
            assertThat(login("sprayed-" + i + "-" + user.username(), "wrong password", "198.51.100.3").statusCode())
                    .isEqualTo(401);
        }
        assertThat(login(user.username(), PASSWORD, "198.51.100.3").statusCode()).as("the spraying client waits")
                .isEqualTo(429);

        assertThat(login(user.username(), PASSWORD, "198.51.100.4").statusCode()).isEqualTo(200);
    }

    @Test
    void loginWhenForwardedForHasAChainThenTheAddressTheTrustedProxyAppendedCounts() throws Exception {
        User user = newUser();

        // A client may send its own header; the proxy appends the address it saw: only that one is trusted.
        assertThat(login(user.username(), PASSWORD, "203.0.113.250, 198.51.100.5").statusCode()).isEqualTo(200);

        assertThat(lastAddress(user)).isEqualTo("198.51.100.5");
    }
}
