// Behaviour every page shares. No page has inline script (the Content-Security-Policy
// forbids it): elements ask for behaviour with data- attributes.
(function () {
  "use strict";

  function dirty(form) {
    return form && form.dataset.dirty === "1";
  }

  // A form that switches what the page shows (unit, month) asks before dropping
  // the unsaved edits of the entry form it names. Its selects never submit by
  // themselves: the person presses 查看.
  document.querySelectorAll("form[data-guard]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      var guarded = document.getElementById(form.dataset.guard);
      if (dirty(guarded) && !window.confirm("本页有未保存的修改，切换后将丢失。确定切换吗？")) {
        e.preventDefault();
      }
    });
  });

  // A refused form: focus moves to its error summary, which links to each field.
  var refused = document.querySelector("[data-focus-on-load]");
  if (refused) { refused.focus(); }

  // Entry forms remember that something was typed, and send once.
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("input", function () { form.dataset.dirty = "1"; });
    form.addEventListener("submit", function (e) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
      form.dataset.dirty = "";
    });
  });

  // A table wider than its box scrolls inside it. One with nothing to tab to gets a
  // tab stop of its own, so that a keyboard can scroll it too (WCAG 2.1.1); the
  // templates mark the ones they know of, this catches the rest.
  document.querySelectorAll(".table-container:not([tabindex])").forEach(function (box) {
    var focusable = box.querySelector("a[href], button, input, select, textarea, [tabindex]");
    if (box.scrollWidth > box.clientWidth && !focusable) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) { box.setAttribute("aria-label", "表格（可左右滑动）"); }
    }
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("a[data-back]").forEach(function (link) {
    link.addEventListener("click", function (e) {
      if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
    });
  });

  // Large uploads show their progress; the server answers with the preview page.
  var upload = document.getElementById("upload-form");
  if (upload && window.XMLHttpRequest && window.FormData) {
    upload.addEventListener("submit", function (e) {
      var bar = document.getElementById("upload-progress");
      e.preventDefault();
      var data = new FormData(upload);
      data.append("action", "preview");
      var xhr = new XMLHttpRequest();
      xhr.upload.onprogress = function (p) {
        if (p.lengthComputable) { bar.hidden = false; bar.value = p.loaded / p.total * 100; }
      };
      xhr.onload = function () {
        // Queued: the server sends the batch's page, which shows the progress.
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open(); document.write(xhr.responseText); document.close();
      };
      xhr.open("POST", window.location.href);
      xhr.send(data);
    });
  }

  // Imports working in the background: poll their progress, then show the outcome.
  var watched = document.querySelector("[data-import-progress]");
  if (watched && window.fetch) {
    var poll = function () {
      fetch(watched.dataset.importProgress, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          state.files.forEach(function (file) {
            var box = watched.querySelector('[data-import-file="' + file.id + '"]');
            if (!box) { return; }
            box.querySelector("progress").value = file.percent;
            box.querySelector("[data-import-counts]").textContent =
              file.status + "：已读 " + file.read + " 行" +
              (file.total ? "（共 " + file.total + " 行）" : "") +
              " · 已处理 " + file.written + " 行";
          });
          if (state.working) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  }
})();
