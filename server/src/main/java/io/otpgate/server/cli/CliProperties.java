package io.otpgate.server.cli;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the management commands ({@code otpgate.cli.*}).
 *
 * @param workingDir the directory against which commands resolve relative file names, such as
 *     {@code add-otp-device}'s {@code USERNAME_qrcode.png}: the current directory by default
 */
@ConfigurationProperties("otpgate.cli")
record CliProperties(@DefaultValue(".") Path workingDir) {
}
