package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Seed 000's {@code site_title} and {@code site_header} come from configuration, and are escaped like the rest. */
@TestPropertySource(properties = { "otpgate.admin.site-title=Acme <admin>",
    "otpgate.admin.site-header=Acme & Co. administration" })
class AdminSiteTitleTest extends AdminTestBase {

    @Test
    void theTitleAndHeaderComeFromConfiguration() throws Exception {
        Page login = get("/admin/login", null);
        assertThat(login.html().title()).isEqualTo("Log in | Acme <admin>");
        assertThat(login.html().select("header .brand").text()).isEqualTo("Acme & Co. administration");
        assertThat(login.body()).contains("Acme &lt;admin&gt;").doesNotContain("<admin>");

        Page users = get("/admin/users", logInStaff());
        assertThat(users.html().title()).isEqualTo("Users | Acme <admin>");
        assertThat(users.html().select("header .brand").text()).isEqualTo("Acme & Co. administration");
    }

    @Test
    void theErrorPageHasThemToo() throws Exception {
        Page error = get("/admin/users?staff=maybe", logInStaff());
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.html().select("header .brand").text()).isEqualTo("Acme & Co. administration");
    }
}
