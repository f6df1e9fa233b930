package io.otpgate.server.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.system.SqlTime;

/** The admin panel's user list: search, filters and pages, in one query per page. */
@Repository
public class UserDirectory {

    /** A filter of the list: any value, only yes, or only no. */
    public enum Choice {
        ANY, YES, NO;

        /**
         * From a query parameter (and back, {@link #selected}): empty or {@code any}, {@code yes}, {@code no}; null
         * for anything else.
         */
        static Choice parse(String value) {
            if (value == null || value.isEmpty()) {
                return ANY;
            }
            for (Choice choice : values()) {
                if (choice.name().equalsIgnoreCase(value)) {
                    return choice;
                }
            }
            return null;
        }

        public String selected() {
            return this == ANY ? "" : name().toLowerCase(Locale.ROOT);
        }
    }

    /** What the list shows. */
    public record Query(String search, Choice staff, Choice active, Choice otp, Choice locked) {
    }

    /** One row of the list. */
    public record Row(long id, String username, String email, String firstName, String lastName, boolean active,
            boolean staff, boolean superuser, boolean otp, boolean locked, Instant lastLogin) {
    }

    /** One page of rows, counted from 1. */
    public record Page(List<Row> rows, int page, int pages, long total) {
    }

    private final JdbcClient jdbc;

    UserDirectory(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** How many users the query selects. */
    @Transactional(readOnly = true)
    long count(Query query) {
        List<Object> params = new ArrayList<>();
        return count(where(query, params), params);
    }

    @Transactional(readOnly = true)
    Page find(Query query, int page, int size) {
        List<Object> params = new ArrayList<>();
        String where = where(query, params);
        long total = count(where, params);
        int pages = (int) Math.max(1, (total + size - 1) / size);
        int shown = Math.min(Math.max(page, 1), pages);
        List<Object> pageParams = new ArrayList<>(params);
        pageParams.add(size);
        pageParams.add((long) (shown - 1) * size);
        List<Row> rows = jdbc.sql("select u.id, u.username, u.email, u.first_name, u.last_name, u.is_active,"
                + " u.is_staff, u.is_superuser, " + DeviceService.anyConfirmedDevice("u.id")
                + " as otp, (select a.locked_at from otpgate_account a where a.id = u.id) as otp_locked_at,"
                + " u.last_login"
                + " from auth_user u" + where + " order by u.username limit ? offset ?")
                .params(pageParams)
                .query((rs, n) -> new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getBoolean(6), rs.getBoolean(7), rs.getBoolean(8), rs.getBoolean(9),
                        rs.getObject("otp_locked_at") != null, SqlTime.instant(rs, "last_login")))
                .list();
        return new Page(rows, shown, pages, total);
    }

    /** The query's {@code where} clause; its parameters are added to {@code params}. */
    private static String where(Query query, List<Object> params) {
        StringBuilder where = new StringBuilder(" where 1 = 1");
        if (!query.search().isEmpty()) {
            where.append(" and (lower(u.username) like ? escape '!' or lower(u.email) like ? escape '!'"
                    + " or lower(u.first_name) like ? escape '!' or lower(u.last_name) like ? escape '!')");
            String pattern = "%" + query.search().toLowerCase(Locale.ROOT).replace("!", "!!").replace("%", "!%")
                    .replace("_", "!_") + "%";
            for (int i = 0; i < 4; i++) {
                params.add(pattern);
            }
        }
        flag(where, query.staff(), "u.is_staff");
        flag(where, query.active(), "u.is_active");
        flag(where, query.otp(), DeviceService.anyConfirmedDevice("u.id"));
        flag(where, query.locked(),
                "exists (select 1 from otpgate_account a where a.id = u.id and a.locked_at is not null)");
        return where.toString();
    }

    private long count(String where, List<Object> params) {
        return jdbc.sql("select count(*) from auth_user u" + where).params(params).query(Long.class).single();
    }

    private static void flag(StringBuilder where, Choice choice, String condition) {
        if (choice == Choice.YES) {
            where.append(" and (").append(condition).append(")");
        } else if (choice == Choice.NO) {
            where.append(" and not (").append(condition).append(")");
        }
    }
}
