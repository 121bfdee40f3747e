// Controls built from the catalog (GET /v1/catalog): every parameter of every effect, face
// effect and transition, with its type, default and range, so the page can send all of them.

import { field, h } from './dom.js';
import { changed } from './spec.js';

export const catalog = { transitions: [], effects: [], face_effects: [], stickers: [], anchors: [], spec_schema: {} };
export const library = { images: [] };   // the user's ready images: stickers may be uploads

const HEX = '^#[0-9a-fA-F]{6}$';

function number(value) {
  return value === '' ? null : Number(value);
}

/** One parameter's control; `path` is its spec field (`spec.clips[0].effects[1].strength`). */
export function paramControl(name, schema, target, path) {
  const attrs = { dataset: { field: path, focus: path } };
  const value = target[name] ?? schema.default;
  const set = (v) => {
    if (v === null || v === undefined || v === '') delete target[name];
    else target[name] = v;
    changed();
  };
  let control;
  if (name === 'asset') {
    const choices = [...catalog.stickers, ...library.images.map((m) => `media:${m.id}`)];
    const label = (c) => (c.startsWith('media:') ? library.images.find((m) => `media:${m.id}` === c)?.filename || c : c);
    control = h('select', { ...attrs, onchange: (e) => set(e.target.value) },
      choices.map((c) => h('option', { value: c, selected: c === value }, label(c))));
    if (!target[name]) target[name] = choices[0];
  } else if (schema.enum) {
    control = h('select', { ...attrs, onchange: (e) => set(e.target.value || null) },
      schema.nullable || schema.default === undefined ? h('option', { value: '' }, '(default)') : null,
      schema.enum.map((c) => h('option', { value: c, selected: c === value }, String(c))));
  } else if (schema.type === 'boolean') {
    control = h('input', { ...attrs, type: 'checkbox', checked: Boolean(value), onchange: (e) => set(e.target.checked) });
  } else if (schema.type === 'string' && schema.pattern === HEX) {
    control = h('input', { ...attrs, type: 'color', value: value || '#ffffff', oninput: (e) => set(e.target.value) });
  } else if (schema.type === 'array' && schema.length) {
    const values = [...(value || Array(schema.length).fill(0))];
    const parts = values.map((v, i) => h('input', {
      type: 'number', step: 'any', value: v, 'aria-label': `${name} ${i + 1}`, dataset: { focus: `${path}.${i}` },
      oninput: (e) => { values[i] = Number(e.target.value); set([...values]); },
    }));
    control = h('span', { class: 'pair', ...attrs, role: 'group' }, parts);
  } else if (schema.type === 'number' || schema.type === 'integer') {
    control = h('input', {
      ...attrs, type: 'number', inputmode: 'decimal', step: schema.type === 'integer' ? 1 : 'any',
      min: schema.minimum ?? schema.exclusiveMinimum, max: schema.maximum, value: value ?? '',
      placeholder: schema.nullable ? 'default' : undefined, oninput: (e) => set(number(e.target.value)),
    });
  } else {
    control = h('input', { ...attrs, type: 'text', value: value ?? '', oninput: (e) => set(e.target.value) });
  }
  if (schema.description) control.title = schema.description;
  return field(name.replace(/_/g, ' '), control);
}

/**
 * An editable list of effects (`kind` 'effects' or 'face_effects') at spec path `path`:
 * each with its type, every parameter and a remove button; a picker adds one.
 */
export function effectList(list, kind, path, label) {
  // clip_only effects (background) work on a clip's own picture: not offered for the whole video.
  const items = path === 'spec.effects' ? catalog[kind].filter((x) => !x.clip_only) : catalog[kind];
  const rows = list.map((effect, i) => {
    const at = `${path}[${i}]`;
    const item = items.find((x) => x.name === effect.type) || { parameters: {} };
    return h('li', { class: 'effect', dataset: { field: at } },
      h('fieldset', {},
        h('legend', { tabindex: -1, dataset: { field: `${at}.type` } }, effect.type.replace(/_/g, ' ')),
        Object.entries(item.parameters).map(([name, schema]) => paramControl(name, schema, effect, `${at}.${name}`)),
        h('button', {
          type: 'button', class: 'ghost small', dataset: { focus: `${at}.remove` },
          'aria-label': `Remove ${effect.type} from ${label}`,
          onclick: () => { list.splice(i, 1); changed(true); },
        }, 'Remove')));
  });
  const picker = h('select', { 'aria-label': `${kind === 'effects' ? 'Effect' : 'Face effect'} to add to ${label}` },
    items.map((x) => h('option', { value: x.name, title: x.description }, x.name.replace(/_/g, ' '))));
  const add = h('button', {
    type: 'button', class: 'small', dataset: { focus: `${path}.add` },
    onclick: () => { list.push({ type: picker.value }); changed(true); },
  }, kind === 'effects' ? 'Add effect' : 'Add face effect');
  return h('div', { class: 'effects', dataset: { field: path } },
    h('ul', { class: 'effect-list' }, rows), h('div', { class: 'row' }, picker, add));
}

/** Transition to the next clip: a type (or none) and a duration. */
export function transitionControl(clip, path, label) {
  const current = clip.transition;
  const type = h('select', {
    dataset: { field: `${path}.type`, focus: `${path}.type` },
    onchange: (e) => {
      clip.transition = e.target.value ? { type: e.target.value, duration: clip.transition?.duration ?? 0.5 } : null;
      changed(true);
    },
  }, h('option', { value: '' }, 'Cut (none)'),
  catalog.transitions.map((t) => h('option', { value: t.name, selected: current?.type === t.name, title: t.description }, t.name)));
  const duration = h('input', {
    type: 'number', step: 0.05, min: 0.05, max: 3, value: current?.duration ?? 0.5, disabled: !current,
    dataset: { field: `${path}.duration`, focus: `${path}.duration` },
    oninput: (e) => { if (clip.transition) { clip.transition.duration = Number(e.target.value); changed(); } },
  });
  return h('div', { class: 'row', dataset: { field: path } },
    field(`Transition after ${label}`, type), field('seconds', duration));
}

/** The choices the spec schema gives for a field, e.g. enumOf('Clip', 'fit'). */
export function enumOf(model, name) {
  return catalog.spec_schema.$defs?.[model]?.properties?.[name]?.enum || [];
}
