// A table wider than a phone scrolls inside its own region rather than making the whole page
// scroll sideways (WCAG 1.4.10 reflow). The region is named by the table's caption and can be
// focused, so a keyboard user can scroll it too. Tables already in a region are left alone.
export function scrollWideTables (root) {
  root.querySelectorAll('table.govuk-table').forEach((table, index) => {
    if (table.parentElement.classList.contains('app-table-scroll')) return
    const region = document.createElement('div')
    region.className = 'app-table-scroll'
    region.setAttribute('role', 'region')
    region.tabIndex = 0
    const caption = table.caption ? table.caption.textContent.trim().replace(/\s+/g, ' ') : ''
    region.setAttribute('aria-label', caption || `Table ${index + 1}`)
    table.parentElement.insertBefore(region, table)
    region.appendChild(table)
  })
}
