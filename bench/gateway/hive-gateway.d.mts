export function startHiveGateway(supergraphSdl: string): Promise<string>;
