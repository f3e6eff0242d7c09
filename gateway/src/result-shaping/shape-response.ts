import {
  ERRORS,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  Variable,
  type CompositeType,
  type Field,
  type FieldSelection,
  type FragmentElement,
  type NamedType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/** The arguments and result of @apollo/gateway's `computeResponse` (its post-processing step). */
export interface ShapeArgs {
  operation: Operation;
  variables?: Record<string, unknown> | undefined;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (selection: FieldSelection) => unknown;
}
export interface ShapeResult {
  data: Record<string, unknown> | null | undefined;
  errors: GraphQLError[];
}

/**
 * The gateway's last step, done leanly: after a query plan has run, the merged subgraph data is
 * cut down to exactly what the operation asked for, in its field order, with GraphQL's null
 * propagation and value checks. Same answers and errors (messages, paths, codes) as
 * @apollo/gateway's `computeResponse`, which it replaces; it differs in how:
 * - the operation is prepared once per request (skip/include decided, types unwrapped, leaf checks
 *   chosen) instead of re-walked, directive by directive, for every object of the data;
 * - nothing is allocated per field but the answer itself, and the answer's objects are plain
 *   objects that V8 keeps in fast mode (Apollo builds null-prototype dictionaries), so they are
 *   smaller, and quicker to serialise.
 * Anything the original treats as an internal assertion (malformed subgraph data) is handed to
 * `fallback` — the original — on the same, unmodified input, so even those answers are identical.
 */
export function shapeResponse(args: ShapeArgs, fallback: (args: ShapeArgs) => ShapeResult) {
  const { input } = args;
  if (!input) return { data: input, errors: [] };
  try {
    return new Shaper(args).run(input);
  } catch (error) {
    if (error instanceof Unsupported) return fallback(args);
    throw error;
  }
}

/** Thrown where the original would fail an assertion, or where plain objects cannot be used. */
class Unsupported extends Error {}

type TypeStep =
  | { kind: 'nonNull'; type: Type; ofType: TypeStep }
  | { kind: 'list'; type: Type; ofType: TypeStep }
  | { kind: 'composite'; type: CompositeType }
  | { kind: 'leaf'; type: NamedType; valid: (value: unknown) => boolean };

interface FieldStep {
  field: true;
  responseName: string;
  typename: boolean;
  introspection: boolean;
  selection: FieldSelection;
  type: TypeStep;
  set: Step[] | undefined;
}
interface FragmentStep {
  field: false;
  typeCondition: CompositeType | undefined;
  set: Step[];
}
type Step = FieldStep | FragmentStep;

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const hasOwn = Object.hasOwn;
/** Types never change once built; their steps are shared by every request on that schema. */
const typeSteps = new WeakMap<Type, TypeStep>();

class Shaper {
  private readonly schema: Schema;
  private readonly variables: Record<string, unknown>;
  private readonly compiled = new Map<SelectionSet, Step[]>();
  private readonly typesByName = new Map<string, NamedType | undefined>();
  private readonly subtypes = new Map<CompositeType, Map<NamedType, boolean>>();
  private readonly path: (string | number)[] = [];
  readonly errors: GraphQLError[] = [];
  /** Set by `update`: the value made its parent invalid (null in a non-null position). */
  private invalid = false;
  /** Set by `update`: an error was recorded for the value or below it. */
  private hasErrors = false;

  constructor(private readonly args: ShapeArgs) {
    this.schema = args.operation.schema();
    this.variables = {
      __proto__: null,
      ...args.operation.collectDefaultedVariableValues(),
      ...args.variables,
    };
  }

  run(input: Record<string, unknown>): ShapeResult {
    const { operation } = this.args;
    const root = this.schema.schemaDefinition.rootType(operation.rootKind);
    if (!root) throw new Unsupported();
    const data: Record<string, unknown> = {};
    const bubbled = this.apply(input, this.compile(operation.selectionSet), data, root);
    return { data: bubbled ? null : data, errors: this.errors };
  }

  // --- preparing the operation -------------------------------------------------------------

  private compile(selectionSet: SelectionSet): Step[] {
    let steps = this.compiled.get(selectionSet);
    if (steps) return steps;
    steps = [];
    for (const selection of selectionSet.selections()) {
      if (this.skipped(selection.element)) continue;
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        const responseName = field.responseName();
        if (responseName === '__proto__') throw new Unsupported();
        steps.push({
          field: true,
          responseName,
          typename: field.name === '__typename',
          introspection: field.definition.isSchemaIntrospectionField(),
          selection,
          type: typeStep(field.definition.type!),
          set: selection.selectionSet ? this.compile(selection.selectionSet) : undefined,
        });
      } else {
        steps.push({
          field: false,
          typeCondition: selection.element.typeCondition,
          set: this.compile(selection.selectionSet),
        });
      }
    }
    this.compiled.set(selectionSet, steps);
    return steps;
  }

  /** @skip / @include, decided once for the request's variables. */
  private skipped(element: Field | FragmentElement): boolean {
    const skip = element.appliedDirectivesOf(this.schema.skipDirective())[0];
    const include = element.appliedDirectivesOf(this.schema.includeDirective())[0];
    return (
      (skip !== undefined && this.condition(skip.arguments()['if'])) ||
      (include !== undefined && !this.condition(include.arguments()['if']))
    );
  }

  private condition(value: unknown): boolean {
    if (!(value instanceof Variable)) return value as boolean;
    const resolved = this.variables[value.name];
    if (typeof resolved !== 'boolean') throw new Unsupported();
    return resolved;
  }

  // --- shaping the data --------------------------------------------------------------------

  /** Fills `output` from `input` for one selection set; true when null must bubble up. */
  private apply(
    input: Record<string, unknown>,
    steps: Step[],
    output: Record<string, unknown>,
    parentType: CompositeType,
  ): boolean {
    for (const step of steps) {
      if (!step.field) {
        const typename = input['__typename'];
        if (typename && typeof typename !== 'string') throw new Unsupported();
        const applies =
          !step.typeCondition ||
          (typename
            ? this.conditionApplies(step.typeCondition, typename as string)
            : isSubtype(step.typeCondition, parentType));
        if (applies && this.apply(input, step.set, output, step.typeCondition ?? parentType))
          return true;
        continue;
      }
      const name = step.responseName;
      const outputValue = hasOwn(output, name) ? output[name] : undefined;
      if (step.introspection) {
        if (outputValue === undefined)
          output[name] = this.args.introspectionHandling(step.selection);
        continue;
      }
      let inputValue = hasOwn(input, name) ? (input[name] ?? null) : null;
      if (step.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && name !== '__typename')
            inputValue = input['__typename'] ?? null;
          const type =
            typeof inputValue === 'string'
              ? (this.namedType(inputValue) ?? parentType)
              : parentType;
          if (!isObjectType(type)) return true;
          output[name] = type.name;
        }
        continue;
      }
      this.path.push(name);
      output[name] = this.update(outputValue, step.type, inputValue, step.set, parentType);
      this.path.pop();
      if (this.invalid) return true;
    }
    return false;
  }

  /** One value of the answer; sets `invalid` and `hasErrors` as the original's result flags. */
  private update(
    outputValue: unknown,
    type: TypeStep,
    inputValue: unknown,
    set: Step[] | undefined,
    parentType: CompositeType,
  ): unknown {
    this.invalid = false;
    this.hasErrors = false;
    if (inputValue === undefined) throw new Unsupported();
    if (outputValue === null || (outputValue !== undefined && !set)) return outputValue;
    switch (type.kind) {
      case 'nonNull': {
        const updated = this.update(outputValue, type.ofType, inputValue, set, parentType);
        if (updated === null) {
          if (!this.hasErrors)
            this.error(
              `Cannot return null for non-nullable ${this.describe(type.ofType.type, parentType)}.`,
            );
          this.invalid = true;
          this.hasErrors = true;
          return null;
        }
        this.invalid = false;
        this.hasErrors = false;
        return updated;
      }
      case 'list': {
        if (inputValue === null) return null;
        if (!Array.isArray(inputValue)) throw new Unsupported();
        if (outputValue !== undefined) {
          if (!Array.isArray(outputValue) || outputValue.length !== inputValue.length)
            throw new Unsupported();
        }
        const existing = outputValue as unknown[] | undefined;
        const updated = new Array<unknown>(inputValue.length);
        let nullify = false;
        let hasErrors = false;
        for (let i = 0; i < inputValue.length; i++) {
          this.path.push(i);
          updated[i] = this.update(existing?.[i], type.ofType, inputValue[i], set, parentType);
          this.path.pop();
          nullify ||= this.invalid;
          hasErrors ||= this.hasErrors;
        }
        this.invalid = false;
        this.hasErrors = hasErrors;
        return nullify ? null : updated;
      }
      case 'composite': {
        if (inputValue === null) return null;
        if (!set || typeof inputValue !== 'object') throw new Unsupported();
        if (outputValue !== undefined && typeof outputValue !== 'object') throw new Unsupported();
        const record = inputValue as Record<string, unknown>;
        const typename = record['__typename'];
        if (typename !== undefined && typeof typename !== 'string') throw new Unsupported();
        let objectType: CompositeType = type.type;
        if (typename) {
          const named = this.namedType(typename);
          if (!named || !isCompositeType(named)) {
            this.error(
              `Invalid __typename found for object at ${this.describe(type.type, parentType)}.`,
            );
            this.invalid = false;
            this.hasErrors = true;
            return null;
          }
          objectType = named;
        }
        const output = (outputValue ?? {}) as Record<string, unknown>;
        const bubbled = this.apply(record, set, output, objectType);
        this.invalid = false;
        this.hasErrors = bubbled;
        return bubbled ? null : output;
      }
      case 'leaf': {
        if (inputValue === null) return null;
        if (outputValue !== undefined) throw new Unsupported();
        if (type.valid(inputValue)) return inputValue;
        this.error(`Invalid value found for ${this.describe(type.type, parentType)}.`);
        this.hasErrors = true;
        return null;
      }
    }
  }

  private namedType(name: string): NamedType | undefined {
    if (this.typesByName.has(name)) return this.typesByName.get(name);
    const type = this.schema.type(name);
    this.typesByName.set(name, type);
    return type;
  }

  private conditionApplies(condition: CompositeType, typename: string): boolean {
    const type = this.namedType(typename);
    if (!type) return false;
    let byType = this.subtypes.get(condition);
    if (!byType) this.subtypes.set(condition, (byType = new Map<NamedType, boolean>()));
    let applies = byType.get(type);
    if (applies === undefined) byType.set(type, (applies = isSubtype(condition, type)));
    return applies;
  }

  private describe(type: Type, parentType: CompositeType): string {
    const element = this.path[this.path.length - 1];
    return typeof element === 'string'
      ? `field ${String(parentType)}.${element}`
      : `array element of type ${String(type)} at index ${element}`;
  }

  private error(message: string) {
    this.errors.push(ERRORS.INVALID_GRAPHQL.err(message, { path: Array.from(this.path) }));
  }
}

