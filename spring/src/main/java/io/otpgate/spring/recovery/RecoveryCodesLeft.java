package io.otpgate.spring.recovery;

import org.springframework.stereotype.Component;

import io.otpgate.spring.notify.RemainingRecoveryCodes;

/** The recovery codes a user has left, for the "a recovery code was used" notification. */
@Component
class RecoveryCodesLeft implements RemainingRecoveryCodes {

    private final StaticDeviceRepository devices;

    RecoveryCodesLeft(StaticDeviceRepository devices) {
        this.devices = devices;
    }

    @Override
    public int count(long accountId) {
        return devices.findByUser(accountId).stream().filter(StaticDevice::confirmed)
                .mapToInt(StaticDevice::codesLeft).sum();
    }
}
