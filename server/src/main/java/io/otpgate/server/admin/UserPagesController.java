package io.otpgate.server.admin;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.user.Profile;
import io.otpgate.server.user.User;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * A user's pages: a new user, a user's fields, flags and profile, OAuth profiles and password; ending a user's
 * sessions, or one's own ("log out everywhere"). The rules are
 * {@link UserAdministration}'s. A refused form comes back with the message and what was typed (never a password
 * or credentials); a refusal of the request itself (403, 404) is an error page.
 */
@Controller
@ConditionalOnWebApplication
class UserPagesController {

    private final UserAdministration administration;

    UserPagesController(UserAdministration administration) {
        this.administration = administration;
    }

    /** The values the user form shows: the user's, or what was typed. */
    record UserForm(String email, String firstName, String lastName, boolean active, boolean staff,
            boolean superuser, String phone, String powerAccountId, String powerContactId) {

        static UserForm of(User user, Profile profile) {
            return new UserForm(user.email(), user.firstName(), user.lastName(), user.active(), user.staff(),
                    user.superuser(), profile.phone(), Integer.toString(profile.powerAccountId()),
                    Integer.toString(profile.powerContactId()));
        }

        UserForm typed(UserAdministration.Change c) {
            return new UserForm(pick(c.email(), email), pick(c.firstName(), firstName), pick(c.lastName(), lastName),
                    pick(c.active(), active), pick(c.staff(), staff), pick(c.superuser(), superuser),
                    pick(c.phone(), phone), pick(c.powerAccountId(), powerAccountId),
                    pick(c.powerContactId(), powerContactId));
        }

        private static <T> T pick(T typed, T current) {
            return typed != null ? typed : current;
        }
    }

    /** The OAuth form's values; the credentials are never shown again. */
    record OAuthForm(String serviceName, String url) {
    }

    @GetMapping("/admin/users/new")
    String newUser(Model model) {
        model.addAttribute("form", UserAdministration.Creation.empty());
        return "admin/user-new";
    }

    @PostMapping("/admin/users/new")
    String create(@RequestParam(defaultValue = "") String username, @RequestParam(defaultValue = "") String email,
            @RequestParam(defaultValue = "") String firstName, @RequestParam(defaultValue = "") String lastName,
            @RequestParam(defaultValue = "") String password, @RequestParam(defaultValue = "") String password2,
            @RequestParam(defaultValue = "false") boolean staff,
            @RequestParam(defaultValue = "false") boolean superuser, HttpServletRequest request,
            HttpServletResponse response, Model model, RedirectAttributes redirect) {
        UserAdministration.Creation form = new UserAdministration.Creation(username.strip(), email, firstName,
                lastName, staff, superuser);
        User created;
        try {
            created = administration.create(actor(request), form, password, password2);
        } catch (OtpgateException e) {
            if (!isFormError(e)) {
                throw e;
            }
            // A taken username too: the form was not accepted, and says why.
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            model.addAttribute("form", form);
            model.addAttribute("error", e.getMessage());
            return "admin/user-new";
        }
        redirect.addFlashAttribute("notice", "User " + created.username() + " was created.");
        return redirectTo(created.id());
    }

    @GetMapping("/admin/users/{id}")
    String user(@PathVariable long id, HttpServletRequest request, Model model) {
        UserAdministration.UserPage page = administration.page(id);
        return userPage(page, UserForm.of(page.user(), page.profile()), new OAuthForm("", ""), request, model);
    }

    @PostMapping("/admin/users/{id}")
    String update(@PathVariable long id, @RequestParam(required = false) String email,
            @RequestParam(required = false) String firstName, @RequestParam(required = false) String lastName,
            @RequestParam(required = false) Boolean active,
            @RequestParam(name = "_active", required = false) String activeShown,
            @RequestParam(required = false) Boolean staff,
            @RequestParam(name = "_staff", required = false) String staffShown,
            @RequestParam(required = false) Boolean superuser,
            @RequestParam(name = "_superuser", required = false) String superuserShown,
            @RequestParam(required = false) String phone, @RequestParam(required = false) String powerAccountId,
            @RequestParam(required = false) String powerContactId, HttpServletRequest request,
            HttpServletResponse response, Model model, RedirectAttributes redirect) {
        UserAdministration.Change change = new UserAdministration.Change(email, firstName, lastName,
                checkbox(active, activeShown), checkbox(staff, staffShown), checkbox(superuser, superuserShown),
                phone, powerAccountId, powerContactId);
        List<String> changed;
        try {
            changed = administration.update(actor(request), id, change);
        } catch (OtpgateException e) {
            if (!isFormError(e)) {
                throw e;
            }
            UserAdministration.UserPage page = administration.page(id);
            response.setStatus(e.reason().httpStatus());
            model.addAttribute("error", e.getMessage());
            return userPage(page, UserForm.of(page.user(), page.profile()).typed(change), new OAuthForm("", ""),
                    request, model);
        }
        redirect.addFlashAttribute("notice", changed.isEmpty() ? "Nothing changed."
                : "Saved: " + String.join(", ", changed) + ".");
        return redirectTo(id);
    }

