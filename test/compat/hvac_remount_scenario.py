# Moves a KV engine and a userpass method on a running dev Coffer server with hvac's sys.move_backend; prints one JSON line.
import os

import hvac
from scenario_steps import expect_error, report, results, step

ADDR = os.environ["VAULT_ADDR"]
ROOT = os.environ["VAULT_TOKEN"]

admin = hvac.Client(url=ADDR, token=ROOT)


def wait_for(migration_id):
    """Poll the move's status until it ends; each poll is a round trip (hvac 0.11 has no call for it)."""
    for _ in range(10000):
        info = admin.read("sys/remount/status/" + migration_id)["data"]["migration_info"]
        if info["status"] != "in-progress":
            return info
    return "never ended"


# --- a KV v2 engine ------------------------------------------------------------------------------------
admin.sys.enable_secrets_engine("kv", path="team-kv", options={"version": "2"})
admin.secrets.kv.v2.create_or_update_secret(path="app", secret={"password": "p1"}, mount_point="team-kv")
moved = admin.sys.move_backend("team-kv", "apps-kv")
results["move_kv"] = {"has_id": bool(moved["data"]["migration_id"]), "top_level": moved.get("migration_id") == moved["data"]["migration_id"]}
step("kv_status", lambda: wait_for(moved["data"]["migration_id"]))
step("kv_read_new", lambda: admin.secrets.kv.v2.read_secret_version(path="app", mount_point="apps-kv")["data"]["data"])
step("kv_read_old", lambda: expect_error(lambda: admin.secrets.kv.v2.read_secret_version(path="app", mount_point="team-kv")))
step("kv_listed", lambda: sorted(k for k in admin.sys.list_mounted_secrets_engines()["data"] if k.endswith("-kv/")))

# --- a userpass method ----------------------------------------------------------------------------------
admin.sys.enable_auth_method("userpass", path="people")
admin.auth.userpass.create_or_update_user("ana", password="pw-ana-1", mount_point="people")
user = hvac.Client(url=ADDR)
user.auth.userpass.login("ana", "pw-ana-1", mount_point="people")
moved_auth = admin.sys.move_backend("auth/people", "auth/staff")
step("auth_status", lambda: wait_for(moved_auth["data"]["migration_id"]))
step("old_token", lambda: expect_error(lambda: user.auth.token.lookup_self()))
step("login_new", lambda: bool(hvac.Client(url=ADDR).auth.userpass.login("ana", "pw-ana-1", mount_point="staff")["auth"]["client_token"]))
step("login_old", lambda: expect_error(lambda: hvac.Client(url=ADDR).auth.userpass.login("ana", "pw-ana-1", mount_point="people")))

# --- refusals ---------------------------------------------------------------------------------------------
step("move_sys", lambda: expect_error(lambda: admin.sys.move_backend("sys", "system")))
step("move_into_use", lambda: expect_error(lambda: admin.sys.move_backend("apps-kv", "secret")))
step("auth_to_secrets", lambda: expect_error(lambda: admin.sys.move_backend("auth/staff", "staff")))

report()
