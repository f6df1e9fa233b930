package io.otpgate.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

import io.otpgate.server.cli.Commands;
import io.otpgate.spring.OtpgateLibrary;

/**
 * otpgate: without arguments (or with only {@code --option}s) the server; with a command name first, that
 * management command (see {@link Commands}), run in a context without a web server.
 */
// The library's services (devices, verification, secrets, security events) are the server's too; its pages are
// not (the server has its own admin panel and API).
@SpringBootApplication
@Import(OtpgateLibrary.class)
public class OtpgateApplication {

    public static void main(String[] args) {
        // H2's AUTO_SERVER mode opens a TCP port so that a command can share the embedded database with a running
        // server: keep it on loopback.
        System.setProperty("h2.bindAddress", "127.0.0.1");
        if (Commands.isCommand(args)) {
            System.exit(Commands.run(args));
        }
        SpringApplication.run(OtpgateApplication.class, args);
    }
}
