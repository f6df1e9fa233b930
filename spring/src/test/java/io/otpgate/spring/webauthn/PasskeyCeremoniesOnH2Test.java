package io.otpgate.spring.webauthn;

/** The passkey ceremonies on H2 (PostgreSQL mode), as an application's embedded database. */
class PasskeyCeremoniesOnH2Test extends PasskeyCeremoniesContract {
}
