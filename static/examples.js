// Backend Workbook: the lesson's Rust examples get Copy, Run, Edit and Reset. Run streams
// the program's build and output from the server (POST .../run, server-sent events); Edit
// turns the block into a CodeMirror editor, loaded only when first needed, or a plain text
// box if it cannot load; the learner's version is kept by the server until Reset. Without
// JavaScript each example keeps its form, which runs it and shows the result on a page.
(function () {
  var examples = document.querySelectorAll(".example[data-example]");
  // readEvents comes from app.js, which runs first.
  var readEvents = window.WorkbookEvents && window.WorkbookEvents.read;
  if (!examples.length || !window.fetch || !window.TextDecoder || !readEvents) return;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function button(text, className) {
    var b = el("button", className || "secondary small", text);
    b.type = "button";
    return b;
  }

  // The editor's script is 400 KB: fetched the first time an example is edited.
  var editorLoaded = null;
  function loadEditor() {
    if (!editorLoaded) {
      editorLoaded = new Promise(function (resolve) {
        var script = document.createElement("script");
        script.src = "/static/codemirror.js";
        script.onload = function () { resolve(window.WorkbookEditor || null); };
        script.onerror = function () { resolve(null); };
        document.head.appendChild(script);
      });
    }
    return editorLoaded;
  }

  // A text box with the editor's interface, for when the editor cannot load.
  function textBox(parent, options) {
    var area = el("textarea", "code-box");
    area.value = options.doc;
    area.rows = Math.min(30, Math.max(3, options.doc.split("\n").length));
    area.spellcheck = false;
    area.setAttribute("aria-label", options.label);
    area.addEventListener("input", function () { options.onChange(area.value); });
    parent.appendChild(area);
    return {
      getValue: function () { return area.value; },
      setValue: function (text) { area.value = text; },
      focus: function () { area.focus(); },
      destroy: function () { area.remove(); },
      markLine: function () {}
    };
  }

  var byNumber = {};
  Array.prototype.forEach.call(examples, function (div) { byNumber[div.dataset.example] = setUp(div); });

  // The learner's own versions open in the editor straight away.
  var lesson = examples[0].dataset.lesson;
  fetch("/lessons/" + lesson + "/examples", { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : { examples: [] }; })
    .then(function (body) {
      body.examples.forEach(function (e) {
        if (e.edited && byNumber[e.number]) byNumber[e.number].openEditor(false);
      });
    })
    .catch(function () {});

  function setUp(div) {
    var number = div.dataset.example;
    var url = "/lessons/" + div.dataset.lesson + "/examples/" + number;
    var pre = div.querySelector("pre.code");
    var noScript = div.querySelector(".example-nojs");
    if (noScript) noScript.remove();

    var tools = el("div", "example-tools");
    tools.setAttribute("role", "toolbar");
    tools.setAttribute("aria-label", "Example " + number);
    var runLabel = div.dataset.expect === "no_run" ? "Check it compiles" : "Run";
    var run = button(runLabel, "small");
    var edit = button("Edit");
    var reset = button("Reset to the lesson's version");
    var copy = button("Copy");
    var badge = el("span", "example-badge");
    reset.hidden = true;
    [run, edit, copy, reset, badge].forEach(function (node) { tools.appendChild(node); });
    var output = el("div", "example-output");
    output.hidden = true;
    var status = el("p", "example-status");
    status.setAttribute("role", "status");
    var log = el("pre", "example-log");
    log.tabIndex = 0;
    log.setAttribute("role", "group");
    log.setAttribute("aria-label", "Output of example " + number);
    output.appendChild(status);
    output.appendChild(log);
    pre.after(tools);
    tools.after(output);

    var editor = null, lessonVersion = null, saveTimer = null, running = null;

    function showEdited(edited, lessonChanged) {
      reset.hidden = !edited;
      badge.textContent = edited
        ? (lessonChanged ? "Your version (the lesson's has changed since: Reset to see it)" : "Your version")
        : "";
    }

    function save() {
      if (!editor) return;
      fetch(url, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ code: editor.getValue() })
      }).then(function (response) { return response.json(); })
        .then(function (body) { if ("edited" in body) showEdited(body.edited, false); })
        .catch(function () {});
    }

    function openEditor(focus) {
      edit.disabled = true;
      return fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          lessonVersion = body.lesson_version;
          return loadEditor().then(function (Editor) {
            var host = el("div", "example-editor");
            pre.hidden = true;
            pre.after(host);
            var options = {
              doc: body.edited !== null ? body.edited : body.lesson_version,
              label: "Example " + number + ", editable Rust code",
              onChange: function () { clearTimeout(saveTimer); saveTimer = setTimeout(save, 800); }
            };
            editor = Editor ? Editor.create(host, options) : textBox(host, options);
            edit.hidden = true;
            showEdited(body.edited !== null, body.lesson_changed);
            if (focus) editor.focus();
          });
        })
        .catch(function () { edit.disabled = false; });
    }

    edit.addEventListener("click", function () { openEditor(true); });

    reset.addEventListener("click", function () {
      if (!window.confirm("Put the lesson's version back? Your version of example " + number + " will be lost.")) return;
      clearTimeout(saveTimer);
      fetch(url + "/reset", { method: "POST", credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) return;
          if (editor && lessonVersion !== null) { editor.setValue(lessonVersion); editor.markLine(null); }
          clearTimeout(saveTimer);
          showEdited(false, false);
          // The output was your version's: it goes too.
          log.textContent = "";
          log.hidden = true;
          output.hidden = false;
          status.className = "example-status";
          status.textContent = "Back to the lesson's version.";
          // The button pressed is gone; the keyboard goes on from Run.
          run.focus();
        })
        .catch(function () {});
    });

    copy.addEventListener("click", function () {
      var text = editor ? editor.getValue() : pre.textContent;
      var done = function () { copy.textContent = "Copied"; setTimeout(function () { copy.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { copy.textContent = "Select the code and copy it"; });
      } else {
        copy.textContent = "Select the code and copy it";
      }
    });

    // Output goes into one text node and the box follows it once per frame: a program
    // printing thousands of small pieces must not make the page lay itself out thousands
    // of times.
    var outputText = null, scrollPending = false;
    function appendOutput(text) {
      if (!outputText) { outputText = document.createTextNode(""); log.appendChild(outputText); }
      outputText.appendData(text);
      if (!scrollPending) {
        scrollPending = true;
        window.requestAnimationFrame(function () { scrollPending = false; log.scrollTop = log.scrollHeight; });
      }
    }
    // A compile error is read from its first line: the box stays at the top.
    function appendError(text) {
      log.appendChild(el("span", "compile-error", text));
      outputText = null;
    }

    function finish() {
      running = null;
      run.textContent = runLabel;
      run.classList.remove("stop");
    }

    run.addEventListener("click", function () {
      if (running) { running.abort(); status.textContent = "Stopped."; finish(); return; }
      clearTimeout(saveTimer);
      running = new AbortController();
      run.textContent = "Stop";
      run.classList.add("stop");
      output.hidden = false;
      log.textContent = "";
      log.hidden = false;
      outputText = null;
      status.className = "example-status";
      status.textContent = "Compiling…";
      if (editor) editor.markLine(null);
      var marked = false;
      var body = editor ? { code: editor.getValue() } : {};
      fetch(url + "/run", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
        credentials: "same-origin",
        body: JSON.stringify(body),
        signal: running.signal
      }).then(function (response) {
        if (!response.ok || !response.body) {
          return response.json().then(function (b) { status.textContent = b.error ? b.error.message : "The run could not start."; },
            function () { status.textContent = "The run could not start (" + response.status + ")."; });
        }
        return readEvents(response, function (name, data) {
          if (name === "progress") status.textContent = data.text;
          else if (name === "compile_error") {
            appendError(data.rendered + "\n\n");
            if (editor && data.line && !marked) { editor.markLine(data.line); marked = true; }
          } else if (name === "started") status.textContent = "Running…";
          else if (name === "output") appendOutput(data.text);
          else if (name === "end") {
            status.className = "example-status " + (data.went_well ? "run-ok" : "run-bad");
            var timing = " (built in " + (data.build_ms / 1000).toFixed(1) + " s" +
              (data.run_ms ? ", ran " + data.run_ms + " ms" : "") + ")";
            var silent = data.ending.kind === "exited" && !log.textContent ? " It printed nothing." : "";
            status.textContent = data.sentence + silent + timing;
            if (data.edited) showEdited(true, false);
            log.hidden = !log.textContent;
          } else if (name === "error" || name === "cancelled") status.textContent = data.message;
        });
      }).catch(function (error) {
        if (!error || error.name !== "AbortError") status.textContent = "The server could not be reached.";
      }).then(finish);
    });

    return { openEditor: openEditor };
  }
})();
