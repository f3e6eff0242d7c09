import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';

describe('createLogger', () => {
  it('censors patient identifiers wherever a caller puts them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ name: 't', destination: sink });
    log.info({ PatientName: 'DOE^JANE', image: { PatientID: 'MRN-123', modality: 'MR' } }, 'x');
    const text = lines.join('');
    expect(text).not.toContain('DOE^JANE');
    expect(text).not.toContain('MRN-123');
    expect(text).toContain('"modality":"MR"');
  });
});
