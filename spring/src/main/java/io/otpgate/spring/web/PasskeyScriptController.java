package io.otpgate.spring.web;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

import io.otpgate.spring.factor.OtpPaths;

/**
 * Serves the pages' passkey script ({@code /otp/passkeys.js}) from the library's jar, whatever the application does
 * with static resources: the pages load it with {@code <script src>} (never inline, never from a CDN), so a
 * {@code script-src 'self'} policy allows it.
 */
@Controller
public class PasskeyScriptController {

    private static final Resource SCRIPT = new ClassPathResource("passkeys.js", PasskeyScriptController.class);
    private static final MediaType JAVASCRIPT = MediaType.parseMediaType("text/javascript;charset=UTF-8");

    @GetMapping(OtpPaths.PASSKEYS_SCRIPT)
    ResponseEntity<Resource> script() {
        return ResponseEntity.ok().contentType(JAVASCRIPT).cacheControl(CacheControl.noCache()).body(SCRIPT);
    }
}
