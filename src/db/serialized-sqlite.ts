import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  SqlResultSet,
  Transaction,
} from '@prisma/driver-adapter-utils';

/** A FIFO lock: `run(fn)` waits for every earlier holder, then runs `fn`. */
class Lock {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function once the lock is held. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return ready;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * The better-sqlite3 adapter shares one connection and locks it only around interactive
 * transactions; a statement issued outside a transaction while one is open runs inside it,
 * reading its uncommitted writes and being rolled back with it. This wrapper makes every
 * statement and every transaction take turns on the connection, so a transaction is isolated
 * and a plain write commits on its own.
 */
class SerializedAdapter implements SqlDriverAdapter {
  readonly provider;
  readonly adapterName;
  readonly #inner: SqlDriverAdapter;
  readonly #lock = new Lock();

  constructor(inner: SqlDriverAdapter) {
    this.#inner = inner;
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.#lock.run(() => this.#inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.#lock.run(() => this.#inner.executeRaw(query));
  }

  executeScript(script: string): Promise<void> {
    return this.#lock.run(() => this.#inner.executeScript(script));
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const release = await this.#lock.acquire();
    try {
      const tx = await this.#inner.startTransaction(isolationLevel);
      const end = (finish: () => Promise<void>) => async () => {
        try {
          await finish();
        } finally {
          release();
        }
      };
      return {
        provider: tx.provider,
        adapterName: tx.adapterName,
        options: tx.options,
        queryRaw: (query) => tx.queryRaw(query),
        executeRaw: (query) => tx.executeRaw(query),
        commit: end(() => tx.commit()),
        rollback: end(() => tx.rollback()),
      };
    } catch (error) {
      release();
      throw error;
    }
  }

  getConnectionInfo() {
    return this.#inner.getConnectionInfo?.() ?? { supportsRelationJoins: false };
  }

  dispose(): Promise<void> {
    return this.#lock.run(() => this.#inner.dispose());
  }
}

/** Wraps an SQLite adapter factory so its connections serialize statements and transactions. */
export function serializedSqlite(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => new SerializedAdapter(await factory.connect()),
    connectToShadowDb: async () => new SerializedAdapter(await factory.connectToShadowDb()),
  };
}
