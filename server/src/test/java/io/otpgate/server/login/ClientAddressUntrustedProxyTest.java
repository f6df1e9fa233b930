package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import io.otpgate.server.user.User;

/**
 * {@code server.forward-headers-strategy=native} with a trusted proxy that is not the caller: the header is ignored.
 * (Spring Boot's own default list trusts every private and loopback address; otpgate's is empty.)
 */
@TestPropertySource(properties = {"server.forward-headers-strategy=native",
        "server.tomcat.remoteip.internal-proxies=192.0.2.10/32"})
class ClientAddressUntrustedProxyTest extends ClientAddressContract {

    @Test
    void loginWhenForwardedForFromAnUntrustedAddressThenIgnored() throws Exception {
        User user = newUser();
        failFourTimes(user.username(), "198.51.100.1");

        HttpResponse<String> next = login(user.username(), PASSWORD, "198.51.100.2");

        assertThat(next.statusCode()).isEqualTo(429);
        assertThat(lastAddress(user)).isEqualTo("127.0.0.1");
    }
}
