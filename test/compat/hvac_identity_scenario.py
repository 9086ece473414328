# Drives the identity store on a running dev Coffer server through hvac's secrets.identity; prints one JSON line.
import os

import hvac
from scenario_steps import expect_error, report, results, step

ADDR = os.environ["VAULT_ADDR"]
ROOT = os.environ["VAULT_TOKEN"]

admin = hvac.Client(url=ADDR, token=ROOT)
identity = admin.secrets.identity
admin.sys.enable_auth_method("userpass")
accessor = admin.sys.list_auth_methods()["data"]["userpass/"]["accessor"]
admin.sys.create_or_update_policy(name="team", policy='path "secret/data/team/*" { capabilities = ["read"] }')
admin.secrets.kv.v2.create_or_update_secret(path="team/doc", secret={"k": "v"}, mount_point="secret")

# --- entities ------------------------------------------------------------------------------------------
created = identity.create_or_update_entity(name="alice", metadata={"team": "blue"}, policies=["team"])
entity_id = created["data"]["id"]
results["create_entity"] = {"name": created["data"]["name"], "has_id": bool(entity_id)}
step(
    "update_entity",
    lambda: identity.create_or_update_entity(name="alice", entity_id=entity_id, metadata={"team": "red"}).status_code,
)
step("read_entity", lambda: {k: identity.read_entity(entity_id)["data"][k] for k in ("name", "metadata", "policies", "disabled")})
step("read_entity_by_name", lambda: identity.read_entity_by_name("alice")["data"]["id"] == entity_id)
identity.create_or_update_entity(name="bob")
step("list_entities", lambda: sorted(identity.list_entities()["data"]["key_info"][entity_id].keys()))
step("list_entities_count", lambda: len(identity.list_entities()["data"]["keys"]))
step("list_entities_by_name", lambda: identity.list_entities_by_name()["data"]["keys"])

# --- entity aliases -----------------------------------------------------------------------------------------
alias = identity.create_or_update_entity_alias(name="alice", canonical_id=entity_id, mount_accessor=accessor)
alias_id = alias["data"]["id"]
results["create_entity_alias"] = alias["data"]["canonical_id"] == entity_id
step(
    "read_entity_alias",
    lambda: {k: identity.read_entity_alias(alias_id)["data"][k] for k in ("name", "mount_accessor", "mount_type", "canonical_id")},
)
step(
    "duplicate_alias",
    lambda: expect_error(
        lambda: identity.create_or_update_entity_alias(name="alice", canonical_id=entity_id, mount_accessor=accessor)
    ),
)

# A userpass login as alice lands on the entity the alias names, with its policies.
admin.auth.userpass.create_or_update_user("alice", password="pw-alice-1")
user = hvac.Client(url=ADDR)
login = user.auth.userpass.login("alice", "pw-alice-1")["auth"]
results["login"] = {
    "same_entity": login["entity_id"] == entity_id,
    "identity_policies": login.get("identity_policies"),
    "read": user.secrets.kv.v2.read_secret_version(path="team/doc", mount_point="secret")["data"]["data"],
}

# --- groups -----------------------------------------------------------------------------------------------
group = identity.create_or_update_group(name="devs", policies=["team"], member_entity_ids=[entity_id], metadata={"a": "b"})
group_id = group["data"]["id"]
results["create_group"] = group["data"]["name"]
step(
    "read_group",
    lambda: {k: identity.read_group(group_id)["data"][k] for k in ("name", "type", "policies", "member_entity_ids", "metadata")},
)
step("list_groups", lambda: identity.list_groups()["data"]["keys"] == [group_id])
ext = identity.create_or_update_group(name="ext", group_type="external", policies=["team"])
ext_id = ext["data"]["id"]
galias = identity.create_or_update_group_alias(name="github-devs", mount_accessor=accessor, canonical_id=ext_id)
results["create_group_alias"] = galias["data"]["canonical_id"] == ext_id
step("read_group_alias", lambda: identity.read_group(ext_id)["data"]["alias"]["name"])

# --- lookups ---------------------------------------------------------------------------------------------
step("lookup_entity_by_name", lambda: identity.lookup_entity(name="alice")["data"]["id"] == entity_id)
step("lookup_entity_by_alias_id", lambda: identity.lookup_entity(alias_id=alias_id)["data"]["id"] == entity_id)
step(
    "lookup_entity_by_alias",
    lambda: identity.lookup_entity(alias_name="alice", alias_mount_accessor=accessor)["data"]["id"] == entity_id,
)
step("lookup_entity_missing", lambda: identity.lookup_entity(name="nobody").status_code)
step("lookup_group_by_name", lambda: identity.lookup_group(name="devs")["data"]["id"] == group_id)
step(
    "lookup_group_by_alias",
    lambda: identity.lookup_group(alias_name="github-devs", alias_mount_accessor=accessor)["data"]["id"] == ext_id,
)

# --- merge -------------------------------------------------------------------------------------------------
merge_from = identity.create_or_update_entity(name="alice-laptop")["data"]["id"]
step("merge_entities", lambda: identity.merge_entities(from_entity_ids=[merge_from], to_entity_id=entity_id).status_code)
step("merged_away", lambda: expect_error(lambda: identity.read_entity(merge_from)))
step("merged_ids", lambda: identity.read_entity(entity_id)["data"]["merged_entity_ids"] == [merge_from])
step("merge_into_self", lambda: expect_error(lambda: identity.merge_entities(from_entity_ids=[entity_id], to_entity_id=entity_id)))

# --- refusals and deletion ---------------------------------------------------------------------------------
step("bad_group_type", lambda: expect_error(lambda: admin.adapter.post("/v1/identity/group", json={"name": "x", "type": "odd"})))
step("delete_entity", lambda: identity.delete_entity(entity_id).status_code)
step("read_deleted", lambda: expect_error(lambda: identity.read_entity(entity_id)))

report()
