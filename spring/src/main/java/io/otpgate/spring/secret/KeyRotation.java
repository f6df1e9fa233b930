package io.otpgate.spring.secret;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.system.OtpgateException;

/**
 * Re-seals every sealed value (each {@link SealedColumn}) under the primary key, all or nothing: the
 * {@code rotate-key} command.
 *
 * <p><b>With a key file</b> (the embedded default), a new key is made:
 * <ol>
 * <li>the file is rewritten (atomically) with the new key as primary, followed by the old keys, and this process
 * seals with the new key from then on;
 * <li>in one database transaction every sealed row is locked ({@code select ... for update}) and each value whose
 * key ({@link SecretBox#keyIdOf}) is not the new one is opened and sealed again under it;
 * <li>after the commit, the file is rewritten with the new key only ({@link KeyRing#primaryOnly()}), and the
 * running {@link SecretBox} drops the old keys.
 * </ol>
 * If step 2 fails (a value under a key that is not in the ring, an altered value, a database error), the transaction
 * rolls back: the database is as before, and the file still holds the old keys beside the new one, so every value
 * opens as it did and nothing is lost; {@code rotate-key} can run again once the cause is fixed. If values sealed
 * under an old key appear after step 2 (a request that sealed with the old ring meanwhile), step 2 runs again, up to
 * {@value #MAX_PASSES} times; should they keep appearing, the old keys stay in the file and the summary says so.
 *
 * <p><b>With keys from configuration</b> ({@code otpgate.secrets.keys}) no key is made: the operator puts a new key
 * first in the configuration of every instance, restarts them, and runs {@code rotate-key}, which re-seals everything
 * under that configured primary and names the other configured keys, which no value uses any more: the operator then
 * removes them from the configuration.
 *
 * <p>Other processes sharing the database follow the key file ({@link SecretBox} reads it again within
 * {@link SecretBox#KEY_FILE_CHECK_INTERVAL} of a change): after step 1 the rotation waits twice that interval, so
 * that every running server seals under the new key before the re-sealing passes, and a value a server sealed
 * under the old key meanwhile is caught by a later pass. Instances on other machines need the same key file (a
 * shared volume), or keys from configuration.
 */
@Service
public class KeyRotation {

