// Progressive enhancement of the draw form: only the chosen method's fields show (a census has
// none; a random sample a size; a stratified one a size and its strata). Without script every
// field shows and the server ignores those the method does not use. Each method's radio points
// at the fields it reveals (aria-controls), as in the GOV.UK conditional-reveal pattern.
const groups = Array.from(document.querySelectorAll('.app-draw-fields'))

if (groups.length) {
  const radios = Array.from(document.querySelectorAll('input[name="method"]'))
  radios.forEach((radio) => {
    const revealed = groups.filter((group) => group.dataset.drawMethods.split(' ').includes(radio.value))
    if (revealed.length) radio.setAttribute('aria-controls', revealed.map((group) => group.id).join(' '))
  })
  const update = () => {
    const chosen = radios.find((radio) => radio.checked)
    groups.forEach((group) => {
      // A field with an error stays in view whatever is chosen, so its message is never hidden.
      const hasError = group.querySelector('.govuk-form-group--error') !== null
      group.hidden = !hasError && !(chosen && group.dataset.drawMethods.split(' ').includes(chosen.value))
    })
  }
  radios.forEach((radio) => radio.addEventListener('change', update))
  update()
}
