# Drives a fresh, sealed Coffer server through hvac (init, unseal, policies, tokens, KV v2, seal); prints one JSON line.
import inspect
import json
import os
import sys

import hvac
import hvac.exceptions

ADDR = os.environ["VAULT_ADDR"]
POLICY_NAME = "app-reader"
POLICY_HCL = """path "secret/data/app/*" {
  capabilities = ["read"]
}

path "secret/metadata/*" {
  capabilities = ["list"]
}
"""


def hvac_version():
    try:
        from importlib.metadata import version

        return version("hvac")
    except Exception:  # noqa: BLE001 - informational only
        return getattr(hvac, "__version__", "unknown")


results = {"hvac_version": hvac_version()}


def error_name(exc):
    return type(exc).__name__


def step(name, fn):
    """Run one step; record its value, or the exception class and message, so the test names what broke."""
    try:
        results[name] = fn()
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        results[name] = {"error": error_name(exc), "message": str(exc)}


def expect_error(fn):
    """Run fn expecting an hvac exception; return its class name (or 'no error' with the value)."""
    try:
        value = fn()
    except hvac.exceptions.VaultError as exc:
        return error_name(exc)
    return {"unexpected_success": jsonable(value)}


def jsonable(value):
    """hvac returns dicts for 200 and requests.Response objects otherwise."""
    if isinstance(value, dict) or value is None or isinstance(value, (bool, int, str, list)):
        return value
    status = getattr(value, "status_code", None)
    body = None
    text = getattr(value, "text", "")
    if text:
        try:
            body = json.loads(text)
        except ValueError:
            body = text
    return {"status": status, "body": body}


def status_of(value):
    if isinstance(value, dict):
        return 200
    return getattr(value, "status_code", None)


def supports(fn, param):
    try:
        return param in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


client = hvac.Client(url=ADDR)

# --- init and unseal -------------------------------------------------------------------------------
step("initialized_before", lambda: client.sys.is_initialized())
step("health_uninit", lambda: jsonable(client.sys.read_health_status(method="GET")))

init = client.sys.initialize(secret_shares=3, secret_threshold=2)
keys = init["keys"]
root_token = init["root_token"]
results["init"] = {
    "keys_count": len(keys),
    "keys_base64_count": len(init.get("keys_base64", [])),
    "keys_are_hex": all(all(c in "0123456789abcdef" for c in k) for k in keys),
    "root_token_is_str": isinstance(root_token, str) and len(root_token) > 0,
}
step("initialized_after", lambda: client.sys.is_initialized())
step("sealed_after_init", lambda: client.sys.is_sealed())


def unseal_first():
    r = client.sys.submit_unseal_key(keys[0])
    return {"sealed": r["sealed"], "progress": r["progress"], "t": r["t"], "n": r["n"]}


step("unseal_first", unseal_first)


def unseal_rest():
    r = client.sys.submit_unseal_keys(keys[1:])
    return {"sealed": r["sealed"], "progress": r["progress"], "t": r["t"], "n": r["n"]}


step("unseal_rest", unseal_rest)
step("sealed_after_unseal", lambda: client.sys.is_sealed())


def seal_status():
    r = client.sys.read_seal_status()
    out = {k: r.get(k) for k in ("type", "initialized", "sealed", "t", "n", "progress")}
    out["has_cluster_name"] = isinstance(r.get("cluster_name"), str) and r.get("cluster_name") != ""
    out["has_cluster_id"] = isinstance(r.get("cluster_id"), str) and r.get("cluster_id") != ""
    return out


step("seal_status", seal_status)


def health():
    r = client.sys.read_health_status(method="GET")
    body = r if isinstance(r, dict) else jsonable(r)["body"]
    return {
        "status": status_of(r),
        "initialized": body.get("initialized"),
        "sealed": body.get("sealed"),
        "standby": body.get("standby"),
        "has_version": isinstance(body.get("version"), str),
        "has_server_time": isinstance(body.get("server_time_utc"), int),
        "has_cluster_name": isinstance(body.get("cluster_name"), str) and body.get("cluster_name") != "",
    }


step("health", health)
step("health_head", lambda: status_of(client.sys.read_health_status()))

# --- root login, mounts and policies -------------------------------------------------------------
client.token = root_token
step("root_authenticated", lambda: client.is_authenticated())
step("root_policies", lambda: client.auth.token.lookup_self()["data"]["policies"])
step(
    "enable_kv",
    lambda: status_of(client.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})),
)


def mounts():
    r = client.sys.list_mounted_secrets_engines()
    secret = r["data"].get("secret/") or {}
    return {
        "data_keys": sorted(r["data"].keys()),
        "top_level_secret": "secret/" in r,
        "secret_type": secret.get("type"),
        "secret_options": secret.get("options"),
        "secret_accessor_prefix": (secret.get("accessor") or "")[:3],
        "secret_config_keys": sorted((secret.get("config") or {}).keys()),
        "secret_local": secret.get("local"),
        "secret_seal_wrap": secret.get("seal_wrap"),
        "secret_has_uuid": isinstance(secret.get("uuid"), str) and secret.get("uuid") != "",
        "secret_description_is_str": isinstance(secret.get("description"), str),
        "sys_type": (r["data"].get("sys/") or {}).get("type"),
    }


