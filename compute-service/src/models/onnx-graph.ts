import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';

// onnx-proto is CommonJS without named ESM exports: take the namespace from its default export.
const { onnx } = onnxProto;

/** Helpers to write small ONNX graphs (opset 17) with onnx-proto. */
export const FLOAT = onnx.TensorProto.DataType.FLOAT;

export function tensor(name: string, dims: number[], values: number[]): proto.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: values };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: proto.IAttributeProto[] = [],
): proto.INodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: `${opType}_${outputs[0]}`,
    attribute: attributes,
  };
}

export function ints(name: string, values: number[]): proto.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

export function int(name: string, value: number): proto.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

/** A float tensor input/output; string dims are symbolic (dynamic). */
export function valueInfo(name: string, dims: (number | string)[]): proto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

export function encodeModel(options: {
  name: string;
  doc: string;
  nodes: proto.INodeProto[];
  initializers: proto.ITensorProto[];
  inputs: proto.IValueInfoProto[];
  outputs: proto.IValueInfoProto[];
  metadata: Record<string, string>;
}): { bytes: Uint8Array; sha256: string } {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'medfed',
    producerVersion: '0.1.0',
    docString: options.doc,
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.name,
      node: options.nodes,
      initializer: options.initializers,
      input: options.inputs,
      output: options.outputs,
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
