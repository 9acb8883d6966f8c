// Makes the SAML fixtures of crates/federation (tests/fixtures/saml/) with a real IdP
// implementation, samlify, plus attack variants edited from its output (and re-signed with
// xml-crypto where an attack needs a valid signature over a chosen node).
//
//   npm ci --prefix interop/saml && node interop/saml/make-fixtures.cjs
//
// Keys and certificates under tests/fixtures/saml/keys/ are TEST-ONLY: they are committed,
// public, and must never be trusted anywhere. They are made with openssl on first run and
// reused afterwards, so regenerating fixtures does not churn them.
//
// The clock is frozen at NOW (below), so every timestamp in the fixtures is known to the
// Rust tests (manifest.json).
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const RealDate = Date;
global.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(NOW);
    else super(...args);
  }
  static now() {
    return NOW;
  }
};

const saml = require('samlify');
const { SignedXml } = require('xml-crypto');

saml.setSchemaValidator({ validate: () => Promise.resolve('skipped: fixtures are made, not checked') });

const OUT = path.join(__dirname, '..', '..', 'crates', 'federation', 'tests', 'fixtures', 'saml');
const KEYS = path.join(OUT, 'keys');

const POOL = 'us-east-1_Fixture';
const SP_ENTITY = `urn:amazon:cognito:sp:${POOL}`;
const ACS = 'https://fixture.auth.example.com/saml2/idpresponse';
const SLO = 'https://fixture.auth.example.com/saml2/logout';
const IDP_ENTITY = 'https://idp.example.com/saml/metadata';
const REQUEST_ID = '_request-0001';
const LOGOUT_REQUEST_ID = '_logout-request-0001';
const NAME_ID = 'alice@example.com';

const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

// ---- keys (test only) -------------------------------------------------------------------

function keyPair(name, subject) {
  const key = path.join(KEYS, `${name}.key.pem`);
  const cert = path.join(KEYS, `${name}.crt.pem`);
  if (!fs.existsSync(key) || !fs.existsSync(cert)) {
    fs.mkdirSync(KEYS, { recursive: true });
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '7300',
      '-subj', `/CN=${subject}`, '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
  }
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

const idpKeys = keyPair('idp-signing', 'TEST ONLY fixture IdP');
const otherKeys = keyPair('other-idp', 'TEST ONLY attacker IdP');
const spKeys = keyPair('sp-encryption', `TEST ONLY ${POOL}`);

// ---- entities ---------------------------------------------------------------------------

let counter = 0;
const nextId = (prefix) => () => `_${prefix}-${String(++counter).padStart(4, '0')}`;

function idp(options = {}) {
  const keys = options.keys || idpKeys;
  return saml.IdentityProvider({
    entityID: IDP_ENTITY,
    signingCert: keys.cert,
    privateKey: keys.key,
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    singleSignOnService: [
      { Binding: BINDING_REDIRECT, Location: 'https://idp.example.com/saml/sso' },
      { Binding: BINDING_POST, Location: 'https://idp.example.com/saml/sso-post' },
    ],
    singleLogoutService: [
      { Binding: BINDING_REDIRECT, Location: 'https://idp.example.com/saml/slo' },
      { Binding: BINDING_POST, Location: 'https://idp.example.com/saml/slo-post' },
    ],
    isAssertionEncrypted: !!options.encrypt,
    requestSignatureAlgorithm: options.signatureAlgorithm || 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    dataEncryptionAlgorithm: options.dataAlgorithm || 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
    keyEncryptionAlgorithm: options.keyAlgorithm || 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
    disallowEncryptionWithInsecureAlgorithm: false,
    messageSigningOrder: options.encryptThenSign ? 'encrypt-then-sign' : 'sign-then-encrypt',
    wantAuthnRequestsSigned: true,
    generateID: nextId('idp'),
  });
}

function sp(options = {}) {
  return saml.ServiceProvider({
    entityID: options.entityID || SP_ENTITY,
    assertionConsumerService: [{ Binding: BINDING_POST, Location: options.acs || ACS }],
    singleLogoutService: [
      { Binding: BINDING_POST, Location: SLO },
      { Binding: BINDING_REDIRECT, Location: SLO },
    ],
    encryptCert: spKeys.cert,
    encPrivateKey: spKeys.key,
    wantAssertionsSigned: options.signAssertion !== false,
    wantMessageSigned: !!options.signResponse,
    wantLogoutResponseSigned: true,
    wantLogoutRequestSigned: true,
  });
}

// ---- the Response template ----------------------------------------------------------------

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms) => new RealDate(ms).toISOString();

