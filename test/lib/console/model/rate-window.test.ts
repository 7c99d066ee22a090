import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addSample, formatRate, rateOf, type CounterSample } from '../../../../lib/console/model/rate-window';

const s = (at: number, counters: Record<string, number>): CounterSample => ({ at, counters });

describe('addSample', () => {
  it('keeps every sample while they span less than the window', () => {
    const samples = [s(0, {}), s(5_000, {})];
    assert.deepEqual(addSample(samples, s(10_000, {}), 60_000).map((x) => x.at), [0, 5_000, 10_000]);
  });

  it('drops samples before the newest one at or before the window start', () => {
    const samples = [s(0, {}), s(5_000, {}), s(10_000, {}), s(20_000, {})];
    assert.deepEqual(addSample(samples, s(70_000, {}), 60_000).map((x) => x.at), [10_000, 20_000, 70_000]);
  });
});

describe('rateOf', () => {
  it('has no rate from a single sample', () => {
    assert.equal(rateOf([s(0, { p0: 1 })], { absentAs: 0 }), undefined);
  });

  it('divides the counters’ advance by the seconds between the oldest and newest sample', () => {
    const rate = rateOf([s(0, { p0: 10, p1: 0 }), s(5_000, { p0: 20, p1: 5 }), s(10_000, { p0: 30, p1: 10 })], { absentAs: 0 });
    assert.deepEqual(rate, { perSecond: 3, seconds: 10, fullWindow: false });
  });

  it('says the window is full once the samples span it', () => {
    assert.equal(rateOf([s(0, { p0: 0 }), s(60_000, { p0: 60 })], { absentAs: 0 })?.fullWindow, true);
  });

  it('counts a counter that went back as no advance for that step, not negative traffic', () => {
    const rate = rateOf([s(0, { g: 100 }), s(10_000, { g: 0 }), s(20_000, { g: 40 })], { absentAs: null });
    assert.equal(rate?.perSecond, 2);
  });

  it('counts a partition added since the last sample from 0 when absent counts as 0', () => {
    assert.equal(rateOf([s(0, { p0: 5 }), s(10_000, { p0: 5, p1: 20 })], { absentAs: 0 })?.perSecond, 2);
  });

  it('measures a counter first seen in a later sample from that sample when absent counts as unknown', () => {
    assert.equal(rateOf([s(0, {}), s(10_000, { g: 500 }), s(20_000, { g: 520 })], { absentAs: null })?.perSecond, 1);
  });
});

describe('formatRate', () => {
  it('says the rate is since the page opened until a minute has passed', () => {
    assert.deepEqual(formatRate({ perSecond: 1.5, seconds: 20.4, fullWindow: false }), { value: '1.50/s', span: 'since you opened this page (20 s)' });
  });

  it('says the rate is over the last minute once it is', () => {
    assert.deepEqual(formatRate({ perSecond: 250.4, seconds: 60, fullWindow: true }), { value: '250/s', span: 'over the last minute' });
  });

  it('says it is still measuring before there are two samples', () => {
    assert.equal(formatRate(undefined).value, '…');
  });
});
