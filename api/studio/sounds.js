// Sounds: trending, search and one's own; credits, licence and reuse; preview playback;
// borrow into the edit, remix into a new sound, publish an uploaded audio file as a sound.

import { api } from './api.js';
import { announce, field, h, seconds } from './dom.js';
import { changed, state } from './spec.js';

const LICENSES = ['original', 'cc0', 'cc-by', 'cc-by-nc'];
const list = () => document.getElementById('sound-list');
const status = (text) => { document.getElementById('sound-status').textContent = text; };

/** Title, owner, licence, reuse, credits and a player: the same block in lists and in the edit. */
export function soundFacts(sound) {
  const tempo = sound.analysis?.tempo;
  return h('div', { class: 'sound-facts' },
    h('p', { class: 'sound-title' }, h('strong', {}, sound.title), ` by @${sound.owner}`),
    h('p', { class: 'meta' },
      h('span', {}, seconds(sound.duration)),
      tempo ? h('span', {}, `${Math.round(tempo)} BPM`) : null,
      h('span', { class: 'licence' }, `Licence: ${sound.license}`),
      h('span', { class: sound.allow_reuse ? 'badge ok' : 'badge no' }, sound.allow_reuse ? 'Reuse allowed' : 'Reuse not allowed'),
      h('span', {}, `${sound.usage_count} use${sound.usage_count === 1 ? '' : 's'}`)),
    sound.credits.length
      ? h('ul', { class: 'credits', 'aria-label': `Credits of ${sound.title}` }, sound.credits.map((c) => h('li', {}, c.text || `${c.title} by @${c.owner}`)))
      : null,
    sound.preview_url
      ? h('audio', { controls: true, preload: 'none', src: sound.preview_url, 'aria-label': `Listen to ${sound.title}` })
      : h('p', { class: 'hint' }, 'No preview for this sound.'));
}

export function borrow(sound) {
  state.sound = { sound, start: 0, volume: 1, tempo: 1, pitch: 0, fade_in: 0, fade_out: 0, loop: false };
  announce(`${sound.title} by @${sound.owner} is the sound of your video`);
  changed(true);
}

function remixForm(sound, card) {
  const ops = { start: 0, end: null, tempo: 1, pitch: 0, fade_in: 0, fade_out: 0, volume: 1 };
  const num = (key, text, attrs) => field(text, h('input', {
    type: 'number', step: 'any', value: ops[key] ?? '', ...attrs, dataset: { field: `ops.${key}` },
    oninput: (e) => { ops[key] = e.target.value === '' ? null : Number(e.target.value); },
  }));
  const title = h('input', { type: 'text', value: `${sound.title} (remix)`, maxlength: 200, dataset: { field: 'title' } });
  const license = h('select', { dataset: { field: 'license' } }, LICENSES.map((l) => h('option', { value: l }, l)));
  const reuse = h('input', { type: 'checkbox' });
  const publish = h('input', { type: 'checkbox' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'remix', 'aria-label': `Remix ${sound.title}`,
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        const made = await api(`/v1/sounds/${sound.id}/remix`, {
          method: 'POST',
          body: { title: title.value, ops: Object.fromEntries(Object.entries(ops).filter(([, v]) => v !== null)), license: license.value, allow_reuse: reuse.checked, published: publish.checked },
        });
        form.replaceWith(h('p', { class: 'ok', role: 'status' }, `Made “${made.title}”.`));
        list().prepend(soundCard(made));
      } catch (err) {
        error.textContent = err.problems.length ? err.problems.map((p) => `${p.field}: ${p.reason}`).join('; ') : err.message;
      }
    },
  },
  field('New title', title),
  h('div', { class: 'row' }, num('start', 'From (s)', { min: 0 }), num('end', 'To (s)', { min: 0, placeholder: 'end' }),
    num('tempo', 'Tempo', { min: 0.5, max: 2, step: 0.05 }), num('pitch', 'Pitch', { min: -12, max: 12, step: 1 })),
  h('div', { class: 'row' }, num('fade_in', 'Fade in', { min: 0, max: 10 }), num('fade_out', 'Fade out', { min: 0, max: 10 }),
    num('volume', 'Volume', { min: 0, max: 4, step: 0.1 }), field('Licence', license)),
  h('div', { class: 'row' }, h('label', { class: 'check' }, reuse, ' Allow reuse'), h('label', { class: 'check' }, publish, ' Publish')),
  h('button', { type: 'submit' }, 'Make the remix'), error);
  return form;
}

export function soundCard(sound) {
  const card = h('li', { class: 'sound', dataset: { sound: sound.id } }, soundFacts(sound));
  const actions = h('div', { class: 'row sound-actions' },
    h('button', { type: 'button', onclick: () => borrow(sound), 'aria-label': `Borrow ${sound.title} by @${sound.owner}` }, 'Borrow'),
    h('button', {
      type: 'button', class: 'ghost', 'aria-label': `Remix ${sound.title} by @${sound.owner}`,
      onclick: (e) => { e.target.disabled = true; const form = remixForm(sound, card); card.append(form); form.querySelector('input').focus(); },
    }, 'Remix'));
  card.append(actions);
  return card;
}

async function show(path, what) {
  status(`Loading ${what}…`);
  try {
    const body = await api(path);
    const sounds = body.items.map((item) => item.sound || item);
    list().replaceChildren(...sounds.map(soundCard));
    status(sounds.length ? `${sounds.length} ${what}.` : `No ${what}.`);
  } catch (err) {
    status(`Could not load ${what}: ${err.message}`);
  }
}

export const showTrending = () => show('/v1/sounds/trending', 'trending sounds');
export const showMine = () => show('/v1/sounds', 'sounds of yours');

/** "Make a sound" on an audio upload: POST /v1/sounds, then it is the edit's sound. */
export function publishForm(media) {
  const title = h('input', { type: 'text', value: media.filename.replace(/\.[^.]+$/, ''), maxlength: 200, required: true });
  const license = h('select', {}, LICENSES.map((l) => h('option', { value: l }, l)));
  const reuse = h('input', { type: 'checkbox', checked: true });
  const publish = h('input', { type: 'checkbox', checked: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'publish', 'aria-label': `Make a sound of ${media.filename}`,
    onsubmit: async (e) => {
      e.preventDefault();
      const button = form.querySelector('button');
      button.disabled = true;
      error.textContent = '';
      try {
        const sound = await api('/v1/sounds', {
          method: 'POST',
          body: { media_id: media.id, title: title.value, license: license.value, allow_reuse: reuse.checked, published: publish.checked },
        });
        form.replaceWith(h('p', { class: 'ok', role: 'status' }, `“${sound.title}” is a sound now, and the sound of your video.`));
        borrow(sound);
      } catch (err) {
        error.textContent = err.message;
        button.disabled = false;
      }
    },
  },
  field('Sound title', title), field('Licence', license),
  h('label', { class: 'check' }, reuse, ' Allow reuse'), h('label', { class: 'check' }, publish, ' Publish'),
  h('button', { type: 'submit', class: 'small' }, 'Make a sound'), error);
  return form;
}

export function initSounds() {
  document.getElementById('sound-search').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = document.getElementById('sound-q').value.trim();
    if (q) show(`/v1/sounds/search?q=${encodeURIComponent(q)}`, `sounds matching “${q}”`);
  });
  document.getElementById('sound-trending').addEventListener('click', showTrending);
  document.getElementById('sound-mine').addEventListener('click', showMine);
  showTrending();
}
