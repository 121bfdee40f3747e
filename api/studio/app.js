// ReelForge Studio: sign in, then every part of the page talks to the public /v1 API only.

import { api, token } from './api.js';
import { catalog } from './forms.js';
import { initMedia } from './media.js';
import { initPresets } from './presets.js';
import { initRender } from './render.js';
import { initSounds } from './sounds.js';
import { buildRequest, onChange } from './spec.js';
import { renderTimeline } from './timeline.js';
import { renderVideoPanel } from './video.js';

const $ = (id) => document.getElementById(id);

function showSpec() {
  $('spec-json').textContent = JSON.stringify(buildRequest(), null, 2);
}

async function start() {
  Object.assign(catalog, await api('/v1/catalog'));
  $('sign-in').hidden = true;
  $('main').hidden = false;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  onChange((structure) => {
    if (structure) { renderTimeline(); renderVideoPanel(); }
    showSpec();
  });
  renderTimeline();
  renderVideoPanel();
  showSpec();
  initRender();
  initSounds();
  await Promise.all([initMedia(), initPresets()]);
  document.body.dataset.ready = 'true';   // every part has loaded (the browser tests wait for it)
}

function signIn(message = '') {
  $('sign-in').hidden = false;
  $('main').hidden = true;
  $('sign-in-error').textContent = message;
  $('token').focus();
}

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  token.set($('token').value.trim());
  try {
    await start();
  } catch (err) {
    token.clear();
    signIn(err.status === 401 ? 'That token is not valid.' : `Could not sign in: ${err.message}`);
  }
});

$('sign-out').addEventListener('click', () => {
  token.clear();
  location.reload();
});

if (token.get()) {
  start().catch((err) => { token.clear(); signIn(err.status === 401 ? 'Your session has ended; sign in again.' : err.message); });
} else {
  signIn();
}
