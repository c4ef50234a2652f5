// Source of static/vendor/codemirror.js (built by tools/codemirror/build.sh).
// Exposes one global, window.WorkbookEditor, so lesson pages can make Rust code
// examples editable without a module loader. Styles follow the page's CSS variables
// (static/app.css), so the editor works in the light and dark themes alike. CodeMirror
// injects its CSS through a constructed stylesheet (document.adoptedStyleSheets), which
// the page's CSP allows; build.sh patches style-mod so that it does so (see there).
import { EditorState, RangeSet, StateEffect, StateField } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  GutterMarker,
  drawSelection,
  gutterLineClass,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import {
  HighlightStyle,
  bracketMatching,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { rust } from "@codemirror/lang-rust";
import { tags as t } from "@lezer/highlight";

// Token colours: the same variables the server-side highlighter uses (.hl-* in app.css).
// Operators and punctuation keep the plain text colour.
const workbookHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword, t.modifier, t.self], color: "var(--hl-keyword)" },
  { tag: [t.string, t.special(t.string), t.character], color: "var(--hl-string)" },
  { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: "var(--hl-comment)", fontStyle: "italic" },
  { tag: [t.number, t.integer, t.float, t.bool], color: "var(--hl-number)" },
  { tag: [t.typeName, t.className, t.namespace], color: "var(--hl-type)" },
  { tag: [t.function(t.variableName), t.function(t.definition(t.variableName)), t.function(t.propertyName)], color: "var(--hl-function)" },
  { tag: t.macroName, color: "var(--hl-macro)" },
  { tag: [t.attributeName, t.meta], color: "var(--hl-attr)" },
]);

const workbookTheme = EditorView.theme({
  "&": {
    color: "var(--fg)",
    backgroundColor: "var(--code-bg)",
    border: "1px solid var(--line)",
    borderRadius: "8px",
    fontSize: "0.9em",
  },
  "&.cm-focused": { outline: "2px solid var(--accent)", outlineOffset: "1px" },
  ".cm-scroller": {
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    lineHeight: "1.45",
    borderRadius: "7px",
  },
  // About three lines before anything is typed; no max-height, the editor grows.
  ".cm-content, .cm-gutter": { minHeight: "4.5em" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--fg)" },
  // Contrast budget: the light theme's --hl-function has only 4.8:1 on --code-bg, so no
  // tint may darken a line there. The tints below lighten towards --bg, or stay faint; with
  // them every --hl-* colour keeps >= 4.5:1 in both themes (checked in Chromium with
  // the computed colours). Line backgrounds sit above CodeMirror's selection layer, so
  // they are translucent: a selection stays visible on the active and the marked line.
  ".cm-selectionBackground, &.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground": {
    backgroundColor: "color-mix(in srgb, var(--mark) 33%, var(--bg))",
  },
  ".cm-gutters": {
    backgroundColor: "var(--code-bg)",
    color: "var(--hl-comment)",
    borderRight: "1px solid var(--line)",
  },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--bg) 50%, transparent)" },
  ".cm-activeLineGutter": { backgroundColor: "color-mix(in srgb, var(--bg) 50%, transparent)", color: "var(--fg)" },
  "&.cm-focused .cm-matchingBracket": {
    backgroundColor: "color-mix(in srgb, var(--hl-function) 20%, transparent)",
    outline: "1px solid color-mix(in srgb, var(--hl-function) 60%, transparent)",
  },
  "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "color-mix(in srgb, var(--bad) 25%, transparent)" },
  // The marked line (markLine): a faint red wash, a solid bar at the line's left edge and
  // its line number reversed out of --bad, so the mark does not rely on the wash alone.
  ".cm-error-line, .cm-error-line.cm-activeLine": {
    backgroundColor: "color-mix(in srgb, color-mix(in srgb, var(--bad) 10%, var(--bg)) 50%, transparent)",
    boxShadow: "inset 3px 0 0 var(--bad)",
  },
  ".cm-gutterElement.cm-error-gutter": { backgroundColor: "var(--bad)", color: "var(--bg)", fontWeight: "bold" },
});

// markLine(): the start of the marked line (or null), mapped through later edits. It
// decorates the line (class cm-error-line) and its line number (class cm-error-gutter).
const setErrorLine = StateEffect.define();
const errorLineMark = Decoration.line({ class: "cm-error-line" });
class ErrorGutterMarker extends GutterMarker {
  constructor() {
    super();
    this.elementClass = "cm-error-gutter";
  }
}
const errorGutterMark = new ErrorGutterMarker();
const errorLineField = StateField.define({
  create: () => null,
  update(pos, tr) {
    if (pos != null && tr.docChanged) pos = tr.state.doc.lineAt(tr.changes.mapPos(pos, -1)).from;
    for (const e of tr.effects) if (e.is(setErrorLine)) pos = e.value;
    return pos;
  },
  provide: (field) => [
    EditorView.decorations.compute([field], (state) => {
      const pos = state.field(field);
      return pos == null ? Decoration.none : Decoration.set([errorLineMark.range(pos)]);
    }),
    gutterLineClass.compute([field], (state) => {
      const pos = state.field(field);
      return pos == null ? RangeSet.empty : RangeSet.of([errorGutterMark.range(pos)]);
    }),
  ],
});

function create(parent, options) {
  if (!parent || typeof parent.appendChild !== "function") {
    throw new TypeError("WorkbookEditor.create: parent must be a DOM element");
  }
  const { doc, label, onChange } = options || {};
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    rust(),
    indentUnit.of("    "),
    EditorState.tabSize.of(4),
    syntaxHighlighting(workbookHighlight),
    // No indentWithTab: Tab must keep moving focus out of the editor.
    keymap.of([...defaultKeymap, ...historyKeymap]),
    EditorView.contentAttributes.of({ "aria-label": label == null ? "Code editor" : String(label) }),
    errorLineField,
    workbookTheme,
  ];
  if (typeof onChange === "function") {
    extensions.push(
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    );
  }
  const view = new EditorView({
    state: EditorState.create({ doc: doc == null ? "" : String(doc), extensions }),
    parent,
  });

  return {
    getValue() {
      return view.state.doc.toString();
    },
    // One undoable transaction that replaces the whole document (Ctrl-Z restores it). It
    // clears any markLine() mark, which belonged to the old text.
    setValue(text) {
      text = String(text);
      if (text === view.state.doc.toString()) {
        view.dispatch({ effects: setErrorLine.of(null) });
        return;
      }
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        selection: { anchor: Math.min(view.state.selection.main.head, text.length) },
        effects: setErrorLine.of(null),
        userEvent: "input.replace",
      });
    },
    focus() {
      view.focus();
    },
    destroy() {
      view.destroy();
    },
    // 1-based line number (clamped to the document); null or undefined clears the mark.
    markLine(line) {
      if (line == null) {
        view.dispatch({ effects: setErrorLine.of(null) });
        return;
      }
      const n = Math.min(Math.max(1, Math.floor(Number(line)) || 1), view.state.doc.lines);
      const pos = view.state.doc.line(n).from;
      view.dispatch({
        effects: [setErrorLine.of(pos), EditorView.scrollIntoView(pos, { y: "center" })],
      });
    },
  };
}

window.WorkbookEditor = { create };
