import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';
import { MedfedError } from '../errors/medfed-error.js';
import type { Logger } from '../logging/create-logger.js';

/** An RFC 9457 problem document, with medfed's stable `code` beside the standard members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

export function problemOf(
  code: ErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  const { status, title } = ERROR_CODES[code];
  return { type: `urn:medfed:error:${code.toLowerCase()}`, title, status, detail, code, ...extra };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/**
 * Turns every error a REST service throws into problem+json: MedfedError by its code, Fastify's
 * own (schema validation, body too large, bad JSON) by status, anything else masked as 500.
 */
export function useProblemDetails(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const instance = request.url.split('?')[0];
    if (error instanceof MedfedError) {
      return sendProblem(
        reply,
        problemOf(error.code, error.message, { ...error.details, instance }),
      );
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const errors = error.validation.map((v) => {
        const missing = (v.params as { missingProperty?: string }).missingProperty;
        const field = [
          ...v.instancePath.split('/').filter(Boolean),
          ...(missing ? [missing] : []),
        ].join('.');
        return { in: where, field: field || where, message: v.message ?? 'is invalid' };
      });
      return sendProblem(
        reply,
        problemOf(
          'BAD_USER_INPUT',
          errors.map((e) => `${e.in} ${e.field}: ${e.message}`).join('; '),
          {
            instance,
            errors,
          },
        ),
      );
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendProblem(
        reply,
        problemOf('PAYLOAD_TOO_LARGE', 'Request body is larger than the limit', { instance }),
      );
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return sendProblem(reply, problemOf('BAD_REQUEST', error.message, { instance, status }));
    }
    log.error({ err: error, url: instance }, 'request failed');
    return sendProblem(
      reply,
      problemOf('INTERNAL_SERVER_ERROR', 'Internal server error', { instance }),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problemOf('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
