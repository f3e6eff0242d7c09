import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Attribute names that may carry patient identity. They are censored wherever they appear in a
 * log record (top level or one level down), so a careless `log.info({ image })` cannot leak them.
 */
const PATIENT_KEYS = [
  'patientName',
  'patientId',
  'patientBirthDate',
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientAddress',
  'OtherPatientIDs',
  'accessionNumber',
  'AccessionNumber',
];

export function createLogger(options: {
  name: string;
  level?: LevelWithSilent;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: {
        paths: [
          ...PATIENT_KEYS,
          ...PATIENT_KEYS.map((k) => `*.${k}`),
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
