package io.otpgate.spring.factor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;

/**
 * The authorities of an application's own JWT, with the factor: those of the application's converter (scopes, by
 * default), and {@link OtpFactor#AUTHORITY} when the token names ({@link OtpJwtClaims#DEVICE}) a confirmed device of
 * its subject's account that still exists (and {@link OtpFactor#WEBAUTHN_AUTHORITY} beside it when that device is a
 * passkey). Read on every request, so removing a device takes effect at once.
 * The starter sets it on the {@code JwtAuthenticationConverter} it provides.
 */
public class OtpJwtAuthorities implements Converter<Jwt, Collection<GrantedAuthority>> {

    private final Converter<Jwt, Collection<GrantedAuthority>> delegate;
    private final Accounts accounts;
    private final DeviceService devices;

    public OtpJwtAuthorities(Converter<Jwt, Collection<GrantedAuthority>> delegate, Accounts accounts,
            DeviceService devices) {
        this.delegate = delegate;
        this.accounts = accounts;
        this.devices = devices;
    }

    @Override
    public Collection<GrantedAuthority> convert(Jwt jwt) {
        Collection<GrantedAuthority> granted = delegate.convert(jwt);
        List<GrantedAuthority> authorities = new ArrayList<>(granted == null ? List.of() : granted);
        Optional<DeviceRef> device = DeviceRef.parse(jwt.getClaimAsString(OtpJwtClaims.DEVICE));
        Optional<AccountRef> account = accounts.find(jwt.getSubject());
        if (device.isPresent() && account.isPresent()
                && devices.hasConfirmed(account.get().accountId(), device.get())) {
            // Dated by when the device proved it (otp_time) where the token says, else by when it was minted.
            Object provenAt = jwt.getClaims().get(OtpJwtClaims.OTP_TIME);
            Instant issued = provenAt instanceof Number seconds ? Instant.ofEpochSecond(seconds.longValue())
                    : provenAt instanceof Instant instant ? instant
                    : jwt.getIssuedAt() == null ? Instant.EPOCH : jwt.getIssuedAt();
            authorities.add(FactorGrantedAuthority.withAuthority(OtpFactor.AUTHORITY).issuedAt(issued).build());
            authorities.add(new SimpleGrantedAuthority(OtpFactor.KIND_PREFIX + device.get().kind().name()));
            if (device.get().kind() == DeviceKind.WEBAUTHN) {
                authorities.add(FactorGrantedAuthority.withAuthority(OtpFactor.WEBAUTHN_AUTHORITY).issuedAt(issued)
                        .build());
            }
        }
        return authorities;
    }
}
