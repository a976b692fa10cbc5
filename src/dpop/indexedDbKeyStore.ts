import type { DpopKeyPair } from './key.js';
import type { DpopKeyStore } from './keyStore.js';

/**
 * Options for `indexedDbKeyStore()`.
 *
 * @example
 * indexedDbKeyStore({ database: 'my-app-dpop' })
 */
export interface IndexedDbKeyStoreOptions {
  /** The IndexedDB database (default `silent-session-dpop`); its one object store is `keys`. */
  database?: string;
}

/** The part of the IndexedDB API this store uses; the DOM's `IDBFactory` fits. */
interface Factory {
  open(name: string, version?: number): unknown;
}
type Req<T> = { result: T; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null };
type OpenReq = Req<Db> & { onupgradeneeded: (() => void) | null; onblocked: (() => void) | null };
interface Tx {
  objectStore(name: string): Store;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
}
interface Store {
  get(key: string): Req<unknown>;
  put(value: unknown, key: string): Req<unknown>;
  add(value: unknown, key: string): Req<unknown>;
  delete(key: string): Req<unknown>;
}
interface Db {
  readonly version: number;
  readonly objectStoreNames: { contains(name: string): boolean };
  transaction(store: string, mode: 'readonly' | 'readwrite'): Tx;
  createObjectStore(name: string): Store;
  close(): void;
  onversionchange: (() => void) | null;
}

const STORE = 'keys';
const settled = <T>(request: Req<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/**
 * Keeps the key pair in IndexedDB: the default in browsers. A `CryptoKeyPair` is
 * structured-cloneable, so the same non-extractable key survives a reload and is shared by every
 * tab of the origin, while no script can read its private half (only use it to sign).
 *
 * @example
 * const binding = dpop({ keyStore: indexedDbKeyStore({ database: 'my-app-dpop' }) });
 */
export function indexedDbKeyStore(options: IndexedDbKeyStoreOptions = {}): DpopKeyStore {
  const database = options.database ?? 'silent-session-dpop';
  let opened: Promise<Db> | null = null;
  // Opens at `version` (none: the current one), creating the object store when it is missing:
  // also when something else created the database without it (another script opening the name
  // first), by moving to the next version.
  const connect = (version?: number): Promise<Db> =>
    new Promise<Db>((resolve, reject) => {
      const factory = (globalThis as { indexedDB?: Factory }).indexedDB;
      if (!factory) throw new TypeError('DPoP: this environment has no IndexedDB; pass dpop({ keyStore: memoryKeyStore() })');
      const request = (version === undefined ? factory.open(database) : factory.open(database, version)) as OpenReq;
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
      };
      request.onblocked = () => reject(new Error(`DPoP: IndexedDB "${database}" is blocked by another tab holding an older version open`));
      settled(request).then((db) => {
        if (!db.objectStoreNames.contains(STORE)) {
          db.close();
          connect(db.version + 1).then(resolve, reject);
          return;
        }
        // another tab upgrading (or deleting) the database: let go, reopen on the next call
        db.onversionchange = () => {
          db.close();
          opened = null;
        };
        resolve(db);
      }, reject);
    });
  const open = (): Promise<Db> => {
    opened ??= connect().catch((error: unknown) => {
      opened = null;
      throw error;
    });
    return opened;
  };

  // One transaction per call; resolves once it has committed, with what `work` produced.
  const run = async <T>(mode: 'readonly' | 'readwrite', work: (store: Store) => Promise<T>): Promise<T> => {
    const tx = (await open()).transaction(STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('DPoP: IndexedDB transaction aborted'));
    });
    const [value] = await Promise.all([work(tx.objectStore(STORE)), done]);
    return value;
  };

  return {
    kind: 'indexedDB',
    load: (name) => run('readonly', (store) => settled(store.get(name))) as Promise<DpopKeyPair | null | undefined>,
    save: (name, pair) => run('readwrite', async (store) => void (await settled(store.put(pair, name)))),
    delete: (name) => run('readwrite', async (store) => void (await settled(store.delete(name)))),
    // get and put in one readwrite transaction: IndexedDB runs overlapping readwrite transactions
    // on a store one after another, so a second tab's get sees the first tab's put
    add: (name, pair) =>
      run('readwrite', (store) =>
        settled(store.get(name)).then((stored) => (stored ? (stored as DpopKeyPair) : settled(store.put(pair, name)).then(() => pair))),
      ),
  };
}
