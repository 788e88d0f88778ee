/* The public verification page (/verify/<code>): when the QR code carried its signed fragment
   (#v1.<kid>.<fields>.<signature>, never sent to the server), offer the offline signature check, which
   the portal's verify page does in the browser with the platform's published SM2 keys. Optional: the
   page reads the same without script. Same origin, no inline script for the CSP to allow. */
(function () {
  var hash = window.location.hash;
  if (!/^#v\d+\./.test(hash)) return;
  var box = document.getElementById("offline");
  var link = document.getElementById("offline-link");
  if (!box || !link) return;
  var code = window.location.pathname.split("/").pop() || "";
  try {
    code = decodeURIComponent(code);
  } catch (e) {
    /* keep the raw segment */
  }
  link.href = "/verify?code=" + encodeURIComponent(code) + hash;
  box.hidden = false;
})();
