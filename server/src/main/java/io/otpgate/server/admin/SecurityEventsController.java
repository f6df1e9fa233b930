package io.otpgate.server.admin;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.otpgate.spring.audit.SecurityEvent;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;

/** The security log, newest first, filtered by user, kind and time (UTC), a page at a time. */
@Controller
@ConditionalOnWebApplication
class SecurityEventsController {

    static final int PAGE = 50;

    private final SecurityEvents events;
    private final UserService users;

    SecurityEventsController(SecurityEvents events, UserService users) {
        this.events = events;
        this.users = users;
    }

    @GetMapping("/admin/events")
    String list(@RequestParam(defaultValue = "") String user, @RequestParam(defaultValue = "") String kind,
            @RequestParam(defaultValue = "") String from, @RequestParam(defaultValue = "") String to,
            @RequestParam(required = false) Long before, Model model) {
        SecurityEventKind eventKind = kind.isEmpty() ? null : kind(kind);
        Instant start = time("from", from);
        Instant end = time("to", to);
        List<SecurityEvent> page = List.of();
        String username = user.strip();
        if (username.length() > 150) {
            throw OtpgateException.invalid("the user must be a username of at most 150 characters");
        }
        Long userId = null;
        boolean known = true;
        if (!username.isEmpty()) {
            userId = users.find(username).map(User::id).orElse(null);
            known = userId != null;
        }
        if (known) {
            page = events.page(userId, eventKind, start, end, before, PAGE + 1);
        }
        model.addAttribute("events", page.size() > PAGE ? page.subList(0, PAGE) : page);
        model.addAttribute("older", page.size() > PAGE ? page.get(PAGE - 1).id() : null);
        model.addAttribute("unknownUser", !known);
        model.addAttribute("user", username);
        model.addAttribute("kind", kind);
        model.addAttribute("from", from);
        model.addAttribute("to", to);
        model.addAttribute("kinds", Arrays.stream(SecurityEventKind.values()).map(Enum::name).toList());
        return "admin/events";
    }

    private static SecurityEventKind kind(String value) {
        try {
            return SecurityEventKind.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw OtpgateException.invalid("the kind must be one of the listed kinds of event");
        }
    }

    /** A time as a {@code datetime-local} field sends it ({@code 2026-11-22T14:30}), read as UTC. */
    private static Instant time(String field, String value) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw OtpgateException.invalid("`" + field + "` must be a date and time like 2026-11-22T14:30");
        }
    }
}
