// A real, certified OpenID provider (the `oidc-provider` package) as the upstream IdP of a
// Cognate pool, for crates/server/tests/it/federation_oidc.rs and federation_browser.rs.
//
// Usage: node oidc-provider.mjs <client_id> <client_secret> <redirect_uri>
// Listens on 127.0.0.1:0 (or $OIDC_PROVIDER_PORT) and prints one line of JSON: {"issuer": "http://127.0.0.1:<port>"}.
// It runs until stdin closes (the test drops the child's stdin) or it is killed.
//
// One confidential client (client_secret_post, as Cognito uses) is registered for the
// Cognate pool's /oauth2/idpresponse. The login page is a plain form (`login` field, any
// name signs in as that account, no password); consent is granted automatically for the
// scopes asked. Accounts have the claims sub, email, email_verified and name; a test changes
// an account's claims with `POST /test/accounts/<id>` (JSON body merged into the claims).

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!clientId || !clientSecret || !redirectUri) {
  console.error('usage: node oidc-provider.mjs <client_id> <client_secret> <redirect_uri>');
  process.exit(2);
}

const accounts = new Map();
function claimsOf(id) {
  if (!accounts.has(id)) {
    accounts.set(id, {
      email: `${id}@example.org`,
      email_verified: true,
      name: `${id[0].toUpperCase()}${id.slice(1)} of oidc-provider`,
    });
  }
  return { sub: id, ...accounts.get(id) };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function main() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(Number(process.env.OIDC_PROVIDER_PORT || 0), '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [signingKey] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: false } },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => claimsOf(id),
    }),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomUUID()] },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
  });
  // Plain http on loopback: the provider is only ever reached from this machine.
  provider.proxy = false;

  const interaction = async (req, res, uid) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>oidc-provider sign-in</title></head><body>
<h1>Sign in to oidc-provider</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="login">Login</label> <input id="login" name="login" autofocus>
<button type="submit" id="sign-in">Sign in</button>
</form></body></html>`);
      return;
    }
    if (details.prompt.name === 'login') {
      const body = await new Promise((resolve) => {
        let text = '';
        req.on('data', (chunk) => { text += chunk; });
        req.on('end', () => resolve(new URLSearchParams(text)));
      });
      const login = (body.get('login') || '').trim();
      if (!login) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('login is required');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }
    // Consent: grant what was asked, no page.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      const test = url.pathname.match(/^\/test\/accounts\/([^/]+)$/);
      if (test && req.method === 'POST') {
        let text = '';
        for await (const chunk of req) text += chunk;
        const id = decodeURIComponent(test[1]);
        claimsOf(id);
        accounts.set(id, { ...accounts.get(id), ...JSON.parse(text) });
        res.writeHead(204);
        res.end();
        return;
      }
      const step = url.pathname.match(/^\/interaction\/([^/]+)$/);
      if (step) {
        await interaction(req, res, step[1]);
        return;
      }
      callback(req, res);
    } catch (error) {
      console.error(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
      }
      res.end(String(error && error.message));
    }
  });

  console.log(JSON.stringify({ issuer }));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