    @PostMapping("/admin/users/{id}/oauth")
    String addOAuthProfile(@PathVariable long id, @RequestParam(defaultValue = "") String serviceName,
            @RequestParam(defaultValue = "") String url, @RequestParam(defaultValue = "") String credentials,
            HttpServletRequest request, HttpServletResponse response, Model model, RedirectAttributes redirect) {
        try {
            administration.addOAuthProfile(actor(request), id, serviceName, url, credentials);
        } catch (OtpgateException e) {
            if (!isFormError(e)) {
                throw e;
            }
            UserAdministration.UserPage page = administration.page(id);
            response.setStatus(e.reason().httpStatus());
            model.addAttribute("error", e.getMessage());
            return userPage(page, UserForm.of(page.user(), page.profile()), new OAuthForm(shown(serviceName, 100),
                    shown(url, 200)), request, model);
        }
        redirect.addFlashAttribute("notice", "The OAuth profile was added.");
        return redirectTo(id);
    }

    @PostMapping("/admin/users/{id}/oauth/{oauthId}/delete")
    String deleteOAuthProfile(@PathVariable long id, @PathVariable long oauthId, HttpServletRequest request,
            RedirectAttributes redirect) {
        administration.deleteOAuthProfile(actor(request), id, oauthId);
        redirect.addFlashAttribute("notice", "The OAuth profile was removed.");
        return redirectTo(id);
    }

    @GetMapping("/admin/users/{id}/password")
    String passwordForm(@PathVariable long id, HttpServletRequest request, Model model) {
        model.addAttribute("user", administration.changeable(actor(request), id));
        return "admin/password";
    }

    @PostMapping("/admin/users/{id}/password")
    String setPassword(@PathVariable long id, @RequestParam(defaultValue = "") String password,
            @RequestParam(defaultValue = "") String password2, HttpServletRequest request,
            HttpServletResponse response, Model model, RedirectAttributes redirect) {
        UserAdministration.Actor actor = actor(request);
        try {
            administration.setPassword(actor, id, password, password2);
        } catch (OtpgateException e) {
            if (!isFormError(e)) {
                throw e;
            }
            response.setStatus(e.reason().httpStatus());
            model.addAttribute("error", e.getMessage());
            model.addAttribute("user", administration.changeable(actor, id));
            return "admin/password";
        }
        redirect.addFlashAttribute("notice", "The password was changed.");
        return redirectTo(id);
    }

    /** Ends every session of the user: their admin sessions and API tokens. */
    @PostMapping("/admin/users/{id}/sessions/end")
    String endSessions(@PathVariable long id, HttpServletRequest request, RedirectAttributes redirect) {
        administration.endSessions(actor(request), id);
        redirect.addFlashAttribute("notice", "Every session of this user was ended.");
        return redirectTo(id);
    }

    /** "Log out everywhere": ends every session of the logged-in admin, this one included. */
    @PostMapping("/admin/sessions/end")
    String endOwnSessions(HttpServletRequest request) {
        administration.endSessions(actor(request), AdminModel.current(request).id());
        SecurityContextHolder.clearContext();
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        return "redirect:" + AdminPaths.LOGIN + "?ended=1";
    }

    private String userPage(UserAdministration.UserPage page, UserForm form, OAuthForm oauthForm,
            HttpServletRequest request, Model model) {
        User me = AdminModel.current(request);
        boolean self = me.id() == page.user().id();
        model.addAttribute("user", page.user());
        model.addAttribute("profile", page.profile());
        model.addAttribute("oauthProfiles", page.oauthProfiles());
        model.addAttribute("secondFactor", page.secondFactor());
        model.addAttribute("form", form);
        model.addAttribute("oauthForm", oauthForm);
        model.addAttribute("self", self);
        model.addAttribute("canChange", UserAdministration.mayChange(me, page.user()));
        // Disabled checkboxes send nothing, and nothing sent leaves a flag as it is.
        model.addAttribute("lockActive", self);
        model.addAttribute("lockPrivileges", self || !me.superuser());
        return "admin/user";
    }

    private static UserAdministration.Actor actor(HttpServletRequest request) {
        return new UserAdministration.Actor(AdminModel.current(request), request.getRemoteAddr());
    }

    /**
     * A checkbox with its marker field ({@code _name}, sent when the box was shown enabled): checked, unchecked, or
     * null when neither came (a disabled box, or an older form): unchanged.
     */
    private static Boolean checkbox(Boolean value, String shown) {
        if (value != null) {
            return value;
        }
        return shown != null ? Boolean.FALSE : null;
    }

    /** Invalid input, or a conflict with the current state: the form again, saying why. */
    private static boolean isFormError(OtpgateException e) {
        return e.reason() == OtpgateException.Reason.INVALID || e.reason() == OtpgateException.Reason.CONFLICT;
    }

    private static String shown(String typed, int max) {
        return typed.length() > max ? typed.substring(0, max) : typed;
    }

    private static String redirectTo(long id) {
        return "redirect:/admin/users/" + id;
    }
}