function responseXml(v) {
  const irt = v.inResponseTo ? ` InResponseTo="${esc(v.inResponseTo)}"` : '';
  const attrs = Object.entries(v.attributes)
    .map(([name, values]) =>
      `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">` +
      values.map((x) => `<saml:AttributeValue xsi:type="xs:string">${esc(x)}</saml:AttributeValue>`).join('') +
      '</saml:Attribute>')
    .join('');
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${v.id}" Version="2.0" IssueInstant="${iso(v.issued)}" Destination="${esc(v.destination)}"${irt}>` +
    `<saml:Issuer>${esc(v.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${v.status}"/></samlp:Status>` +
    `<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${v.assertionId}" Version="2.0" IssueInstant="${iso(v.issued)}">` +
    `<saml:Issuer>${esc(v.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(v.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(v.issued + 300000)}" Recipient="${esc(v.recipient)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(v.issued - 60000)}" NotOnOrAfter="${iso(v.issued + 600000)}"><saml:AudienceRestriction><saml:Audience>${esc(v.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(v.issued)}" SessionIndex="_session-0001"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` +
    '</saml:Assertion></samlp:Response>'
  );
}

async function loginResponse(name, { idpOptions = {}, spOptions = {}, values = {} } = {}) {
  const provider = idp(idpOptions);
  const client = sp(spOptions);
  const v = {
    id: `_response-${name}`,
    assertionId: `_assertion-${name}`,
    issued: NOW,
    destination: spOptions.acs || ACS,
    recipient: spOptions.acs || ACS,
    audience: spOptions.entityID || SP_ENTITY,
    issuer: IDP_ENTITY,
    inResponseTo: REQUEST_ID,
    status: 'urn:oasis:names:tc:SAML:2.0:status:Success',
    nameId: NAME_ID,
    attributes: {
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': [NAME_ID],
      'given_name': ['Alice'],
      'groups': ['admins', 'dev & ops'],
    },
    ...values,
  };
  const replace = () => ({ id: v.id, context: responseXml(v) });
  const { context } = await provider.createLoginResponse(client, { extract: { request: { id: REQUEST_ID } } }, 'post', { email: NAME_ID }, replace, !!idpOptions.encryptThenSign);
  return Buffer.from(context, 'base64').toString('utf8');
}

// ---- attack helpers ---------------------------------------------------------------------

const SIGNATURE = /<ds:Signature[\s\S]*?<\/ds:Signature>/;

