import { randomUUID } from 'node:crypto';
import {
  BacktestError, newRunId, periodOf, resolveCandidate, runBacktest, type BacktestDeps, type BacktestProgress, type BacktestReport, type Candidate,
} from '@backstop/backtest';
import type { Logger } from '@backstop/logging';

/** A backtest the console runs in the background; its state lives in this process (docs/backtest.md). */
export interface BacktestJob {
  jobId: string;
  tenantId: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  progress: BacktestProgress & { fraction: number };
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  report: BacktestReport | null;
  error: { code: string; message: string } | null;
  /** What was tried: kept for promotion, never shown (the report names it by digest). */
  candidate: Candidate;
  /** Which halves the request supplied: only those are promoted. */
  tried: { rules: boolean; policy: boolean };
  /** The rules document as sent, stored as sent when promoted (only what differs from the defaults). */
  rulesDocument: unknown;
  promoted: boolean;
}

export interface BacktestRequest {
  tenantId: string;
  fromMs: number;
  toMs: number;
  warmUpHours: number;
  rules?: unknown;
  policy?: unknown;
  requestedBy: string;
}

/** Finished jobs kept per tenant for reading and promotion; the oldest go first. */
const KEEP_FINISHED = 20;

/**
 * The console's backtests: each runs beside the others (its own consumer group and shadow
 * state), reports its progress while it reads, and can be cancelled, which removes its
 * shadow state. Jobs are kept in memory: a console restart cancels the running ones (their
 * shadow state is removed on the way down) and forgets the finished ones; the report of a
 * forgotten job is reproduced by running it again, since the same period and configuration
 * give the same report.
 */
export class BacktestJobs {
  private readonly jobs = new Map<string, BacktestJob>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(
    private readonly deps: BacktestDeps,
    private readonly logger: Logger,
  ) {}

  /** Validates the request (throws BacktestError on bad input) and starts the job. */
  async start(request: BacktestRequest): Promise<BacktestJob> {
    const period = periodOf(request.fromMs, request.toMs, request.warmUpHours, Date.now());
    const candidate = await resolveCandidate(this.deps.pool, {
      tenantId: request.tenantId,
      ...(request.rules !== undefined ? { rules: { document: request.rules, from: 'request' } } : {}),
      ...(request.policy !== undefined ? { policy: { document: request.policy, from: 'request' } } : {}),
    });
    const job: BacktestJob = {
      jobId: randomUUID(), tenantId: candidate.tenantId, status: 'running', progress: { phase: 'planning', read: 0, total: 0, fraction: 0 },
      requestedBy: request.requestedBy, startedAt: new Date().toISOString(), finishedAt: null, report: null, error: null, candidate,
      tried: { rules: request.rules !== undefined, policy: request.policy !== undefined }, rulesDocument: request.rules, promoted: false,
    };
    this.jobs.set(job.jobId, job);
    const abort = new AbortController();
    const done = runBacktest(this.deps, candidate, period, {
      runId: newRunId(),
      signal: abort.signal,
      onProgress: (progress) => {
        job.progress = { ...progress, fraction: progress.total === 0 ? (progress.phase === 'done' ? 1 : 0) : Math.min(1, progress.read / progress.total) };
      },
    }).then(
      (report) => {
        job.status = 'done';
        job.report = report;
      },
      (error: unknown) => {
        const cancelled = error instanceof BacktestError && error.code === 'cancelled';
        job.status = cancelled ? 'cancelled' : 'failed';
        job.error = error instanceof BacktestError ? { code: error.code, message: error.message } : { code: 'internal', message: 'the backtest failed; see the console log' };
        if (!(error instanceof BacktestError)) this.logger.error({ err: error, jobId: job.jobId }, 'backtest failed');
      },
    ).finally(() => {
      job.finishedAt = new Date().toISOString();
      this.running.delete(job.jobId);
      this.forgetOld(job.tenantId);
    });
    this.running.set(job.jobId, { abort, done });
    return job;
  }

  /** The tenant's job, or undefined: another tenant's job looks absent. */
  get(jobId: string, tenantId: string): BacktestJob | undefined {
    const job = this.jobs.get(jobId);
    return job?.tenantId === tenantId ? job : undefined;
  }

  /** Cancels a running job and waits until its shadow state is gone. */
  async cancel(jobId: string): Promise<void> {
    const running = this.running.get(jobId);
    if (!running) return;
    running.abort.abort();
    await running.done;
  }

  /** Cancels every running job: for shutdown. */
  async cancelAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((jobId) => this.cancel(jobId)));
  }

  private forgetOld(tenantId: string): void {
    const finished = [...this.jobs.values()].filter((job) => job.tenantId === tenantId && job.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.jobId);
  }
}
