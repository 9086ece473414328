# Drives the cert auth method on a running HTTPS Coffer server through hvac's auth.cert and plain requests; prints one JSON line.
import os

import hvac
import requests
from scenario_steps import expect_error, report, step

ADDR = os.environ["VAULT_ADDR"]
ROOT = os.environ["VAULT_TOKEN"]
SERVER_CA = os.environ["SERVER_CA"]
CA_PEM = os.environ["CLIENT_CA_PEM"]
CLIENT = (os.environ["CLIENT_CERT"], os.environ["CLIENT_KEY"])
STRANGER = (os.environ["STRANGER_CERT"], os.environ["STRANGER_KEY"])

admin = hvac.Client(url=ADDR, token=ROOT, verify=SERVER_CA)
admin.sys.create_or_update_policy(name="reader", policy='path "sys/mounts" { capabilities = ["read"] }')
step("enable_cert", lambda: admin.sys.enable_auth_method("cert").status_code)
step(
    "create_role",
    lambda: admin.auth.cert.create_ca_certificate_role(
        name="app",
        certificate=CA_PEM,
        allowed_common_names="app.example.com",
        token_policies=["reader"],
        display_name="app-clients",
    ).status_code,
)
step("read_role", lambda: admin.auth.cert.read_ca_certificate_role("app")["data"]["allowed_common_names"])
step("list_roles", lambda: admin.auth.cert.list_certificate_roles()["data"]["keys"])


def hvac_login():
    client = hvac.Client(url=ADDR, verify=SERVER_CA)
    auth = client.auth.cert.login(cert_pem=CLIENT[0], key_pem=CLIENT[1])["auth"]
    return {
        "policies": auth["policies"],
        "cert_name": auth["metadata"]["cert_name"],
        "common_name": auth["metadata"]["common_name"],
        "authenticated": client.is_authenticated(),
    }


step("hvac_login", hvac_login)


def hvac_login_stranger():
    client = hvac.Client(url=ADDR, verify=SERVER_CA)
    return expect_error(lambda: client.auth.cert.login(cert_pem=STRANGER[0], key_pem=STRANGER[1]))


step("hvac_login_stranger", hvac_login_stranger)


def requests_login():
    res = requests.post(f"{ADDR}/v1/auth/cert/login", json={"name": "app"}, cert=CLIENT, verify=SERVER_CA, timeout=30)
    body = res.json()
    return {"status": res.status_code, "policies": body["auth"]["policies"]}


step("requests_login", requests_login)
step("delete_role", lambda: admin.auth.cert.delete_certificate_role("app").status_code)
report()
