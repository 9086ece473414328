# Drives the jwt and kubernetes auth methods through hvac (configure, create_role, login, read/list roles); prints one JSON line.
import json
import os

import hvac
import hvac.exceptions

env = os.environ
admin = hvac.Client(url=env["VAULT_ADDR"], token=env["VAULT_TOKEN"])
results = {}


def step(name, fn):
    """Run one step; record its value, or the exception class and message, so the test names what broke."""
    try:
        results[name] = fn()
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        results[name] = {"error": type(exc).__name__, "message": str(exc)}


def status(response):
    return getattr(response, "status_code", response)


def login_summary(response):
    auth = response["auth"]
    return {
        "policies": auth["policies"],
        "metadata": auth["metadata"],
        "lease_duration": auth["lease_duration"],
        "has_token": isinstance(auth["client_token"], str) and len(auth["client_token"]) > 0,
    }


def lookup(response):
    token = response["auth"]["client_token"]
    return hvac.Client(url=env["VAULT_ADDR"], token=token).auth.token.lookup_self()["data"]["display_name"]


# --- jwt ---
step("jwt_enable", lambda: status(admin.sys.enable_auth_method("jwt")))
step(
    "jwt_configure",
    lambda: status(
        admin.auth.jwt.configure(
            jwks_url=env["JWKS_URL"], jwks_ca_pem=env["JWKS_CA_PEM"], bound_issuer=env["JWT_ISSUER"]
        )
    ),
)
step(
    "jwt_create_role",
    lambda: status(
        admin.auth.jwt.create_role(
            name="gitlab-ci",
            user_claim="user_email",
            allowed_redirect_uris=[],
            role_type="jwt",
            bound_audiences=["coffer"],
            bound_claims={"project_path": "group/*"},
            bound_claims_type="glob",
            claim_mappings={"project_path": "project"},
            token_policies=["ci-read"],
            token_ttl="10m",
        )
    ),
)
step("jwt_read_role", lambda: admin.auth.jwt.read_role(name="gitlab-ci")["data"])
step("jwt_list_roles", lambda: admin.auth.jwt.list_roles()["data"]["keys"])
step("jwt_read_config", lambda: sorted(admin.auth.jwt.read_config()["data"].keys()))


def jwt_login():
    response = admin.auth.jwt.jwt_login(role="gitlab-ci", jwt=env["JWT_OK"], use_token=False)
    summary = login_summary(response)
    summary["display_name"] = lookup(response)
    return summary


step("jwt_login", jwt_login)


def jwt_login_refused():
    try:
        admin.auth.jwt.jwt_login(role="gitlab-ci", jwt=env["JWT_BAD_CLAIM"], use_token=False)
    except hvac.exceptions.VaultError as exc:
        return {"error": type(exc).__name__, "errors": exc.errors}
    return "no error"


step("jwt_login_refused", jwt_login_refused)

# --- kubernetes ---
step("k8s_enable", lambda: status(admin.sys.enable_auth_method("kubernetes")))
step(
    "k8s_configure",
    lambda: status(
        admin.auth.kubernetes.configure(
            kubernetes_host=env["K8S_HOST"],
            kubernetes_ca_cert=env["K8S_CA_PEM"],
            token_reviewer_jwt=env["K8S_REVIEWER_JWT"],
        )
    ),
)
step(
    "k8s_create_role",
    lambda: status(
        admin.auth.kubernetes.create_role(
            name="app",
            bound_service_account_names=["app"],
            bound_service_account_namespaces=["prod"],
            policies=["app-read"],
            ttl="1h",
        )
    ),
)
step("k8s_read_role", lambda: admin.auth.kubernetes.read_role(name="app"))
step("k8s_list_roles", lambda: admin.auth.kubernetes.list_roles()["keys"])


def k8s_login():
    response = admin.auth.kubernetes.login(role="app", jwt=env["K8S_JWT"], use_token=False)
    summary = login_summary(response)
    summary["display_name"] = lookup(response)
    return summary


step("k8s_login", k8s_login)


def k8s_login_refused():
    try:
        admin.auth.kubernetes.login(role="app", jwt=env["K8S_JWT_OTHER_NS"], use_token=False)
    except hvac.exceptions.VaultError as exc:
        return {"error": type(exc).__name__, "errors": exc.errors}
    return "no error"


step("k8s_login_refused", k8s_login_refused)

print(json.dumps(results))
