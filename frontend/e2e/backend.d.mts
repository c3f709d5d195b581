export declare const frontendDir: string;
export declare const repoRoot: string;
export declare function backendBinary(): string;
export interface Backend {
  port: number;
  origin: string;
  pid: number | undefined;
  stop(): Promise<void>;
}
export declare function startBackend(options?: { log?: boolean; logFile?: string; timeoutMs?: number }): Promise<Backend>;
