-- Refresh tokens issued by the REST API (seed 004's simplejwt, with rotation and a blacklist). One row per token:
-- a refresh spends its row (used_at) and issues the next token of the same family; presenting a spent token again
-- is a replay, and revokes the whole family. Rows past expires_at are deleted by a periodic sweep.
create table refresh_token (
    jti         varchar(36)  not null primary key,
    family      varchar(36)  not null,
    user_id     bigint       not null references auth_user (id) on delete cascade,
    issued_at   timestamp with time zone not null,
    expires_at  timestamp with time zone not null,
    used_at     timestamp with time zone,
    revoked_at  timestamp with time zone
);

create index refresh_token_family_idx on refresh_token (family);
create index refresh_token_expires_at_idx on refresh_token (expires_at);
create index refresh_token_user_id_idx on refresh_token (user_id);
