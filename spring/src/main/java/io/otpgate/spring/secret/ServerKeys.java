package io.otpgate.spring.secret;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import io.otpgate.core.OtpSecret;
import io.otpgate.spring.system.SqlTime;

/**
 * The server's own keys, made on first use and kept sealed in the database, so that every instance sharing the
 * database uses the same ones. Several instances making the same key at once agree on whichever was stored first.
 */
@Component
public class ServerKeys {

    private final JdbcClient jdbc;
    private final SecretBox box;
    private final SecureRandom random;
    private final Clock clock;
    private final TransactionTemplate ownTransaction;
    private final Map<ServerKey, OtpSecret> cache = new ConcurrentHashMap<>();
    private final Map<ServerKey, byte[]> materials = new ConcurrentHashMap<>();

    ServerKeys(JdbcClient jdbc, SecretBox box, SecureRandom random, Clock clock,
            PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        // A key is stored in a transaction of its own: were it stored in the caller's, a rollback there would lose
        // a key that this instance has already used.
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.box = box;
        this.random = random;
        this.clock = clock;
    }

    /** The key, made and stored on first use. */
    public OtpSecret get(ServerKey key) {
        OtpSecret known = cache.get(key);
        return known != null ? known
                : cache.computeIfAbsent(key, k -> OtpSecret.ofBytes(loadOrCreate(k, r -> OtpSecret.generate(
                        k.length(), r).exposeBytes())));
    }

    /**
     * Key material that {@code maker} makes on first use (an encoded key pair, say), stored sealed like the other
     * keys; every instance gets the same.
     *
     * @return a copy
     */
    public byte[] material(ServerKey key, Function<SecureRandom, byte[]> maker) {
        return materials.computeIfAbsent(key, k -> loadOrCreate(k, maker)).clone();
    }

    private byte[] loadOrCreate(ServerKey key, Function<SecureRandom, byte[]> maker) {
        // Read on the caller's connection first: a caller inside a transaction holds one, and asking the pool for a
        // second while every connection is held by requests waiting on that caller's row locks never returns.
        Optional<byte[]> stored = load(key);
        if (stored.isPresent()) {
            return stored.get();
        }
        try {
            return ownTransaction.execute(t -> load(key).orElseGet(() -> {
                byte[] made = maker.apply(random);
                jdbc.sql("insert into otpgate_server_key (id, name, sealed_key, created_at) values (?, ?, ?, ?)")
                        .params(key.id(), key.keyName(), box.seal(made, SealedColumn.SERVER_KEY, key.id()),
                                SqlTime.of(clock.instant()))
                        .update();
                return made;
            }));
        } catch (DuplicateKeyException e) {
            // Another instance stored it first (its transaction is over; ours was rolled back): use that one.
            return ownTransaction.execute(t -> load(key).orElseThrow(() -> e));
        }
    }

    private Optional<byte[]> load(ServerKey key) {
        return jdbc.sql("select sealed_key from otpgate_server_key where id = ?").param(key.id())
                .query((rs, n) -> box.open(rs.getBytes(1), SealedColumn.SERVER_KEY, key.id()))
                .optional();
    }
}
