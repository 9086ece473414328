# Drives Coffer's database engine through hvac's secrets.database API against MariaDB; prints one JSON line.
import os

import hvac
from scenario_steps import report, results, step

client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
admin_user = os.environ["ADMIN_USER"]
admin_password = os.environ["ADMIN_PASSWORD"]
static_user = os.environ["STATIC_USER"]


def status(value):
    return value.status_code if hasattr(value, "status_code") else 200


client.sys.enable_secrets_engine("database", path="database")
step(
    "configure",
    lambda: status(
        client.secrets.database.configure(
            name="maria",
            plugin_name="mysql-database-plugin",
            allowed_roles=["app", "svc", "tmp"],
            connection_url="{{username}}:{{password}}@tcp(127.0.0.1:3306)/",
            username=admin_user,
            password=admin_password,
        )
    ),
)
step("read_config", lambda: client.secrets.database.read_connection(name="maria")["data"])
step(
    "create_role",
    lambda: status(
        client.secrets.database.create_role(
            name="app",
            db_name="maria",
            creation_statements=["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'"],
            default_ttl="1h",
            max_ttl="24h",
        )
    ),
)


def creds(role="app"):
    r = client.secrets.database.generate_credentials(name=role)
    return {
        "lease_id": r["lease_id"],
        "lease_duration": r["lease_duration"],
        "renewable": r["renewable"],
        "username": r["data"]["username"],
        "password": r["data"]["password"],
    }


step("creds_kept", creds)
step("creds_revoked", creds)
step(
    "create_tmp_role",
    lambda: status(
        client.secrets.database.create_role(
            name="tmp",
            db_name="maria",
            creation_statements=["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'"],
            default_ttl="1h",
        )
    ),
)
step("creds_tmp_1", lambda: creds("tmp"))
step("creds_tmp_2", lambda: creds("tmp"))
step(
    "read_lease",
    lambda: client.sys.read_lease(lease_id=results["creds_kept"]["lease_id"])["data"],
)
step(
    "renew_lease",
    lambda: {
        k: v
        for k, v in client.sys.renew_lease(lease_id=results["creds_kept"]["lease_id"], increment=1800).items()
        if k in ("lease_id", "lease_duration", "renewable")
    },
)
step("list_leases", lambda: client.sys.list_leases(prefix="database/creds/tmp")["data"]["keys"])
step(
    "revoke",
    lambda: status(client.sys.revoke_lease(lease_id=results["creds_revoked"]["lease_id"])),
)
step("revoke_prefix", lambda: status(client.sys.revoke_prefix(prefix="database/creds/tmp")))
step("rotate_root", lambda: status(client.secrets.database.rotate_root_credentials(name="maria")))
step(
    "create_static_role",
    lambda: status(
        client.secrets.database.create_static_role(
            name="svc",
            db_name="maria",
            username=static_user,
            rotation_statements=["ALTER USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'"],
            rotation_period=3600,
        )
    ),
)
step("static_before", lambda: client.secrets.database.get_static_credentials(name="svc")["data"])


def rotate_static():
    # Older hvac releases (Debian's) lack rotate_static_role_credentials; it is a POST to rotate-role/<name>.
    method = getattr(client.secrets.database, "rotate_static_role_credentials", None)
    if method is not None:
        return status(method(name="svc"))
    return status(client.adapter.post("/v1/database/rotate-role/svc"))


step("rotate_static", rotate_static)
step("static_after", lambda: client.secrets.database.get_static_credentials(name="svc")["data"])
report()