/** The steps for a field's type: wrappers unwrapped once, and the check for its leaf values. */
function typeStep(type: Type): TypeStep {
  let step = typeSteps.get(type);
  if (step) return step;
  if (isNonNullType(type)) step = { kind: 'nonNull', type, ofType: typeStep(type.ofType as Type) };
  else if (isListType(type)) step = { kind: 'list', type, ofType: typeStep(type.ofType as Type) };
  else if (isCompositeType(type)) step = { kind: 'composite', type };
  else step = { kind: 'leaf', type, valid: leafCheck(type) };
  typeSteps.set(type, step);
  return step;
}

/** @apollo/federation-internals' `isValidLeafValue`, specialised to one type. */
function leafCheck(type: NamedType): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  if (isEnumType(type))
    return (value) => typeof value === 'string' && type.value(value) !== undefined;
  const integer = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && INTEGER.test(String(value));
  switch (type.name) {
    case 'Boolean':
      return (value) => typeof value === 'boolean';
    case 'Int':
      return integer;
    case 'ID':
      return (value) => typeof value === 'string' || integer(value);
    case 'Float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'String':
      return (value) => typeof value === 'string';
    default:
      // Every non-custom scalar is one of the five above; anything else is the original's to judge.
      throw new Unsupported();
  }
}