step("mounts", mounts)


def write_policy():
    # hvac >= 1.0 has the sys/policies/acl helper; older hvac only has the legacy sys/policy one.
    if hasattr(client.sys, "create_or_update_acl_policy"):
        return status_of(client.sys.create_or_update_acl_policy(name=POLICY_NAME, policy=POLICY_HCL))
    return status_of(client.sys.create_or_update_policy(name=POLICY_NAME, policy=POLICY_HCL))


step("policy_write", write_policy)


def read_policy():
    r = client.sys.read_policy(name=POLICY_NAME)
    return {
        "name": r.get("name"),
        "rules": r.get("rules"),
        "data_name": r["data"].get("name"),
        "data_rules": r["data"].get("rules"),
    }


step("policy_read", read_policy)


def read_acl_policy():
    r = client.adapter.get("/v1/sys/policies/acl/{}".format(POLICY_NAME))
    return {"name": r["data"].get("name"), "policy": r["data"].get("policy")}


step("policy_read_acl", read_acl_policy)


def list_policies():
    r = client.sys.list_policies()
    return {"policies": r.get("policies"), "data_policies": r["data"].get("policies"), "keys": r["data"].get("keys")}


step("policy_list", list_policies)
step("policy_list_acl", lambda: client.adapter.list("/v1/sys/policies/acl")["data"]["keys"])

# --- KV v2 through hvac (root) -------------------------------------------------------------------
kv = client.secrets.kv.v2


def kv_write():
    r = kv.create_or_update_secret(path="app/config", secret={"user": "app", "password": "s3cret"})
    return {k: r["data"].get(k) for k in ("version", "deletion_time", "destroyed")} | {
        "has_created_time": bool(r["data"].get("created_time"))
    }


step("kv_write", kv_write)
step("kv_write_other", lambda: kv.create_or_update_secret(path="other/x", secret={"v": "1"})["data"]["version"])


def kv_item_v1():
    return kv.create_or_update_secret(path="kvtest/item", secret={"a": "1", "b": "2"})["data"]["version"]


step("kv_item_v1", kv_item_v1)
step(
    "kv_item_v2_cas",
    lambda: kv.create_or_update_secret(path="kvtest/item", secret={"a": "1", "b": "22"}, cas=1)["data"]["version"],
)
step(
    "kv_item_cas_mismatch",
    lambda: expect_error(lambda: kv.create_or_update_secret(path="kvtest/item", secret={"z": "z"}, cas=1)),
)


def kv_read(path, version=None):
    r = kv.read_secret_version(path=path, version=version)
    return {"data": r["data"]["data"], "version": r["data"]["metadata"]["version"]}


step("kv_read_latest", lambda: kv_read("kvtest/item"))
step("kv_read_v1", lambda: kv_read("kvtest/item", 1))


def kv_hvac_patch():
    r = kv.patch(path="kvtest/item", secret={"b": "3", "c": "4"})
    return r["data"]["version"]


step("kv_hvac_patch", kv_hvac_patch)
step("kv_after_hvac_patch", lambda: kv_read("kvtest/item"))


