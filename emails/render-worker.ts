import { parentPort, workerData } from "node:worker_threads";
import {
  createRenderCache,
  runComposeJob,
  runRenderJob,
  type ComposeJobMessage,
  type RenderJobMessage,
  type RenderReply,
} from "./render-job";

// [0] counts renders started and finished: the pool's watchdog reads it to tell a busy worker from a stuck one.
const progress = new Int32Array(workerData.progress as SharedArrayBuffer);
const cache = createRenderCache();
const beat = () => void Atomics.add(progress, 0, 1);

parentPort?.on("message", (job: RenderJobMessage | ComposeJobMessage) => {
  if ("compose" in job) {
    void runComposeJob(job, beat).then((composed) => {
      beat();
      const buffers = composed.flatMap((bytes) => (bytes ? [bytes.buffer as ArrayBuffer] : []));
      parentPort!.postMessage({ id: job.id, composed } satisfies RenderReply, buffers);
    });
    return;
  }
  void runRenderJob(job, cache, beat).then((results) => {
    beat();
    parentPort!.postMessage({ id: job.id, results } satisfies RenderReply);
  });
});
parentPort?.postMessage({ ready: true } satisfies RenderReply);
