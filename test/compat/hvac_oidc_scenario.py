# Drives identity tokens (identity/oidc) on a running dev Coffer server through hvac's secrets.identity; prints one JSON line.
import base64
import json
import os

import hvac
from scenario_steps import expect_error, report, results, step

ADDR = os.environ["VAULT_ADDR"]
ROOT = os.environ["VAULT_TOKEN"]

admin = hvac.Client(url=ADDR, token=ROOT)
identity = admin.secrets.identity
admin.sys.enable_auth_method("userpass")
admin.sys.create_or_update_policy(name="id-token", policy='path "identity/oidc/token/*" { capabilities = ["read"] }')
admin.auth.userpass.create_or_update_user("carol", password="pw-carol-1", policies=["id-token"])
user = hvac.Client(url=ADDR)
user.auth.userpass.login("carol", "pw-carol-1")
entity_id = user.lookup_token()["data"]["entity_id"]


def kid(token):
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


# --- config and keys ------------------------------------------------------------------------------------------
step("read_config", lambda: identity.read_tokens_backend_configuration()["data"])
step("create_key", lambda: identity.create_named_key("hvac-key", allowed_client_ids=["*"], algorithm="ES256").status_code)
step("read_key", lambda: identity.read_named_key("hvac-key")["data"])
step("list_keys", lambda: identity.list_named_keys()["data"]["keys"])
step("bad_algorithm", lambda: expect_error(lambda: identity.create_named_key("bad-key", algorithm="HS256")))

# --- roles ----------------------------------------------------------------------------------------------------
step(
    "create_role",
    lambda: identity.create_or_update_role(
        "hvac-role", key="hvac-key", ttl="1h", template='{"nm": {{identity.entity.name}}}'
    ).status_code,
)
role = identity.read_role("hvac-role")["data"]
results["read_role"] = {k: role[k] for k in ("key", "ttl", "template")}
results["client_id_length"] = len(role["client_id"])
step("list_roles", lambda: identity.list_roles()["data"]["keys"])

# --- tokens ---------------------------------------------------------------------------------------------------
issued = user.secrets.identity.generate_signed_id_token("hvac-role")["data"]
results["generate"] = {"client_id": issued["client_id"] == role["client_id"], "ttl": issued["ttl"]}
step("root_has_no_entity", lambda: expect_error(lambda: identity.generate_signed_id_token("hvac-role")))
step("introspect", lambda: identity.introspect_signed_id_token(issued["token"], client_id=role["client_id"]))
step("introspect_wrong_client", lambda: identity.introspect_signed_id_token(issued["token"], client_id="nope"))
step("well_known", lambda: identity.read_well_known_configurations())
step("public_keys", lambda: sorted(k["kid"] for k in identity.read_active_public_keys()["keys"]))
results["token_kid_published"] = kid(issued["token"]) in results["public_keys"]
payload = issued["token"].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
results["claims"] = {"sub": claims["sub"] == entity_id, "aud": claims["aud"] == role["client_id"], "nm": claims["nm"]}

# --- rotation -------------------------------------------------------------------------------------------------
# hvac 0.11.2's rotate_named_key posts to oidc/key/:name (not .../rotate), so against Vault too it updates the
# key's verification_ttl instead of rotating it.
step("rotate_via_hvac", lambda: identity.rotate_named_key("hvac-key", verification_ttl="2h").status_code)
step("read_key_after_hvac_rotate", lambda: identity.read_named_key("hvac-key")["data"]["verification_ttl"])
step(
    "rotate",
    lambda: admin.adapter.post("/v1/identity/oidc/key/hvac-key/rotate", json={"verification_ttl": "1h"}).status_code,
)
after = user.secrets.identity.generate_signed_id_token("hvac-role")["data"]["token"]
keys_after = [k["kid"] for k in identity.read_active_public_keys()["keys"]]
results["rotated"] = {
    "new_kid": kid(after) != kid(issued["token"]),
    "old_still_published": kid(issued["token"]) in keys_after,
    "old_token_active": identity.introspect_signed_id_token(issued["token"])["active"],
}

# --- deletion -------------------------------------------------------------------------------------------------
step("delete_referenced_key", lambda: expect_error(lambda: identity.delete_named_key("hvac-key")))
step("delete_role", lambda: identity.delete_role("hvac-role").status_code)
step("delete_key", lambda: identity.delete_named_key("hvac-key").status_code)
step("list_keys_after", lambda: identity.list_named_keys()["data"]["keys"])
step("delete_default_key", lambda: expect_error(lambda: identity.delete_named_key("default")))

report()
