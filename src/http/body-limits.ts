// Request body sizes: a route reads at most JSON_BODY_LIMIT (a manual pass, a cancellation, any stray body)
// unless it declares its own bodyLimit (the photo routes: MAX_IMAGE_MB). Excel and zip uploads are streamed
// to disk by @fastify/multipart under MAX_UPLOAD_MB, which bodyLimit does not count.
import type { FastifyInstance } from 'fastify';

/** The largest JSON body a small route takes: its fields are a few hundred characters at most. */
export const JSON_BODY_LIMIT = 16 * 1024;

/**
 * onRoute hook (on the root, before any route): a route without a bodyLimit of its own gets the small one,
 * also for the raw-image parsers, whose own limit is the photo size (it would otherwise apply to every route).
 */
export function smallBodiesByDefault(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= JSON_BODY_LIMIT;
  });
}
