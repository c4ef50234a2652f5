// Backend Workbook: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";

  // Theme toggle: remembers the reader's choice over the system setting. It is a toggle
  // button named "Dark theme", pressed while the dark theme shows.
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    var isDark = function () {
      var root = document.documentElement;
      return root.dataset.theme
        ? root.dataset.theme === "dark"
        : window.matchMedia("(prefers-color-scheme: dark)").matches;
    };
    toggle.setAttribute("aria-pressed", isDark() ? "true" : "false");
    toggle.addEventListener("click", function () {
      var root = document.documentElement;
      root.dataset.theme = isDark() ? "light" : "dark";
      toggle.setAttribute("aria-pressed", isDark() ? "true" : "false");
      try { localStorage.setItem("theme", root.dataset.theme); } catch (e) {}
    });
  }

  // Phone width: the lesson list opens from the menu button; Escape closes it.
  var menu = document.querySelector(".menu");
  var closeMenu = function () {
    if (!document.body.classList.contains("menu-open")) return false;
    document.body.classList.remove("menu-open");
    menu.setAttribute("aria-expanded", "false");
    menu.focus();
    return true;
  };
  if (menu) {
    menu.addEventListener("click", function () {
      var open = document.body.classList.toggle("menu-open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Keyboard shortcuts, listed in the help that `?` opens: left and right arrows turn
  // lessons. Never while the reader types, while something that scrolls sideways has focus
  // (the arrows scroll it), or while text is selected; and a reader can turn them off.
  var help = document.querySelector(".shortcuts");
  var arrowBox = help && help.querySelector(".arrow-toggle");
  var arrowsOn = function () {
    try { return localStorage.getItem("arrowKeys") !== "off"; } catch (e) { return true; }
  };
  if (arrowBox) {
    arrowBox.checked = arrowsOn();
    arrowBox.addEventListener("change", function () {
      try { localStorage.setItem("arrowKeys", arrowBox.checked ? "on" : "off"); } catch (e) {}
    });
  }
  var scrollsSideways = function (node) {
    for (; node && node.nodeType === 1 && node !== document.body; node = node.parentElement) {
      var overflow = window.getComputedStyle(node).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && node.scrollWidth > node.clientWidth) return true;
    }
    return false;
  };
  document.querySelectorAll(".help-button").forEach(function (button) {
    button.addEventListener("click", function () { if (help) help.showModal(); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "Escape" && menu && closeMenu()) return;
    if (event.key === "?" && help && !help.open) { event.preventDefault(); help.showModal(); return; }
    if (event.shiftKey || !arrowsOn()) return;
    var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
    if (!rel || scrollsSideways(document.activeElement)) return;
    if (String(window.getSelection ? window.getSelection() : "").length) return;
    var link = document.querySelector('.pager a[rel="' + rel + '"]');
    if (link) { window.location.href = link.href; }
  });

  // Live reload: the server says when the course files changed. The stream is closed when
  // the page is left: a page kept in the back-forward cache would otherwise hold one of the
  // browser's six connections to the server, and a few quick page turns would stall the
  // next page until one freed up. It reopens if the page comes back from that cache.
  if (window.EventSource && document.body.dataset.liveReload) {
    var events = null;
    var listen = function () {
      events = new EventSource(document.body.dataset.liveReload);
      events.addEventListener("reload", function () { window.location.reload(); });
    };
    listen();
    window.addEventListener("pagehide", function () {
      if (events) { events.close(); events = null; }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && !events) listen();
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Reads a server-sent event stream from a fetch response (a POST, which EventSource
  // cannot make), calling handle(name, data) with each event's parsed JSON; resolves at the
  // end of the stream. Shared with examples.js.
  function readEvents(response, handle) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (part) {
          var name = "message", data = "";
          part.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data += line.slice(5).replace(/^ /, "");
          });
          if (data) handle(name, JSON.parse(data));
        });
        return pump();
      });
    }
    return pump();
  }
  window.WorkbookEvents = { read: readEvents };

  // Quizzes: submit in place and show each answered question's result. The review page
  // has one form per quiz, each sending to its own quiz.
  document.querySelectorAll(".quiz-form").forEach(function (form) {
    if (!window.fetch) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var answers = {};
      form.querySelectorAll(".question").forEach(function (fieldset) {
        var id = fieldset.dataset.id;
        // The markup says how to read an answer: a text box, or options to choose.
        var typed = fieldset.querySelector("input[type=text]");
        if (typed) {
          if (typed.value.trim()) answers[id] = typed.value;
        } else {
          var chosen = [];
          fieldset.querySelectorAll("input:checked").forEach(function (input) { chosen.push(input.value); });
          if (chosen.length) answers[id] = chosen;
        }
      });
      var score = form.querySelector(".quiz-score");
      if (!Object.keys(answers).length) { score.textContent = "Answer at least one question first."; return; }
      fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ answers: answers })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (reply) {
        if (!reply.ok) { score.textContent = (reply.body.error && reply.body.error.message) || "The answers could not be checked."; return; }
        var result = reply.body;
        result.results.forEach(function (r) {
          var fieldset = form.querySelector('.question[data-id="' + r.id + '"]');
          if (!fieldset) return;
          fieldset.classList.remove("right", "wrong");
          fieldset.classList.add(r.correct ? "right" : "wrong");
          fieldset.querySelectorAll(".option").forEach(function (label) {
            var input = label.querySelector("input");
            // No key in the reply (the quiz keeps it back until later): mark no option.
            label.classList.toggle("correct", !!r.correct_values && r.correct_values.indexOf(input.value) >= 0);
          });
          var feedback = fieldset.querySelector(".feedback");
          feedback.textContent = "";
          var verdict = r.verdict;
          feedback.appendChild(el("p", "verdict", verdict));
          if (r.accepted && r.accepted.length) feedback.appendChild(el("p", "", "Accepted: " + r.accepted.join(", ")));
          if (r.explanation_html) {
            var explanation = el("div", "explanation");
            explanation.innerHTML = r.explanation_html;
            feedback.appendChild(explanation);
          }
        });
        var percent = Math.round(result.score * 100);
        score.className = "quiz-score " + (result.passed ? "passed" : "failed");
        score.textContent = "Score: " + percent + "% (pass mark " + Math.round(result.pass_mark * 100) + "%) — " +
          (result.passed ? "passed!" : "not yet passed.") +
          (result.missed.length ? " " + result.missed.length + " question(s) to revisit." : "");
        var notice = form.querySelector(".quiz-reveal");
        if (notice) notice.textContent = (result.reveal && result.reveal.message) || "";
        var retry = form.querySelector(".quiz-actions .secondary");
        if (result.missed.length && result.retry_url) {
          if (!retry) {
            retry = el("a", "button secondary", "Retry the questions I missed");
            form.querySelector(".quiz-actions").appendChild(retry);
          }
          retry.href = result.retry_url;
        } else if (retry) {
          // Nothing missed any more: nothing to retry.
          retry.remove();
        }
      }).catch(function () { score.textContent = "The server could not be reached."; });
    });
  });

  // Hints: reveal the next one without leaving the page.
  var hintForm = document.querySelector(".hint-form");
  if (hintForm && window.fetch) {
    hintForm.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(hintForm.action, { method: "POST", headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (!body.hint_html) return;
          var item = el("li");
          item.value = body.number;
          item.innerHTML = body.hint_html;
          // Keep the list in the exercise's order: the hint for what fails may come early.
          var list = document.querySelector(".hint-list");
          var after = Array.prototype.find.call(list.children, function (li) { return li.value > body.number; });
          list.insertBefore(item, after || null);
          var button = hintForm.querySelector("button");
          if (body.next === null) { hintForm.replaceWith(el("p", "muted", "All " + body.total + " hints revealed.")); }
          else { button.textContent = "Reveal hint " + body.next + " of " + body.total; }
        });
    });
  }

  // Code blocks and tables are focusable so a keyboard can scroll them; one that fits
  // needs no tab stop. Checked again when the window changes size.
  var scrollers = document.querySelectorAll("pre.code, .prose table");
  var fitTabStops = function () {
    Array.prototype.forEach.call(scrollers, function (node) {
      if (node.scrollWidth > node.clientWidth + 1) node.setAttribute("tabindex", "0");
      else if (node !== document.activeElement) node.removeAttribute("tabindex");
    });
  };
  fitTabStops();
  window.addEventListener("resize", fitTabStops);

  // Style notes: run clippy without leaving the review, and swap in the answer's section.
  var styleForm = document.querySelector(".style-form");
  if (styleForm && window.fetch && window.DOMParser) {
    styleForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var section = document.getElementById("style-notes");
      var button = styleForm.querySelector("button");
      button.disabled = true;
      section.setAttribute("aria-busy", "true");
      button.textContent = "Clippy is checking your code…";
      fetch(styleForm.action, { method: "POST", headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (text) {
          var answer = new DOMParser().parseFromString(text, "text/html").getElementById("style-notes");
          section.removeAttribute("aria-busy");
          if (answer) { section.replaceWith(answer); answer.querySelector("h2").focus(); }
          else { button.disabled = false; button.textContent = "The check failed; try again"; }
        })
        .catch(function () { button.disabled = false; button.textContent = "The server could not be reached; try again"; });
    });
  }

  // The background build: say how far it is, so a learner knows why a first grade may wait.
  var graderStatus = document.querySelector(".grader-status");
  if (graderStatus && window.fetch) {
    var pollGrader = function () {
      fetch("/grader", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (body.state === "building") {
            graderStatus.hidden = false;
            graderStatus.textContent = "Preparing the grader in the background: " + body.done + " of " + body.total +
              " exercises ready, " + body.crates + " crates compiled. Grading now works too; it may take a little longer until this is done.";
            setTimeout(pollGrader, 2000);
          } else if (body.state === "ready") {
            graderStatus.hidden = false;
            graderStatus.textContent = "The grader is ready: a grade takes a few seconds.";
          } else if (body.state === "failed") {
            graderStatus.hidden = false;
            graderStatus.textContent = "The background build stopped: " + body.message + " (Grade now shows the details.)";
          } else { graderStatus.hidden = true; }
        })
        .catch(function () {});
    };
    pollGrader();
  }

  // A staged exercise's stage list: one stage's state and the words beside it.
  function markStage(id, state, words) {
    var item = document.querySelector('.stages [data-stage="' + id + '"]');
    if (!item) return;
    item.className = "stage " + state;
    item.querySelector(".mark").textContent = state === "passed" ? "✓" : state === "locked" ? "·" : "→";
    item.querySelector(".stage-state").textContent = words;
  }

  // Grade now: stream the grader's progress and report into the page.
  var gradeForm = document.querySelector(".grade-form");
  if (gradeForm && window.fetch && window.TextDecoder) {
    gradeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var output = document.querySelector(".grade-output");
      // Screen readers hear the start and the verdict, not every test as it streams in.
      var announce = document.querySelector(".grade-announce") || el("p");
      announce.textContent = "Grading started.";
      var button = gradeForm.querySelector("button");
      button.disabled = true;
      output.textContent = "";
      var status = el("p", "grade-progress", "Starting the grader…");
      // Failures first; passing tests gather, folded, below them.
      var failures = el("ul", "tests failures");
      var passes = el("details", "passes");
      var passCount = el("summary", "", "");
      var passList = el("ul", "tests");
      passes.appendChild(passCount);
      passes.appendChild(passList);
      passes.hidden = true;
      output.appendChild(status);
      output.appendChild(failures);
      output.appendChild(passes);
      fetch(gradeForm.action, { method: "POST", headers: { "Accept": "text/event-stream" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok || !response.body) { status.textContent = "The grader could not start (" + response.status + ")."; button.disabled = false; return; }
          function handle(name, body) {
            if (name === "progress") { status.textContent = body.text; }
            else if (name === "stage") {
              status.textContent = "Stage " + body.index + " of " + body.total + ": " + body.title + "…";
              markStage(body.id, "running", "running");
            }
            else if (name === "test") {
              var item = el("li", "test " + body.status);
              item.appendChild(el("span", "mark", body.status === "passed" ? "✓" : body.status === "timed_out" ? "⏱" : "✗"));
              item.appendChild(document.createTextNode(" "));
              // Rendered and escaped on the server from the instructor's test description.
              var description = el("span", "description");
              description.innerHTML = body.description_html;
              item.appendChild(description);
              item.appendChild(document.createTextNode(" "));
              item.appendChild(el("span", "muted", body.duration_ms + " ms"));
              (body.rules || []).forEach(function (rule) {
                var line = el("p", "rule", "Rule: ");
                var text = el("span", "");
                text.innerHTML = rule.html;
                line.appendChild(text);
                if (rule.read) {
                  var link = el("a", "", "Read the lesson section");
                  link.href = rule.read;
                  line.appendChild(document.createTextNode(" "));
                  line.appendChild(link);
                }
                item.appendChild(line);
              });
              if (body.message) item.appendChild(el("pre", "", body.message));
              if (body.status === "passed") {
                passList.appendChild(item);
                var n = passList.children.length;
                passCount.textContent = "✓ " + n + " passing test" + (n === 1 ? "" : "s");
                passes.hidden = false;
              } else {
                failures.appendChild(item);
              }
            } else if (name === "report") {
              (body.stages || []).forEach(function (stage) {
                var state = stage.status === "passed" ? "passed" : stage.id === body.current_stage ? "current" : "locked";
                var words = state + (stage.score.total ? " · " + stage.score.passed + "/" + stage.score.total + " tests" : "");
                markStage(stage.id, state, words);
              });
              var summary = body.status === "error" ? "compile error" : body.score.passed + "/" + body.score.total + " passed";
              status.className = "grade-summary " + body.status;
              status.textContent = "Grade: " + body.status + " — " + summary;
              var first = failures.querySelector(".description");
              announce.textContent = status.textContent + "." + (first ? " First failure: " + first.textContent : "");
              if (body.compile_errors.length) {
                output.appendChild(el("pre", "compile-errors", body.compile_errors.map(function (e) { return e.rendered; }).join("\n\n")));
              }
            } else if (name === "error") { status.textContent = body.message; announce.textContent = body.message; }
          }
          return readEvents(response, handle).then(function () { button.disabled = false; });
        })
        .catch(function () { status.textContent = "The server could not be reached."; button.disabled = false; });
    });
  }
})();
