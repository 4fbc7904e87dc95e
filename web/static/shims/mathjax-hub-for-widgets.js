/*
 * ipywidgets' controls typeset their labels with the MathJax 2 API:
 *     MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])
 * The site runs MathJax 3, which has no `Hub`, so every widget label raised
 * "Cannot read properties of undefined (reading 'Queue')". This shim, loaded
 * only on pages with widgets (myst-nb's nb_ipywidgets_js, see _config.yml),
 * gives whatever object `window.MathJax` is (the configuration first, then
 * MathJax 3 itself when it loads) a `Hub.Queue` that forwards "Typeset" jobs to
 * MathJax 3's `typesetPromise`.
 */
(function () {
  "use strict";
  function queue() {
    var mj = window.MathJax;
    for (var i = 0; i < arguments.length; i++) {
      var job = arguments[i];
      if (Array.isArray(job) && job[0] === "Typeset" && mj && mj.typesetPromise) {
        mj.typesetPromise(job[2] ? [job[2]] : undefined).catch(function () {});
      }
    }
  }
  function withHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      // Not enumerable: MathJax 3 must not read it as a configuration option.
      Object.defineProperty(mj, "Hub", { value: { Queue: queue }, configurable: true });
    }
    return mj;
  }
  var current = withHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); },
  });
})();