/** Signs the element with the given ID, enveloped, the way IdPs do, with any key. */
function signNode(xml, id, keys, insertAfterIssuerOf) {
  const sig = new SignedXml({ privateKey: keys.key, publicCert: keys.cert });
  sig.signatureAlgorithm = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
  sig.canonicalizationAlgorithm = 'http://www.w3.org/2001/10/xml-exc-c14n#';
  sig.addReference({
    xpath: `//*[@ID='${id}']`,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `//*[@ID='${insertAfterIssuerOf}']/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

function assertionOf(xml) {
  const m = xml.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/);
  if (!m) throw new Error('no assertion');
  return m[0];
}

// ---- main -------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const write = (file, text) => fs.writeFileSync(path.join(OUT, file), text);

  write('idp-metadata.xml', idp().getMetadata());

  // Real IdP output, each flavour Cognito accepts.
  const signedAssertion = await loginResponse('signed-assertion');
  write('signed-assertion.xml', signedAssertion);
  write('signed-response.xml', await loginResponse('signed-response', { spOptions: { signAssertion: false, signResponse: true } }));
  write('signed-both.xml', await loginResponse('signed-both', { spOptions: { signResponse: true } }));
  write('encrypted-aes256cbc-oaep.xml', await loginResponse('encrypted-cbc', { idpOptions: { encrypt: true } }));
  write('encrypted-aes128cbc-oaep.xml', await loginResponse('encrypted-cbc128', {
    idpOptions: { encrypt: true, dataAlgorithm: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc' },
  }));
  write('encrypted-aes128gcm-rsa15.xml', await loginResponse('encrypted-gcm', {
    idpOptions: { encrypt: true, dataAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes128-gcm', keyAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-1_5' },
  }));
  write('encrypted-aes256gcm-oaep.xml', await loginResponse('encrypted-gcm256', {
    idpOptions: { encrypt: true, dataAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm' },
  }));
  write('encrypted-then-signed-response.xml', await loginResponse('encrypted-then-signed', {
    idpOptions: { encrypt: true, encryptThenSign: true },
    spOptions: { signAssertion: false, signResponse: true },
  }));
  write('unsolicited.xml', await loginResponse('unsolicited', { values: { inResponseTo: null } }));
  // samlify's own template, untouched: IdP-initiated, it writes InResponseTo="".
  {
    const provider = idp();
    const { context } = await provider.createLoginResponse(sp(), null, 'post', { email: NAME_ID });
    write('idp-initiated-default-template.xml', Buffer.from(context, 'base64').toString('utf8'));
  }
  // Signed with RSA-SHA1, which Cognate refuses.
  write('rsa-sha1.xml', await loginResponse('rsa-sha1', { idpOptions: { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' } }));

  // Validly signed by the IdP, but wrong for this SP.
  write('wrong-audience.xml', await loginResponse('wrong-audience', { values: { audience: 'urn:amazon:cognito:sp:us-east-1_Other' } }));
  write('wrong-recipient.xml', await loginResponse('wrong-recipient', { values: { recipient: 'https://evil.example.com/saml2/idpresponse' } }));
  write('wrong-destination.xml', await loginResponse('wrong-destination', { spOptions: { signResponse: true }, values: { destination: 'https://evil.example.com/saml2/idpresponse' } }));
  write('wrong-issuer.xml', await loginResponse('wrong-issuer', { values: { issuer: 'https://evil.example.com/idp' } }));
  write('failed-status.xml', await loginResponse('failed-status', { spOptions: { signResponse: true }, values: { status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' } }));
  write('other-key.xml', await loginResponse('other-key', { idpOptions: { keys: otherKeys } }));

  // Attacks edited from real output.
  write('doctype.xml', '<!DOCTYPE r [<!ENTITY e "x">]>' + signedAssertion);
  write('unsigned-assertion.xml', signedAssertion.replace(SIGNATURE, ''));
  write('tampered-nameid.xml', signedAssertion.replace(`>${NAME_ID}</saml:NameID>`, '>mallory@example.com</saml:NameID>'));
  // The IdP vouches for alice@example.com.evil.com; a comment makes naive readers see
  // alice@example.com, while canonicalisation (and so the signature) ignores it.
  const evilName = 'alice@example.com.evil.com';
  const forComment = await loginResponse('comment', { values: { nameId: evilName } });
  write('comment-in-nameid.xml', forComment.replace(`>${evilName}<`, '>alice@example.com<!---->.evil.com<'));
  // XSW: an unsigned assertion next to the signed one.
  const signedA = assertionOf(signedAssertion);
  const evil = signedA.replace(SIGNATURE, '').replace(/ID="_assertion-signed-assertion"/, 'ID="_evil"').replace(NAME_ID + '</saml:NameID>', 'mallory@example.com</saml:NameID>');
  write('xsw-two-assertions.xml', signedAssertion.replace(signedA, evil + signedA));
  // XSW: the signed assertion moved into Extensions, an evil one in its place (same ID).
  const evilSameId = signedA.replace(SIGNATURE, '').replace(NAME_ID + '</saml:NameID>', 'mallory@example.com</saml:NameID>');
  write('xsw-moved-assertion.xml', signedAssertion.replace(signedA, `<samlp:Extensions>${signedA}</samlp:Extensions>${evilSameId}`));
  // XSW on a signed Response: the original moved inside an unsigned one.
  const signedResponse = fs.readFileSync(path.join(OUT, 'signed-response.xml'), 'utf8');
  const outerEvil = signedResponse.replace(SIGNATURE, '').replace('ID="_response-signed-response"', 'ID="_outer"').replace(NAME_ID + '</saml:NameID>', 'mallory@example.com</saml:NameID>');
  const open = outerEvil.indexOf('>') + 1;
  write('xsw-wrapped-response.xml', outerEvil.slice(0, open) + `<samlp:Extensions>${signedResponse}</samlp:Extensions>` + outerEvil.slice(open).replace(/ID="_assertion-signed-response"/, 'ID="_evil2"'));
  // Duplicate IDs: the unsigned Response takes the assertion's ID.
  write('duplicate-ids.xml', signedAssertion.replace('ID="_response-signed-assertion"', 'ID="_assertion-signed-assertion"'));
  // An evil assertion signed by the attacker's own key, certificate in KeyInfo.
  const selfSigned = signNode(evil.replace('ID="_evil"', 'ID="_self"'), '_self', otherKeys, '_self');
  write('self-signed-keyinfo.xml', signedAssertion.replace(signedA, selfSigned));

  // Single logout, both directions, both bindings.
  const provider = idp();
  const client = sp();
  const logoutResponse = provider.createLogoutResponse(client, { extract: { request: { id: LOGOUT_REQUEST_ID } } }, 'post', 'relay-logout');
  write('logout-response-post.xml', Buffer.from(logoutResponse.context, 'base64').toString('utf8'));
  const logoutRedirect = provider.createLogoutResponse(client, { extract: { request: { id: LOGOUT_REQUEST_ID } } }, 'redirect', 'relay-logout');
  write('logout-response-redirect.txt', new URL(logoutRedirect.context).search.slice(1));
  const user = { logoutNameID: NAME_ID, sessionIndex: '_session-0001' };
  const logoutRequest = provider.createLogoutRequest(client, 'post', user, 'relay-idp');
  write('logout-request-post.xml', Buffer.from(logoutRequest.context, 'base64').toString('utf8'));
  const logoutRequestRedirect = provider.createLogoutRequest(client, 'redirect', user, 'relay-idp');
  write('logout-request-redirect.txt', new URL(logoutRequestRedirect.context).search.slice(1));

  write('manifest.json', JSON.stringify({
    note: 'Made by interop/saml/make-fixtures.cjs with samlify; keys/ are TEST ONLY.',
    now: iso(NOW),
    poolId: POOL,
    spEntityId: SP_ENTITY,
    acsUrl: ACS,
    sloUrl: SLO,
    idpEntityId: IDP_ENTITY,
    requestId: REQUEST_ID,
    logoutRequestId: LOGOUT_REQUEST_ID,
    nameId: NAME_ID,
  }, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
