package io.otpgate.server.django;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.otpgate.core.ThrottleState;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceThrottling;
import io.otpgate.spring.hotp.HotpDeviceRepository;
import io.otpgate.spring.recovery.RecoveryCodeDigests;
import io.otpgate.spring.recovery.StaticDeviceRepository;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;
import io.otpgate.spring.totp.TotpDeviceRepository;
import io.otpgate.server.user.OAuthProfileRepository;
import io.otpgate.server.user.UserRepository;

/**
 * Imports users, their devices and profiles from a Django system that used django-otp: the JSON of
 * {@code manage.py dumpdata auth.user otp_totp otp_static accounts}, with {@code otp_hotp} where that app is
 * installed (see {@link DjangoDumpReader} for what is read). After the import each user logs in with the old
 * password (Django's PBKDF2 hash is kept, and replaced by argon2id on the first login) and the authenticator app
 * they already have.
 *
 * <p>All or nothing: the whole file is read and checked first, then everything is written in one transaction.
 * Users are matched on their Django id ({@code auth_user.django_id}): one imported before is skipped with its
 * devices and profiles, so a second run of the same file changes nothing. A user whose username exists in otpgate
 * without that Django id stops the import. Secrets are never stored in clear: TOTP and HOTP keys and OAuth
 * credentials are sealed, static tokens stored as keyed digests. A Django password that can never match
 * ({@code !...}, or empty) is kept as Django wrote it, and matches nothing in otpgate either.
 */
@Service
public class DjangoImport {

    private final UserRepository users;
    private final TotpDeviceRepository totpDevices;
    private final HotpDeviceRepository hotpDevices;
    private final StaticDeviceRepository staticDevices;
    private final OAuthProfileRepository oauthProfiles;
    private final RecoveryCodeDigests digests;
    private final DeviceThrottling throttling;
    private final SecurityEvents events;
    private final TransactionTemplate transaction;
    private final TransactionTemplate readOnlyTransaction;
    private final Clock clock;

    DjangoImport(UserRepository users, TotpDeviceRepository totpDevices, HotpDeviceRepository hotpDevices,
            StaticDeviceRepository staticDevices, OAuthProfileRepository oauthProfiles, RecoveryCodeDigests digests,
            DeviceThrottling throttling, SecurityEvents events, PlatformTransactionManager transactions,
            Clock clock) {
        this.users = users;
        this.totpDevices = totpDevices;
        this.hotpDevices = hotpDevices;
        this.staticDevices = staticDevices;
        this.oauthProfiles = oauthProfiles;
        this.digests = digests;
        this.throttling = throttling;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
        this.readOnlyTransaction = new TransactionTemplate(transactions);
        this.readOnlyTransaction.setReadOnly(true);
        this.clock = clock;
    }

    /**
     * Imports a dump file.
     *
     * @param dryRun true to read, check and count only: nothing is written
     * @param progress called with the number of objects read so far, every 10 000 objects (a large file takes a
     *     while); not called from inside the transaction
     * @return what was imported (or would be, on a dry run)
     * @throws OtpgateException INVALID if the file cannot be read or breaks a rule (nothing is written);
     *     CONFLICT if a username of the dump exists in otpgate without having been imported from it (nothing is
     *     written)
     */
    public Summary importFile(Path file, boolean dryRun, LongConsumer progress) {
        DjangoDump dump = new DjangoDumpReader(clock.instant()).read(file, progress);
        if (dryRun) {
            return readOnlyTransaction.execute(t -> new Writer(dump, true).run());
        }
        try {
            return transaction.execute(t -> new Writer(dump, false).run());
        } catch (DuplicateKeyException e) {
            // A user created between the check and the insert (a command or the server beside this one).
            throw OtpgateException.conflict("a username of the dump was taken while importing; nothing was "
                    + "imported: run import-django again");
        }
    }

    /** The import of one dump, within one transaction. */
    private final class Writer {

        private final DjangoDump dump;
        private final boolean dryRun;
        /** Django user pk to otpgate user id, for the users imported now. */
        private final Map<Long, Long> userIds = new HashMap<>();
        private final Map<Long, Counts> counts = new LinkedHashMap<>();
        private final Counts total = new Counts();

        Writer(DjangoDump dump, boolean dryRun) {
            this.dump = dump;
            this.dryRun = dryRun;
        }

        Summary run() {
            List<DjangoDump.User> fresh = new ArrayList<>();
            List<String> conflicts = new ArrayList<>();
            int skipped = 0;
            for (DjangoDump.User user : dump.users.values()) {
                if (users.existsByDjangoId(user.pk())) {
                    skipped++;
                } else if (users.findByUsername(user.user().username()).isPresent()) {
                    conflicts.add(Texts.quote(user.user().username()));
                } else {
                    fresh.add(user);
                }
            }
            if (!conflicts.isEmpty()) {
                throw OtpgateException.conflict((conflicts.size() == 1 ? "user " + conflicts.get(0) + " exists"
                        : conflicts.size() + " users exist (" + String.join(", ", conflicts.subList(0,
                                Math.min(5, conflicts.size()))) + (conflicts.size() > 5 ? ", ..." : "") + ")")
                        + " in otpgate but " + (conflicts.size() == 1 ? "was" : "were")
                        + " not imported from this Django database; nothing was imported");
            }
            int unusable = 0;
            for (DjangoDump.User user : fresh) {
                long id = dryRun ? -user.pk() : users.insert(user.user(), user.passwordHash(), user.dateJoined(),
                        user.lastLogin(), user.active(), user.pk());
                userIds.put(user.pk(), id);
                counts.put(user.pk(), new Counts());
                unusable += user.usablePassword() ? 0 : 1;
            }
            importTotpDevices();
            importHotpDevices();
            importStaticDevices();
            importProfiles();
            if (!dryRun) {
                counts.forEach((pk, c) -> events.record(SecurityEventKind.DJANGO_IMPORTED, userIds.get(pk), null,
                        null, "from Django user " + pk + ": " + c.describe()));
            }
            return new Summary(dryRun, dump.objectsRead, fresh.size(), skipped, unusable, total.totp, total.hotp,
                    total.staticDevices, total.tokens, total.profiles, total.oauthProfiles,
                    Collections.unmodifiableMap(new LinkedHashMap<>(dump.ignored)));
        }

