package io.otpgate.samples.formlogin;

import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** The application's own pages: they show who is logged in, and with which factors. */
@Controller
class HomeController {

    @GetMapping("/")
    String home(Authentication authentication, Model model) {
        model.addAttribute("name", authentication.getName());
        model.addAttribute("authorities", authorities(authentication));
        return "home";
    }

    @GetMapping("/admin")
    String admin(Authentication authentication, Model model) {
        model.addAttribute("name", authentication.getName());
        model.addAttribute("authorities", authorities(authentication));
        return "admin";
    }

    private static List<String> authorities(Authentication authentication) {
        return authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority).sorted().toList();
    }
}
