// Has samlify, playing the IdP, read a message Cognate sent as the SP by the HTTP-Redirect
// binding, checking its signature with the SP certificate: proof that Cognate's DEFLATE,
// encoding and RSA-SHA256 query signature are what a real IdP accepts.
//
// stdin:  {"kind":"authn"|"logout-request"|"logout-response","url":"…","spCertificate":"<base64 DER>",
//          "spEntityId":"…","acsUrl":"…","sloUrl":"…"}
// stdout: {"ok":true,"extract":{…},"sigAlg":"…"} or {"ok":false,"error":"…"}
'use strict';

const fs = require('fs');
const path = require('path');
const saml = require('samlify');

saml.setSchemaValidator({ validate: () => Promise.resolve('skipped') });

const KEYS = path.join(__dirname, '..', '..', 'crates', 'federation', 'tests', 'fixtures', 'saml', 'keys');

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const pem = `-----BEGIN CERTIFICATE-----\n${input.spCertificate.match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
  const idp = saml.IdentityProvider({
    entityID: 'https://idp.example.com/saml/metadata',
    signingCert: fs.readFileSync(path.join(KEYS, 'idp-signing.crt.pem'), 'utf8'),
    privateKey: fs.readFileSync(path.join(KEYS, 'idp-signing.key.pem'), 'utf8'),
    wantAuthnRequestsSigned: true,
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: 'https://idp.example.com/saml/sso' }],
    singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: 'https://idp.example.com/saml/slo' }],
  });
  const sp = saml.ServiceProvider({
    entityID: input.spEntityId,
    signingCert: pem,
    authnRequestsSigned: true,
    assertionConsumerService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', Location: input.acsUrl }],
    singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: input.sloUrl }],
  });
  const url = new URL(input.url);
  const raw = url.search.slice(1);
  const query = Object.fromEntries(new URLSearchParams(raw));
  // The signed octets: the parameters before `&Signature=`, exactly as sent.
  const octetString = raw.split('&').filter((p) => !p.startsWith('Signature=')).join('&');
  const request = { query, octetString };
  let result;
  if (input.kind === 'authn') result = await idp.parseLoginRequest(sp, 'redirect', request);
  else if (input.kind === 'logout-request') result = await idp.parseLogoutRequest(sp, 'redirect', request);
  else result = await idp.parseLogoutResponse(sp, 'redirect', request);
  process.stdout.write(JSON.stringify({ ok: true, sigAlg: result.sigAlg, extract: result.extract, xml: result.samlContent }));
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e) }));
});
