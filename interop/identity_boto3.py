"""boto3's `cognito-identity` client against Cognate: every operation of the model, with role
mapping by user-pool group (Token) and by rules, as a Python backend or script would call them.

Usage: python3 identity_boto3.py '<json parameters>'
  parameters: {endpoint, region, provider (the user pool's Logins key), clientId,
               adminToken (an ID token of a user in a group with a role), userToken (an ID
               token of a user in no group), roles: {auth, unauth, admin, reader}}

Prints one JSON line {"summary": {...}}: what each step returned (or the error it raised),
for crates/server/tests/it/identity_interop.rs to check. The credentials' session token
names the role the server's STS stand-in was asked for.
"""

import json
import sys

import boto3
import botocore

P = json.loads(sys.argv[1])
client = boto3.client(
    "cognito-identity",
    endpoint_url=P["endpoint"],
    region_name=P["region"],
    aws_access_key_id="AKIDCOGNATETEST",
    aws_secret_access_key="cognate-test-secret-key",
)
DEV = "login.boto3.app"
summary = {}


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}
    return None


def role_of(credentials):
    return credentials["Credentials"]["SessionToken"].removeprefix("session-for-")


provider_entry = {"ProviderName": P["provider"], "ClientId": P["clientId"], "ServerSideTokenCheck": True}
pool = client.create_identity_pool(
    IdentityPoolName="boto3 pool",
    AllowUnauthenticatedIdentities=True,
    DeveloperProviderName=DEV,
    CognitoIdentityProviders=[provider_entry],
    IdentityPoolTags={"owner": "boto3"},
)
pool_id = pool["IdentityPoolId"]
summary["created"] = {"name": pool["IdentityPoolName"], "tags": pool["IdentityPoolTags"]}
summary["described"] = client.describe_identity_pool(IdentityPoolId=pool_id)["CognitoIdentityProviders"]
updated = client.update_identity_pool(
    IdentityPoolId=pool_id,
    IdentityPoolName="boto3 pool renamed",
    AllowUnauthenticatedIdentities=True,
    AllowClassicFlow=True,
    DeveloperProviderName=DEV,
    CognitoIdentityProviders=[provider_entry],
)
summary["updated"] = {"name": updated["IdentityPoolName"], "classic": updated["AllowClassicFlow"]}
summary["listed"] = [p["IdentityPoolId"] for p in client.list_identity_pools(MaxResults=60)["IdentityPools"]]
arn = f"arn:aws:cognito-identity:{P['region']}:123456789012:identitypool/{pool_id}"
client.tag_resource(ResourceArn=arn, Tags={"stage": "test"})
client.untag_resource(ResourceArn=arn, TagKeys=["owner"])
summary["tags"] = client.list_tags_for_resource(ResourceArn=arn)["Tags"]

roles = P["roles"]
mapping_key = f"{P['provider']}:{P['clientId']}"
client.set_identity_pool_roles(
    IdentityPoolId=pool_id,
    Roles={"authenticated": roles["auth"], "unauthenticated": roles["unauth"]},
)
summary["roles"] = client.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"]
summary["principalTags"] = client.set_principal_tag_attribute_map(
    IdentityPoolId=pool_id, IdentityProviderName=P["provider"], UseDefaults=True
)["PrincipalTags"]
summary["principalTagsRead"] = client.get_principal_tag_attribute_map(
    IdentityPoolId=pool_id, IdentityProviderName=P["provider"]
)["UseDefaults"]

# Guests and users.
guest = client.get_id(IdentityPoolId=pool_id)["IdentityId"]
summary["guestRole"] = role_of(client.get_credentials_for_identity(IdentityId=guest))
admin_logins = {P["provider"]: P["adminToken"]}
user_logins = {P["provider"]: P["userToken"]}
admin = client.get_id(IdentityPoolId=pool_id, Logins=admin_logins)["IdentityId"]
user = client.get_id(IdentityPoolId=pool_id, Logins=user_logins)["IdentityId"]
summary["defaultRole"] = role_of(client.get_credentials_for_identity(IdentityId=admin, Logins=admin_logins))

