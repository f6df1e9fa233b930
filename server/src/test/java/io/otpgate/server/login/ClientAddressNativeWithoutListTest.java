package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.otpgate.server.user.User;

/**
 * {@code server.forward-headers-strategy=native} alone trusts no proxy: Spring Boot's default list (every private
 * and loopback address, so any client on the same network) is cleared in otpgate's application.properties.
 */
@TestPropertySource(properties = "server.forward-headers-strategy=native")
class ClientAddressNativeWithoutListTest extends ClientAddressContract {

    @Test
    void loginWhenForwardedForFromLoopbackWithoutAListThenIgnored() throws Exception {
        User user = newUser();

        assertThat(login(user.username(), PASSWORD, "198.51.100.2").statusCode()).isEqualTo(200);

        assertThat(lastAddress(user)).isEqualTo("127.0.0.1");
    }
}
