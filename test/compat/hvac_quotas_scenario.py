# Rate-limit quotas on a running dev Coffer server through hvac 0.11 (generic read/write/list/delete on sys/quotas)
# and the 429 it raises as RateLimitExceeded; prints one JSON line.
import os

import hvac
from scenario_steps import expect_error, report, results, step

admin = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
kv = admin.secrets.kv.v2


def status(answer):
    """hvac 0.11 hands back the HTTP response of a write or delete without a body; its status code."""
    return getattr(answer, "status_code", "no body")


kv.create_or_update_secret(path="app", secret={"password": "p1"})
# hvac 0.11's write() takes `path` as its own argument, so the quota's `path` goes through the adapter.
quota = {"path": "secret/", "rate": 2, "interval": "1h"}
step("write", lambda: status(admin.adapter.post("/v1/sys/quotas/rate-limit/kv", json=quota)))
step("read", lambda: admin.read("sys/quotas/rate-limit/kv")["data"])
step("list", lambda: admin.list("sys/quotas/rate-limit")["data"]["keys"])
step("config", lambda: admin.read("sys/quotas/config")["data"]["enable_rate_limit_response_headers"])
step("first", lambda: kv.read_secret_version(path="app")["data"]["data"])
step("second", lambda: kv.read_secret_version(path="app")["data"]["data"])
step("third", lambda: expect_error(lambda: kv.read_secret_version(path="app")))
step("bad_rate", lambda: expect_error(lambda: admin.write("sys/quotas/rate-limit/bad", rate=0)))
step("delete", lambda: status(admin.delete("sys/quotas/rate-limit/kv")))
step("after_delete", lambda: kv.read_secret_version(path="app")["data"]["data"])
report()
