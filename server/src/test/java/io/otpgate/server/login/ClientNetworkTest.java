package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientNetworkTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            198.51.100.7                            | 198.51.100.7
            2001:db8:1:2:3:4:5:6                    | 2001:db8:1:2::/64
            2001:db8:1:2:ffff:ffff:ffff:ffff        | 2001:db8:1:2::/64
            2001:0DB8:0001:0002:0000:0000:0000:0001 | 2001:db8:1:2::/64
            fe80::1%eth0                            | fe80:0:0:0::/64
            [2001:db8::1]                           | 2001:db8:0:0::/64
            ::1                                     | 0:0:0:0::/64
            ::ffff:198.51.100.7                     | 198.51.100.7
            unix:/run/socket                        | unix:/run/socket
            2001:db8::zz                            | 2001:db8::zz
            """)
    void ofWhenAddressThenItsNetwork(String address, String network) {
        assertThat(ClientNetwork.of(address)).isEqualTo(network);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            2001:db8:1:2::a | 2001:db8:1:2::b
            2001:db8:1:2::1 | 2001:db8:1:2:8000::1
            """)
    void ofWhenTwoAddressesOfOneSlash64ThenSameNetwork(String one, String other) {
        assertThat(ClientNetwork.of(one)).isEqualTo(ClientNetwork.of(other));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            2001:db8:1:2::1 | 2001:db8:1:3::1
            """)
    void ofWhenNeighbouringSlash64ThenOtherNetwork(String one, String other) {
        assertThat(ClientNetwork.of(one)).isNotEqualTo(ClientNetwork.of(other));
    }

    @org.junit.jupiter.api.Test
    void ofWhenNullThenNull() {
        assertThat(ClientNetwork.of(null)).isNull();
    }
}
