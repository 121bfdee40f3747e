// DOM helpers: h() builds elements (text is always text, never HTML), plus accessible bits.

/** h('button', {type: 'button', onclick}, 'Label'): attributes, `on*` listeners, `dataset`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

let serial = 0;
export const uid = (prefix = 'id') => `${prefix}-${++serial}`;

/** A labelled control: <div class="field"><label for>text</label>control</div>. */
export function field(text, control, extra = 'field') {
  if (!control.id) control.id = uid('f');
  return h('div', { class: extra }, h('label', { for: control.id }, text), control);
}

/** Screen readers hear this once, politely or at once. */
export function announce(message) {
  const live = document.getElementById('announce');
  live.textContent = '';
  requestAnimationFrame(() => { live.textContent = message; });
}

export const seconds = (value) => (value == null ? '–' : `${Number(value).toFixed(1)} s`);

/** Replace an element's children, keeping focus on the element with the same data-focus key. */
export function replaceKeepingFocus(container, children) {
  const key = document.activeElement?.closest('[data-focus]')?.dataset.focus;
  container.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
  if (key) container.querySelector(`[data-focus="${CSS.escape(key)}"]`)?.focus();
}

const opened = new Set();
/** A <details> that stays open or closed across rebuilds of its view. */
export function disclosure(key, summary, ...content) {
  return h('details', {
    open: opened.has(key),
    ontoggle: (e) => (e.target.open ? opened.add(key) : opened.delete(key)),
  }, h('summary', { dataset: { focus: `summary-${key}` } }, summary), ...content);
}
