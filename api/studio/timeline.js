// The timeline: clips in order (drag by the handle, or Alt+↑/↓ on it), each with a trim
// scrubber over its frames, speed, fit, volume, effects, face effects, presets and a transition.

import { announce, field, h, replaceKeepingFocus, seconds } from './dom.js';
import { effectList, enumOf, transitionControl } from './forms.js';
import { presets } from './presets.js';
import { changed, state } from './spec.js';

const open = new Set();   // clip keys whose editor is expanded (kept across rebuilds)

export function moveClip(from, to) {
  if (to < 0 || to >= state.clips.length || from === to) return;
  const [clip] = state.clips.splice(from, 1);
  state.clips.splice(to, 0, clip);
  announce(`${clip.media.filename} is now clip ${to + 1} of ${state.clips.length}`);
  changed(true);
}

/** Pointer dragging (mouse and touch alike): the item follows the pointer between its siblings.
 * Moves are followed on the window: moving the item in the DOM would drop a pointer capture. */
function dragHandle(handle, li, index) {
  handle.addEventListener('pointerdown', (down) => {
    if (down.button !== 0) return;
    down.preventDefault();
    const list = li.parentElement;
    li.classList.add('dragging');
    let target = index;
    const move = (event) => {
      const others = [...list.children].filter((x) => x !== li);
      const after = others.findIndex((x) => event.clientY < x.getBoundingClientRect().top + x.offsetHeight / 2);
      target = after === -1 ? others.length : after;
      if (list.children[target] !== li) list.insertBefore(li, others[target] || null);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      window.removeEventListener('pointercancel', up);
      li.classList.remove('dragging');
      moveClip(index, target);
      document.querySelector(`[data-focus="handle-${CSS.escape(li.dataset.key)}"]`)?.focus();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
    window.addEventListener('pointercancel', up);
  });
  handle.addEventListener('keydown', (event) => {
    if (!event.altKey || !['ArrowUp', 'ArrowDown'].includes(event.key)) return;
    event.preventDefault();
    moveClip(index, index + (event.key === 'ArrowUp' ? -1 : 1));
  });
}

/** Frames of the clip drawn across a canvas (at most 10, each cropped to fill its tile), read by
 * seeking a muted copy of the media. */
async function drawFilmstrip(canvas, media) {
  const ctx = canvas.getContext('2d');
  canvas.width = canvas.clientWidth * devicePixelRatio || 320;
  canvas.height = canvas.clientHeight * devicePixelRatio || 56;
  const video = h('video', { muted: true, preload: 'auto', playsInline: true, src: media.url });
  await new Promise((ok, fail) => { video.onloadeddata = ok; video.onerror = fail; });
  const aspect = video.videoWidth / video.videoHeight || 9 / 16;
  const count = Math.min(10, Math.max(1, Math.round(canvas.width / (canvas.height * aspect))));
  const tile = canvas.width / count;
  const sw = Math.min(video.videoWidth, (video.videoHeight * tile) / canvas.height);
  const sh = (sw * canvas.height) / tile;
  for (let i = 0; i < count; i += 1) {
    video.currentTime = ((i + 0.5) / count) * media.duration;
    await new Promise((ok) => { video.onseeked = ok; });
    ctx.drawImage(video, (video.videoWidth - sw) / 2, (video.videoHeight - sh) / 2, sw, sh, i * tile, 0, tile, canvas.height);
  }
  video.removeAttribute('src');
  video.load();
}

function trimmer(clip, i) {
  const media = clip.media;
  const at = `spec.clips[${i}]`;
  const end = media.duration || 0;
  const canvas = h('canvas', { class: 'filmstrip', 'aria-hidden': 'true' });
  const kept = h('div', { class: 'kept' });
  const peek = h('video', { class: 'peek', muted: true, playsInline: true, preload: 'metadata', src: media.url, 'aria-label': `Frame at the trim point of ${media.filename}` });
  const label = h('output', { class: 'status' });
  const paint = () => {
    const out = clip.out ?? end;
    kept.style.left = `${(clip.in / end) * 100}%`;
    kept.style.width = `${((out - clip.in) / end) * 100}%`;
    label.textContent = `${seconds(clip.in)} → ${seconds(out)} (${seconds((out - clip.in) / clip.speed)} at ${clip.speed}×)`;
  };
  const handle = (name, value) => h('input', {
    type: 'range', min: 0, max: end, step: 0.05, value, class: `handle ${name}`,
    'aria-label': `Trim ${name === 'in' ? 'start' : 'end'} of ${media.filename}`,
    dataset: { field: `${at}.${name}`, focus: `${at}.${name}` },
    oninput: (e) => {
      let v = Number(e.target.value);
      if (name === 'in') { v = Math.min(v, (clip.out ?? end) - 0.1); clip.in = Math.max(0, v); } else {
        v = Math.max(v, clip.in + 0.1);
        clip.out = v >= end - 0.01 ? null : v;
      }
      e.target.value = v;
      peek.currentTime = v;
      paint();
      changed();
    },
  });
  const strip = h('div', { class: 'scrub' }, canvas, kept, handle('in', clip.in), handle('out', clip.out ?? end));
  paint();
  canvas.draw = () => {  // once, when first seen (a closed editor has no size to draw at)
    canvas.draw = null;
    drawFilmstrip(canvas, media).catch(() => canvas.classList.add('failed'));
  };
  return h('div', { class: 'trim' }, h('p', { class: 'label' }, 'Trim'), strip, label, peek);
}

/** Looks and face presets apply to one clip too (templates and transition packs are whole-video). */
function clipPresetPicker(clip, name) {
  const choices = presets.filter((p) => ['look', 'face'].includes(p.category) && !clip.preset.includes(p.id));
  const picker = h('select', { 'aria-label': `Preset to add to ${name}` },
    choices.map((p) => h('option', { value: p.id }, `${p.name} (${p.category})`)));
  return h('div', { class: 'row' }, picker, h('button', {
    type: 'button', class: 'small', disabled: !choices.length,
    onclick: () => { clip.preset.push(picker.value); changed(true); },
  }, 'Add preset'));
}

function clipEditor(clip, i) {
  const at = `spec.clips[${i}]`;
  const name = `clip ${i + 1}`;
  const num = (key, attrs) => h('input', {
    type: 'number', inputmode: 'decimal', value: clip[key] ?? '', step: 'any', ...attrs,
    dataset: { field: `${at}.${key}`, focus: `${at}.${key}` },
    oninput: (e) => { clip[key] = e.target.value === '' ? null : Number(e.target.value); changed(); },
  });
  const fit = h('select', {
    dataset: { field: `${at}.fit`, focus: `${at}.fit` },
    onchange: (e) => { clip.fit = e.target.value; changed(); },
  }, enumOf('Clip', 'fit').map((f) => h('option', { value: f, selected: clip.fit === f }, f.replace('_', ' '))));
  const chosen = clip.preset.map((id, p) => h('li', {},
    id, h('button', {
      type: 'button', class: 'ghost small', 'aria-label': `Remove preset ${id} from ${name}`,
      onclick: () => { clip.preset.splice(p, 1); changed(true); },
    }, '×')));
  return h('div', { class: 'clip-editor' },
    clip.media.kind === 'image'
      ? field('Duration (s)', num('duration', { min: 0.1, max: 600 }))
      : trimmer(clip, i),
    h('div', { class: 'row' },
      field('Speed', num('speed', { min: 0.25, max: 4, step: 0.05 })),
      field('Fit', fit),
      field('Volume', num('volume', { min: 0, max: 4, step: 0.1 }))),
    h('h4', {}, 'Effects'), effectList(clip.effects, 'effects', `${at}.effects`, name),
    h('h4', {}, 'Face effects'), effectList(clip.face_effects, 'face_effects', `${at}.face_effects`, name),
    h('h4', {}, 'Presets on this clip'),
    h('div', { dataset: { field: `${at}.preset` } }, h('ul', { class: 'tags' }, chosen), clipPresetPicker(clip, name)),
    i < state.clips.length - 1 ? transitionControl(clip, `${at}.transition`, name) : null);
}

function clipItem(clip, i) {
  const at = `spec.clips[${i}]`;
  const label = `${clip.media.filename}, clip ${i + 1} of ${state.clips.length}`;
  const grip = h('button', {
    type: 'button', class: 'grip', 'aria-label': `Move ${label}`, 'aria-describedby': 'timeline-hint',
    dataset: { focus: `handle-${clip.key}` },
  }, '⋮⋮');
  const toggle = (e) => {
    if (!e.target.open) return open.delete(clip.key);
    open.add(clip.key);
    e.target.querySelector('canvas.filmstrip')?.draw?.();
  };
  const details = h('details', { open: open.has(clip.key), ontoggle: toggle },
    h('summary', { dataset: { focus: `edit-${clip.key}` } }, `Edit clip ${i + 1}`),
    clipEditor(clip, i));
  const length = clip.media.kind === 'image' ? clip.duration : ((clip.out ?? clip.media.duration) - clip.in) / clip.speed;
  const li = h('li', { class: 'clip', dataset: { field: `${at}.src`, key: clip.key } },
    h('div', { class: 'clip-head', dataset: { field: at } },
      grip,
      clip.media.thumbnail_url ? h('img', { src: clip.media.thumbnail_url, alt: '', class: 'thumb' }) : h('span', { class: 'thumb' }),
      h('span', { class: 'clip-name' }, h('strong', {}, `${i + 1}. ${clip.media.filename}`), h('small', {}, `${seconds(length)}${clip.transition && i < state.clips.length - 1 ? ` · ${clip.transition.type}` : ''}`)),
      h('span', { class: 'clip-actions' },
        h('button', { type: 'button', class: 'ghost small', disabled: i === 0, 'aria-label': `Move ${label} up`, dataset: { focus: `up-${clip.key}` }, onclick: () => moveClip(i, i - 1) }, '↑'),
        h('button', { type: 'button', class: 'ghost small', disabled: i === state.clips.length - 1, 'aria-label': `Move ${label} down`, dataset: { focus: `down-${clip.key}` }, onclick: () => moveClip(i, i + 1) }, '↓'),
        h('button', { type: 'button', class: 'ghost small', 'aria-label': `Remove ${label}`, onclick: () => { state.clips.splice(i, 1); changed(true); } }, '✕'))),
    details);
  dragHandle(grip, li, i);
  return li;
}

export function renderTimeline() {
  replaceKeepingFocus(document.getElementById('timeline'), state.clips.map(clipItem));
  document.getElementById('timeline-empty').hidden = state.clips.length > 0;
}
