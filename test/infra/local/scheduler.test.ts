import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { scheduleSpeedupFromEnv, Scheduler, type ScheduledFunction, type ScheduledHandler } from '../../../infra/local/scheduler';

/** With this speed-up a one-minute schedule ticks every 20 ms. */
const FAST = 3000;
const PERIOD_MS = 20;

interface Harness {
  scheduler: Scheduler;
  logs: string[];
}

/** A scheduler of one function, `job`, every minute (scaled by `speedup`), stopped when the test ends. */
function schedule(t: TestContext, handler: ScheduledHandler, options: { speedup?: number; start?: boolean } = {}): Harness {
  const logs: string[] = [];
  const fn: ScheduledFunction = { name: 'job', rateMinutes: 1, handler, timeoutSeconds: 60 };
  const scheduler = new Scheduler({ functions: [fn], speedup: options.speedup ?? FAST, log: (line) => logs.push(line) });
  if (options.start ?? true) scheduler.start();
  t.after(() => scheduler.stop());
  return { scheduler, logs };
}

/** A promise the test resolves when it chooses. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Scheduler', () => {
  test('runNow runs the handler with a Scheduled Event and a Lambda context, and answers its result', async (t) => {
    const seen: Parameters<ScheduledHandler>[] = [];
    const { scheduler } = schedule(t, async (event, context) => {
      seen.push([event, context]);
      return { scanned: 3 };
    }, { speedup: 1 });

    assert.deepEqual(await scheduler.runNow('job'), { scanned: 3 });
    assert.equal(seen.length, 1);
    const [event, context] = seen[0]!;
    assert.equal(event['detail-type'], 'Scheduled Event');
    assert.equal(event.source, 'aws.events');
    assert.equal(context.functionName, 'job');
    assert.ok(context.getRemainingTimeInMillis() > 0 && context.getRemainingTimeInMillis() <= 60_000);
  });

  test('runs the handler once per period, the period divided by the speed-up', async (t) => {
    let runs = 0;
    schedule(t, async () => {
      runs++;
    });
    await until(() => runs >= 3, 'three scheduled runs');
  });

  test('makes the first scheduled run one period after start, not at start', async (t) => {
    let runs = 0;
    schedule(t, async () => {
      runs++;
    }, { speedup: 60 }); // one second
    await sleep(200);
    assert.equal(runs, 0);
  });

  test('skips ticks while a run is in progress instead of starting a second one', async (t) => {
    const release = gate();
    let running = 0;
    let mostAtOnce = 0;
    let runs = 0;
    const { logs } = schedule(t, async () => {
      runs++;
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      if (runs === 1) await release.opened;
      running--;
    });
    await until(() => runs === 1, 'the first run');
    await sleep(PERIOD_MS * 5);
    assert.equal(runs, 1, 'no run started while the first was going');
    assert.ok(logs.some((line) => line.includes('skipped a scheduled run')), logs.join('\n'));
    release.open();
    await until(() => runs >= 2, 'a run after the first finished');
    assert.equal(mostAtOnce, 1);
  });

  test('runNow during a run waits for it to finish before running', async (t) => {
    const release = gate();
    const order: string[] = [];
    let runs = 0;
    const { scheduler } = schedule(t, async () => {
      const run = ++runs;
      order.push(`start ${run}`);
      if (run === 1) await release.opened;
      order.push(`end ${run}`);
    }, { speedup: 1 });
    const first = scheduler.runNow('job');
    await until(() => runs === 1, 'the first run');
    const second = scheduler.runNow('job');
    await sleep(50);
    assert.deepEqual(order, ['start 1']);
    release.open();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['start 1', 'end 1', 'start 2', 'end 2']);
  });

  test('logs a failing scheduled run and keeps the schedule going', async (t) => {
    let runs = 0;
    const { logs } = schedule(t, async () => {
      runs++;
      if (runs === 1) throw new Error('disk on fire');
    });
    await until(() => runs >= 3, 'runs after the failure');
    assert.ok(logs.some((line) => line.includes('[job] scheduled run failed') && line.includes('disk on fire')), logs.join('\n'));
  });

  test('runNow rejects with the handler error, and a later runNow still runs', async (t) => {
    let runs = 0;
    const { scheduler } = schedule(t, async () => {
      runs++;
      if (runs === 1) throw new Error('first run fails');
      return 'ok';
    }, { speedup: 1 });
    await assert.rejects(scheduler.runNow('job'), /first run fails/);
    assert.equal(await scheduler.runNow('job'), 'ok');
  });

  test('stop waits for the run in progress and ends the schedule', async (t) => {
    const release = gate();
    let runs = 0;
    let finished = false;
    const { scheduler } = schedule(t, async () => {
      runs++;
      await release.opened;
      finished = true;
    });
    await until(() => runs === 1, 'a scheduled run');
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await sleep(50);
    assert.equal(stopped, false, 'stop returned while the run was going');
    release.open();
    await stopping;
    assert.equal(finished, true);
    await sleep(PERIOD_MS * 3);
    assert.equal(runs, 1, 'no run after stop');
    await assert.rejects(scheduler.runNow('job'), /stopped/);
  });

  test('runNow refuses a name that is not scheduled', async (t) => {
    const { scheduler } = schedule(t, async () => undefined, { start: false });
    await assert.rejects(scheduler.runNow('nope'), /no scheduled function 'nope'/);
  });
});

describe('scheduleSpeedupFromEnv', () => {
  test('is 1 unless SLUICE_SCHEDULE_SPEEDUP says otherwise, and refuses a value that is not above 0', () => {
    assert.equal(scheduleSpeedupFromEnv({}), 1);
    assert.equal(scheduleSpeedupFromEnv({ SLUICE_SCHEDULE_SPEEDUP: '60' }), 60);
    assert.throws(() => scheduleSpeedupFromEnv({ SLUICE_SCHEDULE_SPEEDUP: '0' }), /SLUICE_SCHEDULE_SPEEDUP must be a number above 0/);
    assert.throws(() => scheduleSpeedupFromEnv({ SLUICE_SCHEDULE_SPEEDUP: 'fast' }), /SLUICE_SCHEDULE_SPEEDUP/);
  });
});
