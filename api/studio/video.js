// Whole-video settings: presets, effects, face effects, text overlays, the borrowed sound and
// the mix; and the template panel when a template drives the render.

import { disclosure, field, h, replaceKeepingFocus, uid } from './dom.js';
import { effectList, enumOf } from './forms.js';
import { changed, state } from './spec.js';
import { soundFacts } from './sounds.js';

function numberInput(target, key, path, attrs = {}) {
  return h('input', {
    type: 'number', inputmode: 'decimal', step: 'any', value: target[key] ?? '', ...attrs,
    dataset: { field: path, focus: path },
    oninput: (e) => { target[key] = e.target.value === '' ? null : Number(e.target.value); changed(); },
  });
}

function checkbox(target, key, path, text) {
  const box = h('input', {
    type: 'checkbox', checked: Boolean(target[key]), dataset: { field: path, focus: path },
    onchange: (e) => { target[key] = e.target.checked; changed(); },
  });
  return h('label', { class: 'check' }, box, ` ${text}`);
}

function overlayEditor(overlay, i) {
  const at = `spec.overlays[${i}]`;
  const text = h('input', {
    type: 'text', value: overlay.text, maxlength: 500, required: true, dataset: { field: `${at}.text`, focus: `${at}.text` },
    oninput: (e) => { overlay.text = e.target.value; changed(); },
  });
  const position = h('select', {
    dataset: { field: `${at}.position`, focus: `${at}.position` },
    onchange: (e) => { overlay.position = e.target.value; changed(); },
  }, enumOf('TextOverlay', 'position').map((p) => h('option', { value: p, selected: overlay.position === p }, p)));
  const color = h('input', {
    type: 'color', value: overlay.color, dataset: { field: `${at}.color`, focus: `${at}.color` },
    oninput: (e) => { overlay.color = e.target.value; changed(); },
  });
  return h('li', { class: 'overlay', dataset: { field: at } },
    h('fieldset', {}, h('legend', {}, `Text ${i + 1}`),
      field('Text', text),
      h('div', { class: 'row' },
        field('Start (s)', numberInput(overlay, 'start', `${at}.start`, { min: 0 })),
        field('End (s)', numberInput(overlay, 'end', `${at}.end`, { min: 0, placeholder: 'video end' })),
        field('Position', position)),
      h('div', { class: 'row' },
        field('Size', numberInput(overlay, 'size', `${at}.size`, { min: 0.3, max: 3, step: 0.1 })),
        field('Colour', color),
        checkbox(overlay, 'box', `${at}.box`, 'Box behind')),
      h('button', {
        type: 'button', class: 'ghost small', 'aria-label': `Remove text ${i + 1}`,
        onclick: () => { state.overlays.splice(i, 1); changed(true); },
      }, 'Remove')));
}

function soundPanel() {
  const s = state.sound;
  if (!s) {
    return h('div', { class: 'borrowed', dataset: { field: 'spec.audio.sound.src' } },
      h('p', { class: 'empty' }, 'No sound yet: borrow one from Sounds.'));
  }
  const at = 'spec.audio.sound';
  return h('div', { class: 'borrowed', dataset: { field: `${at}.src` }, tabindex: -1, 'aria-label': `Sound: ${s.sound.title}` },
    soundFacts(s.sound),
    h('div', { class: 'row' },
      field('Start in sound (s)', numberInput(s, 'start', `${at}.start`, { min: 0 })),
      field('Volume', numberInput(s, 'volume', `${at}.volume`, { min: 0, max: 4, step: 0.1 })),
      field('Tempo', numberInput(s, 'tempo', `${at}.tempo`, { min: 0.5, max: 2, step: 0.05 })),
      field('Pitch (semitones)', numberInput(s, 'pitch', `${at}.pitch`, { min: -12, max: 12, step: 1 }))),
    h('div', { class: 'row' },
      field('Fade in (s)', numberInput(s, 'fade_in', `${at}.fade_in`, { min: 0, max: 10, step: 0.1 })),
      field('Fade out (s)', numberInput(s, 'fade_out', `${at}.fade_out`, { min: 0, max: 10, step: 0.1 })),
      checkbox(s, 'loop', `${at}.loop`, 'Loop')),
    h('button', { type: 'button', class: 'ghost small', onclick: () => { state.sound = null; changed(true); } }, 'Remove sound'));
}

function presetTags(list, path, label) {
  return h('div', { dataset: { field: path } },
    h('ul', { class: 'tags', 'aria-label': label }, list.map((id, i) => h('li', {}, id, h('button', {
      type: 'button', class: 'ghost small', 'aria-label': `Remove preset ${id}`,
      onclick: () => { list.splice(i, 1); changed(true); },
    }, '×')))));
}

function templatePanel() {
  const t = state.template;
  if (!t) return [];
  const texts = Object.keys(t.texts).map((key) => field(`Text “${key}”`, h('input', {
    type: 'text', value: t.texts[key], maxlength: 500, dataset: { field: `texts.${key}`, focus: `texts.${key}` },
    oninput: (e) => { t.texts[key] = e.target.value; changed(); },
  })));
  return [h('div', { class: 'template', dataset: { field: 'template' }, role: 'group', 'aria-label': `Template ${t.name}` },
    h('p', {}, h('strong', {}, `Template: ${t.name}. `), 'The timeline\'s clips fill its slots, cut on the sound\'s beats; other edits are not sent.'),
    texts,
    h('button', { type: 'button', class: 'ghost small', onclick: () => { state.template = null; changed(true); } }, 'Stop using the template'))];
}

export function renderVideoPanel() {
  const panel = document.getElementById('video-panel');
  const add = h('button', {
    type: 'button', class: 'small', dataset: { focus: 'add-text' },
    onclick: () => {
      state.overlays.push({ key: uid('text'), text: 'Your text', start: 0, end: null, position: 'bottom', size: 1, color: '#ffffff', box: false });
      changed(true);
      const inputs = panel.querySelectorAll('.overlay input[type=text]');
      inputs[inputs.length - 1]?.select();
    },
  }, 'Add text');
  replaceKeepingFocus(panel, [
    h('h3', {}, 'Whole video'),
    state.preset.length ? presetTags(state.preset, 'spec.preset', 'Presets on the whole video') : null,
    disclosure('effects', `Effects (${state.effects.length})`, effectList(state.effects, 'effects', 'spec.effects', 'the whole video')),
    disclosure('face_effects', `Face effects (${state.face_effects.length})`, effectList(state.face_effects, 'face_effects', 'spec.face_effects', 'the whole video')),
    h('h3', {}, 'Text'),
    h('ol', { class: 'overlays', dataset: { field: 'spec.overlays' } }, state.overlays.map(overlayEditor)), add,
    h('h3', {}, 'Sound'),
    soundPanel(),
    disclosure('mix', 'Mix',
      h('div', { class: 'row', dataset: { field: 'spec.audio' } },
        field('Clips\' own volume', numberInput(state.audio, 'original_volume', 'spec.audio.original_volume', { min: 0, max: 4, step: 0.1 })),
        field('Loudness (LUFS)', numberInput(state.audio, 'loudness', 'spec.audio.loudness', { min: -40, max: -5, placeholder: 'untouched' })),
        checkbox(state.audio, 'ducking', 'spec.audio.ducking', 'Duck the sound under speech'),
        checkbox(state, 'sync', 'spec.sync', 'Cut on the beats'),
        checkbox(state, 'commercial', 'spec.commercial', 'Commercial use'))),
  ]);
  replaceKeepingFocus(document.getElementById('template-panel'), templatePanel());
}
