package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpSession;

/**
 * What a session in the database costs an admin page: the statements on the session tables that a request of a
 * logged-in admin runs, counted by H2 ({@code QUERY_STATISTICS}). Two reads of the session with its attributes (the
 * second when the response is committed: Spring Session checks that the session still exists, spring-session issues
 * #1424 and #1731), one update of its access time and one of the guard's last request, in one transaction. Spring
 * Session's defaults (flush on save, save only the attributes set) are the cheapest of its modes:
 * {@code flush-mode=immediate} and {@code save-mode=always} ran the same four statements.
 */
class AdminSessionCostTest extends AdminTestBase {

    private static final int PAGES = 10;

    @Test
    void aPageRequestReadsTheSessionTwiceAndWritesItTwice() throws Exception {
        MockHttpSession session = logInStaff();
        assertThat(get("/admin/users", session).status()).isEqualTo(200);
        jdbc.sql("set query_statistics false").update();
        jdbc.sql("set query_statistics true").update();
        for (int i = 0; i < PAGES; i++) {
            assertThat(get("/admin/users", session).status()).isEqualTo(200);
        }
        Map<String, Long> statements = new TreeMap<>();
        List<Map<String, Object>> rows = jdbc.sql("select sql_statement, execution_count from "
                + "information_schema.query_statistics").query().listOfRows();
        jdbc.sql("set query_statistics false").update();
        long all = 0;
        for (Map<String, Object> row : rows) {
            String sql = ((String) row.get("sql_statement")).replaceAll("\\s+", " ").strip();
            long count = ((Number) row.get("execution_count")).longValue();
            if (sql.toLowerCase().contains("information_schema") || sql.toLowerCase().startsWith("set ")) {
                continue;
            }
            all += count;
            if (sql.toLowerCase().contains("spring_session")) {
                statements.merge(sql.substring(0, Math.min(sql.length(), 60)), count, Long::sum);
            }
        }
        long onSessions = statements.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("per admin page: %.1f statements on the session tables %s, %.1f in all%n",
                (double) onSessions / PAGES, statements, (double) all / PAGES);
        assertThat(onSessions).as("%s", statements).isEqualTo(4L * PAGES);
    }
}
