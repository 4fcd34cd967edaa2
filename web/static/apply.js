// The public application form: only the chosen type's fields are shown and sent (the others are
// disabled, so their inputs and files stay out of the request). Without scripts every field shows and
// the server takes the chosen type's only.
const select = document.getElementById("apply-type");

function showChosen() {
  for (const set of document.querySelectorAll(".type-fields")) {
    const chosen = set.dataset.type === select.value;
    set.hidden = !chosen;
    set.disabled = !chosen;
  }
}

if (select) {
  select.addEventListener("change", showChosen);
  showChosen();
}
