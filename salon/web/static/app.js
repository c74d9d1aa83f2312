/* Salon — progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";

  var URL_RE = /https?:\/\/\S+/g;
  var LINK = new Array(24).join("x"); // links count as 23 characters, like Mastodon

  function length(text) {
    return Array.from(text.replace(URL_RE, LINK)).length;
  }

  /* Live character counter: textarea[data-limit] -> [data-counter] in the same form. */
  function updateCounter(area) {
    var form = area.form || area.closest("form");
    var counter = form && form.querySelector("[data-counter]");
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    if (!counter || !limit) return;
    var left = limit - length(area.value);
    counter.textContent = String(left);
    counter.title = left >= 0 ? left + " characters left" : -left + " characters over the limit";
    counter.classList.toggle("warn", left >= 0 && left <= 20);
    counter.classList.toggle("over", left < 0);
    if (left < 0) area.setAttribute("aria-invalid", "true");
    else area.removeAttribute("aria-invalid");
    /* Over the limit: the server would refuse the post, so do not offer to send it. */
    form.querySelectorAll('.composer-bar [type="submit"]').forEach(function (button) {
      button.disabled = left < 0;
      if (left < 0) button.title = -left + " characters over the limit";
      else button.removeAttribute("title");
    });
  }
  function overLimit(area) {
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    return !!limit && length(area.value) > limit;
  }
  function initCounters(root) {
    (root || document).querySelectorAll("textarea[data-limit]").forEach(updateCounter);
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-limit]")) updateCounter(e.target);
  });

  /* Ctrl/Cmd+Enter posts from the composer. */
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.matches("textarea[data-limit]")) {
      var form = e.target.form;
      if (form) {
        e.preventDefault();
        if (overLimit(e.target)) return;
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    }
  });

  /* Confirm destructive buttons. Runs in the capture phase, before htmx sees the click. */
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  /* "More" menus: one open at a time; close on outside click and Escape. */
  function closeMenus(except) {
    document.querySelectorAll("details.more[open]").forEach(function (d) {
      if (d !== except) d.open = false;
    });
  }
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.matches && d.matches("details.more") && d.open) {
      closeMenus(d);
      var first = d.querySelector(".menu a, .menu button");
      if (first && d.dataset.kbd === "1") first.focus();
    }
  }, true);
  document.addEventListener("click", function (e) {
    var inside = e.target.closest && e.target.closest("details.more");
    closeMenus(inside);
    hideAltPops(e.target.closest && e.target.closest(".alt-pop, .alt-badge"));
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      var open = document.querySelector("details.more[open]");
      if (open) {
        closeMenus(null);
        var s = open.querySelector("summary");
        if (s) s.focus();
      }
      hideAltPops(null);
    } else if ((e.key === "Enter" || e.key === " ") && e.target.matches && e.target.matches("details.more > summary")) {
      e.target.parentNode.dataset.kbd = "1";
    }
  });
  document.addEventListener("pointerdown", function (e) {
    var d = e.target.closest && e.target.closest("details.more");
    if (d) d.dataset.kbd = "0";
  });

  /* data-back links go back in history when we came from this site. */
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-back]");
    if (!a || e.defaultPrevented) return;
    var sameSite = document.referrer && document.referrer.indexOf(location.origin + "/") === 0;
    if (sameSite && history.length > 1) { e.preventDefault(); history.back(); }
  });

  /* Imagine: "Variation of candidate N" goes to its source card when it is on this page. */
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-card]");
    var card = a && document.getElementById(a.getAttribute("data-card"));
    if (!card || e.defaultPrevented) return;
    e.preventDefault();
    card.scrollIntoView({ block: "start" });
  });

  /* ALT badge: show the image description in place instead of opening the image. */
  function hideAltPops(keep) {
    document.querySelectorAll(".alt-pop").forEach(function (p) {
      if (!keep || !p.parentNode.contains(keep)) p.remove();
    });
  }
  document.addEventListener("click", function (e) {
    var badge = e.target.closest && e.target.closest(".alt-badge");
    var pop = e.target.closest && e.target.closest(".alt-pop");
    if (!badge && !pop) return;
    e.preventDefault();
    if (pop) return;
    var item = badge.parentNode;
    var existing = item.querySelector(".alt-pop");
    if (existing) { existing.remove(); return; }
    var img = item.querySelector("img");
    var el = document.createElement("span");
    el.className = "alt-pop";
    el.setAttribute("role", "note");
    el.textContent = (img && img.alt) || badge.title || "";
    item.appendChild(el);
  });

  /* Composer: preview chosen images (blob: URLs are allowed by the CSP). */
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches('.composer input[type="file"]')) return;
    var slot = input.closest(".slot") || input.parentNode;
    var old = slot.querySelector("img.preview");
    if (old) { URL.revokeObjectURL(old.src); old.remove(); }
    var file = input.files && input.files[0];
    if (!file || !/^image\//.test(file.type)) return;
    var img = document.createElement("img");
    img.className = "preview";
    img.alt = "Preview of " + file.name;
    img.src = URL.createObjectURL(file);
    input.insertAdjacentElement("afterend", img);
  });

  /* Imagine: a word chip adds its word to the prompt. */
  document.addEventListener("click", function (e) {
    var chip = e.target.closest && e.target.closest("[data-add-word]");
    var area = chip && chip.form && chip.form.querySelector('textarea[name="prompt"]');
    if (!area) return;
    var text = area.value.replace(/\s+$/, "");
    var word = chip.getAttribute("data-add-word");
    area.value = text ? text + (/[,;]$/.test(text) ? " " : ", ") + word : word;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
  });

  /* Explain: the assistant's private answer grows in a panel under the post as it is
     written (server-sent events read from fetch's body). Without this script the form
     posts and the answer comes as a page. Its text goes in as text, never as HTML. */
  function explainPanel(form) {
    var id = "explain-" + form.getAttribute("data-explain");
    var panel = document.getElementById(id);
    if (panel) return panel;
    panel = document.createElement("section");
    panel.id = id;
    panel.className = "explain-panel";
    panel.setAttribute("aria-labelledby", id + "-label");
    panel.setAttribute("aria-live", "polite");
    var label = document.createElement("p");
    label.id = id + "-label";
    label.className = "explain-label";
    label.textContent = form.getAttribute("data-explain-label");
    var text = document.createElement("p");
    text.className = "explain-text";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "explain-close";
    close.textContent = "Hide";
    close.addEventListener("click", function () { showExplain(form, panel, false); });
    panel.append(label, text, close);
    (form.closest(".actions") || form).insertAdjacentElement("afterend", panel);
    return panel;
  }
  function showExplain(form, panel, shown) {
    panel.hidden = !shown;
    var button = document.querySelector('form[data-explain="' + form.getAttribute("data-explain") + '"] button');
    if (button) {
      button.setAttribute("aria-expanded", shown ? "true" : "false");
      button.setAttribute("aria-controls", panel.id);
      if (!shown) button.focus();
    }
  }
  function readEvents(answer, onEvent) {
    var reader = answer.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) return;
        buffer = (buffer + decoder.decode(step.value, { stream: true })).replace(/\r\n/g, "\n");
        var blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        blocks.forEach(function (block) {
          var name = "message", data = [];
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
          });
          if (data.length) onEvent(name, JSON.parse(data.join("\n")));
        });
        return pump();
      });
    }
    return pump();
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-explain]") || !window.fetch
        || !window.ReadableStream || !window.TextDecoder) return;
    e.preventDefault();
    var panel = explainPanel(form);
    if (panel.dataset.state === "busy") return;
    if (panel.dataset.state === "done") { showExplain(form, panel, panel.hidden); return; }
    var text = panel.querySelector(".explain-text");
    text.textContent = "";
    text.classList.remove("explain-error");
    text.removeAttribute("role");
    function fail(message) {
      text.textContent = message || "The explanation failed; try again later.";
      text.classList.add("explain-error");
      text.setAttribute("role", "alert");
      panel.dataset.state = "failed";
    }
    panel.dataset.state = "busy";
    panel.setAttribute("aria-busy", "true");
    showExplain(form, panel, true);
    var token = form.querySelector('input[name="csrf_token"]');
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "text/event-stream, application/json;q=0.5",
                 "X-CSRF-Token": token ? token.value : "" }
    }).then(function (answer) {
      var kind = answer.headers.get("content-type") || "";
      if (!answer.ok || kind.indexOf("text/event-stream") !== 0) {
        return answer.json().then(function (body) { fail(body.error); }, function () { fail(); });
      }
      return readEvents(answer, function (name, data) {
        if (name === "salon.explain.delta") text.appendChild(document.createTextNode(data.text));
        else if (name === "salon.explain.done") { text.textContent = data.text; panel.dataset.state = "done"; }
        else if (name === "salon.explain.error") fail(data.error);
      }).then(function () {
        if (panel.dataset.state === "busy") fail("The answer stopped before its end; try again.");
      });
    }).catch(function () {
      fail("The connection was lost; try again.");
    }).then(function () {
      panel.removeAttribute("aria-busy");
    });
  });

  /* Keep keyboard focus on the same control when htmx swaps an action bar or follow button. */
  var refocus = null;
  var loadedNewer = false;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail && e.detail.target;
    var active = document.activeElement;
    refocus = null;
    loadedNewer = !!target && target.id === "load-newer";
    if (target && target.id && active && target.contains(active)) {
      var kind = ["reply", "repost", "quote-link", "like", "bookmark"].filter(function (k) {
        return active.classList.contains(k);
      })[0];
      refocus = { id: target.id, sel: active === target ? null : kind ? "." + kind : "button" };
    }
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    if (refocus) {
      var box = document.getElementById(refocus.id);
      /* A control that replaced itself keeps the focus too; the "Load newer" link comes back
         hidden, so the first of the newer posts takes it. */
      var el = box && (refocus.sel ? box.querySelector(refocus.sel) : box);
      if (el && el.hidden) {
        el = el.nextElementSibling;
        if (el) el.setAttribute("tabindex", "-1");
      }
      if (el) el.focus();
      refocus = null;
    }
    initCounters(e.target);
    if (loadedNewer) { loadedNewer = false; checkNewer(); }
  });

  /* "Load newer posts" shows only once there is something newer: the hidden link asks its
     own address (X-Salon-Check: newer; 200 yes, 204 not yet) every so often while the page
     is in view, when it comes back into view, and after it loaded newer posts (a click
     brings at most a page of them). */
  var NEWER_EVERY_MS = 15000;
  function checkNewer() {
    var link = document.querySelector("a.load-newer[data-check-newer][hidden]");
    if (!link || document.hidden || link.dataset.checking) return;
    link.dataset.checking = "1";
    fetch(link.href, { headers: { "X-Salon-Check": "newer" }, credentials: "same-origin" })
      .then(function (answer) { if (answer.status === 200) link.hidden = false; })
      .catch(function () { /* offline for a moment: the next check tries again */ })
      .then(function () { delete link.dataset.checking; });
  }
  setInterval(checkNewer, NEWER_EVERY_MS);
  document.addEventListener("visibilitychange", checkNewer);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initCounters(); });
  } else {
    initCounters();
  }
})();

/* ---- The assistant's placeholders (partials/ask_pending.html) --------------------------
   Each asks every second (htmx) until the answer replaces it. A question deleted meanwhile
   (in another tab: its address answers 404): the placeholder goes, rather than flash an
   error each second. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (e) {
    var placeholder = e.target;  /* the element that asked */
    if (!placeholder || !placeholder.classList || !placeholder.classList.contains("ask-pending")) return;
    if (e.detail.xhr && e.detail.xhr.status >= 400) {
      e.detail.shouldSwap = false;
      placeholder.remove();
    }
  });
})();
/* ---- end of the assistant's placeholders ---- */
