"""Signs one request with botocore's S3 SigV4 signer and prints its Authorization header.

Reads JSON on stdin: method, url, body, hash (payload SHA-256), timestamp (YYYYMMDDTHHMMSSZ),
region, access, secret. The clock is taken from `timestamp`, so the Swift signer's answer for the
same request can be compared byte for byte (Tests/ParleyTests/S3BlobStoreTests.swift).
"""
import json
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main() -> None:
    spec = json.load(sys.stdin)
    request = AWSRequest(method=spec["method"], url=spec["url"], data=spec["body"].encode())
    request.headers["X-Amz-Content-SHA256"] = spec["hash"]
    request.headers["X-Amz-Date"] = spec["timestamp"]
    request.context["timestamp"] = spec["timestamp"]
    auth = S3SigV4Auth(Credentials(spec["access"], spec["secret"]), "s3", spec["region"])
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    signature = auth.signature(string_to_sign, request)
    signed = ";".join(auth.signed_headers(auth.headers_to_sign(request)).split(";"))
    scope = f"{spec['access']}/{spec['timestamp'][:8]}/{spec['region']}/s3/aws4_request"
    print(f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={signed}, Signature={signature}")


if __name__ == "__main__":
    main()
