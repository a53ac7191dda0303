import { request } from "node:http";
import { diag } from "@opentelemetry/api";

/** What a rules or targets answer may weigh; X-Ray's are a few KiB. */
const MAX_ANSWER_BYTES = 1_048_576;

/**
 * The X-Ray sampler's calls to the collector's awsproxy (GetSamplingRules every few minutes,
 * SamplingTargets every 10 s), each with a deadline. The client in sampler-aws-xray sets none: an
 * awsproxy that accepts a connection and never answers would hold one more socket and request per
 * poll for the life of the task. A call that fails or times out is dropped; the next poll tries
 * again, and the sampler keeps the rules it has.
 */
export class SamplingClientWithDeadline {
  /**
   * @param endpoint the awsproxy's base URL
   * @param timeoutMs the deadline of one call, answer included
   */
  constructor(
    private readonly endpoint: string,
    private readonly timeoutMs: number,
  ) {}

  fetchSamplingRules(callback: (answer: unknown) => void): void {
    this.post("/GetSamplingRules", undefined, callback);
  }

  fetchSamplingTargets(requestBody: unknown, callback: (answer: unknown) => void): void {
    this.post("/SamplingTargets", JSON.stringify(requestBody), callback);
  }

  private post(path: string, body: string | undefined, callback: (answer: unknown) => void): void {
    const url = `${this.endpoint}${path}`;
    const headers: Record<string, string | number> = body
      ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
      : {};
    const req = request(url, { method: "POST", headers, signal: AbortSignal.timeout(this.timeoutMs) }, (res) => {
      res.setEncoding("utf8");
      let answer = "";
      res.on("data", (chunk: string) => {
        answer += chunk;
        if (answer.length > MAX_ANSWER_BYTES) req.destroy(new Error(`answer over ${MAX_ANSWER_BYTES} bytes`));
      });
      res.on("end", () => {
        if (res.statusCode !== 200) return diag.debug(`X-Ray sampling: ${url} answered ${res.statusCode}`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(answer);
        } catch {
          return diag.debug(`X-Ray sampling: ${url} answered with invalid JSON`);
        }
        callback(parsed);
      });
    });
    req.on("error", (error) => diag.debug(`X-Ray sampling: ${url} failed: ${error.message}`));
    req.end(body);
  }
}
