# Signs requests with botocore's own SigV4 signer (the one boto3 and the AWS CLI use), for the verifier's tests.
# stdin: {"requests": [{method, url, headers, body_b64, region, service, access_key, secret_key,
#          session_token?, time?: "20261122T111558Z", presign?: seconds}]}; stdout: [{"headers": [[name, value], ...],
#          "url": the URL as sent}]. With `presign`, botocore's presigner (SigV4QueryAuth, what generate_presigned_url
#          uses) signs in the query string instead of the Authorization header.
import base64
import datetime
import json
import sys
from urllib.parse import urlsplit

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

out = []
for spec in json.load(sys.stdin)["requests"]:
    if spec.get("time"):
        fixed = datetime.datetime.strptime(spec["time"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        botocore.auth.get_current_datetime = lambda fixed=fixed: fixed
    request = AWSRequest(
        method=spec["method"],
        url=spec["url"],
        headers=dict(spec.get("headers", {})),
        data=base64.b64decode(spec.get("body_b64", "")),
    )
    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("session_token"))
    if spec.get("presign"):
        SigV4QueryAuth(credentials, spec["service"], spec["region"], expires=spec["presign"]).add_auth(request)
    else:
        SigV4Auth(credentials, spec["service"], spec["region"]).add_auth(request)
    headers = [[name, value] for name, value in request.headers.items()]
    # The HTTP client sends Host from the URL, which is what botocore signed.
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ["Host", urlsplit(spec["url"]).netloc])
    out.append({"headers": headers, "url": request.url})
print(json.dumps(out))
