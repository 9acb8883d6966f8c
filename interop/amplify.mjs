// AWS Amplify JS v6 (aws-amplify/auth) against Cognate, as a web app built on it signs in.
// Prints one JSON summary for the Rust integration tests (crates/server/tests/it/amplify.rs).
//
// Usage: node amplify.mjs <scenario> '<json parameters>'
//   parameters: { endpoint, userPoolId, userPoolClientId, username, password, email }
//   scenarios:
//     srp:         signIn with the default flow (USER_SRP_AUTH), then fetchAuthSession and
//                  getCurrentUser.
//     email-otp:   USER_AUTH with preferredChallenge EMAIL_OTP, confirmSignIn with the mailed
//                  code; then USER_AUTH without a preference, SELECT_CHALLENGE, PASSWORD.
//     totp-setup:  the pool requires MFA (software token only): signIn, MFA_SETUP with the
//                  shared secret, confirmSignIn with a TOTP code computed here.
//     sign-up:     signUp with autoSignIn (USER_AUTH), confirmSignUp with the mailed code,
//                  autoSignIn.
//
// A code the server mails is asked of the test on stdout, one line
// `{"need":"mailCode","to":"<address>","n":<nth mail to it>}`, and read back from stdin as
// one line holding the code. The last line of stdout is `{"summary":{...}}`.

import crypto from 'node:crypto';
import readline from 'node:readline';

import { Amplify } from 'aws-amplify';
import {
  autoSignIn,
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  getCurrentUser,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';

const [scenario, rawParameters] = process.argv.slice(2);
const params = JSON.parse(rawParameters);

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: params.userPoolId,
      userPoolClientId: params.userPoolClientId,
      userPoolEndpoint: params.endpoint,
    },
  },
});

// Every request Amplify makes, with the challenge it answers.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const headers = new Headers(init.headers);
  const target = (headers.get('x-amz-target') || '').replace('AWSCognitoIdentityProviderService.', '');
  let body = {};
  try {
    body = JSON.parse(init.body);
  } catch {
    // not JSON
  }
  const step = body.ChallengeName || body.AuthFlow;
  requests.push(step ? `${target}:${step}` : target);
  const response = await realFetch(input, init);
  if (process.env.AMPLIFY_DEBUG) {
    const text = await response.clone().text();
    process.stderr.write(`${target} ${init.body}\n  -> ${response.status} ${text}\n`);
  }
  return response;
};

// Questions to the test and its answers, one line each.
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const mailsAsked = {};
async function mailCode(to) {
  mailsAsked[to] = (mailsAsked[to] || 0) + 1;
  process.stdout.write(`${JSON.stringify({ need: 'mailCode', to, n: mailsAsked[to] })}\n`);
  const { value, done } = await lines.next();
  if (done) throw new Error('stdin closed before the code came');
  return value.trim();
}

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238: HMAC-SHA1, six digits, 30-second steps from the Unix epoch.
function totp(secret, now = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const word = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(word % 1000000).padStart(6, '0');
}

// What the app knows once signed in: the session's tokens and the current user.
async function signedInState() {
  const session = await fetchAuthSession();
  const user = await getCurrentUser();
  const tokens = session.tokens;
  return {
    username: user.username,
    userId: user.userId,
    loginId: user.signInDetails?.loginId ?? null,
    authFlowType: user.signInDetails?.authFlowType ?? null,
    idToken: tokens?.idToken?.toString() ?? null,
    accessToken: tokens?.accessToken?.toString() ?? null,
    idTokenPayload: tokens?.idToken?.payload ?? null,
    accessTokenPayload: tokens?.accessToken?.payload ?? null,
  };
}

const step = (output) => ({ isSignedIn: output.isSignedIn, signInStep: output.nextStep.signInStep });

async function srp() {
  requests.length = 0;
  const output = await signIn({ username: params.username, password: params.password });
  return { signIn: step(output), requests: requests.slice(), state: await signedInState() };
}

async function emailOtp() {
  requests.length = 0;
  const started = await signIn({
    username: params.username,
    options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' },
  });
  const code = await mailCode(params.email);
  const confirmed = await confirmSignIn({ challengeResponse: code });
  const emailRequests = requests.slice();
  const emailState = await signedInState();
  requests.length = 0;
  await signOut();
  const signOutRequests = requests.slice();

  // No preference: the server offers the first factors and the app picks the password.
  requests.length = 0;
  const offered = await signIn({ username: params.username, options: { authFlowType: 'USER_AUTH' } });
  const selected = await confirmSignIn({ challengeResponse: 'PASSWORD' });
  const withPassword = await confirmSignIn({ challengeResponse: params.password });
  return {
    email: {
      started: { ...step(started), codeDeliveryDetails: started.nextStep.codeDeliveryDetails ?? null },
      confirmed: step(confirmed),
      requests: emailRequests,
      state: emailState,
      signOutRequests,
    },
    selection: {
      offered: { ...step(offered), availableChallenges: offered.nextStep.availableChallenges ?? null },
      selected: step(selected),
      confirmed: step(withPassword),
      requests: requests.slice(),
      state: await signedInState(),
    },
  };
}

async function totpSetup() {
  requests.length = 0;
  const started = await signIn({ username: params.username, password: params.password });
  const details = started.nextStep.totpSetupDetails;
  const secret = details?.sharedSecret;
  const setupUri = details ? details.getSetupUri('Cognate').toString() : null;
  const confirmed = await confirmSignIn({ challengeResponse: totp(secret) });
  return {
    started: step(started),
    secret,
    setupUri,
    confirmed: step(confirmed),
    requests: requests.slice(),
    state: await signedInState(),
  };
}

async function signUpFlow() {
  requests.length = 0;
  const signedUp = await signUp({
    username: params.username,
    password: params.password,
    options: {
      userAttributes: { email: params.email },
      autoSignIn: { authFlowType: 'USER_AUTH' },
    },
  });
  const code = await mailCode(params.email);
  const confirmed = await confirmSignUp({ username: params.username, confirmationCode: code });
  const signedIn = await autoSignIn();
  return {
    signUp: {
      isSignUpComplete: signedUp.isSignUpComplete,
      signUpStep: signedUp.nextStep.signUpStep,
      codeDeliveryDetails: signedUp.nextStep.codeDeliveryDetails ?? null,
      userId: signedUp.userId ?? null,
    },
    confirmSignUp: { isSignUpComplete: confirmed.isSignUpComplete, signUpStep: confirmed.nextStep.signUpStep },
    autoSignIn: step(signedIn),
    requests: requests.slice(),
    state: await signedInState(),
  };
}

const scenarios = { srp, 'email-otp': emailOtp, 'totp-setup': totpSetup, 'sign-up': signUpFlow };

(async () => {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const summary = await run();
  process.stdout.write(`${JSON.stringify({ summary })}\n`);
  process.exit(0);
})().catch((err) => {
  process.stderr.write(`${err && err.name}: ${err && err.message}\n${err && err.stack}\n`);
  process.stdout.write(
    `${JSON.stringify({ error: { name: err && err.name, message: err && err.message }, requests })}\n`,
  );
  process.exit(1);
});
