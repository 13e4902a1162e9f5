// Pioneer: the coding page's selection helper (progressive enhancement).
//
// The page works without this script: the coder copies the passage into "Passage to code"
// and, if it appears more than once, says which appearance. With it, selecting text in the
// read-only transcript (mouse, or Shift + arrow keys) fills the passage, its start and end,
// and which appearance it is. JavaScript counts string positions in UTF-16 code units; the
// store counts Unicode code points, so positions are converted (an emoji is one code point
// but two code units).
(function () {
  "use strict";
  var source = document.getElementById("passage-source");
  var passage = document.getElementById("passage");
  var start = document.getElementById("start");
  var end = document.getElementById("end");
  var occurrence = document.getElementById("occurrence");
  var status = document.getElementById("selection-status");
  if (!source || !passage || !start || !end) {
    return;
  }

  // Chromium moves no caret in a read-only text area, so keyboard users could not select
  // in it. With the script the area becomes focusable text that refuses every edit (and
  // still says it is read-only to assistive technology); without it, the attribute stays and
  // the passage is typed or pasted into its own field.
  var original = source.value;
  source.removeAttribute("readonly");
  source.setAttribute("aria-readonly", "true");
  source.addEventListener("beforeinput", function (event) {
    event.preventDefault();
  });
  source.addEventListener("input", function () {
    if (source.value !== original) {
      var at = source.selectionStart;
      source.value = original;
      source.setSelectionRange(at, at);
    }
  });

  function codePoints(text) {
    // Array.from iterates a string by code point, so its length counts code points.
    return Array.from(text).length;
  }

  function appearance(text, quote, at) {
    // Which appearance of quote (1-based) starts at UTF-16 index at, counting overlaps,
    // as the server counts them.
    var n = 0;
    var i = text.indexOf(quote);
    while (i >= 0 && i <= at) {
      n += 1;
      if (i === at) {
        return n;
      }
      i = text.indexOf(quote, i + 1);
    }
    return n;
  }

  function take() {
    var text = source.value;
    var a = source.selectionStart;
    var b = source.selectionEnd;
    if (a === b) {
      return;
    }
    var quote = text.slice(a, b);
    var first = codePoints(text.slice(0, a));
    var last = first + codePoints(quote);
    passage.value = quote;
    start.value = String(first);
    end.value = String(last);
    if (occurrence) {
      var which = appearance(text, quote, a);
      occurrence.value = text.indexOf(quote, text.indexOf(quote) + 1) >= 0 ? String(which) : "";
    }
    if (status) {
      status.textContent =
        "Selected characters " + first + " to " + last + " (" + (last - first) + " characters).";
    }
  }

  source.addEventListener("select", take);
  source.addEventListener("keyup", take);
  source.addEventListener("mouseup", take);
  // Typing in the passage or the appearance by hand means the selection no longer applies:
  // the server then finds the passage from its words.
  function forget() {
    start.value = "";
    end.value = "";
    if (status) {
      status.textContent = "";
    }
  }
  passage.addEventListener("input", forget);
  if (occurrence) {
    occurrence.addEventListener("input", forget);
  }
})();
