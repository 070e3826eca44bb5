// Turns of the event loop for the schedule import's long loops: a loop calls `breathe()` often, and it gives
// the loop to other work (health checks, the door) once it has held it for a few tens of milliseconds.
// Yielding after every chunk instead stretched the import's SQLite transaction, and with it every other
// request's wait for the one connection.

/** How long the import may keep the event loop before letting other work in. */
const SLICE_MS = 30;

let since = performance.now();

/** Yields to the event loop (setImmediate) if the import has had it for SLICE_MS; otherwise goes on at once. */
export async function breathe(): Promise<void> {
  if (performance.now() - since < SLICE_MS) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  since = performance.now();
}
