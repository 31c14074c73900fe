// Progressive enhancement of the import progress page: poll the status and reload when done.
// The count on the page changes every poll, but only milestones (each power of ten, then every
// 100,000 rows) and the finish go to the live region, so a screen reader is not read a number
// every second and a half, and hears that the import finished before the page reloads.
const progress = document.querySelector('.app-import-progress')

if (progress) {
  const rows = progress.querySelector('.app-import-progress__rows')
  const announcer = progress.querySelector('.app-import-progress__announcer')
  let announced = 0
  const milestone = (count) => {
    if (count >= 100000) return Math.floor(count / 100000) * 100000
    let step = 1000
    while (step * 10 <= count) step *= 10
    return count >= 1000 ? step : 0
  }
  const poll = async () => {
    const response = await fetch(progress.dataset.statusUrl, { headers: { Accept: 'application/json' } })
    if (response.ok) {
      const status = await response.json()
      rows.textContent = status.rows_processed.toLocaleString('en-GB')
      if (status.finished) {
        announcer.textContent = 'The import has finished. Loading the result.'
        window.setTimeout(() => window.location.reload(), 1500)
        return
      }
      const reached = milestone(status.rows_processed)
      if (reached > announced) {
        announced = reached
        announcer.textContent = `More than ${reached.toLocaleString('en-GB')} rows checked.`
      }
    }
    window.setTimeout(poll, 1500)
  }
  window.setTimeout(poll, 1000)
}
