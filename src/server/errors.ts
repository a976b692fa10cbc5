/**
 * The family store failed or did not answer within `timeout`: the handlers answer 503. Its
 * `cause` is a plain Error with the store client's name and message only (never the client's
 * command object, whose arguments hold hashes and sealed secrets).
 *
 * @example
 * try { await families.rotate(token) } catch (e) { if (isFamilyStoreError(e)) console.warn(e.message) }
 */
export class FamilyStoreError extends Error {
  override readonly name = 'FamilyStoreError';
  /** Which store call failed (`rotate`, `create`, `revoke`, …). */
  readonly operation: string;
  /** True when the call outlived `timeout` (it may still land; a rotation that does is undone). */
  readonly timedOut: boolean;

  constructor(operation: string, message: string, options: { cause?: unknown; timedOut?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: plain(options.cause) });
    this.operation = operation;
    this.timedOut = options.timedOut ?? false;
  }
}

function plain(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(source.message.slice(0, 200));
  copy.name = source.name;
  return copy;
}

/**
 * Whether `value` is a FamilyStoreError (by name, so it works across bundles and realms).
 *
 * @example
 * if (isFamilyStoreError(error)) return new Response(null, { status: 503 });
 */
export function isFamilyStoreError(value: unknown): value is FamilyStoreError {
  return value instanceof Error && value.name === 'FamilyStoreError';
}

/** `promise`, or a FamilyStoreError once `ms` have passed; any rejection becomes one too. */
export function within<T>(ms: number, operation: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FamilyStoreError(operation, `the family store did not answer ${operation} within ${ms} ms`, { timedOut: true })), ms);
  });
  const settled = promise.catch((error: unknown) => {
    throw new FamilyStoreError(operation, `the family store failed on ${operation}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`, { cause: error });
  });
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
