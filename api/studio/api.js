// The one door to the server: /v1 calls with the token (to this origin only) and uploads.

const TOKEN_KEY = 'reelforge.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error answer of the API: {status, code, message, problems: [{field, reason}]}. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || 'http_error';
    this.problems = error?.problems || [];
  }
}

const sameOrigin = (url) => new URL(url, location.href).origin === location.origin;

function authHeaders(url) {
  // The bearer token never leaves this origin: presigned store URLs carry their own signature.
  const value = token.get();
  return value && sameOrigin(url) ? { Authorization: `Bearer ${value}` } : {};
}

async function errorOf(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: keep the status */ }
  return new ApiError(response.status, body?.error || { message: `${response.status} ${response.statusText}` });
}

/** A JSON call to the API: `api('/v1/media', {method: 'POST', body: {...}})`. */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  if (!path.startsWith('/v1/')) throw new Error(`not an API path: ${path}`);
  const init = { method, headers: { ...authHeaders(path), ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? null : response.json();
}

/** A file of the API (a preset preview) as an object URL: media elements cannot send the token. */
export async function blobUrl(url) {
  if (!sameOrigin(url)) return url;
  const response = await fetch(url, { headers: authHeaders(url) });
  if (!response.ok) throw await errorOf(response);
  return URL.createObjectURL(await response.blob());
}

/** XHR, for upload progress (fetch has none). Resolves with the XHR; rejects with an ApiError. */
function send(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries({ ...headers, ...authHeaders(url) })) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status < 300) return resolve(xhr);
      let error = { message: `the upload failed (${xhr.status})` };
      try { error = JSON.parse(xhr.responseText).error || error; } catch { /* S3 answers XML */ }
      reject(new ApiError(xhr.status, error));
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'network', message: 'the upload could not reach the server' }));
    xhr.send(body);
  });
}

export function kindOf(file) {
  const type = file.type.split('/')[0];
  if (['video', 'image', 'audio'].includes(type)) return type;
  if (/\.(m4a|mp3|wav|aac|ogg|flac|opus)$/i.test(file.name)) return 'audio';
  if (/\.(jpe?g|png|webp|heic)$/i.test(file.name)) return 'image';
  return 'video';
}

/**
 * The app's upload flow: POST /v1/media, the bytes where it says (a PUT on this API, an S3 form
 * POST, or presigned multipart parts), then POST /v1/media/{id}/complete. `onProgress(0..1)`.
 * Resolves with the media as `complete` answered it (`ready`, or `rejected` with its reason).
 */
export async function upload(file, onProgress) {
  const created = await api('/v1/media', {
    method: 'POST', body: { kind: kindOf(file), filename: file.name, size: file.size },
  });
  const target = created.upload;
  const progress = (sent) => onProgress(Math.min(1, sent / file.size));
  let complete;
  if (target.parts.length) {
    const parts = [];
    for (const part of target.parts) {
      const start = (part.part_number - 1) * target.part_size;
      const chunk = file.slice(start, start + target.part_size);
      const xhr = await send('PUT', part.url, chunk, {}, (n) => progress(start + n));
      parts.push({ part_number: part.part_number, etag: xhr.getResponseHeader('ETag') });
    }
    complete = { parts };
  } else if (target.method === 'POST') {
    const form = new FormData();
    for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
    form.append('file', file);
    await send('POST', target.url, form, {}, progress);
  } else {
    await send('PUT', target.url, file, target.headers, progress);
  }
  onProgress(1);
  return api(`/v1/media/${created.id}/complete`, { method: 'POST', body: complete });
}
