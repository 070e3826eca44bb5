// The bytes of a zip built with yazl (after z.end()), for tests that patch or upload them.
import type yazl from 'yazl';

export async function zipBytes(z: yazl.ZipFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
