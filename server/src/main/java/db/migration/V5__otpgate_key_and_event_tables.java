package db.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * The library's last two tables take its prefix, as it keeps them in any application's database: {@code server_key}
 * becomes {@code otpgate_server_key}, and {@code security_event} becomes {@code otpgate_security_event}, whose rows
 * name the account ({@code account_id}, the user's id in the server) and its user key (the username), as before.
 * Sealed keys keep their associated data ({@code server_key.sealed_key:id}), so they still open.
 */
public class V5__otpgate_key_and_event_tables extends BaseJavaMigration {

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        boolean postgres = connection.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
        try (Statement sql = connection.createStatement()) {
            sql.execute("alter table server_key rename to otpgate_server_key");

            for (String constraint : V4__otpgate_account_and_device_tables.foreignKeysOn(connection, "security_event",
                    "user_id")) {
                sql.execute("alter table security_event drop constraint \"" + constraint + "\"");
            }
            sql.execute("drop index security_event_user_time_idx");
            sql.execute("drop index security_event_time_idx");
            sql.execute("alter table security_event rename to otpgate_security_event");
            sql.execute(postgres ? "alter table otpgate_security_event rename column user_id to account_id"
                    : "alter table otpgate_security_event alter column user_id rename to account_id");
            sql.execute(postgres ? "alter table otpgate_security_event rename column username to user_key"
                    : "alter table otpgate_security_event alter column username rename to user_key");
            sql.execute("alter table otpgate_security_event add constraint otpgate_security_event_account_id_fkey "
                    + "foreign key (account_id) references otpgate_account (id) on delete set null");
            sql.execute("create index otpgate_security_event_account_time_idx on otpgate_security_event "
                    + "(account_id, occurred_at)");
            sql.execute("create index otpgate_security_event_time_idx on otpgate_security_event (occurred_at)");
        }
    }
}
