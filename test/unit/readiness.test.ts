import { describe, expect, it } from 'vitest';
import { testEventPattern } from '../../src/events/pattern.js';
import { autoReadiness, READINESS_SOURCE } from '../../src/listeners/readiness.js';

const PATTERN = JSON.stringify({ source: ['shop'], 'detail-type': ['OrderPlaced'] });
const TOKEN = 'eventprobe-readiness-l1-abcdefgh';

const envelope = (event: { source: string; detailType: string; detail: object }) => ({
  version: '0',
  id: '1',
  'detail-type': event.detailType,
  source: event.source,
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: event.detail,
});

describe('automatic readiness', () => {
  it('matches the copied pattern or its own marker, which only it matches', () => {
    const auto = autoReadiness(PATTERN, TOKEN, {});
    expect(auto?.event).toEqual({
      source: READINESS_SOURCE,
      detailType: TOKEN,
      detail: { 'eventprobe-readiness': TOKEN },
    });
    const pattern = auto?.eventPattern as string;
    expect(JSON.parse(pattern)).toEqual({
      $or: [JSON.parse(PATTERN), { source: [READINESS_SOURCE], 'detail-type': [TOKEN] }],
    });
    expect(testEventPattern(pattern, envelope(auto?.event as never))).toBe(true);
    expect(
      testEventPattern(pattern, envelope({ source: 'shop', detailType: 'OrderPlaced', detail: {} })),
    ).toBe(true);
    expect(testEventPattern(pattern, envelope({ source: 'shop', detailType: 'Other', detail: {} }))).toBe(
      false,
    );
    // The user's own rule does not match the marker.
    expect(testEventPattern(PATTERN, envelope(auto?.event as never))).toBe(false);
  });

  it('sets the token at every detail path a transformation shows', () => {
    const auto = autoReadiness(PATTERN, TOKEN, {
      InputTransformer: {
        InputPathsMap: {
          id: '$.detail.order.id',
          same: '$.detail.order.id',
          deeper: '$.detail.order.id.x',
          unused: '$.detail.u',
        },
        InputTemplate: 'Order <id> <same> <deeper>',
      },
    });
    expect(auto?.event.detail).toEqual({ 'eventprobe-readiness': TOKEN, order: { id: TOKEN } });
    expect(autoReadiness(PATTERN, TOKEN, { InputPath: '$.detail.a' })?.event.detail).toEqual({
      'eventprobe-readiness': TOKEN,
      a: TOKEN,
    });
  });

  it.each([
    ['the whole event', { InputPath: '$' }],
    ['the detail', { InputPath: '$.detail' }],
    [
      'the detail-type',
      { InputTransformer: { InputPathsMap: { t: '$.detail-type' }, InputTemplate: '<t>' } },
    ],
    [
      'the event variable',
      { InputTransformer: { InputPathsMap: {}, InputTemplate: '<aws.events.event.json>' } },
    ],
  ])('works through a transformation that shows %s', (_, target) => {
    expect(autoReadiness(PATTERN, TOKEN, target)).toBeDefined();
  });

  it.each([
    ['a constant Input', { Input: '{"kind":"constant"}' }],
    ['a path it cannot set', { InputPath: '$.detail.items[0]' }],
    [
      'a transformation of other fields only',
      { InputTransformer: { InputPathsMap: { s: '$.source' }, InputTemplate: '<s>' } },
    ],
    ['a transformation with no variables', { InputTransformer: { InputTemplate: '"fixed"' } }],
  ])('is skipped with %s (the marker would not show)', (_, target) => {
    expect(autoReadiness(PATTERN, TOKEN, target)).toBeUndefined();
  });

  it('is skipped when the combined pattern would be too long or refused', () => {
    const long = JSON.stringify({ source: ['x'.repeat(4_060)] });
    expect(autoReadiness(long, TOKEN, {})).toBeUndefined();
    // 'numeric' is reserved inside $or, so the combined pattern is refused.
    const reserved = JSON.stringify({ numeric: ['shop'] });
    expect(autoReadiness(reserved, TOKEN, {})).toBeUndefined();
  });
});
