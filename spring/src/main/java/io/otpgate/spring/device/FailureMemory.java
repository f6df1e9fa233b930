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
    }

    /**
     * What an attempt needs to know, read in one statement.
     *
     * @param familiarSince when the user last passed the factor from this address, or null if never
     * @param unfamiliar the failures from unfamiliar addresses since the memory's start
     * @param familiar the failures from familiar addresses since the last success (or the memory's start)
     * @param sinceLastSuccess all failures since the last success (or all kept)
     */
    record Snapshot(Instant familiarSince, Failures unfamiliar, Failures familiar, int sinceLastSuccess) {
    }

    /**
     * The address's familiarity and the account's failures (each count is inclusive of its start: a failure in the
     * same instant as the success it follows still counts).
     *
     * @param lastSuccess the account's last success, or null
     */
    Snapshot snapshot(long accountId, String address, Instant memoryStart, Instant lastSuccess) {
        Instant familiarStart = lastSuccess == null || lastSuccess.isBefore(memoryStart) ? memoryStart : lastSuccess;
        Instant anyStart = lastSuccess == null ? Instant.EPOCH : lastSuccess;
        return jdbc.sql("""
                select (select max(a.verified_at) from otpgate_familiar_address a
                        where a.account_id = ? and a.client_address = ?) as familiar_since,
                    count(case when not f.familiar and f.failed_at >= ? then 1 end),
                    max(case when not f.familiar and f.failed_at >= ? then f.failed_at end),
                    count(case when f.familiar and f.failed_at >= ? then 1 end),
                    max(case when f.familiar and f.failed_at >= ? then f.failed_at end),
                    count(case when f.failed_at >= ? then 1 end)
                from otpgate_failure f where f.account_id = ?""")
                .params(accountId, address == null ? null : address(address), SqlTime.of(memoryStart),
                        SqlTime.of(memoryStart), SqlTime.of(familiarStart), SqlTime.of(familiarStart),
                        SqlTime.of(anyStart), accountId)
                .query((rs, n) -> new Snapshot(SqlTime.instant(rs, 1),
                        new Failures(rs.getInt(2), SqlTime.instant(rs, 3)),
                        new Failures(rs.getInt(4), SqlTime.instant(rs, 5)), rs.getInt(6)))
                .single();
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
