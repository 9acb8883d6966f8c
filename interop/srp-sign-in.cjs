// Signs in over and over with amazon-cognito-identity-js (the SRP client most Cognito web apps
// ship), until it has seen at least one exchange whose scrambling parameter u starts with a
// zero byte (about 1 in 256), then prints a JSON summary. Run by the Rust integration tests.
//
// Usage: node srp-sign-in.cjs <endpoint> <poolId> <clientId> <username> <password> <min-sign-ins> <max-sign-ins>
'use strict';

const { AuthenticationDetails, AuthenticationHelper, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js');

const [endpoint, poolId, clientId, username, password, minText, maxText] = process.argv.slice(2);
const minimum = Number(minText || 1);
const maximum = Number(maxText || minimum);

// Count the 1-in-256 case where H(PAD(A) || PAD(B)) starts with 0x00.
let zeroLeadingU = 0;
const calculateU = AuthenticationHelper.prototype.calculateU;
AuthenticationHelper.prototype.calculateU = function (A, B) {
  const u = calculateU.call(this, A, B);
  if (this.UHexHash.startsWith('00')) zeroLeadingU += 1;
  return u;
};

const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });

function signInOnce() {
  return new Promise((resolve, reject) => {
    const user = new CognitoUser({ Username: username, Pool: pool });
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve(session),
      onFailure: (err) => reject(err),
    });
  });
}

(async () => {
  let signIns = 0;
  let lastSession = null;
  while (signIns < maximum && (signIns < minimum || zeroLeadingU === 0)) {
    lastSession = await signInOnce();
    signIns += 1;
  }
  console.log(JSON.stringify({
    signIns,
    zeroLeadingU,
    idTokenPayload: lastSession.getIdToken().decodePayload(),
    accessToken: lastSession.getAccessToken().getJwtToken(),
  }));
})().catch((err) => {
  console.log(JSON.stringify({ error: err.code || err.name, message: err.message }));
  process.exit(1);
});
