// IndexedDB on the device: the outbox of submissions (keyed by their client UUID) and a few
// settings (device token, last start-up data). Everything a resident sends is written here
// first, so a dropped network or a reload loses nothing.

const VERSION = 1;
export const OUTBOX = "outbox";
const META = "meta";

export function openStore(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: "client_uuid" });
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: "key" });
    };
    request.onsuccess = () => resolve(new Store(request.result));
    request.onerror = () => reject(request.error);
  });
}

class Store {
  constructor(db) {
    this.db = db;
  }

  run(storeName, mode, operation) {
    return new Promise((resolve, reject) => {
      const transaction = this.db.transaction(storeName, mode);
      const request = operation(transaction.objectStore(storeName));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  async getMeta(key) {
    const entry = await this.run(META, "readonly", (store) => store.get(key));
    return entry ? entry.value : null;
  }

  setMeta(key, value) {
    return this.run(META, "readwrite", (store) => store.put({ key, value }));
  }

  deleteMeta(key) {
    return this.run(META, "readwrite", (store) => store.delete(key));
  }

  putItem(item) {
    return this.run(OUTBOX, "readwrite", (store) => store.put(item));
  }

  getItem(clientUuid) {
    return this.run(OUTBOX, "readonly", (store) => store.get(clientUuid));
  }

  deleteItem(clientUuid) {
    return this.run(OUTBOX, "readwrite", (store) => store.delete(clientUuid));
  }

  async items() {
    const items = await this.run(OUTBOX, "readonly", (store) => store.getAll());
    return items.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
}
