package io.otpgate.server.token;

import java.util.Collection;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

/** An API request authenticated by an access token; the principal is an {@link ApiPrincipal}. */
final class ApiAuthentication extends AbstractAuthenticationToken {

    private final ApiPrincipal principal;
    private final transient Jwt token;

    ApiAuthentication(ApiPrincipal principal, Jwt token, Collection<? extends GrantedAuthority> authorities) {
        super(authorities);
        this.principal = principal;
        this.token = token;
        setAuthenticated(true);
    }

    @Override
    public ApiPrincipal getPrincipal() {
        return principal;
    }

    @Override
    public Jwt getCredentials() {
        return token;
    }

    @Override
    public String getName() {
        return Long.toString(principal.userId());
    }

    @Override
    public String toString() {
        return "ApiAuthentication[" + principal + ", authorities=" + getAuthorities() + "]";
    }
}
