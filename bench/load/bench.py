#!/usr/bin/env python3
"""Helper of bench/load/run.sh: makes the benchmark's users, gets their tokens, and writes the wrk scripts' inputs.

All files are in the work directory given with --dir. Standard library only. TOTP as otpgate's defaults and
django-otp: RFC 6238, HMAC-SHA1, 6 digits, 30-s step, t0 = 0.

  dump N_ME N_LOGIN   dump.json: a Django `dumpdata` of N_ME + N_LOGIN users, each with a cheap pbkdf2_sha256
                      password hash and one confirmed TOTP device; users.tsv: index, username, hex key, role.
  tokens              "me" users: POST /api/token, then POST /api/totp/login with the current code: their
                      OTP-verified access tokens go to me_tokens.txt, their password-only ones to status_tokens.txt.
                      Their verified sessions' refresh tokens go to refresh_tokens.txt (POST /api/token/refresh),
                      their names to usernames.txt (POST /api/token).
                      "login" users: password-only access tokens in login_tokens.tsv, for POST /api/totp/login.
                      Each first login costs the server an argon2id hash (it replaces the Django hash), so with
                      BENCH_TOKEN_SECRET set (the server's otpgate.token.secret) only a sample of the login users
                      logs in for real, and the others' tokens are signed here from a real token (same claims,
                      their own user_id and jti); their user ids are checked against the real sample.
  refresh-tokens      refresh_tokens.txt: a new session's refresh token for each "me" user (POST /api/token).
  codes               login_pairs.txt: "index token code", one fresh valid pair per login user (the code of the
                      current step); the first --warm users' pairs go to login_warm_pairs.txt instead.
  same-shape A B      checks that the JSON documents in files A (otpgate's GET /api/me) and B (the floor's) have the
                      same fields, nested alike, with values of the same types, and prints both sizes.
"""
import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import secrets
import struct
import sys
import threading
import time
import uuid

PASSWORD = "bench-password-1"
STEP = 30
DJANGO_ITERATIONS = 1000  # cheap for the server to check once; it replaces the hash at the first login


def totp(key: bytes, step: int) -> str:
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims(token: str) -> dict:
    return json.loads(unb64url(token.split(".")[1]))


def cmd_dump(args):
    # One hash for all (one password): password hashing is not what is measured here.
    salt = "bench" + secrets.token_hex(6)
    digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt.encode(), DJANGO_ITERATIONS, 32)
    hashed = "pbkdf2_sha256$%d$%s$%s" % (DJANGO_ITERATIONS, salt, base64.b64encode(digest).decode())
    objects, rows = [], []
    roles = ["me"] * args.n_me + ["login"] * args.n_login
    for index, role in enumerate(roles):
        pk = index + 1
        name = "bench-%s-%05d" % (role, index)
        key = secrets.token_hex(20)
        objects.append({"model": "auth.user", "pk": pk, "fields": {
            "password": hashed, "last_login": None, "is_superuser": False, "username": name,
            "first_name": "Bench", "last_name": role.capitalize(), "email": name + "@example.invalid",
            "is_staff": False, "is_active": True, "date_joined": "2024-01-01T00:00:00.000Z",
            "groups": [], "user_permissions": []}})
        objects.append({"model": "otp_totp.totpdevice", "pk": pk, "fields": {
            "user": pk, "name": "phone", "confirmed": True, "throttling_failure_timestamp": None,
            "throttling_failure_count": 0, "key": key, "step": STEP, "t0": 0, "digits": 6,
            "tolerance": 1, "drift": 0, "last_t": -1}})
        rows.append("%d\t%s\t%s\t%s\n" % (index, name, key, role))
    with open(os.path.join(args.dir, "dump.json"), "w") as f:
        json.dump(objects, f)
    with open(os.path.join(args.dir, "users.tsv"), "w") as f:
        f.writelines(rows)
    print("dump: %d users (%d for /api/me and /api/totp/status, %d for /api/totp/login), one confirmed TOTP "
          "device each, pbkdf2_sha256 with %d iterations" % (len(roles), args.n_me, args.n_login,
                                                              DJANGO_ITERATIONS))


