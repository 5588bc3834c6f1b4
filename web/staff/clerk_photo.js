// The applicant's photo at the counter: a camera with a live preview and a portrait frame guide,
// captured to a canvas cropped to the card's photo box (24 x 30 mm, 4:5), or a JPEG/PNG file.
// The photo stays in this page's memory only (bytes for the API, a blob: URL for the preview);
// stop() ends the camera and revokes the URL.
import { h, newId, replace } from '../common/dom.js';
import { t } from '../common/i18n.js';

// The card's photo box is 24 x 30 mm: width / height.
export const PHOTO_ASPECT = 24 / 30;
// Captured at 600 x 750: more than the card's 600 dpi over 24 mm needs (567 px).
const OUT_W = 600;
const OUT_H = 750;
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

/** The base64 of `bytes` (Uint8Array), in chunks (a photo is up to 5 MiB). */
export function toBase64(bytes) {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

/**
 * Draws the photo block into `el` (showing `initial` if given); `onChange(photo|null)` gets { bytes: Uint8Array, type } each
 * time a photo is taken, chosen or dropped. Returns { stop(), clear(), render() }.
 */
export function mountPhoto(el, { initial = null, onChange, onError }) {
  let stream = null;
  let url = null; // blob: URL of the preview
  let photo = null;
  let mode = 'idle'; // idle | camera | done
  const ids = { file: newId('photo-file'), status: newId('photo-status') };
  // Counts camera requests; stopping the camera counts one more, so a permission answer that
  // arrives after stop() (the section left while the prompt was open) or after a newer request
  // is a stale one: its camera is turned off at once instead of staying on unseen.
  let asked = 0;

  function stopCamera() {
    asked += 1;
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
  }
  function dropUrl() {
    if (url) URL.revokeObjectURL(url);
    url = null;
  }
  function set(bytes, type) {
    dropUrl();
    photo = bytes ? { bytes, type } : null;
    if (bytes) url = URL.createObjectURL(new Blob([bytes], { type: type === 'png' ? 'image/png' : 'image/jpeg' }));
    onChange(photo);
  }

  async function startCamera() {
    onError(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      onError(t('staff_clerk.photo.noCamera'));
      return;
    }
    stopCamera();
    const mine = asked;
    let got;
    try {
      got = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false });
    } catch {
      if (mine === asked) onError(t('staff_clerk.photo.cameraRefused'));
      return;
    }
    if (mine !== asked) {
      for (const track of got.getTracks()) track.stop();
      return;
    }
    stream = got;
    mode = 'camera';
    render();
    el.querySelector('.photo-take')?.focus();
  }

  async function capture(video) {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (!vw || !vh) {
      onError(t('staff_clerk.photo.notReady'));
      return;
    }
    // The largest 4:5 box centred in the frame (what the guide shows).
    let cw = vw;
    let ch = Math.round(vw / PHOTO_ASPECT);
    if (ch > vh) {
      ch = vh;
      cw = Math.round(vh * PHOTO_ASPECT);
    }
    const canvas = document.createElement('canvas');
    canvas.width = OUT_W;
    canvas.height = OUT_H;
    canvas.getContext('2d').drawImage(video, (vw - cw) / 2, (vh - ch) / 2, cw, ch, 0, 0, OUT_W, OUT_H);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
    stopCamera();
    if (!blob) {
      onError(t('staff_clerk.photo.captureFailed'));
      mode = 'idle';
      render();
      return;
    }
    set(new Uint8Array(await blob.arrayBuffer()), 'jpeg');
    mode = 'done';
    render();
    el.querySelector('.photo-retake')?.focus();
  }

  async function fromFile(input) {
    onError(null);
    const file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_PHOTO_BYTES) {
      onError(t('staff_clerk.photo.tooLarge'));
      return;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const png = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
    const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
    if (!png && !jpeg) {
      onError(t('staff_clerk.photo.notImage'));
      return;
    }
    stopCamera();
    set(bytes, png ? 'png' : 'jpeg');
    mode = 'done';
    render();
    el.querySelector('.photo-retake')?.focus();
  }

  function render() {
    const parts = [];
    if (mode === 'camera') {
      const video = h('video', { class: 'photo-video', autoplay: true, muted: true, playsinline: true, 'aria-describedby': ids.status });
      video.srcObject = stream;
      parts.push(
        h('div', { class: 'photo-stage' }, video, h('div', { class: 'photo-guide', 'aria-hidden': 'true' }, h('div', { class: 'photo-oval' }))),
        h('p', { id: ids.status, class: 'hint' }, t('staff_clerk.photo.guide')),
        h(
          'div',
          { class: 'button-row' },
          h('button', { type: 'button', class: 'primary photo-take', onClick: () => capture(video) }, t('staff_clerk.photo.take')),
          h('button', {
            type: 'button',
            onClick: () => {
              stopCamera();
              mode = photo ? 'done' : 'idle';
              render();
            },
          }, t('staff_clerk.photo.cancel')),
        ),
      );
    } else {
      if (photo && url) {
        parts.push(h('div', { class: 'photo-stage photo-result' }, h('img', { src: url, alt: t('staff_clerk.photo.alt'), class: 'photo-img' })));
        parts.push(h('p', { id: ids.status, class: 'photo-ok', role: 'status' }, t('staff_clerk.photo.taken')));
      } else {
        parts.push(h('p', { id: ids.status, class: 'hint' }, t('staff_clerk.photo.none')));
      }
      parts.push(
        h(
          'div',
          { class: 'button-row' },
          h('button', { type: 'button', class: photo ? 'photo-retake' : 'photo-camera', onClick: startCamera }, photo ? t('staff_clerk.photo.retake') : t('staff_clerk.photo.camera')),
          h('label', { for: ids.file, class: 'file-label' }, t('staff_clerk.photo.file')),
          h('input', { type: 'file', id: ids.file, class: 'photo-file', accept: 'image/jpeg,image/png', onChange: (e) => fromFile(e.target) }),
        ),
      );
    }
    replace(el, ...parts);
  }

  if (initial) {
    // A re-drawn form keeps the photo already taken.
    photo = initial;
    url = URL.createObjectURL(new Blob([initial.bytes], { type: initial.type === 'png' ? 'image/png' : 'image/jpeg' }));
    mode = 'done';
  }
  render();
  return {
    render,
    stop() {
      stopCamera();
      dropUrl();
      photo = null;
    },
    clear() {
      stopCamera();
      set(null, null);
      mode = 'idle';
      render();
    },
  };
}
