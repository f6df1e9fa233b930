package io.otpgate.spring.device;

import java.time.Instant;
import java.util.Objects;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.system.SqlTime;

/**
 * What the second factor remembers of an account's refused codes ({@code otpgate_failure}) and of the addresses
 * its user passed the factor from ({@code otpgate_familiar_address}). Joins the caller's transaction, which holds
 * the account's row lock, so reads and writes of one account never interleave.
 */
@Repository
class FailureMemory {

    /** Longest address kept (an IPv6 address with a zone fits). */
    static final int MAX_ADDRESS = 64;

    private final JdbcClient jdbc;

    FailureMemory(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Failures of one kind that still count.
     *
     * @param count how many
     * @param newest when the newest was, or null if none
     */
    record Failures(int count, Instant newest) {
        static final Failures NONE = new Failures(0, null);
    }

    /** Whether the user passed the second factor from this address since {@code since}. A null address never is. */
    boolean familiar(long accountId, String address, Instant since) {
        if (address == null) {
            return false;
        }
        return jdbc.sql("select count(*) from otpgate_familiar_address where account_id = ? and client_address = ? "
                + "and verified_at > ?").params(accountId, address(address), SqlTime.of(since))
                .query(Long.class).single() > 0;
    }

    /**
     * The failures from unfamiliar ({@code familiar} false) or familiar addresses since {@code since}, inclusive (a
     * failure in the same instant as the success it follows still counts).
     */
    Failures since(long accountId, boolean familiar, Instant since) {
        return jdbc.sql("select count(*), max(failed_at) from otpgate_failure where account_id = ? and familiar = ? "
                + "and failed_at >= ?").params(accountId, familiar, SqlTime.of(since))
                .query((rs, n) -> new Failures(rs.getInt(1), SqlTime.instant(rs, 2))).single();
    }

    /** All failures since {@code since}, inclusive (null: all kept), whatever their address. */
    int countSince(long accountId, Instant since) {
        if (since == null) {
            return jdbc.sql("select count(*) from otpgate_failure where account_id = ?").param(accountId)
                    .query(Integer.class).single();
        }
        return jdbc.sql("select count(*) from otpgate_failure where account_id = ? and failed_at >= ?")
                .params(accountId, SqlTime.of(since)).query(Integer.class).single();
    }

    /** Records a refused code, and forgets the account's failures older than {@code forgetBefore}. */
    void record(long accountId, Instant at, String address, boolean familiar, Instant forgetBefore) {
        jdbc.sql("delete from otpgate_failure where account_id = ? and failed_at < ?")
                .params(accountId, SqlTime.of(forgetBefore)).update();
        jdbc.sql("insert into otpgate_failure (account_id, failed_at, client_address, familiar) values (?, ?, ?, ?)")
                .params(accountId, SqlTime.of(at), address == null ? null : address(address), familiar).update();
    }

    /** Forgives the failures from {@code address} (null: from no known address) made after {@code since}. */
    int forgive(long accountId, String address, Instant since) {
        if (address == null) {
            return jdbc.sql("delete from otpgate_failure where account_id = ? and client_address is null "
                    + "and failed_at > ?").params(accountId, SqlTime.of(since)).update();
        }
        return jdbc.sql("delete from otpgate_failure where account_id = ? and client_address = ? and failed_at > ?")
                .params(accountId, address(address), SqlTime.of(since)).update();
    }

    /** Remembers that the user passed the factor from {@code address} at {@code at}. */
    void verifiedFrom(long accountId, String address, Instant at) {
        if (address == null) {
            return;
        }
        String kept = address(address);
        int updated = jdbc.sql("update otpgate_familiar_address set verified_at = ? where account_id = ? "
                + "and client_address = ?").params(SqlTime.of(at), accountId, kept).update();
        if (updated == 0) {
            jdbc.sql("insert into otpgate_familiar_address (account_id, client_address, verified_at) values (?, ?, ?)")
                    .params(accountId, kept, SqlTime.of(at)).update();
        }
    }

    /** Forgets every failure of an account (an operator's unlock or reset); returns how many there were. */
    int clear(long accountId) {
        return jdbc.sql("delete from otpgate_failure where account_id = ?").param(accountId).update();
    }

    private static String address(String address) {
        Objects.requireNonNull(address);
        return address.length() > MAX_ADDRESS ? address.substring(0, MAX_ADDRESS) : address;
    }
}
