# Presigned STS GetCallerIdentity URLs from unmodified boto3 (generate_presigned_url) sent to Coffer as GET and as a
# bodiless POST, an expired one and a tampered one. Prints one JSON object of findings on its last line.
import datetime
import json
import re
import urllib.error
import urllib.request

import boto3
import botocore.auth

findings = {}
sts = boto3.client("sts")


def send(url, method="GET"):
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def arn_or_code(answer):
    status, body = answer
    found = re.search(r"<Arn>([^<]*)</Arn>", body) or re.search(r"<Code>([^<]*)</Code>", body)
    return [status, found.group(1) if found else body]


# HttpMethod GET, as `aws eks get-token` presigns it; without it botocore signs the model's method, POST.
url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")
findings["has_query_signature"] = "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
findings["get"] = arn_or_code(send(url))
post_url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=300)
findings["post"] = arn_or_code(send(post_url, "POST"))
findings["post_as_get"] = arn_or_code(send(post_url))
findings["tampered"] = arn_or_code(send(url.replace("GetCallerIdentity", "GetSessionToken")))

# Signed two hours ago for one hour: expired.
real_now = botocore.auth.get_current_datetime
botocore.auth.get_current_datetime = lambda: real_now() - datetime.timedelta(hours=2)
expired = sts.generate_presigned_url("get_caller_identity", ExpiresIn=3600, HttpMethod="GET")
botocore.auth.get_current_datetime = real_now
findings["expired"] = arn_or_code(send(expired))
print(json.dumps(findings))