    private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);

    /** How many times values left under an old key are looked for and re-sealed. */
    static final int MAX_PASSES = 3;

    private final JdbcClient jdbc;
    private final SecretBox box;
    private final SecretConfiguration.KeySource source;
    private final SecureRandom random;
    private final SecurityEvents events;
    private final TransactionTemplate transaction;
    private final List<SealedColumn> columns;

    /**
     * @param applicationColumns the application's own sealed columns, beside {@link SealedColumn#LIBRARY}
     */
    KeyRotation(JdbcClient jdbc, SecretBox box, SecretConfiguration.KeySource source, SecureRandom random,
            SecurityEvents events, PlatformTransactionManager transactions, List<SealedColumn> applicationColumns) {
        this.jdbc = jdbc;
        List<SealedColumn> all = new ArrayList<>(SealedColumn.LIBRARY);
        applicationColumns.stream().filter(column -> !all.contains(column)).forEach(all::add);
        this.columns = List.copyOf(all);
        this.box = box;
        this.source = source;
        this.random = random;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
    }

    /**
     * Rotates: with a key file, to a new key; with configured keys, to the configured primary.
     *
     * @throws OtpgateException CONFLICT if a value cannot be opened (a key id not in the ring, or an altered value),
     *     or the key file cannot be read; nothing is changed then (see the class comment for the key file)
     * @throws UncheckedIOException if the key file cannot be written
     */
    public synchronized Summary rotate() {
        Path file = source.keyFile();
        return file == null ? rotateConfigured() : rotateFile(file);
    }

    private Summary rotateConfigured() {
        KeyRing ring = box.keyRing();
        Passes passes = resealAll(ring, "configured keys");
        Set<Integer> unused = new LinkedHashSet<>(ring.ids());
        unused.remove(ring.primaryId());
        return new Summary(ring.primaryId(), ring.primaryId(), passes.resealed(),
                passes.done() ? unused : Set.of(), null, !passes.done());
    }

    private Summary rotateFile(Path file) {
        KeyRing current;
        try {
            // The file, not the ring in memory: another process may have rotated since this one started.
            current = KeyFile.read(file);
        } catch (IllegalStateException e) {
            throw OtpgateException.conflict(e.getMessage() + "; nothing was changed");
        }
        KeyRing next = current.withNewPrimary(random);
        write(file, next, "nothing was changed");
        box.useKeyRing(next);
        awaitOtherProcesses();
        log.info("key file {} now holds the new key {} and the old keys {}", file, next.primaryId(), current.ids());
        Passes passes;
        try {
            passes = resealAll(next, "key file");
        } catch (OtpgateException e) {
            throw OtpgateException.conflict(e.getMessage() + "; the key file " + file + " holds the new key "
                    + next.primaryId() + " and the old ones, and opens every value as before");
        } catch (RuntimeException e) {
            log.warn("key rotation failed, nothing was re-sealed; key file {} holds the new key {} and the old keys {}",
                    file, next.primaryId(), current.ids());
            throw e;
        }
        if (!passes.done()) {
            log.warn("values kept appearing under old keys; key file {} keeps the old keys {}", file, current.ids());
            return new Summary(current.primaryId(), next.primaryId(), passes.resealed(), Set.of(), file, true);
        }
        KeyRing only = next.primaryOnly();
        write(file, only, "every value is sealed under the new key " + next.primaryId()
                + ", and the key file still holds it with the old ones, which is safe");
        box.useKeyRing(only);
        log.info("key file {} holds key {} only", file, only.primaryId());
        return new Summary(current.primaryId(), next.primaryId(), passes.resealed(), current.ids(), file, false);
    }

    /** Gives servers that follow the key file the time to pick up the new primary key. */
    private static void awaitOtherProcesses() {
        try {
            Thread.sleep(SecretBox.KEY_FILE_CHECK_INTERVAL.multipliedBy(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for servers to read the new key; the key file "
                    + "holds the new key and the old ones, and opens every value as before", e);
        }
    }

    /**
     * The passes of a rotation.
     *
     * @param resealed values re-sealed per column, over all passes
     * @param done whether the last pass found no value under another key
     */
    private record Passes(Map<SealedColumn, Integer> resealed, boolean done) {
    }

    /**
     * Re-seals, in one transaction per pass, every value not under the ring's primary key, until a pass finds none
     * or {@value #MAX_PASSES} passes have run. The first pass records the security event.
     */
    private Passes resealAll(KeyRing ring, String keySource) {
        SecretBox sealer = new SecretBox(ring, random);
        Map<SealedColumn, Integer> total = new LinkedHashMap<>();
        for (SealedColumn column : columns) {
            total.put(column, 0);
        }
        for (int pass = 1; pass <= MAX_PASSES; pass++) {
            boolean first = pass == 1;
            Map<SealedColumn, Integer> counts;
            try {
                counts = transaction.execute(t -> {
                    Map<SealedColumn, Integer> resealed = reseal(sealer, ring.primaryId());
                    if (first) {
                        events.record(SecurityEventKind.KEY_ROTATED, null, null, null, describe(resealed)
                                + " re-sealed under key " + ring.primaryId() + " (" + keySource + ")");
                    }
                    return resealed;
                });
            } catch (SealedValueException e) {
                int done = total.values().stream().mapToInt(Integer::intValue).sum();
                throw OtpgateException.conflict("key rotation failed, " + (first ? "nothing was re-sealed"
                        : "after re-sealing " + done + " values under key " + ring.primaryId()) + ": "
                        + e.getMessage());
            }
            counts.forEach((column, n) -> total.merge(column, n, Integer::sum));
            if (counts.values().stream().allMatch(n -> n == 0)) {
                return new Passes(Collections.unmodifiableMap(total), true);
            }
        }
        return new Passes(Collections.unmodifiableMap(total), false);
    }

    /**
     * One pass, in the caller's transaction: locks each table's rows and re-seals the values under other keys.
     *
     * @throws SealedValueException if a value does not open (the transaction then rolls back)
     */
    private Map<SealedColumn, Integer> reseal(SecretBox sealer, int primaryId) {
        Map<SealedColumn, Integer> counts = new LinkedHashMap<>();
        for (SealedColumn column : columns) {
            var rows = jdbc.sql("select " + column.idColumn() + ", " + column.column() + " from " + column.table()
                    + " order by " + column.idColumn() + " for update")
                    .query((rs, n) -> new Row(rs.getLong(1), rs.getBytes(2))).list();
            int resealed = 0;
            for (Row row : rows) {
                if (row.sealed() != null && row.sealed().length > 5 && SecretBox.keyIdOf(row.sealed()) == primaryId) {
                    continue;
                }
                byte[] plaintext = sealer.open(row.sealed(), column, row.id());
                try {
                    jdbc.sql("update " + column.table() + " set " + column.column() + " = ? where "
                            + column.idColumn() + " = ?")
                            .params(sealer.seal(plaintext, column, row.id()), row.id()).update();
                } finally {
                    Arrays.fill(plaintext, (byte) 0);
                }
                resealed++;
            }
            counts.put(column, resealed);
        }
        return counts;
    }

    private record Row(long id, byte[] sealed) {
    }

    private static void write(Path file, KeyRing ring, String state) {
        try {
            KeyFile.write(file, ring);
        } catch (IllegalStateException e) {
            IOException cause = e.getCause() instanceof IOException io ? io : new IOException(e.getMessage());
            throw new UncheckedIOException(e.getMessage() + "; " + state, cause);
        }
    }

    private static String describe(Map<SealedColumn, Integer> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /**
     * What a rotation did. Key ids only, never a key.
     *
     * @param previousPrimaryId the primary key before (the same as {@code primaryId} with configured keys)
     * @param primaryId the key every value is sealed under now
     * @param resealed values re-sealed, per column
     * @param retiredKeyIds keys no value uses any more: removed from the key file, or (configured keys) to be
     *     removed from the configuration by the operator; empty if {@code oldKeysKept}
     * @param keyFile the key file rewritten, or null with configured keys
     * @param oldKeysKept true if values kept appearing under old keys (another process sealing with an old ring), so
     *     the old keys were not dropped: restart every instance and run rotate-key again
     */
    public record Summary(int previousPrimaryId, int primaryId, Map<SealedColumn, Integer> resealed,
            Set<Integer> retiredKeyIds, Path keyFile, boolean oldKeysKept) {

        /** The number of values re-sealed, in every column. */
        public int total() {
            return resealed.values().stream().mapToInt(Integer::intValue).sum();
        }
    }
}
