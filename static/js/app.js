// Installable, offline-capable quick logging. Loaded on every page (no inline script).
// Offline, a pain tap or a side-effect tick is queued in IndexedDB with the time it
// was made and a random key; when the connection returns it is sent once: the key
// makes the server store it exactly once even if a send is retried.
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }

  // Each household member's queue is a database of its own, named by their user id, and the
  // sync sends only the queue of whoever is signed in: on a shared device one member's
  // entries never land in another's diary. Pages say who is signed in (<body data-user-id>);
  // the offline page keeps entries for the last member this device saw signed in.
  const DEVICE_USER = "diary.device-user";
  const WAITING = "diary.waiting-members";

  function readJson(key, fallback) {
    try {
      return JSON.parse(localStorage.getItem(key)) || fallback;
    } catch (error) {
      return fallback;
    }
  }

  function signedIn() {
    const id = Number(document.body.dataset.userId);
    return id ? { id, name: document.body.dataset.userName } : null;
  }

  // The member entries made here belong to: who is signed in, else who last was.
  function owner() {
    const user = signedIn();
    if (user) {
      localStorage.setItem(DEVICE_USER, JSON.stringify(user));
      return user;
    }
    return readJson(DEVICE_USER, null);
  }

  const { withStore } = self.diaryQueue; // static/js/queue.js

  const queue = {
    add: (user, item) => {
      const waiting = readJson(WAITING, {});
      waiting[user.id] = user.name;
      localStorage.setItem(WAITING, JSON.stringify(waiting));
      return withStore(user.id, "readwrite", (store) => store.put(item));
    },
    all: (userId) => withStore(userId, "readonly", (store) => store.getAll()),
    put: (userId, item) => withStore(userId, "readwrite", (store) => store.put(item)),
    remove: (userId, key) => withStore(userId, "readwrite", (store) => store.delete(key)),
  };

  // Every member with something queued on this device, with their items.
  async function allQueues() {
    const waiting = readJson(WAITING, {});
    // The worker queues a notification's "No headache" without this page's list of members.
    const me = signedIn();
    if (me && !(me.id in waiting)) {
      waiting[me.id] = me.name;
    }
    const queues = [];
    for (const [id, name] of Object.entries(waiting)) {
      const items = await queue.all(Number(id));
      if (items.length) {
        queues.push({ id: Number(id), name, items });
      } else {
        delete waiting[id];
      }
    }
    localStorage.setItem(WAITING, JSON.stringify(waiting));
    return queues;
  }

  // The page's words, in its language (templates/_words.html); {name} and the like filled in here.
  const WORDS = JSON.parse((document.getElementById("words") || {}).textContent || "{}");

  function say(key, values = {}) {
    return (WORDS[key] || key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function newKey() {
    return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // The one-tap entries of home that queue offline (<form data-queue>): where each is sent.
  const TAPS = {
    attack_start: { path: "/sync/attacks/start", words: "attack_started_at" },
    attack_stop: { path: "/sync/attacks/stop", words: "attack_stopped_at" },
    no_headache: { path: "/sync/days/no-headache", words: "no_headache_at" },
  };

  function describe(item) {
    if (item.from_notification) {
      const day = new Date(`${item.at}T12:00`).toLocaleDateString(document.documentElement.lang || [], { dateStyle: "long" });
      return say("no_headache_on", { day });
    }
    const time = new Date(item.at).toLocaleTimeString(document.documentElement.lang || [], { hour: "2-digit", minute: "2-digit" });
    if (item.kind === "reading") {
      return say("reading_at", { pain: item.pain, time });
    }
    if (item.kind in TAPS) {
      return say(TAPS[item.kind].words, { time });
    }
    const severity = (WORDS.severities || {})[item.severity] || item.severity;
    return say("effect_at", { effect: item.label, severity, time });
  }

  function paragraph(text) {
    const note = document.createElement("p");
    note.textContent = text;
    return note;
  }

  function showQueues(queues, message) {
    const me = owner();
    document.querySelectorAll("[data-sync-status]").forEach((region) => {
      region.replaceChildren();
      if (message) {
        region.append(paragraph(message));
      }
      if (region.hasAttribute("data-device-user")) {
        region.append(
          paragraph(me ? say("kept_for", { name: me.name }) : say("sign_in_once"))
        );
      }
      if (!queues.length) {
        if (!message && region.dataset.syncStatus !== "quiet") {
          region.append(paragraph(say("nothing_waiting")));
        }
        return;
      }
      queues.forEach((member) => {
        if (!me || member.id !== me.id) {
          region.append(paragraph(say("waiting_for", { name: member.name })));
        }
        const list = document.createElement("ul");
        member.items.forEach((item) => {
          const entry = document.createElement("li");
          if (item.refused) {
            // Refused by the diary: kept, with its reason, until it is discarded.
            entry.textContent = say("not_saved", { entry: describe(item), reason: item.refused }) + " ";
            const discard = document.createElement("button");
            discard.type = "button";
            discard.className = "link";
            discard.textContent = say("discard");
            discard.setAttribute("aria-label", say("discard_entry", { entry: describe(item) }));
            discard.addEventListener("click", () => queue.remove(member.id, item.client_key).then(() => refresh()));
            entry.append(discard);
          } else if (item.retrying) {
            entry.textContent = say("will_retry", { entry: describe(item), status: item.retrying });
          } else {
            entry.textContent = say("waiting_to_sync", { entry: describe(item) });
          }
          list.append(entry);
        });
        region.append(list);
      });
    });
  }

  function refresh(message) {
    return allQueues().then((queues) => showQueues(queues, message));
  }

  async function errorMessage(response) {
    try {
      return (await response.json()).error.message;
    } catch (error) {
      return say("answered", { status: response.status });
    }
  }

  // Only these answers say that the entry itself cannot be saved (422: a value the diary
  // does not take; 409: queued by another member). Any other (the database busy or
  // restarting, a full disk, a proxy's 502) or no answer at all is the way's trouble, not
  // the entry's: it is sent again, after 5 s, 10 s, 20 s … up to 5 minutes between tries.
  const REFUSED = [409, 422];
  let failedRounds = 0;
  let retryTimer = null;

  function backoff() {
    return Math.min(5 * 2 ** failedRounds, 300);
  }

  function retryIn(seconds) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(sync, seconds * 1000);
    failedRounds += 1;
  }

  // Busy while a round of sending runs: screen readers then announce how it ended, not
  // each redraw on the way.
  function markBusy(busy) {
    document.querySelectorAll("[data-sync-status]").forEach((region) => region.setAttribute("aria-busy", String(busy)));
  }

  let syncing = false;
  async function sync() {
    if (syncing || !navigator.onLine) {
      return;
    }
    syncing = true;
    markBusy(true);
    let message = "";
    try {
      const queues = await allQueues();
      if (!queues.length) {
        return;
      }
      if (document.body.hasAttribute("data-signed-out")) {
        // The page was sent to no one signed in: the diary would only refuse the queue.
        message = say("sign_in_to_send");
        return;
      }
      const tokenResponse = await fetch("/sync/token", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!tokenResponse.ok && tokenResponse.status !== 401) {
        message = say("retry_all", { status: tokenResponse.status });
        retryIn(backoff());
        return;
      }
      if (!tokenResponse.ok || !(tokenResponse.headers.get("Content-Type") || "").includes("json")) {
        message = say("sign_in_to_send");
        return;
      }
      const { csrf_token: token, user_id: userId } = await tokenResponse.json();
      const mine = queues.find((member) => member.id === userId);
      let sent = 0;
      let retryAfter = 0;
      let signInEnded = false;
      // Entries refused before this version marked them "error": each gets one more try.
      // In the order they were made: an attack's stop after its start.
      const pending = mine ? mine.items.filter((item) => !item.refused) : [];
      pending.sort((a, b) => a.at.localeCompare(b.at));
      for (const item of pending) {
        const path = item.kind in TAPS ? TAPS[item.kind].path : item.kind === "reading" ? "/sync/readings" : "/sync/side-effects";
        const body = item.kind === "reading"
          ? { client_key: item.client_key, at: item.at, pain: item.pain, user_id: userId }
          : item.kind in TAPS
            ? { client_key: item.client_key, at: item.at, user_id: userId }
            : { client_key: item.client_key, at: item.at, effect: item.effect, severity: item.severity, user_id: userId };
        const response = await fetch(path, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
          body: JSON.stringify(body),
        });
        if (response.ok) {
          await queue.remove(userId, item.client_key);
          sent += 1;
        } else if (response.status === 401) {
          // The sign-in ended on the way: keep the rest as it is for the next sign-in.
          signInEnded = true;
          break;
        } else if (REFUSED.includes(response.status)) {
          await queue.put(userId, { ...item, refused: await errorMessage(response) });
        } else {
          const asked = Number(response.headers.get("Retry-After")) || 0;
          retryAfter = Math.max(retryAfter, asked, backoff());
          await queue.put(userId, { ...item, retrying: response.status });
        }
      }
      if (retryAfter) {
        retryIn(retryAfter);
      } else {
        failedRounds = 0;
      }
      if (signInEnded) {
        message = say("sign_in_to_send");
      } else if (sent) {
        const form = new Intl.PluralRules(document.documentElement.lang || "en").select(sent);
        message = say(form === "one" ? "synced_one" : "synced_other", { count: sent });
      }
    } catch (error) {
      // Only a request that never reached the diary means the device is offline.
      message = say("still_offline");
      retryIn(backoff());
    } finally {
      syncing = false;
      await refresh(message);
      if (!syncing) {
        markBusy(false);
      }
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

  function keep(item) {
    const user = owner();
    if (!user) {
      return refresh(say("unknown_device"));
    }
    return queue.add(user, item).then(() => refresh(say("saved_for", { name: user.name })));
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const offlinePage = form.matches("[data-offline-reading], [data-offline-effect], .offline-page [data-queue]");
    // The home page's quick log and one-tap forms post normally; only without a network do they queue.
    if (!offlinePage && !(form.matches("[data-quick-log], [data-queue]") && !navigator.onLine)) {
      return;
    }
    event.preventDefault();
    const button = event.submitter;
    if (form.matches("[data-queue]")) {
      keep({ client_key: newKey(), kind: form.dataset.queue, at: new Date().toISOString() });
      // Started offline: the next tap is the stop, and the other way round.
      const swap = { attack_start: "attack_stop", attack_stop: "attack_start" }[form.dataset.queue];
      if (swap && form.closest(".day-taps")) {
        form.hidden = true;
        form.parentElement.querySelector(`[data-queue="${swap}"]`).hidden = false;
      }
      return;
    }
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
      keep(item);
      showSafety(select.selectedOptions[0].hasAttribute("data-urgent"), item.severity === "severe");
    } else {
      keep({ client_key: newKey(), kind: "reading", pain: Number(button.value), at: new Date().toISOString() });
    }
  });

  // A name picked from a list sets what the list knows of it: a medicine's kind, a
  // preventive's usual schedule. A name not in the list leaves the choice to the patient.
  function picked(input) {
    const list = input.list;
    const typed = input.value.trim().toLowerCase();
    return list && Array.from(list.options).find((option) => option.value.toLowerCase() === typed);
  }
  document.querySelectorAll("datalist[data-sets-class]").forEach((list) => {
    const input = document.querySelector(`[list="${list.id}"]`);
    const select = document.getElementById(list.dataset.setsClass);
    input.addEventListener("input", () => {
      const option = picked(input);
      if (option) select.value = option.dataset.class;
    });
  });
  document.querySelectorAll("[data-preventive-form]").forEach((form) => {
    const input = form.querySelector("[list]");
    input.addEventListener("input", () => {
      const option = picked(input);
      const found = option && /^(daily|twice_daily)$|^every_(\d+)_(days|weeks)$/.exec(option.dataset.schedule);
      if (!found) return;
      form.elements.how_often.value = found[1] || `every_${found[3]}`;
      form.elements.every.value = found[2] || "";
    });
  });

  // The report's Print button (no inline handlers: the CSP allows none).
  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));

  // The first-run page: the account's time zone is the browser's, when the list has it.
  const zone = document.querySelector("select[data-browser-zone]");
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && Array.from(zone.options).some((option) => option.value === browserZone)) {
    zone.value = browserZone;
  }

  // The report: once its choices differ from the report shown, Print and "Make a link"
  // would use the old ones, so they wait for Update (the PDF buttons send the form itself).
  const options = document.querySelector("[data-report-options]");
  if (options) {
    const chosen = () => new URLSearchParams(new FormData(options)).toString();
    const shown = chosen();
    const follow = () => {
      const changed = chosen() !== shown;
      document.querySelectorAll("[data-needs-shown-report]").forEach((button) => { button.disabled = changed; });
      options.querySelector("[data-changed-note]").hidden = !changed;
    };
    options.addEventListener("input", follow);
    options.addEventListener("change", follow);
  }

  // The worker caches the offline page once: fetch it again when the diary's language changed.
  // A page loaded before the worker took it over (the first one after it was installed)
  // asks once the worker does.
  const OFFLINE_LANG = "diary.offline-page-lang";
  const lang = document.documentElement.lang;
  function refreshOfflinePage() {
    const worker = navigator.serviceWorker.controller;
    if (worker && navigator.onLine && signedIn() && localStorage.getItem(OFFLINE_LANG) !== lang) {
      worker.postMessage("refresh-offline-page");
      localStorage.setItem(OFFLINE_LANG, lang);
    }
  }
  if (navigator.serviceWorker) {
    refreshOfflinePage();
    navigator.serviceWorker.addEventListener("controllerchange", refreshOfflinePage);
  }

  // Settings: this device asks for the daily check-in through the worker's push subscription.
  function keyBytes(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  function sameKey(subscription, key) {
    const given = subscription.options && subscription.options.applicationServerKey;
    return given && new Uint8Array(given).every((byte, i) => byte === key[i]);
  }

  // Subscribe (again, when the diary's key changed) and hand the subscription to the diary.
  async function subscribeDevice(box) {
    const key = keyBytes(box.dataset.pushKey);
    const registration = await navigator.serviceWorker.ready;
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription = subscription || (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
    const { csrf_token: token } = await (await fetch("/sync/token", { credentials: "same-origin" })).json();
    const response = await fetch("/sync/push-subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(subscription.toJSON()),
    });
    return response.ok ? response.json() : null;
  }

  function setUpPush(box) {
    const state = box.querySelector("[data-push-state]");
    const button = box.querySelector("[data-push-subscribe]");
    const show = (key) => {
      state.textContent = box.dataset[key];
      state.hidden = false;
    };
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      show("pushUnsupported");
      return;
    }
    const subscribe = () =>
      subscribeDevice(box).then(
        (answer) => {
          if (answer && answer.new) {
            window.location.reload(); // the list of devices then shows this one
          } else {
            show(answer ? "pushOn" : "pushFailed");
          }
        },
        () => show("pushFailed")
      );
    if (Notification.permission === "granted") {
      subscribe();
    } else if (Notification.permission === "denied") {
      show("pushDenied");
    } else {
      button.hidden = false;
      button.addEventListener("click", () =>
        Notification.requestPermission().then((answer) => {
          button.hidden = answer === "granted";
          return answer === "granted" ? subscribe() : show("pushDenied");
        })
      );
    }
  }

  const pushBox = document.querySelector("[data-push-key]");
  if (pushBox) {
    setUpPush(pushBox);
  }

  owner();
  window.addEventListener("online", sync);
  if (document.querySelector("[data-sync-status]")) {
    refresh().then(sync);
  } else {
    sync();
  }
})();
