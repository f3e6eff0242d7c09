/** Transfer syntaxes medfed knows by name, and whether it can decode their pixel data. */
export const TRANSFER_SYNTAXES: Record<string, { name: string; decodable: boolean }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', decodable: true },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', decodable: true },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', decodable: true },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', decodable: true },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', decodable: true },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', decodable: true },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', decodable: true },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless (Process 14)', decodable: true },
  '1.2.840.10008.1.2.4.70': {
    name: 'JPEG Lossless SV1 (Process 14, Selection 1)',
    decodable: true,
  },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', decodable: false },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', decodable: false },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless Only', decodable: false },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', decodable: false },
  '1.2.840.10008.1.2.4.201': { name: 'HTJ2K Lossless', decodable: false },
  '1.2.840.10008.1.2.4.202': { name: 'HTJ2K Lossless RPCL', decodable: false },
  '1.2.840.10008.1.2.4.203': { name: 'HTJ2K', decodable: false },
};

export function transferSyntaxName(uid: string): string {
  return TRANSFER_SYNTAXES[uid]?.name ?? `unknown transfer syntax ${uid}`;
}
