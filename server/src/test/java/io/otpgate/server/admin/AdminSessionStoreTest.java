package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * The sessions' rows: a login's row names the user and ends a minute after the guard's idle timeout would end it, a
 * logout deletes it, and expired rows are deleted by the cleanup every instance runs each minute.
 */
class AdminSessionStoreTest extends AdminTestBase {

    @Autowired JdbcIndexedSessionRepository repository;

    @Test
    void aLoginsRowNamesTheUserAndOutlivesTheIdleTimeoutByAMinute() throws Exception {
        MockHttpSession session = logInStaff();
        Map<String, Object> row = jdbc.sql("select principal_name, max_inactive_interval from spring_session "
                + "where session_id = ?").param(session.getId()).query().singleRow();
        assertThat(row).containsEntry("principal_name", staff.username()).containsEntry("max_inactive_interval",
                31 * 60);
        post("/admin/logout", session);
        assertThat(count("select count(*) from spring_session where session_id = ?", session.getId())).isZero();
    }

    @Test
    void expiredSessionsAreDeletedByTheCleanupEveryMinute() throws Exception {
        MockHttpSession expired = logInStaff();
        nextStep();
        MockHttpSession live = logInStaff();
        jdbc.sql("update spring_session set expiry_time = 0 where session_id = ?").param(expired.getId()).update();

        repository.cleanUpExpiredSessions();

        assertThat(count("select count(*) from spring_session where session_id = ?", expired.getId())).isZero();
        assertThat(count("select count(*) from spring_session_attributes where session_primary_id not in "
                + "(select primary_id from spring_session)")).as("attributes of deleted sessions").isZero();
        assertThat(count("select count(*) from spring_session_attributes a join spring_session s on "
                + "s.primary_id = a.session_primary_id where s.session_id = ?", live.getId())).isPositive();
        assertThat(get("/admin/", live).status()).isEqualTo(200);
        assertThat(ReflectionTestUtils.getField(repository, "cleanupCron")).isEqualTo("0 * * * * *");
    }
}
