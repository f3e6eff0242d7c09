// The package's declared types path is missing from its release; this declares what medfed uses.
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** Decodes one JPEG Lossless (process 14) image; returns the samples' bytes, little endian. */
    decompress(buffer: ArrayBuffer, offset?: number, length?: number): ArrayBuffer;
  }
}
