package io.otpgate.server.secret;

/**
 * Every column that holds sealed values, with its table's key column. {@code rotate-key} re-seals exactly these;
 * a new sealed column is added here and nowhere else.
 */
public enum SealedColumn {
    TOTP_SECRET("totp_device", "sealed_secret", "id"),
    HOTP_SECRET("hotp_device", "sealed_secret", "id"),
    OAUTH_CREDENTIALS("user_oauth_profile", "sealed_oauth_credentials", "id"),
    SERVER_KEY("server_key", "sealed_key", "id");

    private final String table;
    private final String column;
    private final String idColumn;

    SealedColumn(String table, String column, String idColumn) {
        this.table = table;
        this.column = column;
        this.idColumn = idColumn;
    }

    public String table() {
        return table;
    }

    public String column() {
        return column;
    }

    public String idColumn() {
        return idColumn;
    }

    @Override
    public String toString() {
        return table + "." + column;
    }
}
