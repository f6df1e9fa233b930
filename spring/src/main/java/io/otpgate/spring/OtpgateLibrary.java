package io.otpgate.spring;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

import io.otpgate.spring.device.EnrolmentProperties;
import io.otpgate.spring.device.VerificationProperties;
import io.otpgate.spring.notify.NotificationProperties;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.secret.SecretsProperties;
import io.otpgate.spring.totp.TotpProperties;
import io.otpgate.spring.trust.TrustedBrowserProperties;
import io.otpgate.spring.webauthn.WebAuthnProperties;

/**
 * The library's services, for an application to import (the starter and the otpgate server do): devices and their
 * kinds, the verification transaction, enrolment, secrets at rest, security events and the notifications of the
 * user (events, and e-mails when {@code spring.mail.host} is set), with their settings. It
 * needs a {@code DataSource}, a {@code java.time.Clock} and a {@code java.security.SecureRandom}. The web side
 * (the factor and the pages) is not in it: the starter adds it.
 */
@Configuration(proxyBeanMethods = false)
@ComponentScan(basePackages = { "io.otpgate.spring.device", "io.otpgate.spring.totp", "io.otpgate.spring.hotp",
    "io.otpgate.spring.recovery", "io.otpgate.spring.enrolment", "io.otpgate.spring.secret",
    "io.otpgate.spring.audit", "io.otpgate.spring.notify", "io.otpgate.spring.trust", "io.otpgate.spring.webauthn" })
@EnableConfigurationProperties({ VerificationProperties.class, EnrolmentProperties.class, TotpProperties.class,
    RecoveryProperties.class, SecretsProperties.class, NotificationProperties.class,
    TrustedBrowserProperties.class, WebAuthnProperties.class })
public class OtpgateLibrary {
}
