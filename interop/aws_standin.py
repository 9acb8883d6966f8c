"""An S3 + STS + IAM stand-in for the identity-pool tests, on moto's server.

Usage: python3 aws_standin.py '{"bucket": name}'
Prints one JSON line {"endpoint": "http://127.0.0.1:<port>"} once it serves (the bucket made),
then reads set-ups from standard input, one JSON line each, answering {"ready": true} after each:
  {"issuer": Cognate's identity issuer URL,
   "roles": {name: {"audience": identity pool id, "amr": "authenticated"|"unauthenticated",
                    "s3_actions": ["s3:PutObject", ...]}}}
It serves until its standard input closes. (The set-up comes after the start because the
server under test needs this endpoint before it can say its issuer and pool ids.)

What it checks, and what it does not:
- moto itself, with IAM authentication switched on after the set-up below, checks every S3
  request: the access key must be one its STS issued, the session token must match it, the
  SigV4 signature must verify, and the role's permission policy must allow the action on the
  object.
- moto does not check web identity tokens at all (its AssumeRoleWithWebIdentity is
  AssumeRole), and it would require AssumeRoleWithWebIdentity to be signed, which AWS does
  not. This file replaces that one operation's checks with AWS's: the call is unsigned; the
  token's issuer must be the registered OIDC provider (`issuer`), found through its
  discovery document; the token's signature must verify against the keys it publishes; it
  must be unexpired; and the role's trust conditions (`<issuer host>:aud` equals the
  identity pool, `amr` has the expected value) must hold. A failure answers STS's error.
"""

import json
import sys
import time
import urllib.request

import boto3
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

SETUP = {"roles": {}, "issuer": None, **json.loads(sys.argv[1])}
ACCOUNT = "123456789012"


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


class Rejected(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def check_web_identity(role_arn, token):
    """AWS's checks of AssumeRoleWithWebIdentity against the set-up's OIDC provider and roles."""
    role = SETUP["roles"].get(role_arn.rsplit("/", 1)[-1])
    if role is None:
        raise Rejected("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    issuer = SETUP["issuer"]
    discovery = fetch_json(f"{issuer}/.well-known/openid-configuration")
    if discovery["issuer"] != issuer:
        raise Rejected("InvalidIdentityToken", "The discovery document names another issuer")
    keys = KeySet.import_key_set(fetch_json(discovery["jwks_uri"]))
    try:
        decoded = jwt.decode(token, keys, algorithms=["RS512", "RS256"])
    except (JoseError, ValueError) as e:
        raise Rejected("InvalidIdentityToken", f"Couldn't verify the token: {e}") from e
    claims = decoded.claims
    if claims.get("iss") != issuer:
        raise Rejected("InvalidIdentityToken", "The token's issuer is not a registered provider")
    if claims.get("exp", 0) <= time.time():
        raise Rejected("ExpiredTokenException", "Token expired")
    if claims.get("aud") != role["audience"] or role["amr"] not in claims.get("amr", []):
        raise Rejected("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def sts_error(code, message):
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>standin</RequestId></ErrorResponse>"
    )
    return 403 if code == "AccessDenied" else 400, {"Content-Type": "text/xml"}, body


original_authorize = BaseResponse._authenticate_and_authorize_normal_action


def authorize(self, resource="*"):
    # AssumeRoleWithWebIdentity is unsigned on AWS: its token is the credential.
    if self._get_action() == "AssumeRoleWithWebIdentity":
        return
    original_authorize(self, resource)


BaseResponse._authenticate_and_authorize_normal_action = authorize

original_call_action = BaseResponse.call_action


def call_action(self):
    if self._get_action() == "AssumeRoleWithWebIdentity":
        try:
            check_web_identity(self._get_param("RoleArn"), self._get_param("WebIdentityToken"))
        except Rejected as e:
            return sts_error(e.code, e.message)
    return original_call_action(self)


BaseResponse.call_action = call_action


def setup_clients(endpoint):
    session = boto3.session.Session(
        aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1"
    )
    return session.client("s3", endpoint_url=endpoint), session.client("iam", endpoint_url=endpoint)


def without_authentication(action):
    """Runs set-up requests while nothing else is in flight, with IAM checks off meanwhile."""
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    try:
        action()
    finally:
        # From here on every request but AssumeRoleWithWebIdentity needs valid credentials.
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ActionAuthenticatorMixin.request_count = 0


def add_roles(endpoint, roles):
    _, iam = setup_clients(endpoint)
    for name, role in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
        if role["s3_actions"]:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": role["s3_actions"],
                        "Resource": [f"arn:aws:s3:::{SETUP['bucket']}/*"],
                    }
                ],
            }
            iam.put_role_policy(RoleName=name, PolicyName="uploads", PolicyDocument=json.dumps(policy))


def main():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    without_authentication(lambda: setup_clients(endpoint)[0].create_bucket(Bucket=SETUP["bucket"]))
    print(json.dumps({"endpoint": endpoint, "account": ACCOUNT}), flush=True)
    for line in sys.stdin:
        update = json.loads(line)
        SETUP["issuer"] = update["issuer"]
        SETUP["roles"].update(update["roles"])
        without_authentication(lambda: add_roles(endpoint, update["roles"]))
        print(json.dumps({"ready": True}), flush=True)
    server.stop()


if __name__ == "__main__":
    main()
