/*
 * otpgate's passkey ceremonies on its pages (/otp/setup, /otp/devices, /otp/verify). Loaded with <script src> from
 * otpgate itself: no inline script, no CDN. The pages work without it: the parts that need it are hidden until it
 * runs and finds WebAuthn in the browser.
 *
 * A page marks a part with data-otp-passkey="register" or "login" and data-api (the JSON API's .../webauthn); the
 * part holds a button [data-otp-passkey-start], a status [data-otp-passkey-status] and, to register, an input
 * [data-otp-passkey-name]. data-next says where to go after a registration (else the page is reloaded). The CSRF
 * token comes from the page's <meta name="_csrf"> and <meta name="_csrf_header">.
 *
 * Binary values are converted to and from base64url here: the JSON helpers of PublicKeyCredential are missing from
 * some browsers.
 */
(function () {
  'use strict';

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    while (base64.length % 4) {
      base64 += '=';
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var descriptor = { type: d.type, id: toBytes(d.id) };
      if (d.transports && d.transports.length) {
        descriptor.transports = d.transports;
      }
      return descriptor;
    });
  }

  function creationOptions(json) {
    return {
      rp: json.rp,
      user: { id: toBytes(json.user.id), name: json.user.name, displayName: json.user.displayName },
      challenge: toBytes(json.challenge),
      pubKeyCredParams: json.pubKeyCredParams,
      timeout: json.timeout,
      excludeCredentials: descriptors(json.excludeCredentials),
      authenticatorSelection: json.authenticatorSelection,
      attestation: json.attestation
    };
  }

  function requestOptions(json) {
    return {
      challenge: toBytes(json.challenge),
      timeout: json.timeout,
      rpId: json.rpId,
      allowCredentials: descriptors(json.allowCredentials),
      userVerification: json.userVerification
    };
  }

  function credentialJson(credential, response) {
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: {}
    };
    if (credential.authenticatorAttachment) {
      json.authenticatorAttachment = credential.authenticatorAttachment;
    }
    return json;
  }

  function registrationJson(credential) {
    var r = credential.response;
    return credentialJson(credential, {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      transports: typeof r.getTransports === 'function' ? r.getTransports() : []
    });
  }

  function assertionJson(credential) {
    var r = credential.response;
    var response = {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature)
    };
    if (r.userHandle && r.userHandle.byteLength) {
      response.userHandle = toBase64url(r.userHandle);
    }
    return credentialJson(credential, response);
  }

  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute('content') : null;
  }

  /** POSTs JSON; resolves to the answer's JSON, or rejects with the problem's detail. */
  function post(url, body) {
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    var token = meta('_csrf');
    if (token) {
      headers[meta('_csrf_header') || 'X-CSRF-TOKEN'] = token;
    }
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', headers: headers, body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (json) {
        if (!response.ok) {
          throw new Error(json.detail || ('The server answered ' + response.status + '.'));
        }
        return json;
      });
    });
  }

  /** A sentence for a failed ceremony: the browser's refusals in words, the server's as it wrote them. */
  function message(error) {
    if (error && error.name === 'NotAllowedError') {
      return 'The passkey request was cancelled or timed out.';
    }
    if (error && error.name === 'InvalidStateError') {
      return 'This authenticator already holds a passkey for your account.';
    }
    if (error && error.name === 'SecurityError') {
      return 'Passkeys are not allowed from this site\'s address.';
    }
    return (error && error.message) || 'The passkey did not work.';
  }

  function show(status, text, isError) {
    status.textContent = text;
    status.className = isError ? 'error' : '';
    status.setAttribute('role', isError ? 'alert' : 'status');
  }

  function register(part, button, status) {
    var api = part.getAttribute('data-api');
    var nameField = part.querySelector('[data-otp-passkey-name]');
    button.disabled = true;
    show(status, 'Follow your browser\'s prompt to create the passkey…', false);
    post(api + '/register/options').then(function (options) {
      return navigator.credentials.create({ publicKey: creationOptions(options) });
    }).then(function (credential) {
      return post(api + '/register', {
        credential: registrationJson(credential),
        name: nameField && nameField.value.trim() ? nameField.value.trim() : null
      });
    }).then(function (answer) {
      show(status, 'Passkey "' + answer.name + '" added.', false);
      var next = part.getAttribute('data-next');
      if (next) {
        window.location.assign(next);
      } else {
        window.location.reload();
      }
    }).catch(function (error) {
      show(status, message(error), true);
      button.disabled = false;
    });
  }

  function login(part, button, status) {
    var api = part.getAttribute('data-api');
    button.disabled = true;
    show(status, 'Follow your browser\'s prompt to use your passkey…', false);
    post(api + '/login/options').then(function (options) {
      return navigator.credentials.get({ publicKey: requestOptions(options) });
    }).then(function (credential) {
      return post(api + '/login', { credential: assertionJson(credential) });
    }).then(function (answer) {
      var wrong = answer.wrong_codes_since_last_login || 0;
      if (wrong > 0) {
        // As after a code: someone else may know the password; say so before going on.
        show(status, (wrong === 1 ? '1 wrong code was' : wrong + ' wrong codes were') + ' tried after your '
            + 'password since your last login. Someone else may know your password: if that was not you, change '
            + 'it now.', true);
        var link = document.createElement('a');
        link.id = 'continue';
        link.href = answer.next;
        link.textContent = 'Continue';
        status.parentNode.appendChild(link);
        return;
      }
      window.location.assign(answer.next);
    }).catch(function (error) {
      show(status, message(error), true);
      button.disabled = false;
    });
  }

  function start() {
    if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) {
      return;
    }
    var parts = document.querySelectorAll('[data-otp-passkey]');
    Array.prototype.forEach.call(parts, function (part) {
      var button = part.querySelector('[data-otp-passkey-start]');
      var status = part.querySelector('[data-otp-passkey-status]');
      var ceremony = part.getAttribute('data-otp-passkey') === 'login' ? login : register;
      var run = function (event) {
        event.preventDefault();
        if (!button.disabled) {
          ceremony(part, button, status);
        }
      };
      button.addEventListener('click', run);
      if (part.tagName === 'FORM') {
        part.addEventListener('submit', run);
      }
      part.hidden = false;
      button.disabled = false;
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
