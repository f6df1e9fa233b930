package io.otpgate.spring.secret;

import java.util.List;

/**
 * A column that holds sealed values, with its table's key column. {@code rotate-key} re-seals every one: the
 * library's ({@link #LIBRARY}) and each {@code SealedColumn} bean of the application (the server's OAuth
 * credentials).
 *
 * @param table the table's name (a constant: safe to put in SQL)
 * @param column the column's name
 * @param idColumn the column whose value each sealed value is bound to
 * @param boundTable the table name the associated data names: fixed forever for a column, whatever its table is
 *     called later, so that every stored value still opens
 */
public record SealedColumn(String table, String column, String idColumn, String boundTable) {

    // The tables were renamed with the prefix otpgate_; the associated data keeps the names they had when values
    // were first sealed.
    public static final SealedColumn TOTP_SECRET = new SealedColumn("otpgate_totp_device", "sealed_secret", "id",
            "totp_device");
    public static final SealedColumn HOTP_SECRET = new SealedColumn("otpgate_hotp_device", "sealed_secret", "id",
            "hotp_device");
    public static final SealedColumn SERVER_KEY = new SealedColumn("otpgate_server_key", "sealed_key", "id",
            "server_key");

    /** The library's own sealed columns. */
    public static final List<SealedColumn> LIBRARY = List.of(TOTP_SECRET, HOTP_SECRET, SERVER_KEY);

    /**
     * What the associated data of a sealed value names, with the row id: {@code totp_device.sealed_secret}.
     */
    public String boundName() {
        return boundTable + "." + column;
    }

    @Override
    public String toString() {
        return table + "." + column;
    }
}
