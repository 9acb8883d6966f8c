// A live SAML IdP for Cognate's hosted-flow tests (crates/server/tests/it/federation_saml.rs):
// samlify, playing the IdP with the fixture IdP's TEST-ONLY key (its metadata is
// crates/federation/tests/fixtures/saml/idp-metadata.xml), reads the message Cognate sent the
// browser to and answers it, as a real IdP would after the user signed in there.
//
// stdin: one JSON job; stdout: one JSON answer.
//
//   {"kind":"login", "authnRequestUrl":"<the IdP URL Cognate redirected to>" (omit for
//    IdP-initiated), "spCertificate":"<base64 DER, when the request is signed>",
//    "spEntityId","acsUrl","nameId","attributes":{name:[values]},
//    "sign":"assertion"|"response"|"both", "encryptCertificate":"<base64 DER>",
//    "keys":"idp-signing"|"other-idp", "ageSeconds":n, "inResponseTo":"…"|null (override),
//    "audience","recipient","destination" (overrides), "attack":"unsigned"|"wrapping"|"comment", "commentAfter":"…"}
//   → {"SAMLResponse":"<base64>","RelayState":"…","request":{…what samlify read…}}
//
//   {"kind":"logout","logoutRequestUrl":"…","spCertificate":"…","spEntityId","sloUrl"}
//   → {"SAMLResponse":"<base64>","RelayState":"…","request":{…}}
'use strict';

const fs = require('fs');
const path = require('path');
const saml = require('samlify');

saml.setSchemaValidator({ validate: () => Promise.resolve('skipped: the IdP trusts its own output') });

const KEYS = path.join(__dirname, '..', '..', 'crates', 'federation', 'tests', 'fixtures', 'saml', 'keys');
const IDP_ENTITY = 'https://idp.example.com/saml/metadata';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const SIGNATURE = /<ds:Signature[\s\S]*?<\/ds:Signature>/;

const pem = (der) => `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms) => new Date(ms).toISOString();
const keysNamed = (name) => ({
  key: fs.readFileSync(path.join(KEYS, `${name}.key.pem`), 'utf8'),
  cert: fs.readFileSync(path.join(KEYS, `${name}.crt.pem`), 'utf8'),
});

function identityProvider(input) {
  const keys = keysNamed(input.keys || 'idp-signing');
  return saml.IdentityProvider({
    entityID: IDP_ENTITY,
    signingCert: keys.cert,
    privateKey: keys.key,
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    singleSignOnService: [{ Binding: BINDING_REDIRECT, Location: 'https://idp.example.com/saml/sso' }],
    singleLogoutService: [{ Binding: BINDING_REDIRECT, Location: 'https://idp.example.com/saml/slo' }],
    isAssertionEncrypted: !!input.encryptCertificate,
    dataEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
    keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
    requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    wantAuthnRequestsSigned: !!input.spCertificate,
    wantLogoutRequestSigned: true,
  });
}

function serviceProvider(input) {
  const sign = input.sign || 'assertion';
  return saml.ServiceProvider({
    entityID: input.spEntityId,
    signingCert: input.spCertificate ? pem(input.spCertificate) : undefined,
    authnRequestsSigned: !!input.spCertificate,
    encryptCert: input.encryptCertificate ? pem(input.encryptCertificate) : undefined,
    assertionConsumerService: [{ Binding: BINDING_POST, Location: input.acsUrl || 'https://unused.example.com/acs' }],
    singleLogoutService: [{ Binding: BINDING_POST, Location: input.sloUrl || 'https://unused.example.com/slo' }],
    wantAssertionsSigned: sign === 'assertion' || sign === 'both',
    wantMessageSigned: sign === 'response' || sign === 'both',
    wantLogoutResponseSigned: true,
  });
}

/// The query of a redirect-binding URL as samlify reads it, with the signed octets as sent.
function redirectRequest(url) {
  const raw = new URL(url).search.slice(1);
  const query = Object.fromEntries(new URLSearchParams(raw));
  const octetString = raw.split('&').filter((p) => !p.startsWith('Signature=')).join('&');
  return { query, octetString };
}

function responseXml(v) {
  const irt = v.inResponseTo ? ` InResponseTo="${esc(v.inResponseTo)}"` : '';
  const attrs = Object.entries(v.attributes)
    .map(([name, values]) =>
      `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
      values.map((x) => `<saml:AttributeValue xsi:type="xs:string">${esc(x)}</saml:AttributeValue>`).join('') +
      '</saml:Attribute>')
    .join('');
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${v.id}" Version="2.0" IssueInstant="${iso(v.issued)}" Destination="${esc(v.destination)}"${irt}>` +
    `<saml:Issuer>${IDP_ENTITY}</saml:Issuer>` +
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
    `<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${v.assertionId}" Version="2.0" IssueInstant="${iso(v.issued)}">` +
    `<saml:Issuer>${IDP_ENTITY}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(v.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(v.issued + 300000)}" Recipient="${esc(v.recipient)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(v.issued - 60000)}" NotOnOrAfter="${iso(v.issued + 600000)}"><saml:AudienceRestriction><saml:Audience>${esc(v.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(v.issued)}" SessionIndex="${v.sessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` +
    '</saml:Assertion></samlp:Response>'
  );
}

