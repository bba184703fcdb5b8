// 预算公开问答: the chat's copy buttons and scrolling. No document text passes through here:
// the copy text sits, escaped by the server, in a hidden element beside the button.
(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // An intranet address over http is not a secure context: no Clipboard API there.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.qa-copy");
    if (!button) return;
    event.preventDefault();
    var holder = button.parentElement && button.parentElement.querySelector(".qa-copy-text");
    var text = holder ? holder.textContent : "";
    window.budgetQa.lastCopied = text;
    copyText(text).then(function () {
      button.textContent = "已复制";
      setTimeout(function () { button.textContent = "复制"; }, 1500);
    });
  });

  window.budgetQa = {
    lastCopied: "",
    // Show the newest answer from its top (its figure), not scrolled to its last line.
    showLatest: function () {
      setTimeout(function () {
        var answers = document.querySelectorAll("#qa-chat .qa-answer");
        if (!answers.length) return;
        var last = answers[answers.length - 1];
        var box = last.parentElement;  // the nearest ancestor that scrolls (Gradio's bubble-wrap)
        while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
        var question = document.querySelectorAll("#qa-chat .qa-question");
        var anchor = question.length ? question[question.length - 1] : last;
        if (box && box.scrollTo) {
          var top = anchor.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop - 8;
          box.scrollTo({ top: Math.max(0, top) });
        } else {
          anchor.scrollIntoView({ block: "start" });
        }
      }, 50);
    },
  };
})();