# Role mapping by group: the Token type reads cognito:preferred_role and cognito:roles.
client.set_identity_pool_roles(
    IdentityPoolId=pool_id,
    Roles={"authenticated": roles["auth"], "unauthenticated": roles["unauth"]},
    RoleMappings={mapping_key: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}},
)
summary["groupRole"] = role_of(client.get_credentials_for_identity(IdentityId=admin, Logins=admin_logins))
summary["customRole"] = role_of(
    client.get_credentials_for_identity(IdentityId=admin, Logins=admin_logins, CustomRoleArn=roles["reader"])
)
summary["noGroupRole"] = role_of(client.get_credentials_for_identity(IdentityId=user, Logins=user_logins))
summary["classicWithMappings"] = error_of(lambda: client.get_open_id_token(IdentityId=admin, Logins=admin_logins))

# Role mapping by rules, in order, denying what matches none.
client.set_identity_pool_roles(
    IdentityPoolId=pool_id,
    Roles={"authenticated": roles["auth"], "unauthenticated": roles["unauth"]},
    RoleMappings={
        mapping_key: {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {
                "Rules": [
                    {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": roles["admin"]},
                    {"Claim": "email", "MatchType": "StartsWith", "Value": "nobody", "RoleARN": roles["reader"]},
                ]
            },
        }
    },
)
summary["mappingsRead"] = client.get_identity_pool_roles(IdentityPoolId=pool_id)["RoleMappings"][mapping_key]["Type"]
summary["ruleRole"] = role_of(client.get_credentials_for_identity(IdentityId=admin, Logins=admin_logins))
summary["ruleDenied"] = error_of(lambda: client.get_credentials_for_identity(IdentityId=user, Logins=user_logins))

# The basic flow, without mappings.
client.set_identity_pool_roles(
    IdentityPoolId=pool_id, Roles={"authenticated": roles["auth"], "unauthenticated": roles["unauth"]}
)
summary["openIdToken"] = client.get_open_id_token(IdentityId=admin, Logins=admin_logins)["IdentityId"] == admin

# Developer identities.
dev = client.get_open_id_token_for_developer_identity(
    IdentityPoolId=pool_id, Logins={DEV: "dev-user-1"}, PrincipalTags={"plan": "pro"}, TokenDuration=300
)
dev_id = dev["IdentityId"]
second = client.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "dev-user-2"})
summary["devCredentialsRole"] = role_of(
    client.get_credentials_for_identity(IdentityId=dev_id, Logins={"cognito-identity.amazonaws.com": dev["Token"]})
)
summary["lookup"] = client.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="dev-user-1")[
    "IdentityId"
] == dev_id
summary["merged"] = client.merge_developer_identities(
    SourceUserIdentifier="dev-user-2",
    DestinationUserIdentifier="dev-user-1",
    DeveloperProviderName=DEV,
    IdentityPoolId=pool_id,
)["IdentityId"] == dev_id
summary["devUsers"] = client.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=dev_id, MaxResults=10)[
    "DeveloperUserIdentifierList"
]
client.unlink_developer_identity(
    IdentityId=dev_id, IdentityPoolId=pool_id, DeveloperProviderName=DEV, DeveloperUserIdentifier="dev-user-2"
)
summary["afterUnlink"] = client.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=dev_id)[
    "DeveloperUserIdentifierList"
]
summary["secondGone"] = error_of(lambda: client.describe_identity(IdentityId=second["IdentityId"]))

# Identities: describe, list, unlink a login, delete.
summary["describedLogins"] = client.describe_identity(IdentityId=admin)["Logins"]
summary["listed"] = len(client.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"])
client.unlink_identity(IdentityId=user, Logins=user_logins, LoginsToRemove=[P["provider"]])
summary["unlinkedLogins"] = client.describe_identity(IdentityId=user)["Logins"]
deleted = client.delete_identities(IdentityIdsToDelete=[guest, "us-east-1:00000000-0000-4000-8000-0000000000aa"])
summary["unprocessed"] = deleted["UnprocessedIdentityIds"]
summary["badInput"] = error_of(lambda: client.list_identities(IdentityPoolId="not a pool id", MaxResults=61))
client.delete_identity_pool(IdentityPoolId=pool_id)
summary["deleted"] = error_of(lambda: client.describe_identity_pool(IdentityPoolId=pool_id))

print(json.dumps({"summary": summary}))
