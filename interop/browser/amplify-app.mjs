// A single-page app on AWS Amplify JS v6 (aws-amplify/auth), bundled for the browser by esbuild
// (`esbuild amplify-app.mjs --bundle`) and served from another origin than Cognate. The Rust test
// (crates/server/tests/it/browser_apps.rs) calls these functions through WebDriver.
//
// The configuration is kept in localStorage, so that the page the hosted pages redirect back to
// configures Amplify the same way before Amplify's OAuth listener exchanges the code.

import { Amplify } from 'aws-amplify';
import {
  fetchAuthSession,
  getCurrentUser,
  signIn,
  signInWithRedirect,
  signOut,
} from 'aws-amplify/auth';
import 'aws-amplify/auth/enable-oauth-listener';

const CONFIG_KEY = 'cognate-amplify-config';

// Every URL the page fetches, so the test can see the page itself call the token endpoint.
const fetched = [];
const realFetch = window.fetch.bind(window);
window.fetch = (input, init) => {
  fetched.push(typeof input === 'string' ? input : input.url);
  return realFetch(input, init);
};

function apply(config) {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        userPoolEndpoint: config.endpoint,
        loginWith: {
          oauth: {
            domain: config.domain,
            scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
            redirectSignIn: [config.redirect],
            redirectSignOut: [config.redirect],
            responseType: 'code',
          },
        },
      },
    },
  });
}

const saved = localStorage.getItem(CONFIG_KEY);
if (saved) apply(JSON.parse(saved));

function failure(err) {
  return { code: err.name, message: err.message };
}

async function session() {
  const { tokens } = await fetchAuthSession();
  if (!tokens) return { signedIn: false };
  return {
    signedIn: true,
    accessToken: tokens.accessToken.toString(),
    idToken: tokens.idToken ? tokens.idToken.toString() : null,
  };
}

window.cognate = {
  async configure(config) {
    localStorage.setItem(CONFIG_KEY, JSON.stringify(config));
    apply(config);
    return true;
  },

  // The default flow: USER_SRP_AUTH.
  async signIn({ username, password }) {
    try {
      const result = await signIn({ username, password });
      return { isSignedIn: result.isSignedIn, nextStep: result.nextStep.signInStep };
    } catch (err) {
      throw failure(err);
    }
  },

  session,

  async currentUser() {
    try {
      const user = await getCurrentUser();
      return { username: user.username, userId: user.userId };
    } catch (err) {
      throw failure(err);
    }
  },

  async signOut() {
    await signOut();
    return session();
  },

  // Navigates away to the hosted pages; the promise never matters.
  async signInWithRedirect() {
    signInWithRedirect().catch(() => {});
    return true;
  },

  async fetched() {
    return fetched;
  },
};
