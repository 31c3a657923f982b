/* aipulse dashboard actions (monitor/web/actions.py): silence an alert, run a source now, send a test notification.
 *
 * The user pastes the [web] token once; it is kept in sessionStorage and sent as `Authorization: Bearer <token>`.
 * Not a cookie: a browser sends cookies to the dashboard on requests made by any other site (CSRF), a header only
 * this script sets. Not localStorage: that outlives the tab and the browser's restart on a shared machine and is
 * shared by every tab; sessionStorage ends with the tab. The server never renders the token into a page.
 * Plain ES5-style JavaScript, no dependency, no build step: it ships in the package as it is.
 */
(function () {
  "use strict";
  var TOKEN_KEY = "aipulse.web.token";
  var FLASH_KEY = "aipulse.web.flash";
  var ui = document.getElementById("actions-ui");
  if (!ui) {
    return;
  }
  ui.hidden = false;
  var result = document.getElementById("action-result");
  var tokenInput = document.getElementById("token-input");
  var tokenState = document.getElementById("token-state");

  function storedToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function showTokenState() {
    tokenState.textContent = storedToken() ? ui.dataset.tokenKept : ui.dataset.tokenNone;
  }

  function shown(value) {
    // an ISO time from the API (a silence's end) as the pages show times: 2026-11-18 03:00 UTC
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) && !isNaN(Date.parse(value))) {
      return new Date(value).toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
    return String(value);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? shown(values[name]) : whole;
    });
  }

  function show(kind, text) {
    result.className = "result " + kind;
    result.dataset.outcome = kind;
    result.textContent = text;
  }

  function describe(status, body, okTemplate) {
    if (status >= 200 && status < 300) {
      return ["ok", fill(okTemplate, body || {})];
    }
    var reason = body && body.error ? body.error : "";
    if (status === 401) {
      return ["denied", ui.dataset.denied + reason];
    }
    return ["error", fill(ui.dataset.failed, { status: status }) + reason];
  }

  function send(url, fields, okTemplate, after) {
    var token = storedToken();
    if (!token) {
      show("error", ui.dataset.tokenMissing);
      tokenInput.focus();
      return;
    }
    show("busy", "…");
    window
      .fetch(url, {
        method: "POST",
        credentials: "omit",
        cache: "no-store",
        headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
        body: JSON.stringify(fields || {}),
      })
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try {
            body = JSON.parse(text);
          } catch (e) {
            body = { error: text.split("\n")[0].slice(0, 200) };
          }
          var outcome = describe(response.status, body, okTemplate);
          show(outcome[0], outcome[1]);
          if (outcome[0] === "ok" && after) {
            after(outcome[1]);
          }
        });
      })
      .catch(function (error) {
        show("error", ui.dataset.unreachable + error.message);
      });
  }

  function reloadWith(message) {
    // the page is rendered by the server: reload to show the new silence, and keep the result across it
    try {
      window.sessionStorage.setItem(FLASH_KEY, message);
    } catch (e) {
      /* the result stays visible without the reload's note */
    }
    window.location.reload();
  }

  document.getElementById("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var token = tokenInput.value.trim();
    if (token) {
      window.sessionStorage.setItem(TOKEN_KEY, token);
    }
    tokenInput.value = "";
    showTokenState();
  });
  document.getElementById("token-forget").addEventListener("click", function () {
    window.sessionStorage.removeItem(TOKEN_KEY);
    tokenInput.value = "";
    showTokenState();
  });

  var silenceForm = document.getElementById("silence-form");
  if (silenceForm) {
    silenceForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var form = silenceForm.elements;
      var fields = { rule: form.rule.value, series: form.series.value, for: form["for"].value, comment: form.comment.value };
      send(silenceForm.getAttribute("action"), fields, ui.dataset.okSilence, reloadWith);
    });
  }
  var testForm = document.getElementById("test-form");
  if (testForm && testForm.elements.target) {
    testForm.addEventListener("submit", function (event) {
      event.preventDefault();
      send(testForm.getAttribute("action"), { target: testForm.elements.target.value }, ui.dataset.okTest, null);
    });
  }

  // the buttons in table rows and the source page's: a run goes at once, a silence fills the form first
  document.querySelectorAll("button.action").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.dataset.action === "run") {
        send("/actions/run/" + encodeURIComponent(button.dataset.source), {}, ui.dataset.okRun, null);
      } else if (button.dataset.action === "silence" && silenceForm) {
        silenceForm.elements.rule.value = button.dataset.rule;
        silenceForm.elements.series.value = button.dataset.series === "{}" ? "" : button.dataset.series;
        silenceForm.scrollIntoView({ block: "nearest" });
        silenceForm.elements["for"].focus();
      }
    });
  });

  var flash = window.sessionStorage.getItem(FLASH_KEY);
  if (flash) {
    window.sessionStorage.removeItem(FLASH_KEY);
    show("ok", flash);
  }
  showTokenState();
})();
