# Drives userpass and approle on a running dev Coffer server through hvac's auth.userpass and auth.approle; prints one JSON line.
import os

import hvac
from scenario_steps import expect_error, report, step

ADDR = os.environ["VAULT_ADDR"]
ROOT = os.environ["VAULT_TOKEN"]

admin = hvac.Client(url=ADDR, token=ROOT)
admin.sys.create_or_update_policy(name="reader", policy='path "secret/data/*" { capabilities = ["read"] }')
admin.secrets.kv.v2.create_or_update_secret(path="app", secret={"k": "v"}, mount_point="secret")

# --- userpass ------------------------------------------------------------------------------------------
step("enable_userpass", lambda: admin.sys.enable_auth_method("userpass").status_code)
step(
    "create_user",
    lambda: admin.auth.userpass.create_or_update_user("alice", password="pw-alice-1", policies=["reader"]).status_code,
)
step("list_users", lambda: admin.auth.userpass.list_user()["data"]["keys"])
step("read_user_policies", lambda: admin.auth.userpass.read_user("alice")["data"]["token_policies"])


def userpass_login():
    client = hvac.Client(url=ADDR)
    auth = client.auth.userpass.login("alice", "pw-alice-1")["auth"]
    secret = client.secrets.kv.v2.read_secret_version(path="app", mount_point="secret")["data"]["data"]
    return {
        "policies": auth["policies"],
        "metadata": auth["metadata"],
        "authenticated": client.is_authenticated(),
        "read": secret,
    }


step("userpass_login", userpass_login)
step("userpass_wrong", lambda: expect_error(lambda: hvac.Client(url=ADDR).auth.userpass.login("alice", "nope")))
step("userpass_unknown", lambda: expect_error(lambda: hvac.Client(url=ADDR).auth.userpass.login("bob", "nope")))
step("update_password", lambda: admin.auth.userpass.update_password_on_user("alice", "pw-alice-2").status_code)
step("login_new_password", lambda: "client_token" in hvac.Client(url=ADDR).auth.userpass.login("alice", "pw-alice-2")["auth"])
step("delete_user", lambda: admin.auth.userpass.delete_user("alice").status_code)

# --- approle -------------------------------------------------------------------------------------------
step("enable_approle", lambda: admin.sys.enable_auth_method("approle").status_code)
step(
    "create_role",
    lambda: admin.auth.approle.create_or_update_approle(
        "ci", token_policies=["reader"], token_ttl="20m", secret_id_num_uses=0, secret_id_ttl="1h"
    ).status_code,
)
step("list_roles", lambda: admin.auth.approle.list_roles()["data"]["keys"])
step("read_role", lambda: {k: admin.auth.approle.read_role("ci")["data"][k] for k in ("token_policies", "token_ttl", "secret_id_ttl", "bind_secret_id")})
role_id = admin.auth.approle.read_role_id("ci")["data"]["role_id"]
generated = admin.auth.approle.generate_secret_id("ci", metadata={"env": "prod"})["data"]
step("generated_keys", lambda: sorted(generated.keys()))


def approle_login():
    client = hvac.Client(url=ADDR)
    auth = client.auth.approle.login(role_id=role_id, secret_id=generated["secret_id"])["auth"]
    return {
        "policies": auth["policies"],
        "metadata": auth["metadata"],
        "lease_duration": auth["lease_duration"],
        "authenticated": client.is_authenticated(),
        "read": client.secrets.kv.v2.read_secret_version(path="app", mount_point="secret")["data"]["data"],
    }


step("approle_login", approle_login)
step("approle_wrong_secret", lambda: expect_error(lambda: hvac.Client(url=ADDR).auth.approle.login(role_id=role_id, secret_id="wrong")))
step("accessors", lambda: admin.auth.approle.list_secret_id_accessors("ci")["data"]["keys"] == [generated["secret_id_accessor"]])
step("read_secret_id", lambda: admin.auth.approle.read_secret_id("ci", generated["secret_id"])["data"]["metadata"])
step(
    "read_secret_id_accessor",
    lambda: admin.auth.approle.read_secret_id_accessor("ci", generated["secret_id_accessor"])["data"]["secret_id_ttl"],
)
step("custom_secret_id", lambda: admin.auth.approle.create_custom_secret_id("ci", "my-custom-secret")["data"]["secret_id"])
step("custom_login", lambda: "client_token" in hvac.Client(url=ADDR).auth.approle.login(role_id=role_id, secret_id="my-custom-secret")["auth"])
step("destroy_secret_id", lambda: admin.auth.approle.destroy_secret_id("ci", "my-custom-secret").status_code)
step("destroy_accessor", lambda: admin.auth.approle.destroy_secret_id_accessor("ci", generated["secret_id_accessor"]).status_code)
step("login_after_destroy", lambda: expect_error(lambda: hvac.Client(url=ADDR).auth.approle.login(role_id=role_id, secret_id=generated["secret_id"])))
step("update_role_id", lambda: admin.auth.approle.update_role_id("ci", "custom-role-id").status_code)
step("read_new_role_id", lambda: admin.auth.approle.read_role_id("ci")["data"]["role_id"])
step("delete_role", lambda: admin.auth.approle.delete_role("ci").status_code)

report()
