# Drives key ceremonies on a fresh Coffer server through hvac: init, unseal, generate-root, rekey with verification.
import base64
import os

import hvac
from scenario_steps import expect_error, report, results, step

ADDR = os.environ["VAULT_ADDR"]

client = hvac.Client(url=ADDR)
init = client.sys.initialize(secret_shares=3, secret_threshold=2)
keys = init["keys"]
root = init["root_token"]
client.sys.submit_unseal_keys(keys[:2])
results["unsealed"] = not client.sys.is_sealed()

# --- generate-root with a server-drawn OTP ----------------------------------------------------------------
ops = hvac.Client(url=ADDR)
step("root_idle", lambda: ops.sys.read_root_generation_progress()["started"])
started = ops.sys.start_root_token_generation()
results["root_started"] = {"started": started["started"], "otp_len": len(started["otp"]), "otp_length": started["otp_length"]}
nonce = started["nonce"]
step("root_first", lambda: ops.sys.generate_root(key=keys[0], nonce=nonce)["progress"])
step("root_duplicate", lambda: expect_error(lambda: ops.sys.generate_root(key=keys[0], nonce=nonce)))
done = ops.sys.generate_root(key=keys[2], nonce=nonce)
results["root_complete"] = done["complete"]
raw = base64.b64decode(done["encoded_token"] + "=" * (-len(done["encoded_token"]) % 4))
token = bytes(a ^ b for a, b in zip(raw, started["otp"].encode())).decode()
new_root = hvac.Client(url=ADDR, token=token)
step("root_policies", lambda: new_root.auth.token.lookup_self()["data"]["policies"])
step("root_cancel", lambda: ops.sys.cancel_root_generation().status_code)
step("root_wrong_otp", lambda: expect_error(lambda: ops.sys.start_root_token_generation(otp="short")))

# --- rekey with verification -------------------------------------------------------------------------------
step("rekey_idle", lambda: ops.sys.read_rekey_progress()["started"])
rekey = ops.sys.start_rekey(secret_shares=4, secret_threshold=3, require_verification=True)
results["rekey_started"] = {k: rekey[k] for k in ("started", "t", "n", "required", "verification_required")}
result = ops.sys.rekey_multi(keys[:2], nonce=rekey["nonce"])
results["rekey_result"] = {"complete": result["complete"], "count": len(result["keys"]), "verification_required": result["verification_required"]}
new_keys = result["keys"]
vnonce = result["verification_nonce"]
step("verify_progress", lambda: ops.sys.read_rekey_verify_progress()["progress"])
step("verify_first", lambda: ops.sys.rekey_verify(new_keys[0], vnonce)["progress"])
step("verify_second", lambda: ops.sys.rekey_verify(new_keys[1], vnonce)["progress"])
step("verify_done", lambda: ops.sys.rekey_verify(new_keys[3], vnonce)["complete"])
step("backup_absent", lambda: expect_error(lambda: hvac.Client(url=ADDR, token=root).sys.read_backup_keys()))
step("rekey_cancel", lambda: ops.sys.cancel_rekey().status_code)

admin = hvac.Client(url=ADDR, token=root)
admin.sys.seal()
step("old_keys_refused", lambda: expect_error(lambda: client.sys.submit_unseal_keys(keys)))
step("new_keys_unseal", lambda: client.sys.submit_unseal_keys(new_keys[1:4])["sealed"])
step("revoke_generated_root", lambda: new_root.auth.token.revoke_self().status_code)
report()
