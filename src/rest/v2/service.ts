// Seed 003's service endpoints: the public health check and natural-language parsing.
import { createRoute, z } from '@hono/zod-openapi';
import type { NodeForm, ParseResult, ParseSource } from '../../domain/parse/index.ts';
import { MAX_INSTRUCTION_LENGTH, MIN_INSTRUCTION_LENGTH } from '../../domain/parse-service.ts';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, JsonObject, jsonResponse } from '../schemas.ts';
import { Success } from './workflow-schemas.ts';

/** The path of the health check, which answers without a workspace (see app.ts). */
export const V2_HEALTH_PATH = '/api/v2/workflows/health';

const V2HealthResponse = z
  .object({
    status: z.literal('ok').openapi({ description: 'Always `ok`: the service is up.' }),
    service: z.literal('workflows-api-v2').openapi({ description: 'The service name.' }),
    version: z.literal('2.0.0').openapi({ description: 'The API version.' }),
    timestamp: z.string().openapi({ format: 'date-time', description: 'Server time of the answer (ISO 8601).' }),
  })
  .openapi('V2HealthResponse');

const V2ParseRequest = z
  .object({
    instruction: z
      .string()
      .trim()
      .min(MIN_INSTRUCTION_LENGTH)
      .max(MAX_INSTRUCTION_LENGTH)
      .openapi({
        description: `Natural language description of the workflow (${MIN_INSTRUCTION_LENGTH} to ${MAX_INSTRUCTION_LENGTH} characters).`,
        example: 'Every Monday at 9am, pull the latest sales data, generate a summary report, and email it to the sales team.',
      }),
    context: z
      .object({
        availableTools: z
          .array(z.string())
          .optional()
          .openapi({
            description: 'Tool names such as `salesforce.query`; actions are matched to them.',
            example: ['salesforce.query', 'email.send'],
          }),
        organizationId: z
          .string()
          .optional()
          .openapi({ description: 'Accepted for compatibility; the workspace is the one the request acts in.' }),
      })
      .optional()
      .openapi({ description: 'Additional context for parsing.' }),
  })
  .openapi('V2ParseRequest');

const V2ParsedStep = z
  .object({
    id: z.string().openapi({ description: 'Step id (`step_1`, `step_2`, ... in reading order).' }),
    type: z.string().openapi({
      description: '`integration` (an available tool), `agent`, `condition`, `http`, `transform`, `delay` or `wait`.',
    }),
    action: z.string().openapi({
      description:
        'The tool or agent it calls (`check_<field>` for a condition); for steps that call none (http, delay, wait), their type.',
    }),
    config: JsonObject.optional().openapi({ description: 'Step settings; absent when there are none.' }),
    input_from: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .openapi({ description: 'The step(s) whose output it takes.' }),
  })
  .openapi('V2ParsedStep');

/**
 * Who wrote the steps, in seed 003's words. The seed shows `ai-generated` (l.78) for an answer
 * of the LLM. The built-in parser's answers are not AI-generated, so they keep their own names:
 * `deterministic`, and `llm-fallback` when it stood in for an LLM that failed (the reason is
 * in the server log).
 */
const V2_PARSE_SOURCES = ['ai-generated', 'deterministic', 'llm-fallback'] as const;
type V2ParseSource = (typeof V2_PARSE_SOURCES)[number];

function v2Source(source: ParseSource): V2ParseSource {
  switch (source) {
    case 'llm':
      return 'ai-generated';
    case 'deterministic':
    case 'llm-fallback':
      return source;
    default: {
      const never: never = source;
      throw new Error(`unknown parse source ${String(never)}`);
    }
  }
}

const V2ParseResponse = z
  .object({
    success: Success,
    workflow: z
      .object({
        type: z.literal('generated').openapi({ description: 'Always `generated`.' }),
        name: z.string().openapi({ description: 'A suggested name.' }),
        description: z.string().openapi({ description: 'What the workflow does, in words.' }),
        steps: z.array(V2ParsedStep).openapi({
          description: 'The steps; `{nodes: steps}` (with `config` as given) is a definition POST /api/v2/workflows accepts.',
        }),
        confidence: z.number().openapi({ description: 'In [0, 1]: how sure the parser is of the steps it matched.' }),
        source: z.enum(V2_PARSE_SOURCES).openapi({
          description:
            'Who wrote the steps: `ai-generated` (the configured LLM), `deterministic` (the built-in parser; the default when no LLM is configured), or `llm-fallback` (the built-in parser, because the LLM failed or answered something that is not a workflow).',
          example: 'ai-generated',
        }),
        valid: z
          .boolean()
          .openapi({ description: 'True when the steps name only existing agents or available tools and form a valid workflow.' }),
      })
      .openapi({ description: 'The parsed workflow (nothing is saved).' }),
    parseTimeMs: z.number().openapi({ description: 'Time spent parsing, in milliseconds.' }),
  })
  .openapi('V2ParseResponse');

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['v2 Health Check'],
  summary: 'Service health',
  description: 'Returns service health status. Public: no workspace is looked up and the database is not queried.',
  responses: { 200: jsonResponse(V2HealthResponse, 'The service is up.') },
});

const parse = createRoute({
  method: 'post',
  path: '/parse',
  tags: ['v2 Natural Language Parsing'],
  summary: 'Parse an instruction into a workflow',
  description:
    "Parses a natural language instruction into a structured workflow definition, matching actions to the available tools and the workspace's agents. Saves nothing.",
  request: { body: { required: true, content: { 'application/json': { schema: V2ParseRequest } } } },
  responses: { 200: jsonResponse(V2ParseResponse, 'The parsed workflow.'), ...errorResponses(400) },
});

function stepBody(node: NodeForm): z.output<typeof V2ParsedStep> {
  return {
    id: node.id,
    type: node.type,
    action: node.action ?? node.type,
    ...(Object.keys(node.config).length > 0 ? { config: node.config } : {}),
    ...(node.input_from === undefined ? {} : { input_from: node.input_from }),
  };
}

function parseBody(result: ParseResult): z.output<typeof V2ParseResponse> {
  return {
    success: true,
    workflow: {
      type: 'generated',
      name: result.name,
      description: result.description,
      steps: result.nodes.nodes.map(stepBody),
      confidence: result.confidence,
      source: v2Source(result.source),
      valid: result.valid,
    },
    parseTimeMs: result.parseTimeMs,
  };
}

/** GET /health and POST /parse (mounted before `/{id}`, which would otherwise take them). */
export function v2ServiceRoutes(): RestRoutes {
  const app = routes('v2');
  app.openapi(health, (c) =>
    c.json(
      {
        status: 'ok' as const,
        service: 'workflows-api-v2' as const,
        version: '2.0.0' as const,
        timestamp: c.var.resources.clock.now().toISOString(),
      },
      200,
    ),
  );
  app.openapi(parse, async (c) => c.json(parseBody(await c.var.services.parse.parse(c.var.principal, c.req.valid('json'))), 200));
  return app;
}
