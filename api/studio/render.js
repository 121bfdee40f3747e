// Render: submit with an Idempotency-Key, follow the progress, play the result with its credits,
// download it, cancel it; server problems go to the controls they name.

import { api, ApiError } from './api.js';
import { announce, h, seconds } from './dom.js';
import { buildRequest, changed, clearProblems, showProblems, state } from './spec.js';

const $ = (id) => document.getElementById(id);
let current = null;        // the render being followed
let pending = null;        // {body, key}: a submission that got no answer is retried with its key

function setProgress(fraction, text) {
  $('render-progress').value = Math.round(fraction * 100);
  $('render-status').textContent = text;
}

function showErrors(err) {
  clearProblems();
  const unplaced = showProblems(err.problems || []);
  const summary = err.status === 403 ? 'Not allowed' : err.status === 422 ? 'Fix these and render again' : 'The render was refused';
  $('render-errors').replaceChildren(h('div', {},
    h('p', {}, h('strong', {}, `${summary}: `), err.message),
    unplaced.length ? h('ul', {}, unplaced.map((p) => h('li', {}, `${p.field}: ${p.reason}`))) : null));
}

function playResult(render) {
  const video = $('result-video');
  video.src = render.output_url;
  $('result-download').href = render.output_url;
  $('result-credits').replaceChildren(...(render.credits.length
    ? [h('h3', {}, 'Credits'), h('ul', {}, render.credits.map((c) => h('li', {}, c.text || `${c.title} by @${c.owner}`)))]
    : []),
  ...render.warnings.map((w) => h('p', { class: 'hint' }, w)));
  $('result').hidden = false;
}

/** A progressive preview, where the server offers one (`preview_url` while running). */
function playPreview(render) {
  const video = $('result-video');
  if (!render.preview_url || video.dataset.preview === render.preview_url) return;
  const hls = /\.m3u8(\?|$)/.test(render.preview_url);
  if (hls && !video.canPlayType('application/vnd.apple.mpegurl')) return;
  video.dataset.preview = render.preview_url;
  video.src = render.preview_url;
  $('result').hidden = false;
}

async function follow(id) {
  while (current === id) {
    let render;
    try {
      render = await api(`/v1/renders/${id}`);
    } catch (err) {
      setProgress(0, `Lost track of the render: ${err.message}`);
      await new Promise((ok) => setTimeout(ok, 2000));
      continue;
    }
    if (current !== id) return;
    const percent = Math.round(render.progress * 100);
    if (render.status === 'queued') setProgress(0, 'Queued…');
    else if (render.status === 'running') { setProgress(render.progress, `Rendering… ${percent} %`); playPreview(render); }
    if (['succeeded', 'failed', 'cancelled'].includes(render.status)) {
      $('render-cancel').hidden = true;
      $('render-go').disabled = false;
      current = null;
      if (render.status === 'succeeded') {
        setProgress(1, `Done: 100 %, ${seconds(render.duration)}`);
        playResult(render);
        announce('Your video is ready');
      } else if (render.status === 'failed') {
        setProgress(render.progress, `Failed: ${render.error?.message || 'unknown error'}`);
        showErrors(new ApiError(500, render.error || {}));
      } else {
        setProgress(render.progress, 'Cancelled.');
      }
      return;
    }
    await new Promise((ok) => setTimeout(ok, 400));
  }
}

async function submit() {
  clearProblems();
  $('render-errors').replaceChildren();
  if (!state.clips.length) {
    showErrors(new ApiError(422, { message: 'add at least one clip', problems: [{ field: 'spec.clips', reason: 'add at least one clip from your library' }] }));
    return;
  }
  const body = buildRequest();
  const text = JSON.stringify(body);
  if (pending?.text !== text) pending = { text, key: crypto.randomUUID() };
  $('render-go').disabled = true;
  setProgress(0, 'Submitting…');
  const video = $('result-video');
  video.removeAttribute('src');
  delete video.dataset.preview;
  $('result').hidden = true;
  try {
    const accepted = await api('/v1/renders', { method: 'POST', body, headers: { 'Idempotency-Key': pending.key } });
    pending = null;
    current = accepted.id;
    $('render-cancel').hidden = false;
    follow(accepted.id);
  } catch (err) {
    $('render-go').disabled = false;
    if (err.status) pending = null;  // answered: the next click is a new request
    setProgress(0, err.status ? 'Not rendered.' : 'Could not reach the server; Render retries safely.');
    showErrors(err);
  }
}

async function cancel() {
  if (!current) return;
  try {
    await api(`/v1/renders/${current}/cancel`, { method: 'POST' });
  } catch (err) {
    $('render-status').textContent = `Could not cancel: ${err.message}`;
  }
}

export function initRender() {
  $('render-go').addEventListener('click', submit);
  $('render-cancel').addEventListener('click', cancel);
  $('draft').addEventListener('change', (e) => { state.draft = e.target.checked; changed(); });
  $('out-size').addEventListener('change', (e) => {
    const [width, height] = e.target.value.split('x').map(Number);
    state.output = { width, height };
    changed();
  });
}
