// A SAML Response for an identity-pool login, made now by a real IdP implementation
// (samlify) and signed with the fixture IdP's TEST-ONLY key: what an app passes as the value
// of the SAML provider ARN in Logins. Run by crates/server/tests/it/identity_external.rs.
//
//   node interop/saml/identity-login.cjs '{"nameId":"alice@example.com","attributes":{"groups":["admins"]}}'
//
// Optional fields: "audience" (default urn:amazon:webservices), "recipient" (default
// https://signin.aws.amazon.com/saml), "keys" ("idp-signing" or "other-idp"), "ageSeconds"
// (how long ago it was issued). Prints the base64 Response on stdout.
'use strict';

const fs = require('fs');
const path = require('path');
const saml = require('samlify');

saml.setSchemaValidator({ validate: () => Promise.resolve('skipped: the response is made, not checked') });

const KEYS = path.join(__dirname, '..', '..', 'crates', 'federation', 'tests', 'fixtures', 'saml', 'keys');
const IDP_ENTITY = 'https://idp.example.com/saml/metadata';
const AWS_SIGNIN = 'https://signin.aws.amazon.com/saml';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

const input = JSON.parse(process.argv[2] || '{}');
const keys = {
  key: fs.readFileSync(path.join(KEYS, `${input.keys || 'idp-signing'}.key.pem`), 'utf8'),
  cert: fs.readFileSync(path.join(KEYS, `${input.keys || 'idp-signing'}.crt.pem`), 'utf8'),
};
const recipient = input.recipient || AWS_SIGNIN;
const audience = input.audience || 'urn:amazon:webservices';
const issued = Date.now() - 1000 * (input.ageSeconds || 0);
const unique = `${process.pid}-${Date.now()}`;

const idp = saml.IdentityProvider({
  entityID: IDP_ENTITY,
  signingCert: keys.cert,
  privateKey: keys.key,
  nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
  singleSignOnService: [{ Binding: BINDING_POST, Location: 'https://idp.example.com/saml/sso-post' }],
});
const sp = saml.ServiceProvider({
  entityID: audience,
  assertionConsumerService: [{ Binding: BINDING_POST, Location: recipient }],
  wantAssertionsSigned: true,
});

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms) => new Date(ms).toISOString();

// An unsolicited (IdP-initiated) Response, as IdPs post to AWS: no InResponseTo.
function responseXml() {
  const attrs = Object.entries(input.attributes || {})
    .map(([name, values]) =>
      `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">` +
      values.map((x) => `<saml:AttributeValue xsi:type="xs:string">${esc(x)}</saml:AttributeValue>`).join('') +
      '</saml:Attribute>')
    .join('');
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_response-${unique}" Version="2.0" IssueInstant="${iso(issued)}" Destination="${esc(recipient)}">` +
    `<saml:Issuer>${IDP_ENTITY}</saml:Issuer>` +
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
    `<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_assertion-${unique}" Version="2.0" IssueInstant="${iso(issued)}">` +
    `<saml:Issuer>${IDP_ENTITY}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(input.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(issued + 300000)}" Recipient="${esc(recipient)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(issued - 60000)}" NotOnOrAfter="${iso(issued + 600000)}"><saml:AudienceRestriction><saml:Audience>${esc(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(issued)}" SessionIndex="_session-${unique}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` +
    '</saml:Assertion></samlp:Response>'
  );
}

(async () => {
  const replace = () => ({ id: `_response-${unique}`, context: responseXml() });
  const { context } = await idp.createLoginResponse(sp, null, 'post', { email: input.nameId }, replace);
  process.stdout.write(context);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
