// The presets gallery: looks, face presets, transition packs and templates as animated previews
// (GET /v1/presets; files need the token, so they are fetched into object URLs when seen).

import { api, blobUrl } from './api.js';
import { announce, h } from './dom.js';
import { changed, state } from './spec.js';

const CATEGORIES = { '': 'All', look: 'Looks', face: 'Face', transition_pack: 'Transitions', template: 'Templates' };
const calm = matchMedia('(prefers-reduced-motion: reduce)');
export let presets = [];

/** Load each preview when its card scrolls into view, and play it only while seen. */
const seen = new IntersectionObserver((entries) => {
  for (const { target, isIntersecting } of entries) {
    if (isIntersecting) target.load?.();
    const video = target.querySelector('video');
    if (video && !calm.matches) (isIntersecting ? video.play().catch(() => {}) : video.pause());
  }
}, { rootMargin: '200px' });

function apply(preset) {
  if (preset.category === 'template') {
    const params = preset.parameters || {};
    const texts = Object.fromEntries((params.texts || []).map((t) => [t.key, t.default || '']));
    state.template = { id: preset.id, name: preset.name, texts };
  } else if (!state.preset.includes(preset.id)) {
    state.preset.push(preset.id);
  }
  announce(`${preset.name} applied`);
  changed(true);
}

function card(preset) {
  const art = h('div', { class: 'art' }, h('span', { class: 'placeholder' }, preset.preview_url ? 'Loading preview…' : 'No preview yet'));
  const li = h('li', { class: 'preset', dataset: { category: preset.category, id: preset.id } },
    art,
    h('h3', {}, preset.name),
    h('p', { class: 'meta' }, CATEGORIES[preset.category], preset.tags.length ? ` · ${preset.tags.join(', ')}` : ''),
    h('p', {}, preset.description),
    h('button', { type: 'button', class: 'small', 'aria-label': `Apply ${preset.name}`, onclick: () => applyById(preset.id) }, 'Apply'));
  li.load = async () => {
    li.load = null;
    try {
      if (preset.preview_url) {
        const video = h('video', {
          muted: true, loop: true, playsInline: true, autoplay: !calm.matches, preload: 'auto',
          src: await blobUrl(preset.preview_url), 'aria-label': `Preview of ${preset.name}`,
        });
        if (preset.thumbnail_url) video.poster = await blobUrl(preset.thumbnail_url);
        art.replaceChildren(video);
      } else if (preset.thumbnail_url) {
        art.replaceChildren(h('img', { src: await blobUrl(preset.thumbnail_url), alt: `Preview of ${preset.name}` }));
      }
    } catch {
      art.replaceChildren(h('span', { class: 'placeholder' }, 'Preview unavailable'));
    }
  };
  seen.observe(li);
  return li;
}

async function applyById(id) {
  const preset = presets.find((p) => p.id === id);
  if (preset.category === 'template' && !preset.parameters) {
    Object.assign(preset, await api(`/v1/presets/${id}`));
  }
  apply(preset);
}

function filter(category) {
  for (const li of document.querySelectorAll('#gallery > li')) {
    li.hidden = Boolean(category) && li.dataset.category !== category;
  }
}

export async function initPresets() {
  const chips = document.getElementById('preset-filter');
  chips.append(...Object.entries(CATEGORIES).map(([value, text]) => h('label', { class: 'chip' },
    h('input', { type: 'radio', name: 'category', value, checked: value === '', onchange: () => filter(value) }), text)));
  presets = (await api('/v1/presets')).items;
  document.getElementById('gallery').replaceChildren(...presets.map(card));
}
