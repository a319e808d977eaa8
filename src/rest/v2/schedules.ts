// Seed 003's workflow schedule endpoints.
import { createRoute } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { withRequestFieldNames } from '../errors.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import {
  policyInput,
  scheduleBody,
  V2ScheduleCreate,
  V2ScheduleListResponse,
  V2ScheduleParams,
  V2ScheduleResponse,
  V2ScheduleUpdate,
} from './schedule-schemas.ts';
import { V2MessageResponse, V2WorkflowIdParam } from './workflow-schemas.ts';

const tags = ['v2 Workflow Schedules'];

/** The domain's schedule fields under the names v2 callers send, for its validation messages. */
const FIELDS = { cronExpression: 'cron_expression', missedRunPolicy: 'missed_execution_policy' } as const;

/** Runs a schedule change, naming any invalid field as the request named it. */
async function asSent<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (error) {
    throw withRequestFieldNames(error, FIELDS);
  }
}

const create = createRoute({
  method: 'post',
  path: '/{id}/schedules',
  tags,
  summary: 'Create a schedule',
  description:
    'Creates a cron schedule for the workflow; `next_run_at` is its first fire time after now in `timezone`. 400 when the cron expression (5 fields) or the timezone (IANA) is invalid, naming `cron_expression` or `timezone`.',
  request: { params: V2WorkflowIdParam, body: { required: true, content: { 'application/json': { schema: V2ScheduleCreate } } } },
  responses: { 201: jsonResponse(V2ScheduleResponse, 'The created schedule.'), ...errorResponses(400, 404) },
});

const list = createRoute({
  method: 'get',
  path: '/{id}/schedules',
  tags,
  summary: 'List schedules',
  description: 'Every schedule of the workflow, oldest first.',
  request: { params: V2WorkflowIdParam },
  responses: { 200: jsonResponse(V2ScheduleListResponse, 'The schedules.'), ...errorResponses(404) },
});

const update = createRoute({
  method: 'patch',
  path: '/{id}/schedules/{scheduleId}',
  tags,
  summary: 'Update a schedule',
  description:
    'Changes the given fields; a new cron expression, timezone or re-enabling recomputes `next_run_at` from now, and disabling clears it. 400 when the cron expression or timezone is invalid, naming `cron_expression` or `timezone`.',
  request: { params: V2ScheduleParams, body: { required: true, content: { 'application/json': { schema: V2ScheduleUpdate } } } },
  responses: { 200: jsonResponse(V2ScheduleResponse, 'The changed schedule.'), ...errorResponses(400, 404) },
});

const remove = createRoute({
  method: 'delete',
  path: '/{id}/schedules/{scheduleId}',
  tags,
  summary: 'Delete a schedule',
  description: 'Deletes the schedule; runs it already started stay.',
  request: { params: V2ScheduleParams },
  responses: { 200: jsonResponse(V2MessageResponse, 'The schedule was deleted.'), ...errorResponses(404) },
});

/** Seed 003's schedule endpoints. */
export function v2ScheduleRoutes(): RestRoutes {
  const app = routes('v2');

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const schedule = await asSent(
      c.var.services.schedules.create(
        c.var.principal,
        { id: c.req.valid('param').id },
        {
          cronExpression: body.cron_expression,
          timezone: body.timezone,
          inputs: body.inputs,
          missedRunPolicy: policyInput(body.missed_execution_policy),
        },
      ),
    );
    return c.json({ success: true as const, schedule: scheduleBody(schedule) }, 201);
  });

  app.openapi(list, async (c) => {
    const schedules = await c.var.services.schedules.forWorkflow(c.var.principal, c.req.valid('param').id);
    return c.json({ success: true as const, schedules: schedules.map(scheduleBody), count: schedules.length }, 200);
  });

  app.openapi(update, async (c) => {
    const { id, scheduleId } = c.req.valid('param');
    const body = c.req.valid('json');
    const current = await c.var.services.schedules.ofWorkflow(c.var.principal, id, scheduleId);
    const schedule = await asSent(
      c.var.services.schedules.update(c.var.principal, current.id, {
        cronExpression: body.cron_expression,
        timezone: body.timezone,
        inputs: body.inputs,
        enabled: body.enabled,
        missedRunPolicy: policyInput(body.missed_execution_policy),
      }),
    );
    return c.json({ success: true as const, schedule: scheduleBody(schedule) }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, scheduleId } = c.req.valid('param');
    const current = await c.var.services.schedules.ofWorkflow(c.var.principal, id, scheduleId);
    await c.var.services.schedules.remove(c.var.principal, current.id);
    return c.json({ success: true as const, message: 'Schedule deleted successfully' }, 200);
  });

  return app;
}
