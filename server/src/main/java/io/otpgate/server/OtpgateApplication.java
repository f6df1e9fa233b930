package io.otpgate.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The otpgate server. For now it only starts and answers {@code GET /actuator/health}; accounts, devices, the REST
 * API and the admin panel are added feature by feature under this package.
 */
@SpringBootApplication
public class OtpgateApplication {

    public static void main(String[] args) {
        SpringApplication.run(OtpgateApplication.class, args);
    }
}
