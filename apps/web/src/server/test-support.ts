// Shared by the server's tests.
import { expect } from "vitest";

/** The error `p` rejects with, checked to be a `type` (the test fails if `p` resolves or throws anything else). */
export async function rejection<E extends Error>(p: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}
