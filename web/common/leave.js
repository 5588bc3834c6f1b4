// A page that shows personal data must not come back with it from the browser's back/forward
// cache. On a shared computer (a library, a kiosk) the next person presses Back after the
// applicant has gone to another site and would see the booking's reference and PIN, the name to
// call, the access history or the last card checked — the browser froze the page as it was.
// So: when the page is frozen for that cache, hide everything (the frozen copy shows nothing),
// and when it is brought back from the cache, load it afresh, empty.
export function forgetOnLeave() {
  window.addEventListener('pagehide', (event) => {
    if (event.persisted) document.body.hidden = true;
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
}
