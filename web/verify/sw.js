// Placeholder until the verifier's service worker lands.
self.addEventListener('install', () => self.skipWaiting());
