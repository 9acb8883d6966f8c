// Identity pools from JavaScript, as apps use them, against Cognate: the AWS SDK for
// JavaScript v3's `fromCognitoIdentityPool` credential provider, AWS Amplify JS v6's
// `fetchAuthSession()` followed by an upload to S3 with the credentials it returns, and a
// standard OpenID Connect library (openid-client's discovery, jose's JWKS verification)
// checking an identity-pool OpenID token.
// Prints one JSON line `{"summary":{...}}` for the Rust integration tests
// (crates/server/tests/it/identity_interop.rs).
//
// Usage: node identity.mjs <scenario> '<json parameters>'
//   sdk:      { endpoint, region, identityPoolId, logins? } → fromCognitoIdentityPool's credentials.
//   amplify:  { endpoint, region, userPoolId, userPoolClientId, identityPoolId, username,
//               password, s3Endpoint, bucket, key, body } → signIn, fetchAuthSession, then
//               PutObject and GetObject on the S3 stand-in with the session's credentials.
//   oidc:     { issuer, audience, token } → discovery, then the token verified against the
//               published keys; a tampered copy must fail.

import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn } from 'aws-amplify/auth';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

const [scenario, rawParameters] = process.argv.slice(2);
const params = JSON.parse(rawParameters);

// Every Cognito request made through fetch (Amplify's), by target, so the tests can see the
// flow; the AWS SDK for JavaScript's Node handler does not go through fetch.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  const target = headers.get('x-amz-target');
  if (target) requests.push(target);
  return realFetch(input, init);
};

function credentialsSummary(credentials) {
  return {
    accessKeyId: credentials.accessKeyId,
    secretAccessKeyLength: credentials.secretAccessKey?.length ?? 0,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration ? new Date(credentials.expiration).toISOString() : null,
    identityId: credentials.identityId ?? null,
  };
}

async function sdk() {
  const provider = fromCognitoIdentityPool({
    identityPoolId: params.identityPoolId,
    logins: params.logins,
    clientConfig: { region: params.region, endpoint: params.endpoint },
  });
  const credentials = await provider();
  return { credentials: credentialsSummary(credentials), requests };
}

async function amplify() {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: params.userPoolId,
        userPoolClientId: params.userPoolClientId,
        identityPoolId: params.identityPoolId,
        userPoolEndpoint: params.endpoint,
        identityPoolEndpoint: params.endpoint,
      },
    },
  });
  const signedIn = await signIn({ username: params.username, password: params.password });
  const session = await fetchAuthSession();
  const s3 = new S3Client({
    region: params.region,
    endpoint: params.s3Endpoint,
    forcePathStyle: true,
    credentials: session.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Amplify's own layout is `private/<identityId>/…`; moto's S3 signature check mis-encodes
  // the `:` of an identity id in the path (it does not match the signature the SDK computes
  // for `%3A`), so the object goes under the id's UUID part instead.
  const key = `private/${session.identityId.split(':')[1]}/${params.key}`;
  await s3.send(new PutObjectCommand({ Bucket: params.bucket, Key: key, Body: params.body }));
  const read = await s3.send(new GetObjectCommand({ Bucket: params.bucket, Key: key }));
  // The role allows PutObject and GetObject only: the stand-in must refuse a delete.
  let deleteRefused = null;
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: params.bucket, Key: key }));
  } catch (e) {
    deleteRefused = e.name;
  }
  return {
    deleteRefused,
    signedIn: signedIn.isSignedIn,
    identityId: session.identityId,
    credentials: credentialsSummary(session.credentials),
    idTokenSub: session.tokens?.idToken?.payload?.sub ?? null,
    uploaded: { key, body: await read.Body.transformToString() },
    requests,
  };
}

async function verifyWith(metadata, token) {
  const keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(token, keys, {
    issuer: metadata.issuer,
    audience: params.audience,
    algorithms: metadata.id_token_signing_alg_values_supported,
  });
  return { payload, protectedHeader };
}

async function openIdConnect() {
  // Discovery checks that the document's issuer is the one asked for; plain HTTP is allowed
  // only because the test server listens on loopback.
  const configuration = await oidc.discovery(new URL(params.issuer), 'cognate-tests', undefined, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  const metadata = configuration.serverMetadata();
  const verified = await verifyWith(metadata, params.token);
  // A copy whose payload names another identity must not verify.
  const [header, , signature] = params.token.split('.');
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...decodeJwt(params.token), sub: 'us-east-1:00000000-0000-4000-8000-000000000000' }),
  ).toString('base64url');
  let tamperedRejected = false;
  try {
    await verifyWith(metadata, `${header}.${forgedPayload}.${signature}`);
  } catch (e) {
    tamperedRejected = e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
  }
  return {
    issuer: metadata.issuer,
    jwksUri: metadata.jwks_uri,
    header: verified.protectedHeader,
    claims: verified.payload,
    tamperedRejected,
  };
}

const scenarios = { sdk, amplify, oidc: openIdConnect };

try {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const summary = await run();
  process.stdout.write(`${JSON.stringify({ summary })}\n`);
} catch (e) {
  process.stdout.write(
    `${JSON.stringify({ summary: { error: { name: e.name, message: e.message, code: e.code ?? null } }, requests })}\n`,
  );
  process.exitCode = 1;
}
