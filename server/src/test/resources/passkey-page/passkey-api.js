// Drives the otpgate API's passkey ceremonies from a page: options from the API, the browser's WebAuthn API, and
// the answer back to the API as JSON. Binary values are converted by hand (base64url), not with
// PublicKeyCredential.parseCreationOptionsFromJSON / toJSON, which some Chromium builds lack.
'use strict';

const state = { access: null, assertion: null };
let seq = 0;

function toBytes(base64url) {
  let base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  while (base64.length % 4) {
    base64 += '=';
  }
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes.buffer;
}

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (const b of bytes) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptors(list) {
  return list.map(d => ({ type: d.type, id: toBytes(d.id), transports: d.transports }));
}

async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body || {}) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function show(step, answer) {
  const out = document.getElementById('result');
  out.textContent = JSON.stringify(answer, null, 2);
  out.dataset.step = step;
  out.dataset.status = String(answer.status);
  out.dataset.seq = String(++seq);
}

function value(id) {
  return document.getElementById(id).value;
}

async function passwordLogin() {
  const answer = await api('/api/token', { username: value('username'), password: value('password') });
  if (answer.status === 200) {
    state.access = answer.body.access;
  }
  show('password', answer);
}

async function register() {
  const options = await api('/api/webauthn/register/options', {}, state.access);
  if (options.status !== 200) {
    return show('register', options);
  }
  const o = options.body;
  const credential = await navigator.credentials.create({ publicKey: {
    rp: o.rp,
    user: { id: toBytes(o.user.id), name: o.user.name, displayName: o.user.displayName },
    challenge: toBytes(o.challenge),
    pubKeyCredParams: o.pubKeyCredParams,
    timeout: o.timeout,
    excludeCredentials: descriptors(o.excludeCredentials),
    authenticatorSelection: o.authenticatorSelection,
    attestation: o.attestation
  } });
  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(credential.response.clientDataJSON),
      attestationObject: toBase64url(credential.response.attestationObject),
      transports: credential.response.getTransports ? credential.response.getTransports() : []
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment
  };
  show('register', await api('/api/webauthn/register', { credential: json, name: value('name') }, state.access));
}

// allow: null for the options' allowCredentials; else the id (base64url) of the one credential the browser may use.
async function passkeyLogin(allow) {
  const options = await api('/api/webauthn/login/options', {}, state.access);
  if (options.status !== 200) {
    return show('passkey', options);
  }
  const o = options.body;
  const allowed = allow ? [{ type: 'public-key', id: allow }] : o.allowCredentials;
  const credential = await navigator.credentials.get({ publicKey: {
    challenge: toBytes(o.challenge),
    timeout: o.timeout,
    rpId: o.rpId,
    allowCredentials: descriptors(allowed),
    userVerification: o.userVerification
  } });
  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(credential.response.clientDataJSON),
      authenticatorData: toBase64url(credential.response.authenticatorData),
      signature: toBase64url(credential.response.signature)
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment
  };
  if (credential.response.userHandle) {
    json.response.userHandle = toBase64url(credential.response.userHandle);
  }
  state.assertion = json;
  show('passkey', await api('/api/webauthn/login', { credential: json }, state.access));
}

async function replay() {
  show('replay', await api('/api/webauthn/login', { credential: state.assertion }, state.access));
}

function button(id, step, action) {
  document.getElementById(id).addEventListener('click', () => {
    action().catch(e => show(step, { status: 0, body: { error: e.name + ': ' + e.message } }));
  });
}

button('password-login', 'password', passwordLogin);
button('register', 'register', register);
button('passkey-login', 'passkey', () => passkeyLogin(null));
button('passkey-login-with', 'passkey', () => passkeyLogin(value('allow')));
button('replay', 'replay', replay);