/// Attacks edited into the IdP's genuine output.
function attack(xml, input) {
  if (input.attack === 'unsigned') {
    // samlify always signs; the signatures are taken out afterwards.
    return xml.replace(new RegExp(SIGNATURE.source, 'g'), '');
  }
  if (input.attack === 'wrapping') {
    // An unsigned assertion for someone else placed before the signed one.
    const signed = xml.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)[0];
    const evil = signed.replace(SIGNATURE, '').replace(/ ID="[^"]+"/, ' ID="_evil"')
      .replace(`>${esc(input.nameId)}</saml:NameID>`, '>mallory@example.com</saml:NameID>');
    return xml.replace(signed, evil + signed);
  }
  if (input.attack === 'comment') {
    // The IdP vouched for the whole NameID; a comment makes naive readers stop early.
    const after = input.commentAfter;
    return xml.replace(`>${esc(input.nameId)}<`, `>${esc(after)}<!---->${esc(input.nameId.slice(after.length))}<`);
  }
  return xml;
}

async function login(input) {
  const idp = identityProvider(input);
  const sp = serviceProvider(input);
  let request = null;
  if (input.authnRequestUrl) {
    const parsed = await idp.parseLoginRequest(sp, 'redirect', redirectRequest(input.authnRequestUrl));
    request = parsed.extract;
  }
  const unique = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const v = {
    id: `_response-${unique}`,
    assertionId: `_assertion-${unique}`,
    sessionIndex: `_session-${unique}`,
    issued: Date.now() - 1000 * (input.ageSeconds || 0),
    recipient: input.recipient || input.acsUrl,
    destination: input.destination || input.acsUrl,
    audience: input.audience || input.spEntityId,
    inResponseTo: 'inResponseTo' in input ? input.inResponseTo : request && request.request.id,
    nameId: input.nameId,
    attributes: input.attributes || {},
  };
  const replace = () => ({ id: v.id, context: responseXml(v) });
  const { context } = await idp.createLoginResponse(sp, request ? { extract: request } : null, 'post', { email: input.nameId }, replace);
  const xml = attack(Buffer.from(context, 'base64').toString('utf8'), input);
  const relayState = input.authnRequestUrl ? new URL(input.authnRequestUrl).searchParams.get('RelayState') : input.relayState;
  return { SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'), RelayState: relayState, request };
}

async function logout(input) {
  const idp = identityProvider(input);
  const sp = serviceProvider(input);
  const parsed = await idp.parseLogoutRequest(sp, 'redirect', redirectRequest(input.logoutRequestUrl));
  const relayState = new URL(input.logoutRequestUrl).searchParams.get('RelayState');
  const answer = idp.createLogoutResponse(sp, { extract: parsed.extract }, 'post', relayState);
  return { SAMLResponse: answer.context, RelayState: relayState, request: parsed.extract };
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const answer = input.kind === 'logout' ? await logout(input) : await login(input);
  process.stdout.write(JSON.stringify(answer));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
