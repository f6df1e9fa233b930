package io.otpgate.spring.recovery;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.otpgate.core.RecoveryCodes;

/**
 * Recovery codes ({@code otpgate.recovery.*}).
 *
 * @param count how many codes the REST API issues at a time (the Django REST project's {@code number_of_static_tokens}, 5)
 */
@ConfigurationProperties("otpgate.recovery")
public record RecoveryProperties(@DefaultValue("5") int count) {

    public RecoveryProperties {
        if (count < 1 || count > RecoveryCodes.MAX_COUNT) {
            throw new IllegalArgumentException("otpgate.recovery.count must be 1.." + RecoveryCodes.MAX_COUNT
                    + ", got " + count);
        }
    }
}
