// Software-token MFA and remembered devices with amazon-cognito-identity-js, as a web app
// built on it does them. Prints a JSON summary for the Rust integration tests.
//
// Usage: node mfa-devices.cjs <scenario> <endpoint> <poolId> <clientId> <username> <password>
//   totp-devices: sign in (the device is confirmed), enrol a software token with the access
//                 token, sign in with its code, remember the device, then sign in through
//                 device SRP without a code.
//   mfa-setup:    the pool requires MFA; enrol the software token inside the sign-in
//                 (MFA_SETUP, AssociateSoftwareToken and VerifySoftwareToken with a Session).
'use strict';

const crypto = require('crypto');
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js');

const [scenario, endpoint, poolId, clientId, username, password] = process.argv.slice(2);

// One storage for every CognitoUser, as a browser's localStorage would be.
const memory = {};
const storage = {
  setItem: (key, value) => { memory[key] = String(value); },
  getItem: (key) => (key in memory ? memory[key] : null),
  removeItem: (key) => { delete memory[key]; },
  clear: () => { for (const key of Object.keys(memory)) delete memory[key]; },
};
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint, Storage: storage });

// Every request the library makes, with the challenge it answers.
const requests = [];
const request = pool.client.request;
pool.client.request = function (operation, params, callback) {
  requests.push(params && params.ChallengeName ? `${operation}:${params.ChallengeName}` : operation);
  return request.call(this, operation, params, callback);
};

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

// RFC 6238: HMAC-SHA1, six digits, 30-second steps, `steps` away from now.
function totp(secret, steps) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + steps));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const word = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(word % 1000000).padStart(6, '0');
}

const newUser = () => new CognitoUser({ Username: username, Pool: pool, Storage: storage });

// A sign-in; `totpCode` answers SOFTWARE_TOKEN_MFA, and MFA_SETUP enrols a token.
function signIn(user, { totpCode } = {}) {
  const challenges = [];
  let secret = null;
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session, userConfirmationNecessary) =>
        resolve({ session, userConfirmationNecessary: userConfirmationNecessary === true, challenges, secret }),
      onFailure: reject,
      mfaRequired: (name) => reject(new Error(`unexpected ${name}`)),
      selectMFAType: (name) => reject(new Error(`unexpected ${name}`)),
      totpRequired: (name) => {
        challenges.push(name);
        user.sendMFACode(totpCode(), callbacks, 'SOFTWARE_TOKEN_MFA');
      },
      mfaSetup: (name) => {
        challenges.push(name);
        user.associateSoftwareToken({
          associateSecretCode: (code) => {
            secret = code;
            user.verifySoftwareToken(totp(code, 0), 'node authenticator', callbacks);
          },
          onFailure: reject,
        });
      },
    };
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), callbacks);
  });
}

const call = (fn) => new Promise((resolve, reject) => fn({ onSuccess: resolve, onFailure: reject }));
const nodeCall = (fn) => new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
const claims = (session) => session.getAccessToken().decodePayload();

async function totpDevices() {
  const first = newUser();
  const signedIn = await signIn(first);
  const deviceKey = first.deviceKey;
  const secret = await new Promise((resolve, reject) =>
    first.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));
  let wrongCode = null;
  try {
    await call((cb) => first.verifySoftwareToken(totp(secret, 0) === '000000' ? '000001' : '000000', 'node authenticator', cb));
  } catch (err) {
    wrongCode = { code: err.code, message: err.message };
  }
  const verified = await call((cb) => first.verifySoftwareToken(totp(secret, 0), 'node authenticator', cb));
  await nodeCall((cb) => first.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, cb));

  // The device is tracked, not remembered: the code is asked for.
  requests.length = 0;
  const second = newUser();
  const withCode = await signIn(second, { totpCode: () => totp(secret, 1) });
  const codeRequests = requests.slice();
  await call((cb) => second.setDeviceStatusRemembered(cb));

  // Remembered: device SRP instead of the code.
  requests.length = 0;
  const third = newUser();
  const withDevice = await signIn(third, { totpCode: () => { throw new Error('no code expected'); } });
  const deviceRequests = requests.slice();
  const devices = await call((cb) => third.listDevices(60, null, cb));
  return {
    firstConfirmationNecessary: signedIn.userConfirmationNecessary,
    deviceKey,
    firstTokenDeviceKey: claims(signedIn.session).device_key,
    wrongCode,
    verifyStatus: verified.Status,
    withCode: { challenges: withCode.challenges, deviceKey: claims(withCode.session).device_key, requests: codeRequests },
    withDevice: { challenges: withDevice.challenges, deviceKey: claims(withDevice.session).device_key, requests: deviceRequests },
    devices: devices.Devices.map((d) => d.DeviceKey),
  };
}

async function mfaSetup() {
  const user = newUser();
  const setUp = await signIn(user);
  requests.length = 0;
  const next = await signIn(newUser(), { totpCode: () => totp(setUp.secret, 1) });
  return {
    challenges: setUp.challenges,
    username: claims(setUp.session).username,
    secretLength: setUp.secret.length,
    next: { challenges: next.challenges, requests: requests.slice() },
  };
}

(async () => {
  const run = { 'totp-devices': totpDevices, 'mfa-setup': mfaSetup }[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  console.log(JSON.stringify(await run()));
})().catch((err) => {
  console.log(JSON.stringify({ error: err.code || err.name, message: err.message }));
  process.exit(1);
});
