import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RestEnv } from './env.ts';
import { finishOpenApi } from './openapi-document.ts';

const require = createRequire(import.meta.url);

/** The OpenAPI document's header (the routes add the rest). */
export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Flowdeck REST API',
    version: '1.0.0',
    description:
      'Compatibility endpoints for existing callers of the documented workflow APIs, served over the same domain as the GraphQL API at /graphql.',
  },
} as const;

/** Static files of the Swagger UI and ReDoc npm packages, served locally (no CDN). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/docs/swagger-ui.css': { file: join(dirname(require.resolve('swagger-ui-dist/package.json')), 'swagger-ui.css'), type: 'text/css' },
  '/docs/swagger-ui-bundle.js': {
    file: join(dirname(require.resolve('swagger-ui-dist/package.json')), 'swagger-ui-bundle.js'),
    type: 'text/javascript',
  },
  '/redoc/redoc.standalone.js': {
    file: join(dirname(require.resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js'),
    type: 'text/javascript',
  },
};

const SWAGGER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flowdeck REST API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

const SWAGGER_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });`;

const REDOC_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flowdeck REST API</title></head>
<body><redoc spec-url="/openapi.json"></redoc><script src="/redoc/redoc.standalone.js"></script></body></html>`;

/** Mounts /openapi.json, Swagger UI at /docs and ReDoc at /redoc. */
export function mountDocs(app: OpenAPIHono<RestEnv>): void {
  // Built once, on first request: the routes do not change while the server runs.
  let document: unknown = null;
  app.get('/openapi.json', (c) => c.json((document ??= finishOpenApi(app.getOpenAPI31Document(OPENAPI_INFO)))));
  app.get('/docs', (c) => c.html(SWAGGER_HTML));
  app.get('/docs/init.js', (c) => c.body(SWAGGER_INIT, 200, { 'content-type': 'text/javascript' }));
  app.get('/redoc', (c) => c.html(REDOC_HTML));
  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, async (c) =>
      c.body(await readFile(asset.file), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' }),
    );
  }
}
