// Progressive enhancement only: every page works without JavaScript.
import { initAll } from '../govuk/govuk-frontend.min.js'
import { scrollWideTables } from './wide-tables.js'

initAll()
scrollWideTables(document)