def kv_merge_patch():
    # What `vault kv patch` sends (and hvac's adapter carries): RFC 7386 merge-patch; null deletes a key.
    r = client.adapter.request(
        "patch",
        "/v1/secret/data/kvtest/item",
        json={"data": {"c": None, "d": "5"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    return r["data"]["version"] if isinstance(r, dict) else jsonable(r)


step("kv_merge_patch", kv_merge_patch)
step("kv_after_merge_patch", lambda: kv_read("kvtest/item"))


def kv_patch_wrong_type():
    r = client.adapter.request(
        "patch", "/v1/secret/data/kvtest/item", json={"data": {"e": "6"}}, raise_exception=False
    )
    return status_of(r)


step("kv_patch_wrong_content_type", kv_patch_wrong_type)
step("kv_delete_latest", lambda: status_of(kv.delete_latest_version_of_secret(path="kvtest/item")))


def read_deleted():
    kwargs = {"path": "kvtest/item"}
    if supports(kv.read_secret_version, "raise_on_deleted_version"):
        kwargs["raise_on_deleted_version"] = True
    return expect_error(lambda: kv.read_secret_version(**kwargs))


step("kv_read_deleted", read_deleted)


def read_deleted_raw():
    r = client.adapter.get("/v1/secret/data/kvtest/item", raise_exception=False)
    body = jsonable(r)
    meta = (((body.get("body") or {}).get("data") or {}).get("metadata")) or {}
    return {
        "status": status_of(r),
        "data_is_null": ((body.get("body") or {}).get("data") or {}).get("data", "missing") is None,
        "version": meta.get("version"),
        "deletion_time_set": bool(meta.get("deletion_time")),
        "destroyed": meta.get("destroyed"),
    }


step("kv_read_deleted_raw", read_deleted_raw)
step("kv_undelete", lambda: status_of(kv.undelete_secret_versions(path="kvtest/item", versions=[4])))
step("kv_after_undelete", lambda: kv_read("kvtest/item"))
step("kv_destroy", lambda: status_of(kv.destroy_secret_versions(path="kvtest/item", versions=[1])))


def read_destroyed():
    kwargs = {"path": "kvtest/item", "version": 1}
    if supports(kv.read_secret_version, "raise_on_deleted_version"):
        kwargs["raise_on_deleted_version"] = True
    return expect_error(lambda: kv.read_secret_version(**kwargs))


step("kv_read_destroyed", read_destroyed)


def kv_metadata():
    r = kv.read_secret_metadata(path="kvtest/item")["data"]
    versions = r.get("versions") or {}
    return {
        "current_version": r.get("current_version"),
        "oldest_version_is_int": isinstance(r.get("oldest_version"), int),
        "max_versions": r.get("max_versions"),
        "cas_required": r.get("cas_required"),
        "delete_version_after": r.get("delete_version_after"),
        "custom_metadata": r.get("custom_metadata"),
        "version_keys": sorted(versions.keys(), key=int),
        "v1_destroyed": (versions.get("1") or {}).get("destroyed"),
        "v4_deletion_time": (versions.get("4") or {}).get("deletion_time"),
        "has_times": bool(r.get("created_time")) and bool(r.get("updated_time")),
    }


step("kv_metadata", kv_metadata)
step("kv_list_root", lambda: kv.list_secrets(path="")["data"]["keys"])
step("kv_list_kvtest", lambda: kv.list_secrets(path="kvtest")["data"]["keys"])
step("kv_list_empty", lambda: expect_error(lambda: kv.list_secrets(path="no-such-folder")))
step("kv_read_missing", lambda: expect_error(lambda: kv.read_secret_version(path="no/such/secret")))

# --- a limited token ------------------------------------------------------------------------------


def create_token():
    r = client.auth.token.create(policies=[POLICY_NAME], ttl="1h")
    auth = r["auth"]
    return {
        "client_token": auth["client_token"],
        "accessor": auth["accessor"],
        "policies": sorted(auth["policies"]),
        "token_policies": sorted(auth.get("token_policies") or []),
        "lease_duration": auth["lease_duration"],
        "renewable": auth["renewable"],
        "token_type": auth.get("token_type"),
        "orphan": auth.get("orphan"),
    }


step("token_create", create_token)
app_token = results["token_create"].get("client_token") if isinstance(results["token_create"], dict) else None
results["token_create_ok"] = bool(app_token)
if isinstance(results["token_create"], dict):
    results["token_create"].pop("client_token", None)

app = hvac.Client(url=ADDR, token=app_token)
app_kv = app.secrets.kv.v2
step("app_read_allowed", lambda: app_kv.read_secret_version(path="app/config")["data"]["data"])
step(
    "app_write_denied",
    lambda: expect_error(lambda: app_kv.create_or_update_secret(path="app/config", secret={"user": "evil"})),
)
step("app_read_denied", lambda: expect_error(lambda: app_kv.read_secret_version(path="other/x")))
step("app_list_root", lambda: app_kv.list_secrets(path="")["data"]["keys"])
step("app_list_app", lambda: app_kv.list_secrets(path="app")["data"]["keys"])


def lookup_self():
    d = app.auth.token.lookup_self()["data"]
    return {
        "type": d.get("type"),
        "ttl_in_range": isinstance(d.get("ttl"), int) and 3500 <= d["ttl"] <= 3600,
        "expire_time": d.get("expire_time"),
        "policies": sorted(d.get("policies") or []),
        "creation_ttl": d.get("creation_ttl"),
        "renewable": d.get("renewable"),
        "orphan": d.get("orphan"),
        "path": d.get("path"),
        "display_name": d.get("display_name"),
        "num_uses": d.get("num_uses"),
        "explicit_max_ttl": d.get("explicit_max_ttl"),
        "id_matches": d.get("id") == app_token,
        "accessor_matches": d.get("accessor") == (results.get("token_create") or {}).get("accessor"),
    }


step("app_lookup_self", lookup_self)


def renew_self(increment=None):
    r = app.auth.token.renew_self(increment=increment) if increment else app.auth.token.renew_self()
    auth = r["auth"]
    return {
        "lease_duration": auth["lease_duration"],
        "renewable": auth["renewable"],
        "same_token": auth["client_token"] == app_token,
    }


step("app_renew_self", lambda: renew_self())
step("app_renew_self_increment", lambda: renew_self("30m"))
step("app_revoke_self", lambda: status_of(app.auth.token.revoke_self()))
step("app_after_revoke_lookup", lambda: expect_error(lambda: app.auth.token.lookup_self()))
step("app_after_revoke_read", lambda: expect_error(lambda: app_kv.read_secret_version(path="app/config")))
step("app_is_authenticated_after_revoke", lambda: app.is_authenticated())

# --- seal -----------------------------------------------------------------------------------------
step("seal", lambda: status_of(client.sys.seal()))
step("sealed_after_seal", lambda: client.sys.is_sealed())
step("read_while_sealed", lambda: expect_error(lambda: kv.read_secret_version(path="app/config")))

print(json.dumps(results, sort_keys=True))
