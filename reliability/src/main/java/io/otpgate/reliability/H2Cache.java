package io.otpgate.reliability;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The page cache of a running server's embedded H2 database, as H2 reports it ({@code info.CACHE_SIZE} and
 * {@code info.CACHE_MAX_SIZE} of {@code information_schema.settings}, in MB), read over JDBC through H2's
 * AUTO_SERVER mode ({@link ServerSetup#connect()}), so it is the server's own database engine that answers. The cache
 * lives in the server's heap and grows with the database up to its maximum (16 MB by default): a heap series of an H2
 * server rises while it fills.
 *
 * @param usedMb MB in use, -1 if unknown
 * @param maxMb the most it may hold, MB, -1 if unknown
 * @param fileBytes the size of the database file ({@code info.FILE_SIZE}), -1 if unknown
 */
public record H2Cache(long usedMb, long maxMb, long fileBytes) {

    static final H2Cache UNKNOWN = new H2Cache(-1, -1, -1);

    /** Reads it; {@link #UNKNOWN} on PostgreSQL or if H2 does not answer. */
    public static H2Cache read(ServerSetup setup) {
        if (setup.onPostgres()) {
            return UNKNOWN;
        }
        long used = -1;
        long max = -1;
        long file = -1;
        try (Connection connection = setup.connect(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select setting_name, setting_value from "
                        + "information_schema.settings where setting_name in ('info.CACHE_SIZE', "
                        + "'info.CACHE_MAX_SIZE', 'info.FILE_SIZE')")) {
            while (rows.next()) {
                long value = Long.parseLong(rows.getString(2).trim());
                switch (rows.getString(1)) {
                    case "info.CACHE_SIZE":
                        used = value;
                        break;
                    case "info.CACHE_MAX_SIZE":
                        max = value;
                        break;
                    default:
                        file = value;
                }
            }
        } catch (SQLException | NumberFormatException e) {
            return UNKNOWN;
        }
        return new H2Cache(used, max, file);
    }

    boolean known() {
        return usedMb >= 0 && maxMb >= 0;
    }

    @Override
    public String toString() {
        return known() ? "H2 page cache " + usedMb + " of " + maxMb + " MB, file " + Soak.mb(fileBytes)
                : "H2 page cache unknown";
    }
}
