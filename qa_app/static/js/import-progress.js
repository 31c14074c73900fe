// Progressive enhancement of the import progress page: poll the status and reload when done.
const progress = document.querySelector('.app-import-progress')

if (progress) {
  const rows = progress.querySelector('.app-import-progress__rows')
  const poll = async () => {
    const response = await fetch(progress.dataset.statusUrl, { headers: { Accept: 'application/json' } })
    if (response.ok) {
      const status = await response.json()
      if (status.finished) {
        window.location.reload()
        return
      }
      rows.textContent = status.rows_processed.toLocaleString('en-GB')
    }
    window.setTimeout(poll, 1500)
  }
  window.setTimeout(poll, 1000)
}
