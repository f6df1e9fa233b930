-- The password throttle counts failures per (username, client address) too (rows of login_throttle named by the
-- HMAC of "pair:" + address + "/" + normalised name), and remembers where each username logged in: an address from
-- which a username logged in within otpgate.login.familiar-for (30 days) is familiar, and its attempts answer only to
-- their own (username, address) count, not to the username's count over all addresses nor to the address's count
-- over all usernames. One row per (username, address) with a recent success, named by the same HMAC digest as the
-- pair's failures: never the name or the address itself. Rows older than familiar-for are deleted, a bounded batch
-- at each success.
create table login_familiar (
    subject       bytea    not null primary key,
    last_success  timestamp with time zone not null
);
create index login_familiar_last_success_idx on login_familiar (last_success);
