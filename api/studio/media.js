// Media: uploads by drop or picker (a progress bar per file, the server's reason when rejected)
// and the library of ready uploads, from which clips join the timeline.

import { api, upload } from './api.js';
import { announce, h, seconds } from './dom.js';
import { library as formLibrary } from './forms.js';
import { publishForm } from './sounds.js';
import { changed, newClip, state } from './spec.js';

const ready = new Map();   // media id -> media (ready only)

function addClip(media) {
  state.clips.push(newClip(media));
  announce(`${media.filename} added as clip ${state.clips.length}`);
  changed(true);
}

function libraryItem(media) {
  const actions = [];
  if (media.kind !== 'audio') {
    actions.push(h('button', { type: 'button', class: 'small', 'aria-label': `Add ${media.filename} to the timeline`, onclick: () => addClip(media) }, 'Add to timeline'));
  }
  let form = null;
  if (media.kind === 'audio' || media.has_audio) {
    actions.push(h('button', {
      type: 'button', class: 'ghost small', 'aria-label': `Make a sound of ${media.filename}`,
      onclick: (e) => {
        e.target.disabled = true;
        form = publishForm(media);
        e.target.closest('li').append(form);
        form.querySelector('input').focus();
      },
    }, 'Make a sound'));
  }
  const art = media.thumbnail_url ? h('img', { src: media.thumbnail_url, alt: '', class: 'thumb' }) : h('span', { class: `thumb ${media.kind}` }, media.kind === 'audio' ? '♪' : '');
  return h('li', { class: 'media', dataset: { media: media.id } }, art,
    h('span', { class: 'media-name' }, h('strong', {}, media.filename), h('small', {}, `${media.kind} · ${media.kind === 'image' ? `${media.width}×${media.height}` : seconds(media.duration)}`)),
    h('span', { class: 'row' }, actions));
}

function addToLibrary(media) {
  if (media.status !== 'ready' || ready.has(media.id)) return;
  ready.set(media.id, media);
  if (media.kind === 'image') formLibrary.images.push(media);
  document.getElementById('library').prepend(libraryItem(media));
}

async function uploadOne(file) {
  const bar = h('progress', { max: 100, value: 0, 'aria-label': `Upload of ${file.name}` });
  const note = h('span', { class: 'status' }, 'Uploading…');
  const row = h('li', { class: 'upload' }, h('strong', {}, file.name), bar, note);
  document.getElementById('uploads').append(row);
  try {
    const media = await upload(file, (fraction) => {
      bar.value = Math.round(fraction * 100);
      if (fraction >= 1) note.textContent = 'Checking…';
    });
    if (media.status === 'rejected') {
      row.classList.add('rejected');
      note.replaceWith(h('span', { class: 'error', role: 'alert' }, `Rejected: ${media.reason}`));
      return;
    }
    row.classList.add('done');
    note.textContent = media.status === 'ready' ? 'Ready' : media.status;
    addToLibrary(media);
  } catch (err) {
    row.classList.add('rejected');
    note.replaceWith(h('span', { class: 'error', role: 'alert' }, `Not uploaded: ${err.message}`));
  }
}

export function initMedia() {
  const input = document.getElementById('files');
  const drop = document.getElementById('drop');
  const take = (files) => [...files].forEach(uploadOne);
  input.addEventListener('change', () => { take(input.files); input.value = ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); take(e.dataTransfer.files); });
  return api('/v1/media?limit=200').then((body) => body.items.reverse().forEach(addToLibrary));
}