        private void importTotpDevices() {
            for (DjangoDump.TotpDevice d : dump.totpDevices.values()) {
                Long userId = userIds.get(d.userPk());
                if (userId == null) {
                    continue;
                }
                if (!dryRun) {
                    long id = totpDevices.insert(userId, d.name(), d.confirmed(), d.key(), d.settings(),
                            d.tolerance(), d.drift(), d.lastStep(), d.createdAt());
                    restoreThrottle(new DeviceRef(DeviceKind.TOTP, id), d.throttle());
                }
                counts.get(d.userPk()).totp++;
                total.totp++;
            }
        }

        private void importHotpDevices() {
            for (DjangoDump.HotpDevice d : dump.hotpDevices.values()) {
                Long userId = userIds.get(d.userPk());
                if (userId == null) {
                    continue;
                }
                if (!dryRun) {
                    long id = hotpDevices.insert(userId, d.name(), d.confirmed(), d.key(), d.settings(),
                            d.tolerance(), d.counter(), d.createdAt());
                    restoreThrottle(new DeviceRef(DeviceKind.HOTP, id), d.throttle());
                }
                counts.get(d.userPk()).hotp++;
                total.hotp++;
            }
        }

        private void importStaticDevices() {
            Map<Long, List<DjangoDump.StaticToken>> tokens = dump.tokensByDevice();
            for (DjangoDump.StaticDevice d : dump.staticDevices.values()) {
                Long userId = userIds.get(d.userPk());
                if (userId == null) {
                    continue;
                }
                List<DjangoDump.StaticToken> own = tokens.getOrDefault(d.pk(), List.of());
                if (!dryRun) {
                    long id = staticDevices.insert(userId, d.name(), d.confirmed(),
                            own.stream().map(t -> digests.ofDjangoToken(t.token())).toList(), d.createdAt());
                    restoreThrottle(new DeviceRef(DeviceKind.STATIC, id), d.throttle());
                }
                Counts c = counts.get(d.userPk());
                c.staticDevices++;
                c.tokens += own.size();
                total.staticDevices++;
                total.tokens += own.size();
            }
        }

        private void importProfiles() {
            for (DjangoDump.UserProfile p : dump.profiles.values()) {
                Long userId = userIds.get(p.userPk());
                if (userId == null) {
                    continue;
                }
                if (!dryRun) {
                    users.insertProfile(userId, p.profile());
                }
                counts.get(p.userPk()).profiles++;
                total.profiles++;
            }
            for (DjangoDump.OAuthProfile p : dump.oauthProfiles.values()) {
                Long userId = userIds.get(p.userPk());
                if (userId == null) {
                    continue;
                }
                if (!dryRun) {
                    oauthProfiles.insert(userId, p.serviceName(), p.url(), p.credentials());
                }
                counts.get(p.userPk()).oauthProfiles++;
                total.oauthProfiles++;
            }
        }

        private void restoreThrottle(DeviceRef device, ThrottleState state) {
            if (state.failureCount() > 0) {
                throttling.restore(device, state);
            }
        }
    }

    /** What was imported for one user, or for all. */
    private static final class Counts {
        int totp;
        int hotp;
        int staticDevices;
        int tokens;
        int profiles;
        int oauthProfiles;

        String describe() {
            return totp + " TOTP, " + hotp + " HOTP, " + staticDevices + " static device(s) with " + tokens
                    + " token(s), " + profiles + " profile(s), " + oauthProfiles + " OAuth profile(s)";
        }
    }

    /**
     * What an import did (or, on a dry run, would do). Counts only: never a secret.
     *
     * @param objectsRead objects in the file, of every model
     * @param usersImported users written now (or that would be, on a dry run)
     * @param usersSkipped users imported by an earlier run (matched on their Django id), skipped with their
     *     devices and profiles
     * @param unusablePasswords imported users whose Django password can never match ({@code !...}): they need a
     *     new password before they can log in
     * @param staticTokens tokens of the imported static devices, stored as digests
     * @param ignored objects of other models, and relations left out ({@code auth.user.groups},
     *     {@code auth.user.user_permissions}), by name
     */
    public record Summary(boolean dryRun, long objectsRead, int usersImported, int usersSkipped,
            int unusablePasswords, int totpDevices, int hotpDevices, int staticDevices, int staticTokens,
            int profiles, int oauthProfiles, Map<String, Long> ignored) {
    }
}
