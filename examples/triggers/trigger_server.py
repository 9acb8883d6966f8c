#!/usr/bin/env python3
"""An example Cognito trigger endpoint for Cognate, using only Python's standard library.

Cognate POSTs Cognito's Lambda event JSON to the URL configured for a function ARN and
expects the same event back with `response` filled in -- exactly what a Lambda handler
returns, so the handlers below are ordinary Cognito trigger code.

Run:   python3 trigger_server.py            (listens on 127.0.0.1:9000)
Then, in cognate.toml:

    [[triggers]]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"
    url = "http://127.0.0.1:9000/pre-sign-up"
    secret = "change-me"          # the same value as WEBHOOK_SECRET below

and name that ARN in the pool's LambdaConfig (PreSignUp).
"""

import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

WEBHOOK_SECRET = b"change-me"
MAX_SKEW_SECONDS = 300


def pre_sign_up(event):
    """Auto-confirm users from example.com; refuse everyone else."""
    email = event["request"]["userAttributes"].get("email", "")
    if not email.endswith("@example.com"):
        raise ValueError("Only example.com addresses may sign up")
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = True
    return event


def pre_token_generation(event):
    """Add a claim to the ID token (V1 contract)."""
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"tenant": "acme"},
    }
    return event


HANDLERS = {
    "/pre-sign-up": pre_sign_up,
    "/pre-token": pre_token_generation,
}


def signature_is_valid(headers, body):
    """Cognate signs `<timestamp>.<body>` with HMAC-SHA256; refuse forged or stale calls."""
    timestamp = headers.get("X-Cognate-Timestamp", "")
    given = headers.get("X-Cognate-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    expected = "v1=" + hmac.new(WEBHOOK_SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not signature_is_valid(self.headers, body):
            self.send_error(401, "bad signature")
            return
        handler = HANDLERS.get(self.path)
        if handler is None:
            self.send_error(404)
            return
        try:
            answer, status = handler(json.loads(body)), 200
        except Exception as error:  # A thrown error becomes UserLambdaValidationException.
            answer, status = {"errorType": type(error).__name__, "errorMessage": str(error)}, 400
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", 9000), Handler).serve_forever()
