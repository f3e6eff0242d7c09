import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logging/create-logger.js';

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A real pino logger whose records are kept in memory for assertions. */
export function captureLogger(name = 'test'): { log: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) records.push(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return { log: createLogger({ name, level: 'debug', destination: sink }), records };
}
