package io.otpgate.spring.factor;

import java.util.Set;

import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceService;

/**
 * Makes the factor's filter for each chain it is applied to (a bean; the filter itself is no bean, so the servlet
 * container never runs it outside Spring Security).
 */
public class OtpFactorFilters {

    private final Accounts accounts;
    private final DeviceService devices;
    private final PolicyProperties policy;
    private final Set<String> openPaths;
    private final UserKeyResolver userKeys;
    private final TrustedBrowserFactor trustedBrowsers;

    /**
     * @param openPaths otpgate's code endpoints under the JSON API's prefix, reachable without the factor
     */
    public OtpFactorFilters(Accounts accounts, DeviceService devices, PolicyProperties policy, Set<String> openPaths,
            UserKeyResolver userKeys, TrustedBrowserFactor trustedBrowsers) {
        this.trustedBrowsers = trustedBrowsers;
        this.userKeys = userKeys;
        this.accounts = accounts;
        this.devices = devices;
        this.policy = policy;
        this.openPaths = Set.copyOf(openPaths);
    }

    public OtpFactorFilter newFilter() {
        return new OtpFactorFilter(accounts, devices, policy, openPaths, userKeys, trustedBrowsers);
    }
}
