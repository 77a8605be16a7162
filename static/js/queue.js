// Each household member's offline queue on this device: an IndexedDB database named by
// their user id. Shared by the pages (app.js) and the service worker (sw.js), which queues
// a notification's "No headache".
"use strict";

self.diaryQueue = (() => {
  const STORE = "queue";

  function open(userId) {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(`headache-diary-user-${userId}`, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "client_key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  // Run work(store) in one transaction; resolve with its request's result once committed.
  function withStore(userId, mode, work) {
    return open(userId).then(
      (db) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(STORE, mode);
          const result = work(tx.objectStore(STORE));
          tx.oncomplete = () => {
            db.close();
            resolve(result && "result" in result ? result.result : undefined);
          };
          tx.onerror = () => reject(tx.error);
        })
    );
  }

  return { withStore };
})();
