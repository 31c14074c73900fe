// Progressive enhancement only: every page works without JavaScript.
import { initAll } from '../govuk/govuk-frontend.min.js'
import { scrollWideTables } from './wide-tables.js'

initAll()
scrollWideTables(document)

// A family feedback letter (issue 25): the button prints it; without JavaScript, the browser's own Print does.
for (const button of document.querySelectorAll('[data-print-letter]')) {
  button.addEventListener('click', () => window.print())
}
