// Progressive enhancement: hide a conditional question until the answer it depends on is given.
// Without JavaScript every question shows, with a note saying when to answer it; the server
// drops answers to questions whose condition is not met. With it, each answer that reveals a
// question points at it with aria-controls, as the GOV.UK conditional-reveal pattern does, and
// the note stays as the question's hint. No aria-expanded: ARIA does not allow it on a radio or
// checkbox (axe's aria-allowed-attr), which is why GOV.UK Frontend dropped it there too.
const form = document.querySelector('.app-audit-form')

if (form) {
  const conditionals = Array.from(form.querySelectorAll('.app-conditional'))
  const inputsOf = (name) => Array.from(form.querySelectorAll(`[name="${name}"]`))
  const answersTo = (name) => inputsOf(name)
    .filter((input) => (input.type === 'radio' || input.type === 'checkbox') ? input.checked : input.value)
    .map((input) => input.value)
  conditionals.forEach((question) => {
    const wanted = JSON.parse(question.dataset.showWhenIn)
    inputsOf(question.dataset.showWhenQuestion)
      .filter((input) => wanted.includes(input.value) || input.tagName === 'SELECT')
      .forEach((input) => {
        const controls = (input.getAttribute('aria-controls') || '').split(' ').filter(Boolean)
        input.setAttribute('aria-controls', [...controls, question.id].join(' '))
      })
  })
  const update = () => {
    conditionals.forEach((question) => {
      const wanted = JSON.parse(question.dataset.showWhenIn)
      const shown = answersTo(question.dataset.showWhenQuestion).some((answer) => wanted.includes(answer))
      question.hidden = !shown
    })
  }
  form.addEventListener('change', update)
  update()
}
