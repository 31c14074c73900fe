// The GOV.UK timeout warning (issue 24, WCAG 2.2.1). A little before the idle timeout a modal
// dialog offers "Stay signed in", which asks the server to restart the idle minutes. Every
// page load restarts them too, so the clock starts again with each page. Past the timeout the
// dialog says so; what was typed stays on the page and is kept through signing in again.
// It announces once when it opens and once at the end, not every second.
const dialog = document.querySelector('dialog.app-timeout-warning')

if (dialog) {
  const idle = Number(dialog.dataset.idleSeconds) * 1000
  const warn = Number(dialog.dataset.warnSeconds) * 1000
  const time = dialog.querySelector('.app-timeout-warning__time')
  const stay = dialog.querySelector('.app-timeout-warning__stay')
  const close = dialog.querySelector('.app-timeout-warning__close')
  const ended = dialog.querySelector('.app-timeout-warning__ended')
  let deadline, warnTimer, endTimer, tick

  const words = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000))
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60)
      return `${minutes} minute${minutes === 1 ? '' : 's'}`
    }
    return `${seconds} second${seconds === 1 ? '' : 's'}`
  }

  const show = () => {
    time.textContent = words(deadline - Date.now())
    if (!dialog.open) dialog.showModal()
    stay.focus()
    tick = setInterval(() => { time.textContent = words(deadline - Date.now()) }, 1000)
  }

  const signedOut = () => {
    clearInterval(tick)
    dialog.querySelector('#timeout-warning-text').hidden = true
    ended.hidden = false
    stay.hidden = true
    close.hidden = false
    dialog.setAttribute('aria-describedby', 'timeout-warning-ended')
    if (!dialog.open) dialog.showModal()
    close.focus()
  }

  const start = () => {
    clearTimeout(warnTimer)
    clearTimeout(endTimer)
    clearInterval(tick)
    deadline = Date.now() + idle
    warnTimer = setTimeout(show, Math.max(0, idle - warn))
    // The server counts whole seconds from when it handled the request: two more make sure
    // "you have been signed out" is never said while the session still stands.
    endTimer = setTimeout(signedOut, idle + 2000)
  }

  stay.addEventListener('click', async () => {
    const answer = await fetch(dialog.dataset.stayUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': dialog.dataset.csrfToken }
    }).catch(() => null)
    if (answer && answer.status === 204) {
      dialog.close()
      start()
    } else {
      signedOut()
    }
  })
  close.addEventListener('click', () => dialog.close())
  // Escape closes a modal dialog; closing is not staying signed in, so the clock runs on.
  start()
}