class Client:
    """HTTP/1.1 keep-alive, one connection per thread."""

    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def call(self, method, path, body=None, token=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        try:
            conn.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                         headers=headers)
            response = conn.getresponse()
            text = response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            self.local.conn = None
            raise
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text[:200]


def read_users(directory):
    with open(os.path.join(directory, "users.tsv")) as f:
        return [(int(i), name, bytes.fromhex(key), role)
                for i, name, key, role in (line.rstrip("\n").split("\t") for line in f)]


def cmd_tokens(args):
    users = read_users(args.dir)
    me = [u for u in users if u[3] == "me"]
    login = [u for u in users if u[3] == "login"]
    secret = os.environ.get("BENCH_TOKEN_SECRET")
    if secret and login:
        stride = max(1, len(login) // args.sample)
        real_login = login[::stride]
    else:
        real_login = login
    client = Client(args.port)
    failures = []

    def password_login(user):
        index, name, key, role = user
        status, body = client.call("POST", "/api/token", {"username": name, "password": PASSWORD})
        if status != 200:
            failures.append("POST /api/token as %s: %s %s" % (name, status, body))
            return None
        return body["access"]

    def me_login(user):
        password_token = password_login(user)
        if password_token is None:
            return None
        code = totp(user[2], int(time.time()) // STEP)
        status, body = client.call("POST", "/api/totp/login", {"token": code}, password_token)
        if status != 200:
            failures.append("POST /api/totp/login as %s: %s %s" % (user[1], status, body))
            return None
        return password_token, body["access"], body["refresh"]

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        me_tokens = list(pool.map(me_login, me))
        real_tokens = list(pool.map(password_login, real_login))
    elapsed = time.monotonic() - started
    print("tokens: %d first password logins (POST /api/token, each rehashing a Django hash to argon2id) and %d "
          "code logins in %.1f s with %d client threads: %.1f password logins/s"
          % (len(me) + len(real_login), len(me), elapsed, args.workers, (len(me) + len(real_login)) / elapsed))
    if failures:
        for line in failures[:10]:
            print("  FAILED " + line, file=sys.stderr)
        sys.exit("tokens: %d requests failed" % len(failures))

    with open(os.path.join(args.dir, "me_tokens.txt"), "w") as f:
        f.writelines(otp + "\n" for _, otp, _ in me_tokens)
    with open(os.path.join(args.dir, "status_tokens.txt"), "w") as f:
        f.writelines(password + "\n" for password, _, _ in me_tokens)
    with open(os.path.join(args.dir, "refresh_tokens.txt"), "w") as f:
        f.writelines(refresh + "\n" for _, _, refresh in me_tokens)
    with open(os.path.join(args.dir, "usernames.txt"), "w") as f:
        f.writelines(u[1] + "\n" for u in me)

    tokens = {u[0]: t for u, t in zip(real_login, real_tokens)}
    if len(tokens) < len(login):
        tokens.update(mint(secret, login, real_login, real_tokens, me, me_tokens))
    with open(os.path.join(args.dir, "login_tokens.tsv"), "w") as f:
        f.writelines("%d\t%s\n" % (u[0], tokens[u[0]]) for u in login)


def cmd_refresh_tokens(args):
    """Fresh sessions' refresh tokens for the "me" users (POST /api/token), to refresh_tokens.txt."""
    me = [u for u in read_users(args.dir) if u[3] == "me"]
    client = Client(args.port)

    def login(user):
        status, body = client.call("POST", "/api/token", {"username": user[1], "password": PASSWORD})
        if status != 200:
            sys.exit("refresh-tokens: POST /api/token as %s: %s %s" % (user[1], status, body))
        return body["refresh"]

    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        tokens = list(pool.map(login, me))
    with open(os.path.join(args.dir, "refresh_tokens.txt"), "w") as f:
        f.writelines(t + "\n" for t in tokens)


def mint(secret_b64, login, real_login, real_tokens, me, me_tokens):
    """Password-only access tokens for the login users who did not log in, signed as the server signs them."""
    key = base64.b64decode(secret_b64)
    # import-django inserts the users in the dump's order, so user id = first id + index; check it on every real one.
    known = [(u[0], claims(t)["user_id"]) for u, t in zip(real_login, real_tokens)]
    known += [(u[0], claims(pw)["user_id"]) for u, (pw, _, _) in zip(me, me_tokens)]
    base = known[0][1] - known[0][0]
    wrong = [(i, uid) for i, uid in known if uid != base + i]
    if wrong:
        sys.exit("tokens: user ids do not follow the dump's order (%s), cannot sign tokens; run with "
                 "BENCH_TOKEN_SECRET unset to log every user in" % wrong[:3])
    template = real_tokens[0]
    header = template.split(".")[0]
    payload = claims(template)
    minted = {}
    for index, name, _, _ in login:
        payload["user_id"] = base + index
        payload["jti"] = str(uuid.uuid4())
        body = header + "." + b64url(json.dumps(payload, separators=(",", ":")).encode())
        minted[index] = body + "." + b64url(hmac.new(key, body.encode(), hashlib.sha256).digest())
    print("tokens: %d more password-only access tokens signed here (user ids checked on %d real logins)"
          % (len(login) - len(real_login), len(known)))
    return minted


def cmd_codes(args):
    keys = {u[0]: u[2] for u in read_users(args.dir)}
    tokens = []
    with open(os.path.join(args.dir, "login_tokens.tsv")) as f:
        for line in f:
            index, token = line.rstrip("\n").split("\t")
            tokens.append((int(index), token))
    # One code per user, of the current step s: with tolerance 1 it is accepted until step s+1 ends, 30 to 60 s from
    # now. (A device would also take s-1 and s+1 once each, but only in increasing order: three codes of one user
    # in flight at once could arrive out of order, and a refusal would throttle the device.)
    step = int(time.time()) // STEP
    for name, part in (("login_warm_pairs.txt", tokens[:args.warm]), ("login_pairs.txt", tokens[args.warm:])):
        with open(os.path.join(args.dir, name), "w") as f:
            f.writelines("%d %s %s\n" % (index, token, totp(keys[index], step)) for index, token in part)
    print("codes: %d fresh (user, code) pairs for the warm-up and %d for the measured run, of step %d (valid for "
          "%.0f s more)" % (min(args.warm, len(tokens)), max(0, len(tokens) - args.warm), step,
                            2 * STEP - time.time() % STEP))


def shape(value):
    """The fields of a JSON value, nested, with the type of each value."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def cmd_same_shape(args):
    sizes, shapes = [], []
    for name in (args.otpgate, args.floor):
        with open(name, "rb") as f:
            raw = f.read()
        sizes.append(len(raw))
        try:
            shapes.append(shape(json.loads(raw)))
        except ValueError:
            shapes.append("not JSON: %r" % raw[:80])
    verdict = "the same fields and types" if shapes[0] == shapes[1] else "NOT THE SAME SHAPE (%s against %s)" % (
        shapes[0], shapes[1])
    print("GET /api/me: otpgate's answer %d bytes, the floor's %d bytes, %s" % (sizes[0], sizes[1], verdict))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=8080)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("dump")
    p.add_argument("n_me", type=int)
    p.add_argument("n_login", type=int)
    p = sub.add_parser("tokens")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--sample", type=int, default=16, help="login users who log in for real")
    p = sub.add_parser("refresh-tokens")
    p.add_argument("--workers", type=int, default=4)
    p = sub.add_parser("same-shape")
    p.add_argument("otpgate")
    p.add_argument("floor")
    p = sub.add_parser("codes")
    p.add_argument("--warm", type=int, default=0, help="login users whose pairs go to the warm-up run")
    args = parser.parse_args()
    {"dump": cmd_dump, "tokens": cmd_tokens, "codes": cmd_codes,
     "refresh-tokens": cmd_refresh_tokens, "same-shape": cmd_same_shape}[args.command](args)


if __name__ == "__main__":
    main()
