// dcmjs ships no type declarations; this declares the small part medfed uses.
declare module 'dcmjs' {
  type DicomJson = Record<string, unknown>;
  class DicomDict {
    constructor(meta: DicomJson);
    dict: DicomJson;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: typeof DicomDict;
      DicomMessage: {
        readFile(
          buffer: ArrayBuffer,
          options?: Record<string, unknown>,
        ): { meta: DicomJson; dict: DicomJson };
      };
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: Record<string, unknown>): DicomJson;
        naturalizeDataset(dataset: DicomJson): Record<string, unknown>;
        uid(): string;
      };
    };
  };
  export default dcmjs;
}
