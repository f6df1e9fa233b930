package io.otpgate.server.admin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.system.OtpgateException;

/**
 * The start page (figures and the latest security events), the user list, the stylesheet, the script and the 404
 * page.
 */
@Controller
@ConditionalOnWebApplication
class AdminHomeController {

    private static final int MAX_SEARCH = 150;
    private static final Resource STYLESHEET = new ClassPathResource("admin/admin.css");
    private static final Resource SCRIPT = new ClassPathResource("admin/admin.js");

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

    /** The stylesheet: served here, so that the catch-all below does not hide it. */
    @GetMapping(value = "/admin/static/admin.css", produces = "text/css")
    ResponseEntity<Resource> stylesheet() {
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(Duration.ofHours(1))).body(STYLESHEET);
    }

    /** The passkey ceremonies' script (the only one: the pages work without it, but for passkeys). */
    @GetMapping(value = "/admin/static/admin.js", produces = "text/javascript")
    ResponseEntity<Resource> script() {
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(Duration.ofHours(1))).body(SCRIPT);
    }

    /** Any other address under the panel: its own 404 page, not the API's JSON. */
    @RequestMapping("/admin/**")
    String unknown() {
        throw OtpgateException.notFound("There is no such page.");
    }

    private long count(UserDirectory.Query query) {
        return directory.count(query);
    }

    private static UserDirectory.Choice choice(String name, String value) {
        UserDirectory.Choice choice = UserDirectory.Choice.parse(value);
        if (choice == null) {
            throw OtpgateException.invalid("the filter " + name + " must be yes, no or empty");
        }
        return choice;
    }
}
