package io.otpgate.server.secret;

/**
 * Every column that holds sealed values, with its table's key column. {@code rotate-key} re-seals exactly these;
 * a new sealed column is added here and nowhere else.
 */
public enum SealedColumn {
    // The device tables were renamed with the prefix otpgate_; the associated data keeps the name they had when
    // values were first sealed, so that every stored value still opens.
    TOTP_SECRET("otpgate_totp_device", "sealed_secret", "id", "totp_device"),
    HOTP_SECRET("otpgate_hotp_device", "sealed_secret", "id", "hotp_device"),
    OAUTH_CREDENTIALS("user_oauth_profile", "sealed_oauth_credentials", "id", "user_oauth_profile"),
    SERVER_KEY("server_key", "sealed_key", "id", "server_key");

    private final String table;
    private final String column;
    private final String idColumn;
    private final String boundName;

    SealedColumn(String table, String column, String idColumn, String boundName) {
        this.table = table;
        this.column = column;
        this.idColumn = idColumn;
        this.boundName = boundName;
    }

    /**
     * What the associated data of a sealed value names, with the row id: {@code totp_device.sealed_secret}. Fixed
     * forever for a column, whatever its table is called.
     */
    public String boundName() {
        return boundName + "." + column;
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
