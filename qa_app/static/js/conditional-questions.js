// Progressive enhancement: hide a conditional question until the answer it depends on is given.
// Without JavaScript every question shows, with a note saying when to answer it; the server
// drops answers to questions whose condition is not met.
const form = document.querySelector('.app-audit-form')

if (form) {
  const conditionals = form.querySelectorAll('.app-conditional')
  const answersTo = (name) => Array.from(form.querySelectorAll(`[name="${name}"]`))
    .filter((input) => (input.type === 'radio' || input.type === 'checkbox') ? input.checked : input.value)
    .map((input) => input.value)
  const update = () => {
    conditionals.forEach((question) => {
      const wanted = JSON.parse(question.dataset.showWhenIn)
      const shown = answersTo(question.dataset.showWhenQuestion).some((answer) => wanted.includes(answer))
      question.hidden = !shown
      question.querySelector('.app-conditional__note').hidden = true
    })
  }
  form.addEventListener('change', update)
  update()
}
