package io.otpgate.spring.factor;

import org.springframework.security.core.Authentication;

/**
 * Which otpgate account an {@code Authentication} is: its user key, at most 255 characters. The starter's default is
 * {@code Authentication.getName()}; an application whose names change (or are not unique across its login methods)
 * defines its own bean, returning a stable id.
 */
@FunctionalInterface
public interface UserKeyResolver {

    String userKey(Authentication authentication);
}
