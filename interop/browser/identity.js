// A single-page app on amazon-cognito-identity-js's browser build (global AmazonCognitoIdentity),
// served from another origin than Cognate. The Rust test (crates/server/tests/it/browser_apps.rs)
// calls these functions through WebDriver; each returns a promise of plain JSON.
'use strict';

(function () {
  const { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute } =
    window.AmazonCognitoIdentity;
  let pool = null;

  // What a failed call looks like to the app: the library's error code and message.
  function failure(err) {
    return { code: err.code || err.name, message: err.message };
  }

  function callback(resolve, reject) {
    return (err, result) => (err ? reject(failure(err)) : resolve(result));
  }

  function tokens(session) {
    return {
      idToken: session.getIdToken().getJwtToken(),
      accessToken: session.getAccessToken().getJwtToken(),
      refreshToken: session.getRefreshToken().getToken(),
    };
  }

  // The signed-in user, with the session the library keeps in localStorage.
  function current() {
    return new Promise((resolve, reject) => {
      const user = pool.getCurrentUser();
      if (!user) {
        reject({ code: 'NoCurrentUser', message: 'nobody is signed in' });
        return;
      }
      user.getSession((err, session) => (err ? reject(failure(err)) : resolve({ user, session })));
    });
  }

  window.cognate = {
    configure({ endpoint, userPoolId, clientId }) {
      pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
      return Promise.resolve(true);
    },

    signUp({ username, password, email }) {
      const attributes = [new CognitoUserAttribute({ Name: 'email', Value: email })];
      return new Promise((resolve, reject) => {
        // The library sends `"ValidationData": null` when none is given.
        pool.signUp(username, password, attributes, null, (err, result) =>
          err ? reject(failure(err)) : resolve({ userSub: result.userSub, confirmed: result.userConfirmed }),
        );
      });
    },

    // USER_SRP_AUTH by default; `flow` picks USER_PASSWORD_AUTH.
    signIn({ username, password, flow }) {
      const user = new CognitoUser({ Username: username, Pool: pool });
      if (flow) user.setAuthenticationFlowType(flow);
      const details = new AuthenticationDetails({ Username: username, Password: password });
      return new Promise((resolve, reject) => {
        user.authenticateUser(details, {
          onSuccess: (session) => resolve(tokens(session)),
          onFailure: (err) => reject(failure(err)),
          newPasswordRequired: () => reject({ code: 'newPasswordRequired' }),
        });
      });
    },

    async updateAndReadAttributes({ name }) {
      const { user } = await current();
      await new Promise((resolve, reject) =>
        user.updateAttributes([new CognitoUserAttribute({ Name: 'name', Value: name })], callback(resolve, reject)),
      );
      const attributes = await new Promise((resolve, reject) =>
        user.getUserAttributes(callback(resolve, reject)),
      );
      return Object.fromEntries(attributes.map((a) => [a.getName(), a.getValue()]));
    },

    // With no remembered device the library sends `"DEVICE_KEY": null` in AuthParameters.
    async refresh() {
      const { user, session } = await current();
      const before = tokens(session);
      const refreshed = await new Promise((resolve, reject) =>
        user.refreshSession(session.getRefreshToken(), callback(resolve, reject)),
      );
      return { before, after: tokens(refreshed) };
    },

    async changePassword({ oldPassword, newPassword }) {
      const { user } = await current();
      return new Promise((resolve, reject) =>
        user.changePassword(oldPassword, newPassword, callback(resolve, reject)),
      );
    },

    // GlobalSignOut, then what the old tokens get: the access token read and the refresh token used.
    async globalSignOutAndTryOldTokens() {
      const { user, session } = await current();
      await new Promise((resolve, reject) =>
        user.globalSignOut({ onSuccess: resolve, onFailure: (err) => reject(failure(err)) }),
      );
      const stale = new CognitoUser({ Username: user.getUsername(), Pool: pool });
      stale.setSignInUserSession(session);
      const attributes = await new Promise((resolve) =>
        stale.getUserAttributes((err) => resolve(err ? failure(err) : { code: 'accepted' })),
      );
      const refresh = await new Promise((resolve) =>
        stale.refreshSession(session.getRefreshToken(), (err) => resolve(err ? failure(err) : { code: 'accepted' })),
      );
      return { attributes, refresh, signedOut: pool.getCurrentUser() === null };
    },
  };
})();
