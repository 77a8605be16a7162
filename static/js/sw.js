// Service worker: keeps the app shell so that pain can be logged offline.
// It never stores pages or API answers with diary data in them: only the offline
// page, the stylesheet, the scripts and the icons.
"use strict";

const CACHE = "diary-shell-v2";
const SHELL = [
  "/offline",
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
  "/static/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

// A signed-in page in another language than the cached offline page asks for a fresh copy.
self.addEventListener("message", (event) => {
  if (event.data === "refresh-offline-page") {
    event.waitUntil(caches.open(CACHE).then((cache) => cache.add("/offline")));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    // Pages always come from the network; without one, the offline quick log.
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    // The shell: network first so updates arrive, the cache when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
          return response;
        })
        .catch(() => caches.match(request))
    );
  }
});
