-- Failed password logins (POST /api/token and the admin login), shared by every instance on this database, so that
-- two instances behind a load balancer do not give an attacker twice the guesses and a restart forgets nothing.
-- One row per username and one per client address with recent failures. The row is named by an HMAC-SHA-256 digest
-- (under the server key "login-throttle") of "username:" plus the normalised name, or "address:" plus the address:
-- never the name or the address itself. A success deletes the username's row; rows whose last failure is older than
-- otpgate.login.forget-after (their wait long over) are deleted, a bounded batch at each failure.
create table login_throttle (
    subject        bytea    not null primary key,
    failure_count  integer  not null,
    last_failure   timestamp with time zone not null,
    constraint login_throttle_failure_count_check check (failure_count > 0)
);
create index login_throttle_last_failure_idx on login_throttle (last_failure);
