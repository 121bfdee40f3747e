// The edit being built, the request it becomes, and server problems shown at their controls.

import { h, uid } from './dom.js';

export const state = {
  clips: [],          // {key, media, in, out, duration, speed, fit, volume, transition, effects, face_effects, preset}
  effects: [],        // [{type, ...params}] for the whole video
  face_effects: [],
  overlays: [],       // [{key, text, start, end, position, size, color, box}]
  preset: [],         // preset ids for the whole video
  sound: null,        // {sound (SoundPublic), start, volume, tempo, pitch, fade_in, fade_out, loop}
  audio: { original_volume: 1, loudness: -14, ducking: false },
  sync: false,
  commercial: false,
  template: null,     // {id, name, texts: {key: value}} when a template drives the render
  output: { width: 1080, height: 1920 },
  draft: true,
};

const listeners = new Set();
export const onChange = (fn) => listeners.add(fn);
/** Something in `state` changed; `structure` means lists changed and views must be rebuilt. */
export function changed(structure = false) {
  for (const fn of listeners) fn(structure);
}

export function newClip(media) {
  return {
    key: uid('clip'), media, in: 0, out: null, duration: media.kind === 'image' ? 3 : null,
    speed: 1, fit: 'cover', volume: 1, transition: null, effects: [], face_effects: [], preset: [],
  };
}

const defined = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
const unless = (value, fallback) => (value === fallback ? undefined : value);

function clipSpec(clip, last) {
  const image = clip.media.kind === 'image';
  return defined({
    src: `media:${clip.media.id}`,
    in: image ? undefined : unless(clip.in, 0),
    out: image ? undefined : clip.out ?? undefined,
    duration: image ? clip.duration : undefined,
    speed: unless(clip.speed, 1),
    fit: unless(clip.fit, 'cover'),
    volume: unless(clip.volume, 1),
    effects: clip.effects.length ? clip.effects : undefined,
    face_effects: clip.face_effects.length ? clip.face_effects : undefined,
    transition: !last && clip.transition ? clip.transition : undefined,
    preset: clip.preset.length ? clip.preset : undefined,
  });
}

function soundSpec() {
  const s = state.sound;
  if (!s) return undefined;
  return defined({
    src: `sound:${s.sound.id}`, start: unless(s.start, 0), volume: unless(s.volume, 1),
    tempo: unless(s.tempo, 1), pitch: unless(s.pitch, 0), fade_in: unless(s.fade_in, 0),
    fade_out: unless(s.fade_out, 0), loop: unless(s.loop, false),
  });
}

export function buildSpec() {
  const { width, height } = state.output;
  return defined({
    version: 1,
    output: { width, height, fps: 30 },
    clips: state.clips.map((clip, i) => clipSpec(clip, i === state.clips.length - 1)),
    effects: state.effects.length ? state.effects : undefined,
    face_effects: state.face_effects.length ? state.face_effects : undefined,
    overlays: state.overlays.length
      ? state.overlays.map(({ key, ...overlay }) => defined({ type: 'text', ...overlay, end: overlay.end ?? undefined }))
      : undefined,
    audio: defined({
      original_volume: unless(state.audio.original_volume, 1),
      sound: soundSpec(),
      ducking: state.audio.ducking || undefined,
      loudness: state.audio.loudness,
    }),
    sync: state.sync ? 'beats' : undefined,
    commercial: state.commercial || undefined,
    preset: state.preset.length ? state.preset : undefined,
  });
}

/** The body of POST /v1/renders: a spec, or a template filled with the timeline's clips. */
export function buildRequest() {
  if (state.template) {
    return defined({
      template: state.template.id,
      clips: state.clips.map((clip) => `media:${clip.media.id}`),
      texts: Object.fromEntries(Object.entries(state.template.texts).filter(([, v]) => v)),
      sound: state.sound ? `sound:${state.sound.sound.id}` : undefined,
      draft: state.draft,
    });
  }
  return { spec: buildSpec(), draft: state.draft };
}

// --- server problems at their controls -------------------------------------------------------

/** The control a problem's field names: the exact `data-field`, else its nearest parent path.
 * A 403 names the source (`sound:<id>`, `media:<id>`) instead of a field. */
export function controlFor(field) {
  const byField = (f) => document.querySelector(`[data-field="${CSS.escape(f)}"]`);
  if (/^sound:/.test(field)) return byField('spec.audio.sound.src') || byField('sound');
  if (/^media:/.test(field)) {
    const i = state.clips.findIndex((c) => `media:${c.media.id}` === field);
    if (i >= 0) return byField(`spec.clips[${i}].src`);
  }
  let path = field;
  while (path) {
    const el = byField(path);
    if (el) return el;
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut <= 0) break;
    path = path.slice(0, cut);
  }
  return null;
}

export function clearProblems() {
  for (const el of document.querySelectorAll('.field-error')) el.remove();
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-errormessage');
    if (el.dataset.describedby) el.setAttribute('aria-describedby', el.dataset.describedby);
    else el.removeAttribute('aria-describedby');
  }
}

/** Show each problem beside its control; returns the problems no control was found for. */
export function showProblems(problems) {
  const unplaced = [];
  let first = null;
  for (const problem of problems) {
    const control = controlFor(problem.field);
    if (!control) { unplaced.push(problem); continue; }
    // open every collapsed panel on the way, so the control can be seen and focused
    for (let d = control.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
    const id = uid('err');
    const message = h('p', { class: 'field-error', id, role: 'alert' }, problem.reason);
    (control.closest('.field') || control).after(message);
    if (control.getAttribute('aria-invalid') !== 'true') control.dataset.describedby = control.getAttribute('aria-describedby') || '';
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-errormessage', id);
    control.setAttribute('aria-describedby', id);
    first = first || control;
  }
  if (first) {
    first.scrollIntoView({ block: 'center' });
    (first.matches('input, select, textarea, button') ? first : first.querySelector('input, select, button') || first).focus();
  }
  return unplaced;
}
