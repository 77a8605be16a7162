// Installable, offline-capable quick logging. Loaded on every page (no inline script).
// Offline, a pain tap or a side-effect tick is queued in IndexedDB with the time it
// was made and a random key; when the connection returns it is sent once: the key
// makes the server store it exactly once even if a send is retried.
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }

  const DB_NAME = "headache-diary";
  const STORE = "queue";

  function openQueue() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "client_key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function withStore(mode, work) {
    return openQueue().then(
      (db) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(STORE, mode);
          const result = work(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
          tx.onerror = () => reject(tx.error);
        })
    );
  }

  const queue = {
    add: (item) => withStore("readwrite", (store) => store.put(item)),
    all: () => withStore("readonly", (store) => store.getAll()),
    remove: (key) => withStore("readwrite", (store) => store.delete(key)),
  };

  function newKey() {
    return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function describe(item) {
    const time = new Date(item.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return item.kind === "reading" ? `Pain ${item.pain} at ${time}` : `${item.label} (${item.severity}) at ${time}`;
  }

  function showQueue(items, message) {
    document.querySelectorAll("[data-sync-status]").forEach((region) => {
      region.replaceChildren();
      if (message) {
        const note = document.createElement("p");
        note.textContent = message;
        region.append(note);
      }
      if (!items.length) {
        if (!message && region.dataset.syncStatus !== "quiet") {
          const none = document.createElement("p");
          none.textContent = "Nothing waiting.";
          region.append(none);
        }
        return;
      }
      const list = document.createElement("ul");
      items.forEach((item) => {
        const entry = document.createElement("li");
        entry.textContent = `${describe(item)}: waiting to sync`;
        list.append(entry);
      });
      region.append(list);
    });
  }

  function refresh(message) {
    return queue.all().then((items) => showQueue(items, message));
  }

  let syncing = false;
  async function sync() {
    if (syncing || !navigator.onLine) {
      return;
    }
    syncing = true;
    try {
      const items = await queue.all();
      if (!items.length) {
        return;
      }
      const tokenResponse = await fetch("/sync/token", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!tokenResponse.ok || !tokenResponse.headers.get("Content-Type").includes("json")) {
        await refresh("Sign in to send what is waiting.");
        return;
      }
      const { csrf_token: token } = await tokenResponse.json();
      let sent = 0;
      let retryAfter = 0;
      for (const item of items) {
        const path = item.kind === "reading" ? "/sync/readings" : "/sync/side-effects";
        const body = item.kind === "reading"
          ? { client_key: item.client_key, at: item.at, pain: item.pain }
          : { client_key: item.client_key, at: item.at, effect: item.effect, severity: item.severity };
        const response = await fetch(path, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify(body),
        });
        if (response.ok || response.status === 422) {
          // Stored (or refused for good, e.g. a time now in the future): never resend it.
          await queue.remove(item.client_key);
          sent += response.ok ? 1 : 0;
        } else if (response.status === 503) {
          // The diary was busy writing something else: keep the item and try again shortly.
          retryAfter = Math.max(retryAfter, Number(response.headers.get("Retry-After")) || 5);
        }
      }
      if (retryAfter) {
        setTimeout(sync, retryAfter * 1000);
      }
      await refresh(sent ? `Synced ${sent} waiting ${sent === 1 ? "entry" : "entries"}.` : "");
    } catch (error) {
      await refresh("Still offline; it will be sent later.");
    } finally {
      syncing = false;
    }
  }

  // The same calm message the pages show after a seizure, breathing difficulty or a severe effect.
  function showSafety(urgent, severe) {
    const box = document.querySelector("[data-offline-safety]");
    if (!box || !(urgent || severe)) {
      return;
    }
    box.querySelector("[data-safety-urgent]").hidden = !urgent;
    box.querySelector("[data-safety-severe]").hidden = urgent;
    box.hidden = false;
  }

  function queueReading(pain) {
    const item = { client_key: newKey(), kind: "reading", pain: Number(pain), at: new Date().toISOString() };
    return queue.add(item).then(() => refresh("Saved on this device."));
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const offlinePage = form.matches("[data-offline-reading], [data-offline-effect]");
    // The home page's quick log posts normally; only without a network does it queue.
    if (!offlinePage && !(form.matches("[data-quick-log]") && !navigator.onLine)) {
      return;
    }
    event.preventDefault();
    const button = event.submitter;
    if (form.matches("[data-offline-effect]")) {
      const select = form.querySelector("select");
      const item = {
        client_key: newKey(),
        kind: "side_effect",
        effect: select.value,
        label: select.selectedOptions[0].textContent,
        severity: button.value,
        at: new Date().toISOString(),
      };
      queue.add(item).then(() => refresh("Saved on this device."));
      showSafety(select.selectedOptions[0].hasAttribute("data-urgent"), item.severity === "severe");
    } else {
      queueReading(button.value);
    }
  });

  window.addEventListener("online", sync);
  if (document.querySelector("[data-sync-status]")) {
    refresh().then(sync);
  } else {
    sync();
  }
})();
