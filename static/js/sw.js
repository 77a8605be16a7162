// Service worker: keeps the app shell so that pain can be logged offline.
// It never stores pages or API answers with diary data in them: only the offline
// page, the stylesheet, the scripts and the icons.
"use strict";

importScripts("/static/js/queue.js");

const CACHE = "diary-shell-v3";
const SHELL = [
  "/offline",
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/js/queue.js",
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

// The daily check-in (diary/check_in_job.py). The push holds only the question, its two
// answers in the account's language, the day asked about and whose diary it is.
self.addEventListener("push", (event) => {
  const message = event.data ? event.data.json() : null;
  if (!message) {
    return;
  }
  keepAlive(
    event,
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: `check-in-${message.user_id}-${message.day}`,
      data: { day: message.day, user_id: message.user_id },
      actions: [
        { action: "no-headache", title: message.no_headache },
        { action: "log-pain", title: message.log_pain },
      ],
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const { day, user_id: userId } = event.notification.data || {};
  keepAlive(event, event.action === "no-headache" && day && userId ? answerNoHeadache(userId, day) : openHome());
});

// Keep the worker alive until the work is done. An event a script made (the tests deliver
// pushes and clicks so) cannot be extended; its work runs all the same.
function keepAlive(event, work) {
  if (event.isTrusted) {
    event.waitUntil(work);
  }
}

function openHome() {
  return self.clients.matchAll({ type: "window" }).then((windows) => {
    const open = windows.find((client) => new URL(client.url).pathname === "/");
    return open ? open.focus() : self.clients.openWindow("/");
  });
}

// "No headache" goes into the member's offline queue, the one the pages send (static/js/app.js),
// and is sent from here at once; without the diary it is sent again after 2 s, 4 s, 8 s … up
// to a minute apart while the worker lives, and by the next page opened otherwise. Marking a
// day twice stores it once, so the two senders may meet.
const RETRY_SECONDS = [2, 4, 8, 16, 32, 60, 60, 60, 60];
const queueStore = self.diaryQueue.withStore;

async function answerNoHeadache(userId, day) {
  const item = { client_key: self.crypto.randomUUID(), kind: "no_headache", at: day, from_notification: true };
  await queueStore(userId, "readwrite", (store) => store.put(item));
  for (const seconds of [0, ...RETRY_SECONDS]) {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    if (await sendAnswers(userId)) {
      return;
    }
  }
}

// Send the member's queued answers; true once none is left to send from here.
async function sendAnswers(userId) {
  try {
    const tokenResponse = await fetch("/sync/token", { credentials: "same-origin", headers: { Accept: "application/json" } });
    const type = tokenResponse.headers.get("Content-Type") || "";
    if (!tokenResponse.ok || !type.includes("json")) {
      // Signed out, or another member signed in here: the pages send it after their sign-in.
      return tokenResponse.status === 401 || tokenResponse.ok;
    }
    const { csrf_token: token, user_id: signedIn } = await tokenResponse.json();
    if (signedIn !== userId) {
      return true;
    }
    const items = await queueStore(userId, "readonly", (store) => store.getAll());
    for (const item of items.filter((queued) => queued.from_notification && !queued.refused)) {
      const response = await fetch("/sync/days/no-headache", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ client_key: item.client_key, at: item.at, user_id: userId }),
      });
      if (response.ok) {
        await queueStore(userId, "readwrite", (store) => store.delete(item.client_key));
      } else if (response.status === 409 || response.status === 422) {
        const reason = await response.json().then((body) => body.error.message, () => String(response.status));
        await queueStore(userId, "readwrite", (store) => store.put({ ...item, refused: reason }));
      } else {
        return false;
      }
    }
    return true;
  } catch (error) {
    return false; // no answer at all: the diary is out of reach for now
  }
}
