package io.otpgate.server.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.otpgate.server.audit.SecurityEvents;
import io.otpgate.server.system.OtpgateException;

/** The start page (figures and the latest security events) and the user list. */
@Controller
@ConditionalOnWebApplication
class AdminHomeController {

    private static final int MAX_SEARCH = 150;

    private final UserDirectory directory;
    private final SecurityEvents events;
    private final AdminProperties properties;

    AdminHomeController(UserDirectory directory, SecurityEvents events, AdminProperties properties) {
        this.directory = directory;
        this.events = events;
        this.properties = properties;
    }

    @GetMapping({ "/admin", AdminPaths.ROOT })
    String home(Model model) {
        UserDirectory.Choice any = UserDirectory.Choice.ANY;
        UserDirectory.Choice yes = UserDirectory.Choice.YES;
        Map<String, Long> figures = new LinkedHashMap<>();
        figures.put("users", count(new UserDirectory.Query("", any, any, any, any)));
        figures.put("staff", count(new UserDirectory.Query("", yes, any, any, any)));
        figures.put("with a second factor", count(new UserDirectory.Query("", any, any, yes, any)));
        figures.put("locked", count(new UserDirectory.Query("", any, any, any, yes)));
        model.addAttribute("figures", figures);
        model.addAttribute("events", events.list(null, null, null, null, 10));
        return "admin/home";
    }

    @GetMapping("/admin/users")
    String users(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "") String staff,
            @RequestParam(defaultValue = "") String active, @RequestParam(defaultValue = "") String otp,
            @RequestParam(defaultValue = "") String locked, @RequestParam(defaultValue = "1") int page,
            Model model) {
        if (q.length() > MAX_SEARCH) {
            throw OtpgateException.invalid("the search must be at most " + MAX_SEARCH + " characters");
        }
        UserDirectory.Query query = new UserDirectory.Query(q.strip(), choice("staff", staff),
                choice("active", active), choice("otp", otp), choice("locked", locked));
        model.addAttribute("query", query);
        model.addAttribute("result", directory.find(query, page, properties.pageSize()));
        return "admin/users";
    }

    private long count(UserDirectory.Query query) {
        return directory.find(query, 1, 1).total();
    }

    private static UserDirectory.Choice choice(String name, String value) {
        UserDirectory.Choice choice = UserDirectory.Choice.parse(value);
        if (choice == null) {
            throw OtpgateException.invalid("the filter " + name + " must be yes, no or empty");
        }
        return choice;
    }
}
