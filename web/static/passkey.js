// Passkeys (WebAuthn) for latchkey: adding one on the two-factor settings, using one at the
// two-factor challenge, and signing in with one (a button, and the browser's autofill through
// conditional mediation). Plain JavaScript, no build step, loaded from this origin only (the
// Content-Security-Policy allows no inline script). Every element it drives is marked
// data-passkey and starts hidden: without JavaScript, or without WebAuthn, nothing changes and
// the <noscript> notes say why.
"use strict";
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function decode(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function encode(buf) {
    const bytes = new Uint8Array(buf);
    let bin = "";
    for (let i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: decode(c.id) });
    });
  }

  // The server's options are the JSON forms of WebAuthn Level 3; older browsers get them
  // decoded by hand.
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: decode(json.challenge),
      user: Object.assign({}, json.user, { id: decode(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: decode(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
  }

  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") {
      try {
        return cred.toJSON();
      } catch (e) {
        // Fall through to the hand-made form.
      }
    }
    const r = cred.response;
    const out = {
      id: cred.id,
      rawId: encode(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: encode(r.clientDataJSON) },
    };
    if (cred.authenticatorAttachment) {
      out.authenticatorAttachment = cred.authenticatorAttachment;
    }
    if (r.attestationObject) {
      out.response.attestationObject = encode(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = encode(r.authenticatorData);
      out.response.signature = encode(r.signature);
      if (r.userHandle) {
        out.response.userHandle = encode(r.userHandle);
      }
    }
    return out;
  }

  // post sends JSON to a ceremony endpoint with the form token and returns its JSON answer;
  // an error answer becomes an Error with the server's message (and where to go, if any).
  function post(url, csrf, body, signal) {
    return fetch(url, {
      method: "POST",
      signal: signal,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          const err = new Error(data.error || "Something went wrong. Try again.");
          err.redirect = data.redirect;
          throw err;
        }
        return data;
      });
    });
  }

  function run(box, conditional, signal) {
    const kind = box.getAttribute("data-passkey");
    const csrf = box.getAttribute("data-csrf");
    const body = { return_to: box.getAttribute("data-return-to") || "" };
    if (kind === "add") {
      const name = box.querySelector("[data-passkey-name]");
      body.name = name ? name.value : "";
    }
    if (kind === "signin") {
      const remember = document.getElementById("remember"); // the checkbox, not the SSO forms' hidden fields
      body.remember = !!(remember && remember.checked);
    }
    return post(box.getAttribute("data-begin"), csrf, undefined, signal).then(function (options) {
      if (kind === "add") {
        return navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
      }
      const req = { publicKey: requestOptions(options.publicKey) };
      if (conditional) {
        req.mediation = "conditional";
        req.signal = signal;
      }
      return navigator.credentials.get(req);
    }).then(function (cred) {
      if (!cred) {
        throw new Error("No passkey was chosen.");
      }
      body.credential = credentialJSON(cred);
      return post(box.getAttribute("data-finish"), csrf, body);
    }).then(function (data) {
      window.location.assign(data.redirect || "/dashboard");
    });
  }

  function showError(box, err) {
    if (err && err.redirect) {
      window.location.assign(err.redirect);
      return;
    }
    const p = box.querySelector("[data-passkey-error]");
    if (!p) {
      return;
    }
    if (err && (err.name === "NotAllowedError" || err.name === "AbortError")) {
      p.textContent = "The passkey was not used. Try again, or use another way.";
    } else if (err && err.name === "InvalidStateError") {
      p.textContent = "This passkey is already added.";
    } else {
      p.textContent = (err && err.message) || "Something went wrong. Try again.";
    }
    p.hidden = false;
  }

  // The conditional (autofill) request of the sign-in page, while it waits: {ctrl, done}. A
  // click on the button aborts it and waits for it to end before the modal request begins, so
  // that the two never run at once (each begins a ceremony of its own, bound to this browser).
  let autofill = null;
  let modal = false;

  document.querySelectorAll("[data-passkey]").forEach(function (box) {
    box.hidden = false;
    const button = box.querySelector("[data-passkey-start]");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      modal = true;
      let before = Promise.resolve();
      if (autofill) {
        autofill.ctrl.abort();
        before = autofill.done;
        autofill = null;
      }
      const p = box.querySelector("[data-passkey-error]");
      if (p) {
        p.hidden = true;
      }
      button.disabled = true;
      before.then(function () {
        return run(box, false);
      }).catch(function (err) {
        showError(box, err);
      }).finally(function () {
        button.disabled = false;
      });
    });
  });

  // Autofill: the username field has autocomplete="username webauthn"; a passkey chosen from
  // its suggestions signs in at once.
  const signin = document.querySelector("[data-passkey=signin]");
  if (signin && PublicKeyCredential.isConditionalMediationAvailable && document.querySelector("input[autocomplete~=webauthn]")) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
      if (!ok || modal) {
        return;
      }
      const ctrl = new AbortController();
      // A browser that cannot offer passkeys in autofill after all answers with a DOMException
      // (NotSupportedError, say): nobody asked for a passkey yet, so the page stays as it is and
      // the button still works. What the server answers about a chosen passkey is shown.
      const done = run(signin, true, ctrl.signal).catch(function (err) {
        if (err && !(err instanceof DOMException) && !ctrl.signal.aborted) {
          showError(signin, err);
        }
      });
      autofill = { ctrl: ctrl, done: done };
    });
  }
})();
