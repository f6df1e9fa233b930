/*
 * otpgate admin: the passkey ceremonies, the panel's only script (served by the application, no CDN, no inline
 * script, no eval). Everything else works without it: the login's code field, and every form.
 *  - Login: "Use a passkey" posts the username and password to /admin/login/passkey/options, asks the browser for
 *    an assertion, and posts it to /admin/login/passkey.
 *  - My account: "Add a passkey" asks /admin/account/passkeys/options, the browser makes a credential, and it is
 *    posted with its name to /admin/account/passkeys.
 * Each post is a form body with the page's _csrf field, as the panel's forms send it. Binary values go as base64url
 * (converted here by hand: PublicKeyCredential.parseRequestOptionsFromJSON and toJSON are not in every browser).
 */
(function () {
  'use strict';

  function supported() {
    return window.PublicKeyCredential !== undefined && navigator.credentials !== undefined
      && window.isSecureContext;
  }

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    while (base64.length % 4) {
      base64 += '=';
    }
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) {
      bytes[i] = text.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = '';
    for (var i = 0; i < bytes.length; i++) {
      text += String.fromCharCode(bytes[i]);
    }
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      var d = { type: c.type, id: toBytes(c.id) };
      if (c.transports && c.transports.length) {
        d.transports = c.transports;
      }
      return d;
    });
  }

  function common(credential) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      authenticatorAttachment: credential.authenticatorAttachment || undefined
    };
  }

  /** Posts the fields as a form body; resolves to {ok, body} with the JSON answer, or rejects with a sentence. */
  function post(url, form, fields) {
    var body = new URLSearchParams();
    body.append('_csrf', form.querySelector('input[name=_csrf]').value);
    Object.keys(fields).forEach(function (name) {
      body.append(name, fields[name]);
    });
    return fetch(url, {
      method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' }
    }).then(function (response) {
      var type = response.headers.get('Content-Type') || '';
      if (type.indexOf('application/json') !== 0) {
        throw new Error('The page is out of date (the session may have ended): reload it and try again.');
      }
      return response.json().then(function (json) {
        return { ok: response.ok, body: json };
      });
    });
  }

  function refusal(body) {
    var text = body.error || 'Refused.';
    if (body.hint) {
      text += ' ' + body.hint;
    }
    if (body.retryAfter) {
      text += ' Try again in ' + body.retryAfter + (body.retryAfter === 1 ? ' second.' : ' seconds.');
    }
    return new Error(text);
  }

  function browserError(error) {
    if (error && error.name === 'NotAllowedError') {
      return new Error('The passkey request was cancelled or timed out.');
    }
    if (error && error.name === 'SecurityError') {
      return new Error('Passkeys do not work on this address: open the panel on the host name it is set up for '
        + '(otpgate.webauthn.rp-id, localhost by default).');
    }
    if (error && error.name === 'InvalidStateError') {
      return new Error('This authenticator holds a passkey of this account already.');
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  function show(element, message) {
    element.textContent = message;
    element.hidden = false;
  }

  function login(container) {
    var form = container.closest('form');
    var button = document.getElementById('use-passkey');
    var errorBox = document.getElementById('passkey-error');
    container.hidden = false;
    button.addEventListener('click', function () {
      var username = form.querySelector('#username');
      var password = form.querySelector('#password');
      if (!username.reportValidity() || !password.reportValidity()) {
        return;
      }
      errorBox.hidden = true;
      button.disabled = true;
      post('/admin/login/passkey/options', form, { username: username.value, password: password.value })
        .then(function (answer) {
          if (!answer.ok) {
            throw refusal(answer.body);
          }
          var o = answer.body;
          return navigator.credentials.get({ publicKey: {
            challenge: toBytes(o.challenge), timeout: o.timeout, rpId: o.rpId,
            allowCredentials: descriptors(o.allowCredentials), userVerification: o.userVerification
          } }).catch(function (error) {
            throw browserError(error);
          });
        })
        .then(function (credential) {
          var json = common(credential);
          var r = credential.response;
          json.response = {
            clientDataJSON: toBase64url(r.clientDataJSON),
            authenticatorData: toBase64url(r.authenticatorData),
            signature: toBase64url(r.signature)
          };
          if (r.userHandle) {
            json.response.userHandle = toBase64url(r.userHandle);
          }
          return post('/admin/login/passkey', form, { credential: JSON.stringify(json) });
        })
        .then(function (answer) {
          if (!answer.ok) {
            throw refusal(answer.body);
          }
          window.location.assign(answer.body.redirect);
        })
        .catch(function (error) {
          show(errorBox, error.message);
          button.disabled = false;
        });
    });
  }

  function register(form) {
    var errorBox = document.getElementById('passkey-error');
    var button = form.querySelector('button[type=submit]');
    form.hidden = false;
    var unavailable = document.getElementById('passkey-unavailable');
    if (unavailable) {
      unavailable.hidden = true;
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      button.disabled = true;
      var name = form.querySelector('input[name=name]').value;
      post('/admin/account/passkeys/options', form, {})
        .then(function (answer) {
          if (!answer.ok) {
            throw refusal(answer.body);
          }
          var o = answer.body;
          return navigator.credentials.create({ publicKey: {
            rp: o.rp,
            user: { id: toBytes(o.user.id), name: o.user.name, displayName: o.user.displayName },
            challenge: toBytes(o.challenge),
            pubKeyCredParams: o.pubKeyCredParams,
            timeout: o.timeout,
            excludeCredentials: descriptors(o.excludeCredentials),
            authenticatorSelection: o.authenticatorSelection,
            attestation: o.attestation
          } }).catch(function (error) {
            throw browserError(error);
          });
        })
        .then(function (credential) {
          var json = common(credential);
          var r = credential.response;
          json.response = {
            clientDataJSON: toBase64url(r.clientDataJSON),
            attestationObject: toBase64url(r.attestationObject),
            transports: r.getTransports ? r.getTransports() : []
          };
          return post('/admin/account/passkeys', form, { name: name, credential: JSON.stringify(json) });
        })
        .then(function (answer) {
          if (!answer.ok) {
            throw refusal(answer.body);
          }
          window.location.assign(answer.body.redirect);
        })
        .catch(function (error) {
          show(errorBox, error.message);
          button.disabled = false;
        });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!supported()) {
      return;
    }
    var loginBox = document.getElementById('passkey-login');
    if (loginBox) {
      login(loginBox);
    }
    var add = document.getElementById('add-passkey');
    if (add) {
      register(add);
    }
  });
})();
