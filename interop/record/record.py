#!/usr/bin/env python3
"""Records what real clients send for the requests in requests.json, for the replay test.

The AWS SDK for JavaScript v3, boto3 and the AWS CLI each make every request of requests.json
against a capture server on loopback that answers `{}`; the exact bodies, content types and
targets are written to crates/server/tests/it/data/recorded-requests.json, which
crates/server/tests/it/recorded.rs replays against a real server. Re-record after a client
upgrade, or to add a request:

    pip install boto3 awscli        # whatever versions you want recorded
    python3 interop/record/record.py

The JS SDK is installed into a temporary directory (its version pinned below), so the interop
packages CI installs stay as they are. Nothing here talks to AWS.
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "crates", "server", "tests", "it", "data", "recorded-requests.json")
JS_SDK = "@aws-sdk/client-cognito-identity-provider@3.1178.0"
# Placeholder ids that pass the clients' own checks; the replay test swaps in real ones.
POOL = "us-east-1_RECORDEDPOOL"
CLIENT = "recordedclient000000000001"


class Capture(http.server.BaseHTTPRequestHandler):
    captured = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        Capture.captured.append(
            {
                "target": self.headers.get("x-amz-target"),
                "contentType": self.headers.get("content-type"),
                "body": body,
            }
        )
        reply = b"{}"
        self.send_response(200)
        self.send_header("content-type", "application/x-amz-json-1.1")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def substitute(value, client_name):
    text = json.dumps(value).replace("CLIENTNAME", client_name)
    return json.loads(text.replace('"POOL"', json.dumps(POOL)).replace('"CLIENT"', json.dumps(CLIENT)))



def kebab(name):
    # botocore's own conversion handles runs of capitals (MFA, CSV, UI), as the CLI does.
    from botocore import xform_name

    return xform_name(name, "-")


def record_boto3(endpoint, requests):
    import boto3

    client = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDRECORDING",
        aws_secret_access_key="recording",
    )
    from botocore import xform_name

    for request in requests:
        getattr(client, xform_name(request["operation"]))(**substitute(request["params"], "boto3"))
    return "boto3 " + boto3.__version__


def record_cli(endpoint, requests):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDRECORDING", AWS_SECRET_ACCESS_KEY="recording", AWS_DEFAULT_REGION="us-east-1")
    for request in requests:
        subprocess.run(
            [sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "cognito-idp", kebab(request["operation"]),
             "--cli-input-json", json.dumps(substitute(request["params"], "cli"))],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    version = subprocess.run([sys.executable, "-m", "awscli", "--version"], capture_output=True, text=True, env=env)
    return (version.stdout or version.stderr).split()[0]


def record_js(endpoint, requests):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "install", "--prefix", tmp, "--no-audit", "--no-fund", "--loglevel=error", JS_SDK], check=True)
        script = os.path.join(tmp, "record.mjs")
        with open(script, "w") as f:
            f.write(JS_RECORDER)
        jobs = [{"operation": r["operation"], "params": substitute(r["params"], "js")} for r in requests]
        subprocess.run(["node", script, endpoint, json.dumps(jobs)], check=True, cwd=tmp)
    return "aws-sdk-js-v3 " + JS_SDK.rsplit("@", 1)[1]


JS_RECORDER = r"""
import * as sdk from '@aws-sdk/client-cognito-identity-provider';
const [endpoint, jobs] = process.argv.slice(2);
const client = new sdk.CognitoIdentityProviderClient({
  endpoint, region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDRECORDING', secretAccessKey: 'recording' },
});
for (const { operation, params } of JSON.parse(jobs)) {
  await client.send(new sdk[`${operation}Command`](params));
}
"""


def main():
    with open(os.path.join(HERE, "requests.json")) as f:
        requests = json.load(f)["requests"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    recorded = []
    for record in (record_js, record_boto3, record_cli):
        Capture.captured = []
        client = record(endpoint, requests)
        assert len(Capture.captured) == len(requests), f"{client}: {len(Capture.captured)} requests captured"
        for request, captured in zip(requests, Capture.captured):
            assert captured["target"].endswith("." + request["operation"]), captured
            recorded.append({"client": client, "operation": request["operation"], **captured})
    server.shutdown()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"pool": POOL, "client": CLIENT, "requests": recorded}, f, indent=1)
        f.write("\n")
    print(f"recorded {len(recorded)} requests into {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
